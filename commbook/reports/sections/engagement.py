"""The engagement and growth section."""

from __future__ import annotations

import pandas as pd

from commbook import charts, metrics
from commbook.reports import blocks
from commbook.reports.data import ReportData
from commbook.reports.periods import short_day
from commbook.reports.sections._common import (
    Section,
    _kpi,
    format_change,
    format_value,
    week_days,
)
from commbook.reports.sections.comparison import IN_WORDS, compared_names


def engagement_section(data: ReportData, compared: pd.DataFrame) -> Section:
    """Engagement and growth: activity KPIs, weekly actives, joins and leavers, and every
    compared metric in a table."""
    now, prev = compared_names(data, compared)
    s = Section("engagement", "Engagement and growth")
    s.add(
        blocks.section_title(
            "Engagement and growth",
            "How many members took part, how often, and how the community grew. Active "
            "means posted, replied, commented, reacted or shared; reading alone does not count.",
        )
    )
    by_key = compared.set_index("metric")
    last_day = (compared["current_end"].iloc[0] - pd.Timedelta(microseconds=1)).tz_convert(data.tz)
    s.facts = {k: by_key.loc[k, "current"] for k in by_key.index}
    if not data.has_data:
        s.add(blocks.notice(f"Nothing is known yet about {data.period.title}."))
        return s
    if not by_key.loc["active_members", "current"]:
        s.add(blocks.notice(f"No member was active in {data.period.title}."))
        return s
    s.add(
        blocks.kpis(
            [
                _kpi(compared, "daily_active_members", prev, "Daily active (avg)"),
                _kpi(compared, "monthly_active_members", prev, "Monthly active (avg)"),
                _kpi(compared, "stickiness", prev),
                _kpi(compared, "contribution_rate", prev),
            ]
        )
    )
    weekly = metrics.weekly_active_members(data.activity, data.start, data.end, tz=data.tz)
    days = week_days(weekly["week_start"], data.start, data.known_end)
    s.add(charts.weekly_active_chart(weekly, days))
    joins, left = by_key.loc["new_members", "current"], by_key.loc["churned_members", "current"]
    s.add(
        blocks.paragraph(
            f"{joins:,.0f} members joined and {left:,.0f} left, a net change of "
            f"{joins - left:+,.0f}. The community had {by_key.loc['members', 'current']:,.0f} "
            f"members on {short_day(last_day)}."
        )
    )
    s.add(blocks.subtitle("This period against the previous one"))
    s.add(
        blocks.rich_table(
            ["Metric", now, prev, "Change"],
            [
                [
                    r.label,
                    format_value(r.current, r.unit),
                    format_value(r.previous, r.unit),
                    format_change(r._asdict(), prev).removesuffix(f" vs {prev}"),
                ]
                for r in compared.itertuples()
                if r.metric not in IN_WORDS
            ],
            numeric=(1, 2, 3),
        )
    )
    return s
