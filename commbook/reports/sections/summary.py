"""The executive summary section."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from commbook import metrics
from commbook.progress import RECENT_DAYS, RECENT_DAYS_BY_METRIC
from commbook.reports import blocks, story
from commbook.reports.blocks import Kpi
from commbook.reports.data import ReportData
from commbook.reports.lessons import Lesson
from commbook.reports.periods import short_day
from commbook.reports.sections._common import Section, _kpi, _nan, metrics_in
from commbook.reports.sections.comparison import compared_names
from commbook.reports.sections.objectives import ObjectiveRow, objectives_table


def summary_section(
    data: ReportData,
    compared: pd.DataFrame,
    objectives: Sequence[ObjectiveRow],
    nps_latest: dict[str, Any] | None,
    highlights: Sequence[Lesson],
    nps_waves: pd.DataFrame | None = None,
) -> Section:
    """Executive summary: headline KPIs with their change, objectives with status, and the
    main lessons."""
    now, prev = compared_names(data, compared)
    s = Section("summary", "Executive summary", facts={"previous_name": prev})
    s.add(
        blocks.section_title(
            "Executive summary",
            f"The headline numbers for {now}, compared with {prev}.",
            new_page=False,
        )
    )
    for note in data.notes:
        s.add(blocks.notice(note))
    if data.has_data:
        note = activity_notice(data, compared)
        if note:
            s.add(blocks.notice(note))
    waves = nps_waves if nps_waves is not None else pd.DataFrame(columns=["score", "n"])
    opening = story.opening(compared, (now, prev), objectives, nps_latest, waves)
    s.facts["opening"] = opening
    if opening:
        s.add(blocks.paragraph(" ".join(opening)))
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
    s.facts["answers_until"] = answers_until(data)
    s.add(blocks.paragraph(definitions_line(data)))

    judged = short_day(data.as_of or data.period.last_day)
    if objectives:
        counts = pd.Series([r.label for r in objectives]).value_counts()
        tally = ", ".join(f"{n} {label.lower()}" for label, n in counts.items())
        s.add(
            blocks.subtitle(
                "Objectives",
                f'Where each active objective stands on {judged}: {tally}. "Now" is each '
                f"metric over the {RECENT_DAYS} days to that day ({RECENT_DAYS_BY_METRIC['nps']} "
                "for NPS), as in the planning app.",
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


def activity_notice(data: ReportData, compared: pd.DataFrame) -> str | None:
    """What to say when the period shows no active member: nothing at all was recorded,
    only content, or only posts whose authors are unknown (deleted accounts, an export
    without its users) — which still count as threads and answers."""
    active = compared.set_index("metric").loc["active_members", "current"]
    if not _nan(active) and active > 0:
        return None
    in_period = metrics_in(data.activity["occurred_at"], data.start, data.end)
    events = int(in_period.sum())
    published = bool(metrics_in(data.content["published_at"], data.start, data.end).any())
    if events:
        return (
            f"The {events:,} posts, replies and reactions of {data.period.title} have no "
            "known author (deleted accounts, or an export without its members), so member "
            "counts are 0; threads and answers are counted."
        )
    what = "member activity" if published else "activity or content"
    return (
        f"No {what} was recorded for {data.period.title}. If this is unexpected, check "
        "that data for the period was imported."
    )


def answers_until(data: ReportData) -> dt.date:
    """The last day whose answers count for the period's threads (the cut-off)."""
    return metrics.answers_last_day(data.end, data.tz)


def definitions_line(data: ReportData) -> str:
    """How the tiles are measured: the answer cut-off and the day objectives are judged."""
    until = answers_until(data)
    known = data.data_ends
    answers = (
        f"answers counted until {short_day(until)} ({metrics.FOLLOW_UP_DAYS} days after the period)"
    )
    if known is not None and known < until:
        answers += f", so far: the data ends {short_day(known)}"
    judged = data.as_of or data.period.last_day
    return f"Threads answered and first reply: {answers}. Objectives judged on {short_day(judged)}."
