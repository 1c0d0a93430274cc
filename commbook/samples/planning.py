"""Objectives measured on the generated data with the metric catalog, and the audience
segments.

Each objective tracks a metric of ``commbook.metrics.catalog.CATALOG``. Its baseline is
that metric measured on the first calendar month of the objective's window, computed from
the generated arrays exactly as ``commbook.progress`` later computes it from the store;
its target is a round improvement on it. The windows are placed so that, judged on the
last day of the generated data, the objectives show different statuses (see
``data/samples/README.md``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from commbook.samples.activity import KINDS, TRIAGE_CATEGORIES
from commbook.samples.calendar import DAY, NONE, Period
from commbook.samples.triage import URGENCIES

if TYPE_CHECKING:
    from commbook.metrics.catalog import Inputs

SEGMENTS = [
    {
        "name": "Newcomers",
        "description": "Members in their first 90 days: they ask the most basic questions "
        "and churn fastest when nobody answers.",
        "demographics": {"roles": ["member"]},
        "needs": "A fast first answer, clear getting-started docs, a friendly welcome.",
        "preferences": {
            "channels": ["forum", "discord"],
            "content_types": ["article", "video"],
            "times_of_day": ["evening"],
        },
        "behaviours": {"activity_level": "low", "tenure": "0-90 days"},
    },
    {
        "name": "Core contributors",
        "description": "The top 1–2 % of members who write most posts and answers.",
        "demographics": {"roles": ["member", "moderator"]},
        "needs": "Recognition, early access, a say in the roadmap.",
        "preferences": {
            "channels": ["forum", "discord"],
            "content_types": ["ama", "contest", "poll"],
            "times_of_day": ["morning", "evening"],
        },
        "behaviours": {"activity_level": "high", "tenure": "1 year+"},
    },
    {
        "name": "EU makers",
        "description": "Hobbyists in Europe, many of them writing in their own language.",
        "demographics": {
            "regions": ["EU"],
            "languages": ["en", "de", "fr", "es", "it", "nl", "pl", "sv"],
            "age_bands": ["25-34", "35-44"],
        },
        "needs": "Events at European times, local-language docs, EU shipping.",
        "preferences": {
            "channels": ["forum", "events", "newsletter"],
            "content_types": ["event", "article"],
            "times_of_day": ["morning"],
        },
        "behaviours": {"activity_level": "medium", "tenure": "any"},
    },
    {
        "name": "LATAM builders",
        "description": "Spanish and Portuguese speakers in Latin America; hit hardest by "
        "shipping delays.",
        "demographics": {"regions": ["LATAM"], "languages": ["es", "pt-BR"]},
        "needs": "Reliable shipping updates, Spanish/Portuguese content.",
        "preferences": {
            "channels": ["social", "discord"],
            "content_types": ["video", "contest"],
            "times_of_day": ["evening"],
        },
        "behaviours": {"activity_level": "medium", "tenure": "any"},
    },
    {
        "name": "Young tinkerers",
        "description": "Members aged 18–24, mostly students, who discover us on social media.",
        "demographics": {"age_bands": ["18-24"]},
        "needs": "Cheap projects, short videos, contests with prizes.",
        "preferences": {
            "channels": ["social", "discord"],
            "content_types": ["video", "contest", "poll"],
            "times_of_day": ["evening", "night"],
        },
        "behaviours": {"activity_level": "medium", "tenure": "0-1 year"},
    },
]


@dataclass(frozen=True)
class Plan:
    """One sample objective before its baseline is measured.

    ``months_back``: the objective starts that many calendar months before the end of the
    period (at its start if the period is shorter); its baseline is measured on that first
    month. ``target``: the target from the rounded baseline; ``decimals``: the rounding of
    both. ``fallback``: the baseline when the metric is undefined on that month (tiny
    sets); ``ceiling``: the highest baseline that still leaves room for a target.
    """

    title: str
    description: str
    metric: str
    unit: str
    direction: str
    months_back: int
    target: Callable[[float], float]
    decimals: int
    fallback: float
    ceiling: float | None = None


def _up_to_5(value: float) -> float:
    return 5.0 * math.ceil(value / 5.0)


#: The sample objectives, in file order. Judged on the last day of the default set
#: (31 Oct 2026): weekly active members at risk, triage first response off track, NPS
#: achieved, closed loop on track.
PLANS: tuple[Plan, ...] = (
    Plan(
        "Grow weekly active members",
        "Members who posted, replied, commented, reacted or shared in the last 7 days, "
        "averaged over the days. Target: a quarter more than in the first month.",
        "weekly_active_members", "members", "increase", months_back=4,
        target=lambda b: max(_up_to_5(1.25 * b), b + 1), decimals=0, fallback=10,
    ),
    Plan(
        "Cut triage first response time",
        "Median time from a triage item arriving to the team's first response (or its "
        "resolution), over the items received. Target: a fifth faster than the first month.",
        "triage_first_response_hours", "hours", "decrease", months_back=10,
        target=lambda b: round(0.8 * b, 1), decimals=1, fallback=8.0,
    ),
    Plan(
        "Raise NPS",
        "Net Promoter Score of the quarterly survey (its latest wave). Target: from the "
        "first wave to +30.",
        "nps", "points", "increase", months_back=12,
        target=lambda b: min(100.0, max(30.0, b + 15)), decimals=0, fallback=0.0, ceiling=99,
    ),
    Plan(
        "Close the loop with members",
        "Share of the resolved triage items where the member was told the outcome. "
        "Target: 85 %.",
        "closed_loop_rate", "%", "increase", months_back=10,
        target=lambda b: min(100.0, max(85.0, b + 5)), decimals=0, fallback=40.0, ceiling=99,
    ),
)  # fmt: skip


def _month_edges(period: Period) -> list[int]:
    """Epoch seconds of the first instant of each calendar-month chunk, plus the end."""
    chunks = period.months()
    return [a for a, _ in chunks] + [chunks[-1][1]]


def plan_months(period: Period) -> list[tuple[int, int]]:
    """``(start, end)`` in epoch seconds of the baseline month of each plan in ``PLANS``."""
    edges = _month_edges(period)
    n = len(edges) - 1
    spans = []
    for plan in PLANS:
        i = max(0, n - plan.months_back)
        spans.append((edges[i], edges[i + 1]))
    return spans


def activity_span(period: Period) -> tuple[int, int]:
    """The events the baselines need: from the earliest baseline month of an activity
    metric (less its look-back) to the end of the latest one."""
    from commbook.metrics.catalog import CATALOG

    spans = [
        (a - CATALOG[p.metric].lookback_days * DAY, b)
        for p, (a, b) in zip(PLANS, plan_months(period), strict=True)
        if "events" in CATALOG[p.metric].needs
    ]
    if not spans:
        return period.start, period.start
    return min(a for a, _ in spans), max(b for _, b in spans)


def _times(t: np.ndarray) -> pd.Series:
    t = np.asarray(t, dtype=np.int64)
    stamps = pd.to_datetime(np.where(t == NONE, 0, t), unit="s", utc=True)
    return pd.Series(stamps.where(t != NONE), dtype="datetime64[ns, UTC]")


def sample_inputs(
    events: dict[str, np.ndarray],
    triage: dict[str, np.ndarray],
    responses: dict[str, np.ndarray],
    surveys: Sequence[dict[str, str]],
) -> Inputs:
    """The generated arrays as ``commbook.metrics.catalog.Inputs`` (the columns the
    loaders of ``commbook.frames`` would give after an import; member ids are indices).

    ``events``: ``t``, ``kind`` and ``member`` arrays of the activity events kept for the
    baselines. The SLA policy is the built-in one, so the files never depend on a
    local ``config/sla.yml`` (the median first response does not depend on it anyway).
    """
    from commbook.metrics.catalog import Inputs
    from commbook.triage.sla import parse_sla

    member = events["member"]
    event_frame = pd.DataFrame(
        {
            "member_id": pd.array(np.where(member >= 0, member, 0), dtype="Int64"),
            "kind": KINDS[events["kind"]].astype(str),
            "occurred_at": _times(events["t"]),
        }
    )
    event_frame.loc[member < 0, "member_id"] = pd.NA
    triage_frame = pd.DataFrame(
        {
            "category": TRIAGE_CATEGORIES[triage["category"]].astype(str),
            "urgency": URGENCIES[triage["urgency"]].astype(str),
            "received_at": _times(triage["received"]),
            "first_response_at": _times(triage["first"]),
            "resolved_at": _times(triage["resolved"]),
            "closed_loop": triage["closed_loop"].astype(bool),
        }
    )
    kind = {row["survey_id"]: row["kind"] for row in surveys}
    response_frame = pd.DataFrame(
        {
            "submitted_at": _times(responses["t"]),
            "score": np.asarray(responses["score"], dtype=float),
            "survey_kind": [kind[s] for s in responses["survey"]],
        }
    )
    return Inputs(
        events=event_frame, triage=triage_frame, responses=response_frame, sla=parse_sla({})
    )


def _day(t: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(t) // DAY)


def make_objectives(period: Period, inputs: Inputs, owners: list[str]) -> list[dict[str, str]]:
    """The rows of ``objectives.csv``: every plan with its baseline measured by the
    catalog on its first month, its target, and a due date at the end of the second
    month after the period."""
    from commbook.metrics.catalog import CATALOG

    last = period.end_date
    due = dt.date(last.year + (last.month + 2) // 12, (last.month + 2) % 12 + 1, 1)
    due -= dt.timedelta(days=1)
    owner = (owners * len(PLANS))[: len(PLANS)]
    rows = []
    for plan, (a, b), who in zip(PLANS, plan_months(period), owner, strict=True):
        measured = CATALOG[plan.metric].value(inputs, _day(a), _day(b), "UTC")
        baseline = plan.fallback if math.isnan(measured) else measured
        baseline = round(baseline, plan.decimals)
        if plan.ceiling is not None:
            baseline = min(baseline, plan.ceiling)
        if plan.direction == "decrease":
            baseline = max(baseline, 0.5)  # a target below it must stay above zero
        target = round(plan.target(baseline), plan.decimals)
        rows.append(
            {
                "title": plan.title,
                "description": plan.description,
                "metric": plan.metric,
                "baseline": f"{baseline:g}",
                "target": f"{target:g}",
                "direction": plan.direction,
                "unit": plan.unit,
                "start_date": _day(a).isoformat(),
                "due_date": due.isoformat(),
                "owner": who,
                "status": "active",
            }
        )
    return rows
