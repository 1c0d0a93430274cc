"""The audience and retention section."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from commbook import charts, metrics
from commbook.reports import blocks
from commbook.reports.data import ReportData
from commbook.reports.sections._common import (
    Section,
    metrics_in,
    nothing_known,
    plural,
    week_days,
)


def audience_section(data: ReportData) -> Section:
    """Audience and retention: new vs returning actives, cohort retention, segments."""
    s = Section("audience", "Audience and retention")
    s.add(
        blocks.section_title(
            "Audience and retention",
            "Who is active: newcomers or members who were already here, how long new members "
            "stay active, and how the audience segments took part.",
        )
    )
    in_period = data.activity[metrics_in(data.activity["occurred_at"], data.start, data.end)]
    nvr = metrics.new_vs_returning(in_period, data.members, data.start, data.end, data.tz, "week")
    s.facts["new_vs_returning"] = nvr
    if nvr["active_members"].sum():
        days = week_days(nvr["period_start"], data.start, data.known_end)
        s.add(charts.new_returning_chart(nvr, days))
    else:
        s.add(nothing_known(data) or blocks.notice(f"No member was active in {data.period.title}."))

    # whole calendar months: a cohort is everyone who joined in its month, whenever the
    # loaded events start (as metrics.cohort_retention counts them); the six months end
    # where the data does, so a period the data stops long before still has cohorts
    cohort_start = _month_start(data.known_end, data.tz, 5)
    retention = metrics.cohort_retention(
        data.activity, data.members, cohort_start, data.known_end, data.tz, max_months=5
    )
    s.facts["retention"] = retention
    s.facts["complete_retention"] = complete_months(retention, data.known_end, data.tz)
    s.add(
        blocks.subtitle(
            "Retention of new members",
            "Share of each month's new members who were active in their join month (month 0) "
            "and in each following month. The latest month may be partial.",
        )
    )
    if retention.empty or not retention["members"].sum():
        s.add(blocks.paragraph("No member joined in the last six months."))
    else:
        month_cols = [c for c in retention.columns if isinstance(c, int | np.integer)]
        s.add(
            blocks.rich_table(
                ["Joined in", "Members", *[f"Month {c}" for c in month_cols]],
                [
                    [r["cohort"], f"{int(r['members']):,}"]
                    + ["" if pd.isna(r[c]) else f"{r[c]:.0%}" for c in month_cols]
                    for _, r in retention.iterrows()
                ],
                numeric=tuple(range(1, len(month_cols) + 2)),
            )
        )

    s.add(
        blocks.subtitle(
            "Audience segments", "Segments with a member rule, sized at the period's end."
        )
    )
    for problem in data.invalid_segments:
        s.add(blocks.notice(f"Segment {problem} — left out; fix its rule in the planning app."))
    if not data.segment_sizes or data.member_segments is None:
        s.add(blocks.paragraph(unsized_sentence(data.unsized_segments)))
        s.facts["segments"] = pd.DataFrame()
        return s
    table = segment_activity(data.segment_sizes, data.member_segments, in_period)
    s.facts["segments"] = table
    s.add(
        blocks.table(
            table,
            {"segment": "Segment", "members": "Members", "active": "Active in period",
             "share_active": "Share active"},
            {"members": blocks.integer, "active": blocks.integer, "share_active": blocks.percent},
        )
    )  # fmt: skip
    return s


def complete_months(retention: pd.DataFrame, end: pd.Timestamp, tz: dt.tzinfo) -> pd.DataFrame:
    """``retention`` with the cells of months not complete at ``end`` (exclusive) blanked:
    month N of cohort C counts once the calendar month C + N has ended."""
    if retention.empty:
        return retention
    local = (end - pd.Timedelta(microseconds=1)).tz_convert(tz)
    last_complete = local.year * 12 + local.month - 1  # the month of the last instant…
    if (end.tz_convert(tz) - pd.Timedelta(microseconds=1)).month == end.tz_convert(tz).month:
        last_complete -= 1  # …unless it ends with it, it is still running
    out = retention.copy()
    cohort = out["cohort"].map(lambda c: int(c[:4]) * 12 + int(c[5:7]) - 1)
    for column in [c for c in out.columns if isinstance(c, int | np.integer)]:
        out[column] = out[column].where(cohort + int(column) <= last_complete)
    return out


def _month_start(end: pd.Timestamp, tz: dt.tzinfo, months_back: int) -> pd.Timestamp:
    local = (end.tz_convert(tz).tz_localize(None) - pd.Timedelta(microseconds=1)).normalize()
    first = local.replace(day=1) - pd.DateOffset(months=months_back)
    return first.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def segment_activity(
    sizes: dict[str, int], member_segments: pd.Series, events: pd.DataFrame
) -> pd.DataFrame:
    """Per segment: ``members`` (its size), ``active`` (its members active in ``events``;
    a member counts in their first segment only) and ``share_active``."""
    active = events[events["kind"].isin(metrics.ACTIVE_KINDS).to_numpy(dtype=bool)]
    active_ids = pd.Index(active["member_id"].dropna().unique())
    seg_of_active = member_segments[member_segments.index.isin(active_ids)]
    counts = seg_of_active.value_counts()
    rows = [
        {
            "segment": name,
            "members": size,
            "active": int(counts.get(name, 0)),
            "share_active": counts.get(name, 0) / size if size else float("nan"),
        }
        for name, size in sizes.items()
    ]
    return pd.DataFrame(rows, columns=["segment", "members", "active", "share_active"])


def unsized_sentence(names: Sequence[str]) -> str:
    """Why no segment is sized: none is defined, or those defined have no member rule."""
    if not names:
        return "No audience segment is defined yet (the planning app's Audience tab)."
    listed = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    these = "it has" if len(names) == 1 else "they have"
    return (
        f"{plural(len(names), 'audience segment')} {'is' if len(names) == 1 else 'are'} "
        f"described ({listed}), but {these} no member rule yet, so no one can be counted in "
        "them. Add a rule (who belongs) in the planning app's Audience tab to size them here."
    )
