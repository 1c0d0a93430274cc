"""The metric catalog: every metric an objective, a comparison or a dashboard can track.

``CATALOG`` maps a key to a :class:`CatalogMetric` — label, unit, direction ("higher is
better" / "lower is better"), sensible bounds and the function that computes its value
for a window ``[start, end)`` from :class:`Inputs` (the frames). It is the single list
of metrics: planning forms offer these keys, objective progress and period comparisons
compute them with :meth:`CatalogMetric.value`.

Rates are expressed in **percent** here (unit ``%``, 0–100) because objectives are typed
by people ("raise the answered rate to 80 %"); the underlying functions return fractions.

Triage metrics (``closed_loop_rate``, ``triage_first_response_hours``,
``sla_first_response_within``, ``open_backlog``, ``stale_backlog``, ``escalations``) read the
``triage`` frame and measure the window the way the stakeholder report's workflow section
does: items received in the window, judged as of its end; the closed loop over items
resolved in it; the backlog as it stood at the end. ``moderation_per_1000_posts`` reads the
``moderation`` frame and the events; ``community_answer_share`` the events and members.

``Inputs.events`` may be a DataFrame or a :class:`~commbook.metrics.PreparedEvents`
(``prepare_events(events)``): the values are the same, and many metrics over the same
events then share the work — the frame's kind codes, member codes, local days and thread
keys are computed once, and the activity and conversation summaries once per window.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, NUMBER, TIMESTAMP, require
from commbook.metrics._time import Instant, in_window, window
from commbook.metrics.activity import MAU_DAYS, WAU_DAYS, activity_summary
from commbook.metrics.content import engagement_items
from commbook.metrics.conversations import conversation_summary, threads
from commbook.metrics.growth import churned_members, net_growth
from commbook.metrics.members import member_count, new_members
from commbook.metrics.participation import contribution_rate, repeat_participation
from commbook.metrics.prepared import EventsLike, prepare_events

if TYPE_CHECKING:
    from commbook.triage.sla import SLAPolicy

HIGHER = "higher is better"
LOWER = "lower is better"

ACTIVITY_COLUMNS = ("member_id", "kind", "occurred_at")
CONVERSATION_COLUMNS = (
    *ACTIVITY_COLUMNS,
    "source",
    "source_id",
    "thread_id",
    "parent_id",
    "is_accepted",
    "category",
    "channel",
)


@dataclass(frozen=True)
class Inputs:
    """The frames a metric may need; ``None`` when not loaded.

    ``events``: a DataFrame, or a :class:`PreparedEvents` of it to share work between
    metrics (see the module docstring).
    ``responses``: survey responses with ``submitted_at`` (aware) and ``score``, and
    optionally ``survey_kind`` (only ``nps`` rows count for the NPS).
    ``triage``: triage items (``commbook.frames.load_triage``; columns as in
    ``commbook.metrics.workflow``). ``sla``: the SLA targets for the triage metrics
    (``None``: ``config/sla.yml``, read when a metric needs it). ``moderation``:
    moderation actions (``commbook.frames.load_moderation``: ``at``, ``action``).
    """

    events: EventsLike | None = None
    members: pd.DataFrame | None = None
    content: pd.DataFrame | None = None
    responses: pd.DataFrame | None = None
    triage: pd.DataFrame | None = None
    sla: SLAPolicy | None = None
    moderation: pd.DataFrame | None = None


Compute = Callable[[Inputs, pd.Timestamp, pd.Timestamp, dt.tzinfo], float]


@dataclass(frozen=True)
class CatalogMetric:
    """One metric of the catalog.

    ``needs`` maps each frame the metric reads to the columns it uses (what to load);
    ``lookback_days``: events from that many days before ``start`` are needed (trailing
    windows); ``follow_up``: events after ``end`` count (late answers to threads started
    in the window).
    """

    key: str
    label: str
    unit: str
    description: str
    direction: str
    compute: Compute = field(repr=False)
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    lookback_days: int = 0
    follow_up: bool = False

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER

    def value(
        self, inputs: Inputs, start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC"
    ) -> float:
        """The metric for ``[start, end)`` (``NaN`` when undefined, e.g. no threads)."""
        tzinfo, lo, hi = window(start, end, tz)
        if lo is None or hi is None:
            raise ValidationError(f"{self.key}: a start and an end are required", field="start")
        for frame in self.needs:
            if getattr(inputs, frame) is None:
                raise ValidationError(f"{self.key}: needs the {frame} frame", field=frame)
        return float(self.compute(inputs, lo, hi, tzinfo))


def _percent(value: float) -> float:
    return 100 * value if not math.isnan(value) else math.nan


def _activity(key: str) -> Compute:
    """A key of ``activity_summary``, computed once per window."""

    def compute(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
        events = prepare_events(inputs.events)
        summary = events.memo(
            ("activity_summary", lo, hi, tz), lambda: activity_summary(events, lo, hi, tz)
        )
        return float(summary[key])

    return compute


def _conversation(key: str, percent: bool) -> Compute:
    """A key of ``conversation_summary(threads(…))``, computed once per window."""

    def compute(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
        events = prepare_events(inputs.events)
        summary = events.memo(
            ("conversation_summary", lo, hi, tz),
            lambda: conversation_summary(threads(events, lo, hi, tz)),
        )
        value = float(summary[key])
        return _percent(value) if percent else value

    return compute


def _engagement_rate(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
    require(inputs.content, {"published_at": TIMESTAMP}, name="content")
    items = engagement_items(inputs.content[in_window(inputs.content["published_at"], lo, hi)])
    known = items["audience"] > 0
    audience = float(items.loc[known, "audience"].sum())
    if not audience:
        return math.nan
    return _percent(float(items.loc[known, "interactions"].sum()) / audience)


def _nps(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
    from commbook.feedback import nps

    responses = inputs.responses
    require(responses, {"submitted_at": TIMESTAMP, "score": NUMBER}, name="responses")
    mask = in_window(responses["submitted_at"], lo, hi)
    if "survey_kind" in responses.columns:
        mask &= (responses["survey_kind"] == "nps").to_numpy(dtype=bool, na_value=False)
    return nps(responses.loc[mask, "score"].dropna()).score


def _triage_times(key: str) -> Compute:
    """``workflow.response_times`` over the items received in the window, as of its end."""

    def compute(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
        from commbook.metrics.workflow import TIMES, response_times
        from commbook.triage.sla import load_sla

        items = inputs.triage
        require(items, TIMES, name="triage")
        received = items[in_window(items["received_at"], lo, hi)]
        times = response_times(received, hi, inputs.sla or load_sla())
        value = float(times.loc[times["category"] == "all", key].iloc[0])
        return _percent(value) if key.endswith("within_sla") else value

    return compute


def _closed_loop(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
    from commbook.metrics.workflow import closed_loop_rate

    items = inputs.triage
    require(items, {"resolved_at": TIMESTAMP}, name="triage")
    return _percent(closed_loop_rate(items[in_window(items["resolved_at"], lo, hi)]))


def _open_backlog(stale: bool) -> Compute:
    """Items open at the window's end (``stale``: only those open for 7 days or more)."""

    def compute(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
        from commbook.metrics.workflow import backlog_size, stale_backlog_size

        items = inputs.triage
        return float(stale_backlog_size(items, hi) if stale else backlog_size(items, hi))

    return compute


def _escalations(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
    items = inputs.triage
    require(items, {"received_at": TIMESTAMP, "escalation_level": ANY}, name="triage")
    level = items.loc[in_window(items["received_at"], lo, hi), "escalation_level"].astype(object)
    return float((level.notna() & (level != "")).sum())


def _moderation_rate(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
    from commbook.metrics.workflow import moderation_per_1000_posts

    actions, events = inputs.moderation, prepare_events(inputs.events)
    require(actions, {"at": TIMESTAMP, "action": ANY}, name="moderation")
    require(events.frame, {"kind": ANY, "occurred_at": TIMESTAMP}, name="events")
    return moderation_per_1000_posts(
        actions[in_window(actions["at"], lo, hi)],
        events.frame.loc[events.in_window(lo, hi), ["kind"]],
    )


def _community_share(inputs: Inputs, lo: pd.Timestamp, hi: pd.Timestamp, tz: dt.tzinfo) -> float:
    """``workflow.community_answer_share`` of the questions asked in the window (answers
    may come later)."""
    from commbook.metrics.workflow import QUESTION_CATEGORIES, community_answer_share

    events = prepare_events(inputs.events)
    require(events.frame, {"kind": ANY, "occurred_at": TIMESTAMP}, name="events")
    keep = ~events.kind_mask({"post"}) | events.in_window(lo, hi)
    share = community_answer_share(
        events.frame[keep], inputs.members, question_categories=QUESTION_CATEGORIES
    )
    return _percent(share.community_share)


_ACT = {"events": ACTIVITY_COLUMNS}
_CONV = {"events": CONVERSATION_COLUMNS}
_MEMBERS = {"members": ("joined_at", "left_at")}
_CONTENT = {"content": ("published_at", "reach", "views", "likes", "comments", "shares")}
_TRAILING = MAU_DAYS - 1
_TRIAGE_TIMES = {"triage": ("category", "urgency", "received_at", "first_response_at",
                            "resolved_at")}  # fmt: skip

CATALOG: dict[str, CatalogMetric] = {
    m.key: m
    for m in (
        CatalogMetric(
            "members", "Members", "members",
            "Members at the end of the period: joined before it and not left.",
            HIGHER, lambda i, lo, hi, tz: member_count(i.members, hi), _MEMBERS, minimum=0,
        ),
        CatalogMetric(
            "new_members", "New members", "members", "Members who joined in the period.",
            HIGHER, lambda i, lo, hi, tz: new_members(i.members, lo, hi),
            {"members": ("joined_at",)}, minimum=0,
        ),
        CatalogMetric(
            "churned_members", "Churned members", "members",
            "Members who left in the period (their left_at falls in it).",
            LOWER, lambda i, lo, hi, tz: churned_members(i.members, lo, hi),
            {"members": ("left_at",)}, minimum=0,
        ),
        CatalogMetric(
            "net_growth", "Net member growth", "members",
            "New members minus churned members in the period.",
            HIGHER, lambda i, lo, hi, tz: net_growth(i.members, lo, hi), _MEMBERS,
        ),
        CatalogMetric(
            "active_members", "Active members", "members",
            "Distinct members who posted, replied, commented, reacted or shared in the period.",
            HIGHER, _activity("active_members"), _ACT, minimum=0,
        ),
        CatalogMetric(
            "daily_active_members", "Daily active members (DAU)", "members",
            "Average over the period's days of the members active that day.",
            HIGHER, _activity("dau"), _ACT, minimum=0,
        ),
        CatalogMetric(
            "weekly_active_members", "Weekly active members", "members",
            "Distinct members who posted, replied, commented or reacted in a week "
            f"(the {WAU_DAYS} days ending each day of the period, averaged).",
            HIGHER, _activity("wau"), _ACT, minimum=0, lookback_days=WAU_DAYS - 1,
        ),
        CatalogMetric(
            "monthly_active_members", "Monthly active members (MAU)", "members",
            f"Members active in the {MAU_DAYS} days ending each day of the period, averaged.",
            HIGHER, _activity("mau"), _ACT, minimum=0, lookback_days=_TRAILING,
        ),
        CatalogMetric(
            "stickiness", "Stickiness (DAU/MAU)", "%",
            "Average daily active members as a share of average monthly active members.",
            HIGHER, lambda i, lo, hi, tz: _percent(_activity("stickiness")(i, lo, hi, tz)),
            _ACT, minimum=0, maximum=100, lookback_days=_TRAILING,
        ),
        CatalogMetric(
            "contribution_rate", "Contribution rate", "%",
            "Share of active members who posted, replied or commented.",
            HIGHER, lambda i, lo, hi, tz: _percent(contribution_rate(i.events, lo, hi)),
            _ACT, minimum=0, maximum=100,
        ),
        CatalogMetric(
            "repeat_participation", "Repeat participation", "%",
            "Share of active members who were active on two or more days of the period.",
            HIGHER, lambda i, lo, hi, tz: _percent(repeat_participation(i.events, lo, hi, tz)),
            _ACT, minimum=0, maximum=100,
        ),
        CatalogMetric(
            "threads", "Threads started", "threads", "Posts that started a thread.",
            HIGHER, _conversation("threads", percent=False), _CONV, minimum=0, follow_up=True,
        ),
        CatalogMetric(
            "answered_rate", "Answered rate", "%",
            "Share of threads started in the period with a reply by someone other than "
            "the author.",
            HIGHER, _conversation("answered_rate", percent=True), _CONV,
            minimum=0, maximum=100, follow_up=True,
        ),
        CatalogMetric(
            "accepted_rate", "Accepted-answer rate", "%",
            "Share of threads started in the period with an accepted answer.",
            HIGHER, _conversation("accepted_rate", percent=True), _CONV,
            minimum=0, maximum=100, follow_up=True,
        ),
        CatalogMetric(
            "unanswered_rate", "Unanswered rate", "%",
            "Share of threads started in the period with no reply and no comment from "
            "anyone but the author.",
            LOWER, _conversation("unanswered_rate", percent=True), _CONV,
            minimum=0, maximum=100, follow_up=True,
        ),
        CatalogMetric(
            "median_first_response_hours", "Median first response time", "hours",
            "Median time from a new post to its first reply by someone else.",
            LOWER, _conversation("median_first_response_hours", percent=False), _CONV,
            minimum=0, follow_up=True,
        ),
        CatalogMetric(
            "p90_first_response_hours", "First response time, 90th percentile", "hours",
            "9 in 10 answered threads got their first reply by someone else within this time.",
            LOWER, _conversation("p90_first_response_hours", percent=False), _CONV,
            minimum=0, follow_up=True,
        ),
        CatalogMetric(
            "engagement_rate", "Content engagement rate", "%",
            "Likes, comments and shares per person reached (per view where reach is "
            "unknown), over content published in the period.",
            HIGHER, _engagement_rate, _CONTENT, minimum=0,
        ),
        CatalogMetric(
            "nps", "Net Promoter Score", "points",
            "% promoters (9-10) minus % detractors (0-6) in NPS surveys.",
            HIGHER, _nps, {"responses": ("submitted_at", "score", "survey_kind")},
            minimum=-100, maximum=100,
        ),
        CatalogMetric(
            "triage_first_response_hours", "Triage first response time (median)", "hours",
            "Median time from a triage item arriving to the team's first response (or its "
            "resolution), over items received in the period, as of its end.",
            LOWER, _triage_times("first_response_median_h"), _TRIAGE_TIMES, minimum=0,
        ),
        CatalogMetric(
            "sla_first_response_within", "First responses within SLA", "%",
            "Share of triage items received in the period whose first response met its "
            "SLA target (config/sla.yml); items still inside their target at the end of the "
            "period are not counted.",
            HIGHER, _triage_times("first_response_within_sla"), _TRIAGE_TIMES,
            minimum=0, maximum=100,
        ),
        CatalogMetric(
            "closed_loop_rate", "Closed-loop rate", "%",
            "Share of triage items resolved in the period whose member was told the outcome.",
            HIGHER, _closed_loop, {"triage": ("resolved_at", "closed_loop")},
            minimum=0, maximum=100,
        ),
        CatalogMetric(
            "open_backlog", "Open triage backlog", "items",
            "Triage items still open (not resolved) at the end of the period.",
            LOWER, _open_backlog(stale=False), {"triage": ("received_at", "resolved_at")},
            minimum=0,
        ),
        CatalogMetric(
            "stale_backlog", "Backlog older than 7 days", "items",
            "Triage items open at the end of the period that arrived 7 or more days before it.",
            LOWER, _open_backlog(stale=True), {"triage": ("received_at", "resolved_at")},
            minimum=0,
        ),
        CatalogMetric(
            "escalations", "Escalations", "items",
            "Triage items received in the period that were escalated (team lead, legal, PR "
            "or security).",
            LOWER, _escalations, {"triage": ("received_at", "escalation_level")}, minimum=0,
        ),
        CatalogMetric(
            "moderation_per_1000_posts", "Moderation actions per 1,000 posts", "per 1,000 posts",
            "Moderation actions taken in the period per 1,000 posts, replies and comments "
            "written in it.",
            LOWER, _moderation_rate,
            {"moderation": ("at", "action"), "events": ("kind", "occurred_at")}, minimum=0,
        ),
        CatalogMetric(
            "community_answer_share", "Questions answered by the community", "%",
            "Of the questions asked in the period that got an answer, the share first answered "
            "by a community member rather than staff or a moderator.",
            HIGHER, _community_share,
            {"events": ("kind", "member_id", "thread_id", "occurred_at", "category"),
             "members": ("member_id", "role")},
            minimum=0, maximum=100, follow_up=True,
        ),
    )
}  # fmt: skip


def metric(key: str) -> CatalogMetric:
    """The catalog entry for ``key``; an unknown key raises ``ValidationError``."""
    try:
        return CATALOG[key]
    except KeyError:
        raise ValidationError(
            f"unknown metric {key!r} (known: {', '.join(CATALOG)})", field="metric"
        ) from None


def value(
    key: str, inputs: Inputs, start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC"
) -> float:
    """``CATALOG[key].value(inputs, start, end, tz)``."""
    return metric(key).value(inputs, start, end, tz)
