"""Reading the triage queue: filtered, sorted, paginated pages with SLA due times, and one
item's detail (its thread from the activity events, its history).

Read-only — changes go through ``commbook.triage.service.TriageService``. The queue is
filtered in SQL, its SLA columns computed with ``sla.sla_status`` on the filtered rows
(vectorised), then sorted and cut into a page, so a few thousand open items stay fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, func, or_, select

from commbook.errors import NotFound, ValidationError
from commbook.store import (
    ActivityEvent,
    AuditEntry,
    Channel,
    Member,
    TriageEscalation,
    TriageItem,
    TriageModeration,
    TriageResponse,
    session_scope,
)
from commbook.triage.model import OPEN_STATUSES, STATUSES, URGENCIES, allowed_transitions
from commbook.triage.sla import SLAPolicy, load_sla, sla_status

#: Sort orders of the queue: key → label.
SORTS: dict[str, str] = {
    "sla": "SLA: due soonest first",
    "oldest": "Oldest first",
    "newest": "Newest first",
    "urgency": "Most urgent first",
}
#: Status filter values besides the statuses themselves.
STATUS_GROUPS: dict[str, str] = {"open": "All open", "done": "Resolved or closed", "all": "Any"}
UNASSIGNED = "(unassigned)"
PAGE_SIZE = 25
QUEUE_COLUMNS = (
    "id",
    "version",
    "summary",
    "category",
    "urgency",
    "status",
    "owner",
    "queue",
    "channel",
    "member",
    "received_at",
    "first_response_at",
    "resolved_at",
    "escalation_level",
    "closed_loop",
    "tags",
)


@dataclass(frozen=True)
class QueueFilter:
    """What to show. ``status``: a status, or ``open`` / ``done`` / ``all``; ``owner``:
    a name or :data:`UNASSIGNED`; ``search``: words in the summary. ``None`` = any."""

    status: str = "open"
    category: str | None = None
    urgency: str | None = None
    owner: str | None = None
    channel: str | None = None
    queue: str | None = None
    search: str = ""


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, and counts over every item the filter matched."""

    rows: pd.DataFrame  # QUEUE_COLUMNS + sla_state, next_clock, next_due, *_due
    total: int
    page: int
    page_size: int
    breached: int = 0
    breach_soon: int = 0
    unassigned: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _filtered(query: Select, flt: QueueFilter) -> Select:
    t = TriageItem
    if flt.status == "open":
        query = query.where(t.status.in_(sorted(OPEN_STATUSES)))
    elif flt.status == "done":
        query = query.where(t.status.in_(("resolved", "closed")))
    elif flt.status not in (None, "all"):
        if flt.status not in STATUSES:
            raise ValidationError(f"unknown status filter {flt.status!r}", field="status")
        query = query.where(t.status == flt.status)
    if flt.category:
        query = query.where(t.category == flt.category)
    if flt.urgency:
        query = query.where(t.urgency == flt.urgency)
    if flt.owner == UNASSIGNED:
        query = query.where(or_(t.owner.is_(None), t.owner == ""))
    elif flt.owner:
        query = query.where(t.owner == flt.owner)
    if flt.channel:
        query = query.where(Channel.key == flt.channel)
    if flt.queue:
        query = query.where(t.queue == flt.queue)
    for word in flt.search.split():
        query = query.where(func.lower(t.summary).contains(word.lower(), autoescape=True))
    return query


def load_queue(url: str, flt: QueueFilter = QueueFilter()) -> pd.DataFrame:
    """Every item the filter matches (columns :data:`QUEUE_COLUMNS`), unsorted."""
    t = TriageItem
    query = (
        select(
            t.id, t.version, t.summary, t.category, t.urgency, t.status, t.owner, t.queue,
            Channel.key.label("channel"), Member.display_name.label("member"), t.received_at,
            t.first_response_at, t.resolved_at, t.escalation_level, t.closed_loop, t.tags,
        )
        .outerjoin(Channel, Channel.id == t.channel_id)
        .outerjoin(Member, Member.id == t.member_id)
    )  # fmt: skip
    with session_scope(url) as session:
        rows = session.execute(_filtered(query, flt)).all()
    frame = pd.DataFrame(rows, columns=list(QUEUE_COLUMNS))
    for column in ("received_at", "first_response_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["urgency"] = frame["urgency"].fillna("normal")
    return frame


def with_sla(items: pd.DataFrame, now: dt.datetime, policy: SLAPolicy) -> pd.DataFrame:
    """``items`` plus ``sla_state``, ``first_response_due``, ``resolution_due``, and the
    clock that runs out next (``next_clock``, ``next_due``; NaT when both stopped)."""
    status = sla_status(items, now, policy)
    out = items.copy()
    out["sla_state"] = status["sla_state"]
    out["first_response_due"] = status["first_response_due"]
    out["resolution_due"] = status["resolution_due"]
    first_running = ~status["first_response_done"].astype(bool)
    resolution_running = ~status["resolution_done"].astype(bool)
    out["next_clock"] = np.where(
        first_running, "first_response", np.where(resolution_running, "resolution", "")
    )
    out["next_due"] = status["first_response_due"].where(
        first_running, status["resolution_due"].where(resolution_running)
    )
    return out


def sort_queue(items: pd.DataFrame, sort: str) -> pd.DataFrame:
    """Order items by ``sort`` (a key of :data:`SORTS`); ties: oldest first, then id."""
    if sort not in SORTS:
        raise ValidationError(f"unknown sort {sort!r}; expected one of {', '.join(SORTS)}")
    rank = items["urgency"].map({u: i for i, u in enumerate(URGENCIES)}).fillna(1)
    frame = items.assign(_rank=-rank)
    keys = {
        "sla": ["next_due", "_rank", "received_at", "id"],
        "oldest": ["received_at", "id"],
        "newest": ["received_at", "id"],
        "urgency": ["_rank", "next_due", "received_at", "id"],
    }[sort]
    ascending = sort != "newest"
    frame = frame.sort_values(keys, ascending=ascending, na_position="last", kind="stable")
    return frame.drop(columns="_rank")


def queue_page(
    url: str,
    flt: QueueFilter = QueueFilter(),
    *,
    sort: str = "sla",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    now: dt.datetime | None = None,
    policy: SLAPolicy | None = None,
) -> QueuePage:
    """One page of the queue (1-based ``page``, clamped to the last page)."""
    if page_size < 1:
        raise ValidationError("page_size must be at least 1", field="page_size")
    now = now or dt.datetime.now(dt.UTC)
    items = with_sla(load_queue(url, flt), now, policy or load_sla())
    ordered = sort_queue(items, sort)
    total = len(ordered)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = ordered.iloc[(page - 1) * page_size : page * page_size].reset_index(drop=True)
    open_ = ordered["status"].isin(OPEN_STATUSES)
    owner = ordered["owner"].fillna("")
    return QueuePage(
        rows=rows,
        total=total,
        page=page,
        page_size=page_size,
        breached=int((ordered["sla_state"] == "breached").sum()),
        breach_soon=int((ordered["sla_state"] == "breach_soon").sum()),
        unassigned=int((open_ & (owner == "")).sum()),
    )


@dataclass(frozen=True)
class FilterOptions:
    """Values present in the store, for the filter and assign drop-downs."""

    owners: list[str]
    channels: list[str]
    queues: list[str]
    categories: list[str]


def filter_options(url: str) -> FilterOptions:
    """Owners (people who own items, and staff/moderators), channels, queues, categories."""
    t = TriageItem
    with session_scope(url) as session:
        owners = set(session.scalars(select(t.owner).distinct().where(t.owner.is_not(None))))
        staff = session.scalars(
            select(Member.display_name).where(
                Member.role.in_(("staff", "moderator")), Member.display_name.is_not(None)
            )
        )
        owners |= set(staff)
        channels = session.scalars(
            select(Channel.key).join(t, t.channel_id == Channel.id).distinct()
        ).all()
        queues = session.scalars(select(t.queue).distinct().where(t.queue.is_not(None))).all()
        categories = session.scalars(select(t.category).distinct()).all()
    return FilterOptions(
        owners=sorted(o for o in owners if o),
        channels=sorted(channels),
        queues=sorted(queues),
        categories=sorted(categories),
    )


# --- one item -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an item's history."""

    at: dt.datetime
    actor: str
    kind: str  # created, change, response, moderation, escalation
    text: str
    detail: str = ""


@dataclass(frozen=True)
class ItemDetail:
    """Everything the detail view shows about one item."""

    item: TriageItem  # detached
    channel: str | None
    member: str | None
    member_role: str | None
    sla: dict[str, Any]  # one row of sla_status
    thread: pd.DataFrame  # at, kind, author, role, title, body, is_item
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return allowed_transitions(self.item.status)


_DESCRIBED = ("status", "owner", "queue", "category", "urgency", "summary", "tags", "links")


def _words(value: Any) -> str:
    return str(value).replace("_", " ") if value else "—"


def _describe(changes: dict[str, Any]) -> str:
    parts = []
    for name in _DESCRIBED:
        if name not in changes:
            continue
        change = changes[name]
        old, new = change.get("old"), change.get("new")
        label = name.replace("_", " ")
        if name in ("summary", "links"):
            parts.append(f"{label} edited")
        elif name == "tags":
            parts.append(f"tags: {', '.join(new or []) or 'none'}")
        elif name == "owner":
            parts.append(f"assigned to {new}" if new else "unassigned")
        else:
            parts.append(f"{label} {_words(old)} → {_words(new)}")
    return "; ".join(parts)


def _history(session: Any, item_id: int) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    audit = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == TriageItem.__tablename__, AuditEntry.entity_id == str(item_id)
        )
    )
    for entry in audit:
        if entry.action == "create":
            entries.append(HistoryEntry(entry.at, entry.actor, "created", "item created"))
        elif entry.action == "update":
            changes = entry.changes or {}
            text = _describe(changes)
            if text:
                entries.append(HistoryEntry(entry.at, entry.actor, "change", text))
            note = (changes.get("closed_loop_note") or {}).get("new")
            if note:
                told = "told the member the outcome"
                entries.append(HistoryEntry(entry.at, entry.actor, "loop", told, note))
    for r in session.scalars(select(TriageResponse).where(TriageResponse.item_id == item_id)):
        after = f" (status → {r.status_after.replace('_', ' ')})" if r.status_after else ""
        entries.append(HistoryEntry(r.at, r.actor, "response", f"responded{after}", r.body))
    for m in session.scalars(select(TriageModeration).where(TriageModeration.item_id == item_id)):
        ref = f" · {m.policy_ref}" if m.policy_ref else ""
        entries.append(HistoryEntry(m.at, m.actor, "moderation", f"{m.action}{ref}", m.reason))
    for e in session.scalars(select(TriageEscalation).where(TriageEscalation.item_id == item_id)):
        level = e.level.replace("_", " ")
        entries.append(HistoryEntry(e.at, e.actor, "escalation", f"escalated to {level}", e.note))
    kinds = {"created": 0, "change": 1, "response": 2, "moderation": 2, "escalation": 2, "loop": 3}
    return sorted(entries, key=lambda h: (h.at, kinds.get(h.kind, 9)), reverse=True)


def load_thread(session: Any, event_id: int | None, limit: int = 200) -> pd.DataFrame:
    """The post an item came from and the replies in its thread, oldest first."""
    columns = ["event_id", "at", "kind", "author", "role", "title", "body", "is_item"]
    if event_id is None:
        return pd.DataFrame(columns=columns)
    event = session.get(ActivityEvent, event_id)
    if event is None:
        return pd.DataFrame(columns=columns)
    e = ActivityEvent
    where = e.id == event.id
    if event.thread_id:
        where = or_(where, (e.source == event.source) & (e.thread_id == event.thread_id))
    query = (
        select(e.id, e.occurred_at, e.kind, Member.display_name, Member.role, e.title, e.body)
        .outerjoin(Member, Member.id == e.member_id)
        .where(where, e.kind.in_(("post", "reply", "comment")))
        .order_by(e.occurred_at, e.id)
        .limit(limit)
    )
    rows = [(*row, row[0] == event.id) for row in session.execute(query).all()]
    return pd.DataFrame(rows, columns=columns)


def item_detail(
    url: str,
    item_id: int,
    *,
    now: dt.datetime | None = None,
    policy: SLAPolicy | None = None,
) -> ItemDetail:
    """One item with its SLA clocks, thread and history (``NotFound`` if it is gone)."""
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(url) as session:
        item = session.get(TriageItem, item_id)
        if item is None:
            raise NotFound(f"triage item #{item_id} does not exist")
        channel = session.get(Channel, item.channel_id) if item.channel_id else None
        member = session.get(Member, item.member_id) if item.member_id else None
        thread = load_thread(session, item.event_id)
        history = _history(session, item_id)
        session.expunge(item)
    frame = pd.DataFrame(
        [
            {
                "category": item.category,
                "urgency": item.urgency or "normal",
                "received_at": item.received_at,
                "first_response_at": item.first_response_at,
                "resolved_at": item.resolved_at,
            }
        ]
    )
    for column in ("received_at", "first_response_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    sla = sla_status(frame, now, policy or load_sla()).iloc[0].to_dict()
    return ItemDetail(
        item=item,
        channel=channel.key if channel else None,
        member=member.display_name if member else None,
        member_role=member.role if member else None,
        sla=sla,
        thread=thread,
        history=history,
    )
