"""The executive summary section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from commbook.reports import blocks
from commbook.reports.blocks import Kpi
from commbook.reports.data import ReportData
from commbook.reports.lessons import Lesson
from commbook.reports.sections._common import Section, _kpi, _nan, metrics_in, period_name
from commbook.reports.sections.objectives import ObjectiveRow, objectives_table


def summary_section(
    data: ReportData,
    compared: pd.DataFrame,
    objectives: Sequence[ObjectiveRow],
    nps_latest: dict[str, Any] | None,
    highlights: Sequence[Lesson],
) -> Section:
    """Executive summary: headline KPIs with their change, objectives with status, and the
    main lessons."""
    prev = period_name(*data.previous, data.tz)
    s = Section("summary", "Executive summary", facts={"previous_name": prev})
    s.add(
        blocks.section_title(
            "Executive summary",
            f"The headline numbers for {data.period.title}, compared with {prev}.",
            new_page=False,
        )
    )
    activity = compared[compared["metric"] == "active_members"].iloc[0]
    if _nan(activity["current"]) or activity["current"] == 0:
        published = metrics_in(data.content["published_at"], data.start, data.end).any()
        what = "member activity" if published else "activity or content"
        s.add(
            blocks.notice(
                f"No {what} was recorded for {data.period.title}. If this is "
                "unexpected, check that data for the period was imported."
            )
        )
    tiles = [
        _kpi(compared, "members", prev, "Members"),
        _kpi(compared, "active_members", prev),
        _kpi(compared, "new_members", prev),
        _kpi(compared, "answered_rate", prev, "Threads answered"),
        _kpi(compared, "median_first_response_hours", prev, "Median first reply"),
        _kpi(compared, "engagement_rate", prev, "Content engagement"),
    ]
    if nps_latest:
        tiles.append(Kpi("NPS (latest survey)", f"{nps_latest['score']:+.0f}", nps_latest["delta"]))
    s.add(blocks.kpis(tiles))
    s.facts["kpis"] = {t.label: t.value for t in tiles}

    if objectives:
        counts = pd.Series([r.label for r in objectives]).value_counts()
        tally = ", ".join(f"{n} {label.lower()}" for label, n in counts.items())
        s.add(
            blocks.subtitle(
                "Objectives", f"Where each active objective stands at the period's end: {tally}."
            ),
            objectives_table(objectives),
        )
    else:
        s.add(
            blocks.subtitle("Objectives"),
            blocks.paragraph("No active objectives are recorded in the planning app."),
        )
    s.facts["objectives"] = [(r.title, r.status) for r in objectives]

    s.add(blocks.subtitle("Main lessons"))
    if highlights:
        s.add(blocks.bullets(f"{x.finding} Proposed: {x.adjustment}" for x in highlights))
    else:
        s.add(blocks.paragraph("No rule found anything that needs a change this period."))
    return s
