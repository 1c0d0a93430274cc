"""Community workflow metrics: response and resolution times against SLA, backlog,
escalations, closed-loop rate, and who answers members' questions.

Input ``items`` — one row per triage item (see ``commbook.store.models.TriageItem``):

| column | type | meaning |
|---|---|---|
| ``category`` | str | support, discussion, feedback, abuse or a custom one |
| ``urgency`` | str | low, normal, high, critical (missing → normal) |
| ``status`` | str | workflow status (``commbook.triage.model.STATUSES``) |
| ``received_at`` | datetime64, tz-aware | when the post came in |
| ``first_response_at`` | datetime64, tz-aware, nullable | first reply or moderation action |
| ``resolved_at`` | datetime64, tz-aware, nullable | when it was resolved |
| ``escalation_level`` | str, nullable | team_lead, legal, pr, security |
| ``closed_loop`` | bool | the member was told the outcome |

Input ``moderation`` — one row per moderation action (``commbook.frames.load_moderation``;
``action``, ``at``, and ``channel`` / ``member_id`` for filtering).

Each function lists the columns it needs and checks them (``ValidationError`` naming the
missing column). Formulas: ``docs/triage.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, TIMESTAMP, require
from commbook.metrics._time import Instant, bound, zone
from commbook.metrics.prepared import EventsLike, events_frame
from commbook.triage.model import ESCALATION_LEVELS, MODERATION_ACTIONS
from commbook.triage.sla import SLAPolicy, load_sla, sla_status

TIMES = {
    "category": ANY,
    "urgency": ANY,
    "received_at": TIMESTAMP,
    "first_response_at": TIMESTAMP,
    "resolved_at": TIMESTAMP,
}
#: Backlog age buckets: (label, lower bound) — each bucket runs up to the next bound.
AGE_BUCKETS: tuple[tuple[str, pd.Timedelta], ...] = (
    ("<1d", pd.Timedelta(0)),
    ("1-3d", pd.Timedelta(days=1)),
    ("3-7d", pd.Timedelta(days=3)),
    ("7-30d", pd.Timedelta(days=7)),
    ("30d+", pd.Timedelta(days=30)),
)
HOUR = pd.Timedelta(hours=1)
#: An open item this old or older is "stale" (the backlog's ``7-30d`` and ``30d+`` buckets).
STALE_AFTER = pd.Timedelta(days=7)
#: Event kinds that count as posts for moderation rates: anything a member writes.
POST_KINDS: tuple[str, ...] = ("post", "reply", "comment")
#: Post categories that are questions (Stack Exchange questions are imported as ``question``).
QUESTION_CATEGORIES: tuple[str, ...] = ("question", "support")


def _at(at: Instant) -> pd.Timestamp:
    ts = bound(at, zone("UTC"), "at")
    if ts is None:
        raise ValidationError("at: a timestamp is required", field="at")
    return ts


def _utc(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series
    return pd.to_datetime(series, utc=True)  # empty and untyped


def as_of(items: pd.DataFrame, at: Instant) -> pd.DataFrame:
    """The items as they stood at ``at``: received by then, with responses and resolutions
    that happened later blanked out (so past periods can be measured again)."""
    require(items, {"received_at": TIMESTAMP}, name="items")
    when = _at(at)
    seen = items[_utc(items["received_at"]) <= when].copy()
    for column in ("first_response_at", "resolved_at"):
        if column in seen.columns:
            value = _utc(seen[column])
            seen[column] = value.where(value <= when)
    return seen


def response_times(
    items: pd.DataFrame, at: Instant, policy: SLAPolicy | None = None
) -> pd.DataFrame:
    """Time to first response and to resolution by category, and the share within SLA.

    Measured as of ``at`` (see :func:`as_of`). Per category, then an ``all`` row:
    ``items``; ``responded`` and ``resolved`` (counts); ``first_response_median_h`` /
    ``_p90_h`` and ``resolution_median_h`` / ``_p90_h`` in hours over the items where that
    clock stopped (p90: linear interpolation); ``first_response_within_sla`` and
    ``resolution_within_sla``: stopped in time / (stopped + still running past the due
    time) — items still running inside their target are not counted either way. An item
    resolved without a recorded response counts as answered at resolution.
    """
    require(items, TIMES, name="items")
    seen = as_of(items, at)
    status = sla_status(seen, _at(at), policy or load_sla())
    received = _utc(seen["received_at"])
    resolved = _utc(seen["resolved_at"])
    answered = _utc(seen["first_response_at"]).fillna(resolved)
    frame = pd.DataFrame(
        {
            "category": seen["category"].astype(object),
            "first_response_h": (answered - received) / HOUR,
            "resolution_h": (resolved - received) / HOUR,
        },
        index=seen.index,
    )
    for clock in ("first_response", "resolution"):
        done, breached = status[f"{clock}_done"], status[f"{clock}_breached"]
        frame[f"{clock}_ok"] = (done & ~breached).astype(float)
        frame[f"{clock}_decided"] = (done | breached).astype(float)

    def summary(group: pd.DataFrame) -> dict[str, float]:
        row: dict[str, float] = {"items": len(group)}
        for clock, count in (("first_response", "responded"), ("resolution", "resolved")):
            hours = group[f"{clock}_h"].dropna()
            row[count] = len(hours)
            row[f"{clock}_median_h"] = hours.median() if len(hours) else np.nan
            row[f"{clock}_p90_h"] = hours.quantile(0.9) if len(hours) else np.nan
            decided = group[f"{clock}_decided"].sum()
            row[f"{clock}_within_sla"] = group[f"{clock}_ok"].sum() / decided if decided else np.nan
        return row

    rows = [{"category": c, **summary(g)} for c, g in frame.groupby("category", sort=True)]
    rows.append({"category": "all", **summary(frame)})
    result = pd.DataFrame(rows)
    for column in ("items", "responded", "resolved"):
        result[column] = result[column].astype(int)
    return result


def open_items(items: pd.DataFrame, at: Instant) -> pd.DataFrame:
    """Items open at ``at``: received by then and not resolved by then."""
    require(items, {"received_at": TIMESTAMP, "resolved_at": TIMESTAMP}, name="items")
    seen = as_of(items, at)
    return seen[seen["resolved_at"].isna()]


def backlog_size(items: pd.DataFrame, at: Instant) -> int:
    """Number of items open at ``at``."""
    return len(open_items(items, at))


def stale_backlog_size(
    items: pd.DataFrame, at: Instant, older_than: pd.Timedelta = STALE_AFTER
) -> int:
    """Number of items open at ``at`` that were received at least ``older_than`` before it
    (default 7 days: the backlog's ``7-30d`` and ``30d+`` buckets)."""
    open_ = open_items(items, at)
    return int((_at(at) - _utc(open_["received_at"]) >= older_than).sum())


def backlog(items: pd.DataFrame, at: Instant) -> pd.DataFrame:
    """Open items at ``at`` by category (rows) and age bucket (columns, see
    :data:`AGE_BUCKETS`; age = at − received_at), with a ``total`` column and row."""
    require(
        items,
        {"category": ANY, "received_at": TIMESTAMP, "resolved_at": TIMESTAMP},
        name="items",
    )
    open_ = open_items(items, at)
    age = _at(at) - _utc(open_["received_at"])
    edges = [lower for _, lower in AGE_BUCKETS] + [pd.Timedelta.max]
    labels = [label for label, _ in AGE_BUCKETS]
    bucket = pd.cut(age, bins=pd.to_timedelta(edges), labels=labels, right=False)
    table = pd.crosstab(
        open_["category"].astype(object).rename("category"), bucket.rename("age"), dropna=False
    ).reindex(columns=labels, fill_value=0)
    table.columns = pd.Index(labels, name="age")
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    return table.astype(int)


def escalation_volume(items: pd.DataFrame) -> pd.DataFrame:
    """Escalated items by level (rows, in escalation order) and category (columns), with
    ``total`` and ``share`` (total / all items) columns."""
    require(items, {"category": ANY, "escalation_level": ANY}, name="items")
    level = items["escalation_level"].astype(object)
    level = level.where(level.notna() & (level != ""))
    escalated = items[level.notna()]
    levels = list(ESCALATION_LEVELS) + sorted(set(level.dropna()) - set(ESCALATION_LEVELS))
    cats = sorted(items["category"].dropna().astype(str).unique())
    table = pd.crosstab(
        level[level.notna()].rename("escalation_level"),
        escalated["category"].astype(object).rename("category"),
    )
    table = table.reindex(index=levels, columns=cats, fill_value=0).astype(int)
    table.index.name = "escalation_level"
    table["total"] = table.sum(axis=1)
    table["share"] = table["total"] / len(items) if len(items) else np.nan
    return table


def closed_loop_rate(items: pd.DataFrame) -> float:
    """Share of resolved items (``resolved_at`` set) whose member was told the outcome
    (``closed_loop`` true). NaN when nothing is resolved."""
    require(items, {"resolved_at": TIMESTAMP, "closed_loop": ANY}, name="items")
    resolved = items[_utc(items["resolved_at"]).notna()]
    if resolved.empty:
        return float("nan")
    flag = resolved["closed_loop"].astype(object).where(resolved["closed_loop"].notna(), False)
    return float(flag.astype(bool).mean())


def moderation_per_1000_posts(
    moderation: pd.DataFrame,
    events: EventsLike,
    *,
    post_kinds: Sequence[str] = POST_KINDS,
) -> float:
    """Moderation actions per 1,000 posts: ``len(moderation) ÷ posts × 1000``, where posts are
    the ``events`` whose ``kind`` is in ``post_kinds`` (posts, replies, comments).

    Both frames must cover the same window and channel (the caller filters them). NaN
    when there is no post.
    """
    require(moderation, {"action": ANY}, name="moderation")
    events = events_frame(events)
    require(events, {"kind": ANY}, name="events")
    posts = int(events["kind"].isin(list(post_kinds)).sum())
    return 1000 * len(moderation) / posts if posts else float("nan")


def moderation_by_action(moderation: pd.DataFrame) -> pd.Series:
    """Moderation actions per ``action``, lightest first (``model.MODERATION_ACTIONS``, then
    unknown actions alphabetically); actions never taken are left out."""
    require(moderation, {"action": ANY}, name="moderation")
    counts = moderation["action"].dropna().astype(str).value_counts()
    order = [a for a in MODERATION_ACTIONS if a in counts.index]
    order += sorted(set(counts.index) - set(order))
    return counts.reindex(order).astype(int).rename("actions")


# --- who answers questions ------------------------------------------------------------

EVENTS = {"kind": ANY, "member_id": ANY, "thread_id": ANY, "occurred_at": TIMESTAMP}
MEMBERS = {"member_id": ANY, "role": ANY}
#: Member roles counted as staff; every other role (or an unknown member) is community.
STAFF_ROLES: tuple[str, ...] = ("staff", "moderator")


@dataclass(frozen=True)
class AnswerShare:
    """Who gave the first answer to members' questions."""

    questions: int
    answered: int
    by_community: int
    by_staff: int

    @property
    def unanswered(self) -> int:
        return self.questions - self.answered

    @property
    def community_share(self) -> float:
        """by_community / answered (NaN when nothing was answered)."""
        return self.by_community / self.answered if self.answered else float("nan")

    @property
    def staff_share(self) -> float:
        return self.by_staff / self.answered if self.answered else float("nan")


def community_answer_share(
    events: EventsLike,
    members: pd.DataFrame,
    *,
    question_categories: Sequence[str] | None = None,
    answer_kinds: Sequence[str] = ("reply",),
    staff_roles: Sequence[str] = STAFF_ROLES,
) -> AnswerShare:
    """Share of questions first answered by the community vs staff.

    A question is an event of kind ``post`` (optionally only those whose ``category`` is
    in ``question_categories``); its thread is its ``thread_id``. Its first answer is the
    earliest event of a kind in ``answer_kinds`` in that thread, at or after the question,
    by someone other than the asker (ties: lowest ``member_id`` first). The answerer's
    ``role`` in ``members`` decides staff (``staff_roles``) or community (anything else,
    including members missing from ``members``).
    """
    events = events_frame(events)
    require(events, EVENTS, name="events")
    require(members, MEMBERS, name="members")
    if question_categories is not None:
        require(events, {"category": ANY}, name="events")
    posts = events[events["kind"] == "post"]
    if question_categories is not None:
        posts = posts[posts["category"].isin(list(question_categories))]
    questions = posts[posts["thread_id"].notna()].drop_duplicates("thread_id")
    questions = questions[["thread_id", "member_id", "occurred_at"]].rename(
        columns={"member_id": "asker", "occurred_at": "asked_at"}
    )
    answers = events[events["kind"].isin(list(answer_kinds)) & events["member_id"].notna()]
    answers = answers[["thread_id", "member_id", "occurred_at"]].merge(questions, on="thread_id")
    answers = answers[
        (answers["member_id"] != answers["asker"])
        & (_utc(answers["occurred_at"]) >= _utc(answers["asked_at"]))
    ]
    first = answers.sort_values(["occurred_at", "member_id"], kind="stable").drop_duplicates(
        "thread_id"
    )
    role = first["member_id"].map(
        members.drop_duplicates("member_id").set_index("member_id")["role"]
    )
    staff = int(role.isin(list(staff_roles)).sum())
    return AnswerShare(
        questions=len(questions),
        answered=len(first),
        by_community=len(first) - staff,
        by_staff=staff,
    )
