"""The triage service: every change to triage items goes through here.

``TriageService(url, actor, role)`` checks the role's permission (``model.check_permission``)
and the workflow rules (``model.check_transition``, ``check_escalation``,
``moderation_action``) before it writes, stamps the SLA clocks (``first_response_at`` on the
first response or moderation action, ``resolved_at`` on resolution), refuses stale edits
(``version`` → ``ConflictError``) and leaves a trace of every action in the audit log: item
changes are logged by the store's audit listener, responses, moderation actions and
escalations are rows of their own tables with an audit entry each.

Reading the queue and an item's detail is in ``commbook.triage.queue``. Reference:
``docs/triage.md``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from commbook.config import get_settings
from commbook.errors import CommbookError, ConflictError, NotFound, ValidationError
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
from commbook.store.models import utcnow
from commbook.triage.model import (
    DONE_STATUSES,
    OPEN_STATUSES,
    URGENCIES,
    check_escalation,
    check_permission,
    check_transition,
    moderation_action,
)
from commbook.triage.rules import RuleSet, load_rules

#: Kinds of link an item can carry, with their labels.
LINK_KINDS: Mapping[str, str] = {
    "thread": "Thread",
    "kb_article": "Knowledge-base article",
    "product_feedback": "Product feedback item",
}
#: Authors whose posts are not triaged (they answer, they do not ask).
STAFF_ROLES: tuple[str, ...] = ("staff", "moderator")
#: A reply becomes an item only when the rules flag it like this (a reported reply).
REPLY_CATEGORIES: tuple[str, ...] = ("abuse",)
REPLY_URGENCIES: tuple[str, ...] = ("high", "critical")
EVENT_SOURCE = "events"  # TriageItem.source of items created from activity events
SUMMARY_CHARS = 140
_TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")


@dataclass(frozen=True)
class CreateResult:
    """What ``create_from_events`` did."""

    scanned: int  # posts and replies with text looked at
    created: list[int] = field(default_factory=list)  # new item ids
    existing: int = 0  # events that already had an item (any source)
    ignored: int = 0  # staff posts, and replies the rules did not flag

    def summary(self) -> str:
        return (
            f"{len(self.created):,} triage item(s) created from {self.scanned:,} post(s) and "
            f"replies; {self.existing:,} already had one, {self.ignored:,} left alone "
            "(staff posts, replies the rules did not flag)"
        )


@dataclass(frozen=True)
class BulkResult:
    """Outcome of a bulk action: ids done, and the reason each other id was refused."""

    done: list[int]
    failed: dict[int, str]

    def summary(self, verb: str) -> str:
        text = f"{len(self.done)} item(s) {verb}"
        if self.failed:
            text += f"; {len(self.failed)} not: " + "; ".join(
                f"#{i}: {why}" for i, why in self.failed.items()
            )
        return text


def _clean_text(value: Any, field: str, *, required: bool = False, limit: int = 0) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(f"{field.replace('_', ' ')} is required", field=field)
    if limit and len(text) > limit:
        raise ValidationError(f"{field} is too long (at most {limit} characters)", field=field)
    return text


def clean_tags(tags: Iterable[str] | str | None) -> list[str]:
    """Tags as a sorted list of unique lower-case words (a string is split on commas)."""
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    out: set[str] = set()
    for raw in items:
        tag = str(raw).strip().lower()
        if not tag:
            continue
        if not _TAG.match(tag):
            raise ValidationError(
                f"tag {raw!r}: use letters, digits, spaces, - or _ (at most 40)", field="tags"
            )
        out.add(tag)
    return sorted(out)


def clean_links(links: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Links as ``[{"kind", "ref", "title"}]``; ``kind`` one of :data:`LINK_KINDS`."""
    out: list[dict[str, str]] = []
    for link in links or []:
        kind = str(link.get("kind") or "")
        if kind not in LINK_KINDS:
            raise ValidationError(
                f"unknown link kind {kind!r}; expected one of {', '.join(LINK_KINDS)}",
                field="links",
            )
        ref = _clean_text(link.get("ref"), "links", limit=500)
        if not ref:
            raise ValidationError(
                f"a {LINK_KINDS[kind].lower()} link needs a URL or id", field="links"
            )
        title = _clean_text(link.get("title"), "links", limit=200)
        entry = {"kind": kind, "ref": ref, "title": title}
        if entry not in out:
            out.append(entry)
    return out


class TriageService:
    """Triage actions on the store at ``url`` (default: configured), done by ``actor`` (who
    the audit log records; default ``COMMBOOK_USER``) with the permissions of ``role``
    (default ``COMMBOOK_ROLE``). ``clock`` returns "now" (tests pass a fixed one)."""

    def __init__(
        self,
        url: str | None = None,
        actor: str | None = None,
        role: str | None = None,
        *,
        rules: RuleSet | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        settings = get_settings()
        self.url = url or settings.database_url
        self.actor = actor or settings.user
        self.role = role or settings.role
        check_permission(self.role, "view")  # validates the role name
        self._rules = rules
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    # --- helpers ------------------------------------------------------------------------

    @property
    def rules(self) -> RuleSet:
        """The triage rules (``config/triage_rules.yml``), read once."""
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    @property
    def categories(self) -> tuple[str, ...]:
        """Built-in categories and the custom ones from the rules file."""
        return self.rules.categories

    def can(self, action: str) -> bool:
        """Whether this service's role may take ``action`` (see ``model.can``)."""
        from commbook.triage.model import can

        return can(self.role, action)

    def _now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValidationError("clock: a timezone-aware time is required")
        return now

    def _check_category(self, category: str) -> str:
        if category not in self.categories:
            raise ValidationError(
                f"unknown category {category!r}; expected one of {', '.join(self.categories)}",
                field="category",
            )
        return category

    @staticmethod
    def _check_urgency(urgency: str) -> str:
        if urgency not in URGENCIES:
            raise ValidationError(
                f"unknown urgency {urgency!r}; expected one of {', '.join(URGENCIES)}",
                field="urgency",
            )
        return urgency

    @staticmethod
    def _load(session: Session, item_id: int, version: int | None) -> TriageItem:
        item = session.get(TriageItem, item_id)
        if item is None:
            raise NotFound(f"triage item #{item_id} does not exist (it may have been deleted)")
        if version is not None and item.version != version:
            raise ConflictError(
                f"triage item #{item_id} was changed by someone else since you opened it "
                f"(version {version}, now {item.version}); reload it to see their changes, "
                "then apply yours again"
            )
        return item

    @staticmethod
    def _touch(item: TriageItem) -> None:
        """Every action bumps the item's version, so concurrent actions conflict."""
        item.updated_at = utcnow()
        flag_modified(item, "updated_at")

    def _record(self, session: Session, row: Any, changes: dict[str, Any]) -> None:
        """Add a history row and its audit entry (written in the same transaction)."""
        session.add(row)
        session.flush()
        session.add(
            AuditEntry(
                at=row.at,
                actor=self.actor,
                entity=row.__tablename__,
                entity_id=str(row.id),
                action="create",
                changes={"item_id": row.item_id, **changes},
            )
        )

    def _set_status(self, item: TriageItem, status: str, now: dt.datetime) -> None:
        """Move ``item`` to ``status`` (checked) and keep the SLA stamps consistent."""
        old = item.status
        check_transition(old, status)
        if old == status:
            return
        if old in DONE_STATUSES and status in OPEN_STATUSES:
            check_permission(self.role, "reopen")
            item.resolved_at = None  # open again: the resolution clock runs again
            item.closed_loop = False
            item.closed_loop_at = None
        if status in DONE_STATUSES and item.resolved_at is None:
            item.resolved_at = now
        item.status = status

    def _run(self, item_id: int, version: int | None, action: Callable) -> TriageItem:
        with session_scope(self.url, actor=self.actor) as session:
            item = self._load(session, item_id, version)
            now = self._now()
            action(session, item, now)
            self._touch(item)
        return item

    # --- creating items -----------------------------------------------------------------

    def create_item(
        self,
        *,
        summary: str,
        category: str,
        urgency: str = "normal",
        received_at: dt.datetime | None = None,
        owner: str | None = None,
        queue: str | None = None,
        channel: str | None = None,
        member_id: int | None = None,
        event_id: int | None = None,
        tags: Iterable[str] | str | None = None,
        links: Iterable[Mapping[str, Any]] | None = None,
    ) -> TriageItem:
        """Create an item by hand (status ``new``). ``channel`` is a channel key."""
        check_permission(self.role, "triage")
        summary = _clean_text(summary, "summary", required=True, limit=2000)
        self._check_category(category)
        self._check_urgency(urgency)
        now = self._now()
        received = received_at or now
        if received.tzinfo is None:
            raise ValidationError("received_at needs a timezone", field="received_at")
        if received > now + dt.timedelta(minutes=5):
            raise ValidationError("received_at is in the future", field="received_at")
        tags, links = clean_tags(tags), clean_links(links)
        with session_scope(self.url, actor=self.actor) as session:
            channel_id = None
            if channel:
                channel_id = session.scalar(select(Channel.id).where(Channel.key == channel))
                if channel_id is None:
                    raise ValidationError(f"unknown channel {channel!r}", field="channel")
            item = TriageItem(
                source="manual",
                source_id=uuid.uuid4().hex,
                event_id=event_id,
                member_id=member_id,
                channel_id=channel_id,
                category=category,
                urgency=urgency,
                status="new",
                owner=_clean_text(owner, "owner", limit=100) or None,
                queue=_clean_text(queue, "queue", limit=64) or None,
                summary=summary,
                received_at=received,
                tags=tags,
                links=links,
                closed_loop=False,
            )
            session.add(item)
        return item

    def create_from_events(
        self,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> CreateResult:
        """One triage item per imported post (and per reply the rules flag as abuse or
        high/critical urgency), with the category and urgency the rules suggest.

        Idempotent: an event that already has an item — created here before, imported
        from a triage file or created by hand — is skipped. Posts by staff and moderators
        are left alone. ``since``/``until`` bound ``occurred_at`` (``[since, until)``).
        """
        check_permission(self.role, "triage")
        posts = self._candidate_events(since, until)
        if posts.empty:
            return CreateResult(scanned=0)
        has_item = posts["has_item"]
        staff = posts["member_role"].isin(STAFF_ROLES)
        todo = posts[~has_item & ~staff]
        suggested = self.rules.suggest_frame(todo) if len(todo) else pd.DataFrame()
        flagged = pd.Series(True, index=todo.index)
        if len(todo):
            flagged = (todo["kind"] == "post") | (
                suggested["category"].isin(REPLY_CATEGORIES)
                | suggested["urgency"].isin(REPLY_URGENCIES)
            )
        chosen = todo[flagged]
        created: list[int] = []
        try:
            with session_scope(self.url, actor=self.actor) as session:
                items = [
                    self._item_from_event(row, suggested.loc[index])
                    for index, row in chosen.iterrows()
                ]
                session.add_all(items)
                session.flush()
                created = [item.id for item in items]
        except IntegrityError as exc:  # another run inserted the same events meanwhile
            raise ConflictError(
                "another run created triage items from the same events at the same time; "
                "run again (nothing is created twice)"
            ) from exc
        return CreateResult(
            scanned=len(posts),
            created=created,
            existing=int(has_item.sum()),
            ignored=int((~has_item & staff).sum()) + int((~flagged).sum()),
        )

    def _candidate_events(
        self, since: dt.datetime | None, until: dt.datetime | None
    ) -> pd.DataFrame:
        e = ActivityEvent
        has_item = exists().where(TriageItem.event_id == e.id)
        query = (
            select(
                e.id.label("event_id"),
                e.source,
                e.source_id,
                e.kind,
                e.occurred_at,
                e.member_id,
                e.channel_id,
                e.thread_id,
                Channel.key.label("channel"),
                Member.role.label("member_role"),
                e.title,
                e.body,
                has_item.label("has_item"),
            )
            .outerjoin(Channel, Channel.id == e.channel_id)
            .outerjoin(Member, Member.id == e.member_id)
            .where(e.kind.in_(("post", "reply")))
            .where(func.coalesce(e.body, "") + func.coalesce(e.title, "") != "")
            .order_by(e.occurred_at, e.id)
        )
        for bound, name in ((since, "since"), (until, "until")):
            if bound is not None and bound.tzinfo is None:
                raise ValidationError(f"{name} needs a timezone", field=name)
        if since is not None:
            query = query.where(e.occurred_at >= since)
        if until is not None:
            query = query.where(e.occurred_at < until)
        first = (
            select(e.member_id, func.min(e.occurred_at).label("first_at"))
            .where(e.kind.in_(("post", "reply")), e.member_id.is_not(None))
            .group_by(e.member_id)
        )
        with session_scope(self.url, actor=self.actor) as session:
            rows = session.execute(query).mappings().all()
            firsts = {member: when for member, when in session.execute(first).all()}
        frame = pd.DataFrame([dict(r) for r in rows])
        if frame.empty:
            return frame
        frame["has_item"] = frame["has_item"].astype(bool)
        frame["member_role"] = frame["member_role"].fillna("member")
        frame["channel"] = frame["channel"].fillna("")
        for column in ("title", "body"):
            frame[column] = frame[column].fillna("")
        frame["is_first_post"] = [
            firsts.get(m) == at if pd.notna(m) else False
            for m, at in zip(frame["member_id"], frame["occurred_at"], strict=True)
        ]
        return frame

    @staticmethod
    def _item_from_event(row: pd.Series, suggestion: pd.Series) -> TriageItem:
        text = (row["title"] or row["body"]).strip().replace("\n", " ")
        summary = text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"
        links = []
        if row["thread_id"]:
            links.append(
                {"kind": "thread", "ref": f"{row['source']}:{row['thread_id']}", "title": ""}
            )
        member = row["member_id"]
        return TriageItem(
            source=EVENT_SOURCE,
            source_id=f"{row['source']}:{row['source_id']}",
            event_id=int(row["event_id"]),
            member_id=int(member) if pd.notna(member) else None,
            channel_id=int(row["channel_id"]) if pd.notna(row["channel_id"]) else None,
            category=suggestion["category"],
            urgency=suggestion["urgency"],
            status="new",
            summary=summary,
            received_at=row["occurred_at"],
            tags=[],
            links=links,
            closed_loop=False,
            suggestion={
                "category": suggestion["category"],
                "urgency": suggestion["urgency"],
                "rules": list(suggestion["matched_rules"]),
                "explanation": suggestion["explanation"],
            },
        )

    # --- editing ------------------------------------------------------------------------

    def update(self, item_id: int, version: int | None, **changes: Any) -> TriageItem:
        """Change the triage fields: ``category``, ``urgency``, ``summary``, ``tags``,
        ``links`` (permission ``triage``)."""
        allowed = {"category", "urgency", "summary", "tags", "links"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(
                f"cannot change {', '.join(sorted(unknown))} here; use assign, change_status, "
                "respond, moderate, escalate or close_loop",
                field=sorted(unknown)[0],
            )
        check_permission(self.role, "triage")
        values: dict[str, Any] = {}
        if "category" in changes:
            values["category"] = self._check_category(changes["category"])
        if "urgency" in changes:
            values["urgency"] = self._check_urgency(changes["urgency"])
        if "summary" in changes:
            values["summary"] = _clean_text(
                changes["summary"], "summary", required=True, limit=2000
            )
        if "tags" in changes:
            values["tags"] = clean_tags(changes["tags"])
        if "links" in changes:
            values["links"] = clean_links(changes["links"])

        def apply(_s: Session, item: TriageItem, _now: dt.datetime) -> None:
            for name, value in values.items():
                if getattr(item, name) != value:
                    setattr(item, name, value)

        return self._run(item_id, version, apply)

    def assign(
        self, item_id: int, version: int | None, owner: str | None, queue: str | None = None
    ) -> TriageItem:
        """Give the item an owner (``None`` or ``""``: unassign) and optionally a queue.
        A ``new`` item becomes ``triaged``."""
        check_permission(self.role, "assign")
        name = _clean_text(owner, "owner", limit=100) or None
        team = _clean_text(queue, "queue", limit=64) or None if queue is not None else None

        def apply(_s: Session, item: TriageItem, now: dt.datetime) -> None:
            if item.status == "closed":
                raise ValidationError(f"item #{item.id} is closed; it cannot be reassigned")
            item.owner = name
            if queue is not None:
                item.queue = team
            if name and item.status == "new":
                self._set_status(item, "triaged", now)

        return self._run(item_id, version, apply)

    def change_status(self, item_id: int, version: int | None, status: str) -> TriageItem:
        """Move the item along the workflow (``model.ALLOWED_TRANSITIONS``). Resolving or
        closing stamps ``resolved_at``; reopening a resolved item needs ``reopen``."""
        check_permission(self.role, "respond")
        if status == "escalated":
            raise ValidationError(
                "to escalate, choose a level (team lead, legal, PR or security) with escalate",
                field="status",
            )

        def apply(_s: Session, item: TriageItem, now: dt.datetime) -> None:
            self._set_status(item, status, now)

        return self._run(item_id, version, apply)

    def respond(
        self, item_id: int, version: int | None, text: str, status: str | None = None
    ) -> TriageItem:
        """Record a response to the member (what was said), then optionally move the item
        to ``status``. The first response stamps ``first_response_at``."""
        check_permission(self.role, "respond")
        body = _clean_text(text, "response", required=True, limit=10_000)
        if status == "escalated":
            raise ValidationError("to escalate, use escalate", field="status")

        def apply(session: Session, item: TriageItem, now: dt.datetime) -> None:
            if item.status == "closed":
                raise ValidationError(f"item #{item.id} is closed; reopening is not possible")
            if status:
                self._set_status(item, status, now)
            if item.first_response_at is None:
                item.first_response_at = now
            self._record(
                session,
                TriageResponse(item_id=item.id, at=now, actor=self.actor, body=body,
                               status_after=status),
                {"body": body, "status_after": status},
            )  # fmt: skip

        return self._run(item_id, version, apply)

    def moderate(
        self,
        item_id: int,
        version: int | None,
        action: str,
        reason: str,
        policy_ref: str | None = None,
    ) -> TriageItem:
        """Take a moderation action (approve … ban) with a reason and an optional policy
        reference. Counts as a first response; the role must be allowed the action."""
        decision = moderation_action(action, reason, policy_ref)
        check_permission(self.role, decision.action)

        def apply(session: Session, item: TriageItem, now: dt.datetime) -> None:
            if item.status == "closed":
                raise ValidationError(f"item #{item.id} is closed")
            if item.first_response_at is None:
                item.first_response_at = now
            self._record(
                session,
                TriageModeration(
                    item_id=item.id,
                    member_id=item.member_id,
                    at=now,
                    actor=self.actor,
                    action=decision.action,
                    reason=decision.reason,
                    policy_ref=decision.policy_ref,
                ),
                {
                    "action": decision.action,
                    "reason": decision.reason,
                    "policy_ref": decision.policy_ref,
                    "member_id": item.member_id,
                },
            )

        return self._run(item_id, version, apply)

    def escalate(self, item_id: int, version: int | None, level: str, note: str) -> TriageItem:
        """Escalate to ``level`` (team_lead first; then legal, pr or security — those need
        ``escalate_specialist``). The item's status becomes ``escalated``."""
        check_permission(self.role, "escalate" if level == "team_lead" else "escalate_specialist")
        text = _clean_text(note, "note", required=True, limit=5000)

        def apply(session: Session, item: TriageItem, now: dt.datetime) -> None:
            if item.status in DONE_STATUSES:
                raise ValidationError(
                    f"item #{item.id} is {item.status}; reopen it before escalating",
                    field="status",
                )
            previous = item.escalation_level
            check_escalation(previous, level)
            self._set_status(item, "escalated", now)
            item.escalation_level = level
            self._record(
                session,
                TriageEscalation(item_id=item.id, at=now, actor=self.actor, level=level,
                                 previous_level=previous, note=text),
                {"level": level, "previous_level": previous, "note": text},
            )  # fmt: skip

        return self._run(item_id, version, apply)

    def close_loop(self, item_id: int, version: int | None, note: str) -> TriageItem:
        """Record that the member was told the outcome (``note``: what they were told) and
        close the item. Only a resolved (or already closed) item can close the loop."""
        check_permission(self.role, "respond")
        text = _clean_text(note, "note", required=True, limit=5000)

        def apply(_s: Session, item: TriageItem, now: dt.datetime) -> None:
            if item.status not in DONE_STATUSES:
                raise ValidationError(
                    f"item #{item.id} is {item.status.replace('_', ' ')}: resolve it first, "
                    "then tell the member the outcome",
                    field="status",
                )
            item.closed_loop = True
            item.closed_loop_note = text
            item.closed_loop_at = now
            self._set_status(item, "closed", now)

        return self._run(item_id, version, apply)

    # --- bulk ---------------------------------------------------------------------------

    def _bulk(self, refs: Sequence[tuple[int, int | None]], one: Callable) -> BulkResult:
        done: list[int] = []
        failed: dict[int, str] = {}
        for item_id, version in refs:
            try:
                one(item_id, version)
            except CommbookError as exc:
                failed[item_id] = getattr(exc, "reason", str(exc))
            else:
                done.append(item_id)
        return BulkResult(done=done, failed=failed)

    def bulk_assign(
        self, refs: Sequence[tuple[int, int | None]], owner: str | None, queue: str | None = None
    ) -> BulkResult:
        """Assign every ``(item_id, version)``; each item succeeds or fails on its own."""
        check_permission(self.role, "assign")
        return self._bulk(refs, lambda i, v: self.assign(i, v, owner, queue))

    def bulk_status(self, refs: Sequence[tuple[int, int | None]], status: str) -> BulkResult:
        """Move every ``(item_id, version)`` to ``status``; refusals are reported per item."""
        check_permission(self.role, "respond")
        return self._bulk(refs, lambda i, v: self.change_status(i, v, status))
