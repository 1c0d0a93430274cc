"""The "coming up" section: the next period's content calendar, series expanded."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from commbook.calendar import recurrence
from commbook.reports import blocks
from commbook.reports.data import ReportData
from commbook.reports.sections._common import (
    Section,
    _nan,
    _type_name,
    period_name,
    plural,
    type_title,
)

#: What the table says when an item has no owner or channel yet.
NO_OWNER = "Unassigned"
NO_CHANNEL = "—"


def text(value: object, missing: str = "") -> str:
    """A stored text value for print: ``missing`` for None, NaN, ``pd.NA`` or blanks."""
    if _nan(value) or value is pd.NaT:
        return missing
    value = str(value).strip()
    return value or missing


def expand_upcoming(upcoming: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    """Every occurrence in ``[lo, hi)`` of the items in ``upcoming``, soonest first.

    A row with a recurrence rule (``rrule`` column: the stored RRULE, with its skipped
    dates) becomes one row per occurrence in the window, computed by
    ``commbook.calendar.recurrence.occurrences`` in the item's own ``timezone`` (default
    UTC) — the expansion the planning app's calendar shows. A row without a rule stays as
    it is if it falls in the window. The result adds ``repeats``: the rule in words
    (``"Every week on Mon"``, skipped dates not counted), empty for a one-off item.
    Frames without ``rrule`` or ``timezone`` columns are read as one-off items.
    """
    lo_dt, hi_dt = lo.to_pydatetime(), hi.to_pydatetime()
    rows: list[dict] = []
    for row in upcoming.to_dict("records"):
        start = row["scheduled_at"]
        if _nan(start) or start is pd.NaT:
            continue
        stored = text(row.get("rrule"))
        if not stored:
            if lo <= start < hi:
                rows.append({**row, "repeats": ""})
            continue
        zone = text(row.get("timezone"), "UTC")
        repeats = recurrence.describe(recurrence.split_stored(stored)[0])
        for moment in recurrence.occurrences(start.to_pydatetime(), zone, stored, lo_dt, hi_dt):
            rows.append({**row, "scheduled_at": pd.Timestamp(moment), "repeats": repeats})
    columns = [*upcoming.columns, "repeats"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["scheduled_at"] = pd.to_datetime(frame["scheduled_at"], utc=True)
    if frame.empty:
        return frame.reset_index(drop=True)
    order = frame["title"].map(lambda t: text(t).casefold())
    frame = frame.assign(_order=order).sort_values(["scheduled_at", "_order"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def _titled(title: str, repeats: str) -> str:
    """``"Tinkerers Weekly (every week on Mon)"`` for a series, else the title."""
    return f"{title} ({repeats[0].lower()}{repeats[1:]})" if repeats else title


def _when(moment: pd.Timestamp, tz: dt.tzinfo) -> str:
    return f"{moment.tz_convert(tz):%a %-d %b, %H:%M}"


def calendar_section(data: ReportData) -> Section:
    """Next period's calendar preview: every occurrence scheduled in the next period."""
    name = period_name(*data.next, data.tz)
    s = Section("calendar", f"Coming up: {name}")
    s.add(
        blocks.section_title(
            f"Coming up: {name}",
            "Content scheduled in the next period, from the content calendar (cancelled "
            f"items left out; a recurring item once per date). Times in {data.tz}.",
        )
    )
    up = expand_upcoming(data.upcoming, *data.next)
    s.facts["upcoming"] = len(up)
    s.facts["occurrences"] = [(r.scheduled_at, text(r.title)) for r in up.itertuples()]
    if up.empty:
        s.add(blocks.paragraph(f"Nothing is scheduled yet for {name}."))
        return s
    counts = up["content_type"].map(lambda t: _type_name(text(t, "other"))).value_counts()
    states = up["status"].map(lambda v: text(v, "no status")).value_counts()
    sentence = (
        f"{plural(len(up), 'item')} in the calendar: "
        + ", ".join(plural(n, t) for t, n in counts.items())
        + " ("
        + ", ".join(f"{n} {state}" for state, n in states.items())
        + ")."
    )
    series = up.loc[up["repeats"] != "", "title"].map(text).nunique()
    if series:
        dates = int((up["repeats"] != "").sum())
        verb = "comes" if dates == 1 else "come"
        sentence += f" {plural(dates, 'date')} {verb} from {plural(series, 'recurring item')}."
    s.add(blocks.paragraph(sentence))
    s.add(
        blocks.rich_table(
            ["When", "Title", "Type", "Channel", "Status", "Owner"],
            [
                [
                    _when(r.scheduled_at, data.tz),
                    _titled(text(r.title), r.repeats),
                    type_title(text(r.content_type, "other")),
                    text(r.channel, NO_CHANNEL),
                    text(r.status, "—"),
                    text(r.owner, NO_OWNER),
                ]
                for r in up.itertuples()
            ],
            widths=(15, 37, 9, 11, 12, 16),
        )
    )
    return s
