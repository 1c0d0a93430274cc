"""The stakeholder report's sections, assembled from :class:`ReportData` by pure functions.

Each ``*_section`` function takes the loaded frames (and, for some, what earlier sections
computed) and returns a :class:`Section`: its title, the blocks and charts to display in
order, and ``facts`` — the numbers it shows, so later sections, rules and tests can reuse
them without computing twice. A section with no data says so in a sentence; numbers are
never invented. :func:`build_report` runs them all in order.

The report notebook only does::

    data = load_report_data(period, url=..., tz=..., segment=..., channel=...)
    report = build_report(data)
    show(report.section("engagement"), detail)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from commbook.reports import blocks
from commbook.reports.data import DETAILS, ReportData
from commbook.reports.sections._common import (
    Report,
    Section,
    format_change,
    format_value,
    metrics_in,
    period_name,
    plural,
)
from commbook.reports.sections.audience import audience_section, segment_activity
from commbook.reports.sections.calendar import calendar_section
from commbook.reports.sections.comparison import (
    ACTIVITY_KEYS,
    CONTENT_KEYS,
    CONVERSATION_KEYS,
    comparison,
)
from commbook.reports.sections.content import content_section
from commbook.reports.sections.engagement import engagement_section
from commbook.reports.sections.feedback import feedback_section, latest_nps, nps_waves, tone
from commbook.reports.sections.findings import collect_lessons, lessons_section
from commbook.reports.sections.objectives import ObjectiveRow, objective_rows, objectives_table
from commbook.reports.sections.summary import summary_section
from commbook.reports.sections.trends import trends_section
from commbook.reports.sections.workflow import (
    moderation_and_answers,
    weekend_medians,
    workflow_section,
)
from commbook.triage.sla import SLAPolicy, load_sla

__all__ = [
    "ACTIVITY_KEYS", "CONTENT_KEYS", "CONVERSATION_KEYS", "SECTIONS", "ObjectiveRow", "Report",
    "Section", "audience_section", "build_report", "calendar_section", "check_detail",
    "collect_lessons", "comparison", "content_section", "engagement_section",
    "feedback_section", "format_change", "format_value", "latest_nps", "lessons_section",
    "metrics_in", "moderation_and_answers", "nps_waves", "objective_rows", "objectives_table",
    "period_name", "plural", "scope", "segment_activity", "show", "summary_section", "tone",
    "trends_section", "weekend_medians", "workflow_section",
]  # fmt: skip

#: Sections in report order; ``detail="summary"`` shows only the first.
SECTIONS = (
    "summary",
    "engagement",
    "trends",
    "content",
    "audience",
    "feedback",
    "workflow",
    "lessons",
    "calendar",
)


def build_report(
    data: ReportData,
    *,
    notes: Iterable[tuple[str, str]] = (),
    policy: SLAPolicy | None = None,
    today: dt.date | None = None,
) -> Report:
    """Compute every section for ``data``. Objectives are judged with
    ``data.objective_values`` (``None`` = no data) on the period's
    last day (or ``today`` if earlier). ``notes``: ``(author, text)`` pairs."""
    objective_values = data.objective_values
    policy = policy or load_sla()
    compared = comparison(data)
    as_of = data.as_of or data.period.last_day
    if today is not None:
        as_of = min(as_of, today)
    values = list(objective_values) or [None] * len(data.objectives)
    objectives = objective_rows(data.objectives, values, as_of)
    engagement = engagement_section(data, compared)
    content = content_section(data)
    audience = audience_section(data)
    feedback = feedback_section(data)
    workflow = workflow_section(data, policy)
    found = collect_lessons(
        compared, workflow, content, audience, feedback, objectives, policy, data=data
    )
    waves = feedback.facts["nps_waves"]
    summary = summary_section(data, compared, objectives, latest_nps(waves), found[:3], waves)
    sections = [
        summary,
        engagement,
        trends_section(data, today),
        content,
        audience,
        feedback,
        workflow,
        lessons_section(found, notes),
        calendar_section(data),
    ]
    return Report({s.key: s for s in sections})


def check_detail(detail: str) -> str:
    """``detail`` if it is ``"summary"`` or ``"full"``, else a ``ValidationError``."""
    if detail not in DETAILS:
        from commbook.errors import ValidationError

        raise ValidationError(f"detail must be 'summary' or 'full', not {detail!r}", field="detail")
    return detail


def scope(data: ReportData, detail: str) -> Any:
    """One line under the title: which channel and members the report covers."""
    check_detail(detail)
    channel = f"channel {data.channel}" if data.channel else "all channels"
    members = f"members of the segment {data.segment}" if data.segment else "all members"
    kind = "executive summary" if detail == "summary" else "full team report"
    return blocks.paragraph(f"Covers {channel} and {members}. This is the {kind}.")


def show(section: Section, detail: str = "full") -> None:
    """Display a section's parts in the notebook; with ``detail="summary"`` only the
    executive summary is shown."""
    from IPython.display import display

    if check_detail(detail) == "summary" and section.key != "summary":
        return
    for part in section.parts:
        display(part)
