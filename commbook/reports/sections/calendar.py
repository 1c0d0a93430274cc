"""The "coming up" section: the next period's content calendar."""

from __future__ import annotations

from commbook.reports import blocks
from commbook.reports.data import ReportData
from commbook.reports.sections._common import Section, _type_name, period_name, plural


def calendar_section(data: ReportData) -> Section:
    """Next period's calendar preview: content scheduled in the next period."""
    name = period_name(*data.next, data.tz)
    s = Section("calendar", f"Coming up: {name}")
    s.add(
        blocks.section_title(
            f"Coming up: {name}",
            "Content scheduled in the next period, from the content calendar (cancelled "
            "items left out). Times are local.",
        )
    )
    up = data.upcoming
    s.facts["upcoming"] = len(up)
    if up.empty:
        s.add(blocks.paragraph(f"Nothing is scheduled yet for {name}."))
        return s
    counts = up["content_type"].map(_type_name).value_counts()
    s.add(
        blocks.paragraph(
            f"{plural(len(up), 'item')} planned: "
            + ", ".join(plural(n, t) for t, n in counts.items())
            + "."
        )
    )
    s.add(
        blocks.rich_table(
            ["When", "Title", "Type", "Channel", "Status", "Owner"],
            [
                [
                    f"{r.scheduled_at.tz_convert(data.tz):%a %-d %b, %H:%M}",
                    r.title,
                    _type_name(r.content_type),
                    r.channel or "",
                    r.status,
                    r.owner or "",
                ]
                for r in up.itertuples()
            ],
        )
    )
    return s
