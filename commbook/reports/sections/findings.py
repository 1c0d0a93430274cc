"""Lessons learned: every rule of ``commbook.reports.lessons`` run on what the sections
computed, and the lessons section with the team's notes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import pandas as pd

from commbook import metrics
from commbook.reports import blocks, lessons
from commbook.reports.data import ReportData
from commbook.reports.lessons import Lesson
from commbook.reports.periods import short_day
from commbook.reports.sections._common import Section, _nan, _type_name
from commbook.reports.sections.comparison import compared_names
from commbook.reports.sections.objectives import ObjectiveRow
from commbook.triage.sla import SLAPolicy, load_sla


def collect_lessons(
    compared: pd.DataFrame,
    workflow: Section,
    content: Section,
    audience: Section,
    feedback: Section,
    objectives: Sequence[ObjectiveRow],
    policy: SLAPolicy | None = None,
    data: ReportData | None = None,
) -> list[Lesson]:
    """Run every rule of ``commbook.reports.lessons`` on what the sections computed;
    problems first, then what went well. With ``data``: a period without data gets no
    lesson about the period (only the objectives'), and findings on a period the data
    covers in part say which days they compare."""
    policy = policy or load_sla()
    by_key = compared.set_index("metric")
    found: list[Lesson | None] = []
    if data is not None and not data.has_data:
        found.append(lessons.objectives_rule([(r.title, r.status) for r in objectives]))
        return [x for x in found if x is not None]
    times = workflow.facts.get("times")
    if times is not None:
        before = workflow.facts["previous_times"].set_index("category")
        weekend = workflow.facts["weekend"].set_index("category")
        for r in times[times["category"] != "all"].itertuples():
            target = policy.target(r.category, "normal").first_response / pd.Timedelta(hours=1)
            found.append(
                lessons.first_response_p90_rule(
                    r.category,
                    r.first_response_p90_h,
                    before["first_response_p90_h"].get(r.category),
                    target,
                    weekend["weekend"].get(r.category),
                    weekend["weekday"].get(r.category),
                    items=r.items,
                )
            )
            found.append(
                lessons.sla_compliance_rule(r.category, r.first_response_within_sla, r.items)
            )
        stale_cols = [c for c in ("7-30d", "30d+") if c in workflow.facts["backlog"].columns]
        stale = int(workflow.facts["backlog"].loc["total", stale_cols].sum()) if stale_cols else 0
        found.append(
            lessons.backlog_rule(workflow.facts["open_end"], workflow.facts["open_start"], stale)
        )
        found.append(
            lessons.closed_loop_rule(workflow.facts["closed_loop"], workflow.facts["resolved"])
        )
    threads = by_key.loc["threads", "current"]
    rate = by_key.loc["unanswered_rate", "current"]
    so_far, windows = "", "the previous period"
    if data is not None:
        last = metrics.answers_last_day(data.end, data.tz)
        if data.data_ends is not None and data.data_ends < last:
            so_far = short_day(data.data_ends)  # answers may still come: say "so far"
        if bool(compared["partial"].iloc[0]):
            windows = f"the same days of {compared_names(data, compared)[1]}"
    found.append(
        lessons.unanswered_rule(None if _nan(rate) else rate / 100, int(threads or 0), so_far)
    )
    found.append(
        lessons.active_members_rule(
            by_key.loc["active_members", "current"],
            by_key.loc["active_members", "previous"],
            windows,
        )
    )
    if content.facts.get("recommendations"):
        named = [
            replace(r, best=_type_name(r.best), baseline=_type_name(r.baseline))
            for r in content.facts["recommendations"]
            if r.best and r.baseline
        ]
        found.extend(lessons.content_rules(named))
    ranking = content.facts.get("ranking")
    if ranking is not None and len(ranking):
        named_ranking = ranking.assign(content_type=ranking["content_type"].map(_type_name))
        found.append(lessons.weakest_content_rule(named_ranking))
    found.append(
        lessons.retention_rule(
            audience.facts.get("complete_retention", audience.facts["retention"])
        )
    )
    waves = feedback.facts.get("nps_waves")
    if waves is not None and len(waves):
        found.append(lessons.nps_rule(waves))
    found.append(lessons.objectives_rule([(r.title, r.status) for r in objectives]))
    kept = [x for x in found if x is not None]
    return sorted(kept, key=lambda x: x.severity != "warning")


def lessons_section(found: Sequence[Lesson], notes: Iterable[tuple[str, str]] = ()) -> Section:
    """Lessons learned and proposed adjustments: the rules' findings, then the team's notes."""
    s = Section("lessons", "Lessons learned and proposed adjustments", facts={"lessons": found})
    s.add(
        blocks.section_title(
            "Lessons learned and proposed adjustments",
            "Findings from fixed rules on this period's numbers, each with the change we "
            "propose and the evidence. Problems come first, then what to keep doing.",
        )
    )
    if found:
        s.add(
            *[
                blocks.lesson(x.area, x.finding, x.adjustment, x.evidence, x.severity == "good")
                for x in found
            ]
        )
    else:
        s.add(blocks.paragraph("No rule found anything that needs a change this period."))
    notes = list(notes)
    s.facts["notes"] = notes
    s.add(blocks.subtitle("Notes from the team"))
    if notes:
        s.add(blocks.quotes((text, author) for author, text in notes))
    else:
        s.add(blocks.paragraph("The team recorded no notes for this period."))
    return s
