"""The community workflow section: SLA, backlog, escalations, moderation, answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from commbook import charts
from commbook.metrics.workflow import (
    POST_KINDS,
    QUESTION_CATEGORIES,
    backlog,
    backlog_size,
    closed_loop_rate,
    community_answer_share,
    escalation_volume,
    moderation_by_action,
    moderation_per_1000_posts,
)
from commbook.metrics.workflow import (
    response_times as workflow_response_times,
)
from commbook.reports import blocks
from commbook.reports.blocks import Kpi
from commbook.reports.data import ReportData
from commbook.reports.lessons import hours
from commbook.reports.periods import short_day
from commbook.reports.sections._common import Section, _nan, metrics_in, nothing_known, plural
from commbook.triage.sla import SLAPolicy, load_sla


def weekend_medians(items: pd.DataFrame, tz: dt.tzinfo) -> pd.DataFrame:
    """Median first-response hours per category for items received at weekends vs on
    weekdays (local days in ``tz``): ``category``, ``weekend``, ``weekday``."""
    answered = items["first_response_at"].fillna(items["resolved_at"])
    frame = pd.DataFrame(
        {
            "category": items["category"].astype(object),
            "hours": (answered - items["received_at"]) / pd.Timedelta(hours=1),
            "weekend": items["received_at"].dt.tz_convert(tz).dt.day_of_week >= 5,
        }
    ).dropna(subset=["hours"])
    table = frame.pivot_table(index="category", columns="weekend", values="hours", aggfunc="median")
    table = table.reindex(columns=[True, False])
    table.columns = ["weekend", "weekday"]
    return table.reset_index()


def moderation_and_answers(data: ReportData) -> dict[str, Any]:
    """The period's moderation actions per 1,000 posts (``moderation``: actions,
    ``posts``, ``moderation_rate``, ``by_action``) and who first answered the questions
    asked in it (``answers``: ``workflow.AnswerShare`` over posts of categories
    ``workflow.QUESTION_CATEGORIES``; answerers' roles from ``member_roles``)."""
    act = data.activity
    in_period = metrics_in(act["occurred_at"], data.start, data.end)
    posts = act[in_period & act["kind"].isin(list(POST_KINDS)).to_numpy()]
    actions = data.moderation
    if actions is None:
        actions = pd.DataFrame({"at": pd.to_datetime([], utc=True), "action": []})
    actions = actions[metrics_in(actions["at"], data.start, data.end)]
    conv = data.conversations
    asked = ~(conv["kind"] == "post").to_numpy() | metrics_in(
        conv["occurred_at"], data.start, data.end
    )
    roles = data.member_roles if data.member_roles is not None else data.members
    return {
        "moderation": len(actions),
        "posts": len(posts),
        "moderation_rate": moderation_per_1000_posts(actions, posts),
        "by_action": moderation_by_action(actions),
        "answers": community_answer_share(
            conv[asked], roles, question_categories=QUESTION_CATEGORIES
        ),
    }


#: Escalation levels in words.
ESCALATION_NAMES = {"team_lead": "the team lead", "pr": "PR"}


def escalation_name(level: object) -> str:
    """``"pr"`` → ``"PR"``, ``"team_lead"`` → ``"the team lead"``; others as written."""
    return ESCALATION_NAMES.get(str(level), str(level).replace("_", " "))


def _event_tiles(data: ReportData, extra: dict[str, Any]) -> list[Kpi]:
    """The tiles counted on posts (moderation rate, community answers): unknown when the
    posts end before the period, even if triage items go on."""
    if not data.has_data:
        ends = f"posts are known until {short_day(data.data_ends)}"
        return [Kpi("Moderation per 1,000 posts", "—", ends),
                Kpi("Answered by the community", "—", ends)]  # fmt: skip
    answers = extra["answers"]
    return [
        Kpi("Moderation per 1,000 posts",
            "—" if _nan(extra["moderation_rate"]) else f"{extra['moderation_rate']:.1f}",
            f"{extra['moderation']:,} actions, {extra['posts']:,} posts"),
        Kpi("Answered by the community",
            "—" if _nan(answers.community_share) else f"{answers.community_share:.0%}",
            f"of {answers.answered:,} answered questions"),
    ]  # fmt: skip


def workflow_section(data: ReportData, policy: SLAPolicy | None = None) -> Section:
    """Community workflow: first response against SLA per category, backlog and its age,
    escalations, the closed-loop rate, moderation per 1,000 posts and the share of
    questions the community answered."""
    policy = policy or load_sla()
    s = Section("workflow", "Community workflow")
    s.add(
        blocks.section_title(
            "Community workflow",
            "How fast the team answered members' posts in the triage queue, against the "
            "service-level targets (SLA, normal urgency shown), and what is still open.",
        )
    )
    t = data.triage
    received = t[metrics_in(t["received_at"], data.start, data.end)]
    prev_items = t[metrics_in(t["received_at"], *data.previous)]
    s.facts["received"] = len(received)
    if received.empty and (notice := nothing_known(data)) is not None:
        s.add(notice)
        return s
    if received.empty and t.empty:
        s.add(blocks.notice(f"No triage items were recorded for {data.period.title}."))
        return s
    times = workflow_response_times(received, data.end, policy)
    before = workflow_response_times(prev_items, data.previous[1], policy)
    resolved = t[metrics_in(t["resolved_at"], data.start, data.end)]
    loop = closed_loop_rate(resolved)
    open_end, open_start = backlog_size(t, data.end), backlog_size(t, data.start)
    escalated = int(received["escalation_level"].notna().sum())
    overall = times[times["category"] == "all"].iloc[0]
    extra = moderation_and_answers(data)
    answers = extra["answers"]
    s.facts.update(**extra)
    s.facts.update(
        times=times,
        previous_times=before,
        within_sla=overall["first_response_within_sla"],
        open_end=open_end,
        open_start=open_start,
        escalated=escalated,
        closed_loop=loop,
        resolved=len(resolved),
        weekend=weekend_medians(received, data.tz),
        backlog=backlog(t, data.end),
    )
    s.add(
        blocks.kpis(
            [
                Kpi("Items received", f"{len(received):,}"),
                Kpi(
                    "First response within SLA",
                    "—" if _nan(overall["first_response_within_sla"])
                    else f"{overall['first_response_within_sla']:.0%}",
                ),
                Kpi("Open at period end", f"{open_end:,}", f"{open_start:,} at the start"),
                Kpi("Closed loop", "—" if _nan(loop) else f"{loop:.0%}",
                    f"of {len(resolved):,} resolved items"),
                *_event_tiles(data, extra),
            ]
        )
    )  # fmt: skip
    cats = times[times["category"] != "all"].copy()
    cats["target_hours"] = [
        policy.target(c, "normal").first_response / pd.Timedelta(hours=1) for c in cats["category"]
    ]
    if cats["first_response_p90_h"].notna().any():
        s.add(
            charts.response_time_chart(
                cats.rename(columns={"first_response_p90_h": "p90_hours"})[
                    ["category", "p90_hours", "target_hours"]
                ]
            )
        )
    s.add(
        blocks.rich_table(
            ["Category", "Items", "Median first response", "90% responded within", "Target",
             "Within SLA", "Median resolution"],
            [
                [
                    str(r.category).capitalize(), f"{r.items:,}",
                    "—" if _nan(r.first_response_median_h) else hours(r.first_response_median_h),
                    "—" if _nan(r.first_response_p90_h) else hours(r.first_response_p90_h),
                    hours(r.target_hours),
                    "—" if _nan(r.first_response_within_sla)
                    else f"{r.first_response_within_sla:.0%}",
                    "—" if _nan(r.resolution_median_h) else hours(r.resolution_median_h),
                ]
                for r in cats.itertuples()
            ],
            numeric=(1, 2, 3, 4, 5, 6),
        )
    )  # fmt: skip
    s.add(blocks.subtitle("Backlog at the period's end", "Open items by category and age."))
    table = s.facts["backlog"]
    if open_end:
        columns = list(table.columns)
        s.add(
            blocks.rich_table(
                ["Category", *[("Total" if c == "total" else c) for c in columns]],
                [
                    [str(category).capitalize(), *[f"{int(v):,}" for v in row]]
                    for category, row in zip(table.index, table.to_numpy(), strict=True)
                ],
                numeric=tuple(range(1, len(columns) + 1)),
            )
        )
    else:
        s.add(blocks.paragraph("Nothing was open at the end of the period."))
    if extra["moderation"]:
        s.add(
            blocks.paragraph(
                f"{plural(extra['moderation'], 'moderation action')} in the period: "
                + ", ".join(f"{n} {a}" for a, n in extra["by_action"].items())
                + "."
            )
        )
    if answers.questions and data.has_data:
        s.add(
            blocks.paragraph(
                f"Of the {plural(answers.questions, 'thread')} asking a question, "
                f"{answers.answered:,} got an answer from a known member: "
                f"{answers.by_community:,} first from community members, "
                f"{answers.by_staff:,} from staff or moderators."
            )
        )
    if not escalated:
        s.add(blocks.paragraph("No item was escalated in the period."))
    else:
        volume = escalation_volume(received)
        volume = volume[volume["total"] > 0].reset_index()
        s.add(
            blocks.paragraph(
                f"{plural(escalated, 'item')} escalated: "
                + ", ".join(
                    f"{int(r.total)} to {escalation_name(r.escalation_level)}"
                    for r in volume.itertuples()
                )
                + "."
            )
        )
    return s
