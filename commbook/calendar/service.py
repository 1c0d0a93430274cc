"""Calendar items in the store: save, read, list by date range, move, duplicate, delete.

Every change goes through the ORM, so versions are checked (a stale save raises
``ConflictError``) and the store's audit log records who changed what. Items made here are
``source="planner"`` with a random ``source_id`` (the stable id used in ICS/CSV exports).

Views never load the whole calendar: ``occurrences`` reads the one-off items of a date
range and the series that started before its end, and expands those in the range.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from commbook.calendar import recurrence
from commbook.calendar.model import (
    STATUSES,
    InvalidItem,
    ItemInput,
    Occurrence,
    split_tags,
    transition_error,
    validate_item,
)
from commbook.errors import NotFound, ValidationError
from commbook.store import AudienceSegment, Channel, ContentItem, Objective, session_scope
from commbook.store.records import Records, assign_changed, require_version

SOURCE = "planner"
CONFLICT_MESSAGE = (
    "Someone else changed this item since you opened it. "
    "Reload to see their version, then apply your changes again."
)
_KEY = re.compile(r"[^a-z0-9]+")
_RECORDS = Records(
    ContentItem,
    "Calendar item",
    CONFLICT_MESSAGE,
    options=(joinedload(ContentItem.channel), selectinload(ContentItem.segments)),
)


@dataclass(frozen=True)
class Filters:
    """What a view shows: each filter left empty shows everything.

    ``campaign`` matches one tag of the item's campaign/tags (case-insensitive).
    """

    channel: str | None = None
    owner: str | None = None
    status: str | None = None
    segment_id: int | None = None
    campaign: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.channel:
            query = query.where(ContentItem.channel.has(Channel.key == self.channel))
        if self.owner:
            query = query.where(ContentItem.owner == self.owner)
        if self.status:
            query = query.where(ContentItem.status == self.status)
        if self.segment_id is not None:
            query = query.where(ContentItem.segments.any(AudienceSegment.id == self.segment_id))
        if self.campaign:
            # narrowed in SQL, then matched on whole tags in Python (``_tag_match``)
            query = query.where(func.lower(ContentItem.campaign).contains(self.campaign.lower()))
        return query


def occurrence_of(item: ContentItem, start: dt.datetime | None = None) -> Occurrence:
    """The ``Occurrence`` of ``item`` at ``start`` (default: its own start)."""
    return Occurrence(
        item_id=item.id,
        version=item.version,
        source_id=item.source_id,
        title=item.title,
        content_type=item.content_type,
        channel=item.channel.key if item.channel else None,
        channel_name=item.channel.name if item.channel else None,
        owner=item.owner,
        status=item.status,
        start=start or item.scheduled_at,
        timezone=item.timezone or "UTC",
        tags=tuple(split_tags(item.campaign)),
        segment_ids=tuple(sorted(s.id for s in item.segments)),
        objective_id=item.objective_id,
        recurring=bool(item.rrule),
        first_start=item.scheduled_at,
        url=item.url,
        notes=item.notes or "",
    )


def _tag_match(item: ContentItem, campaign: str | None) -> bool:
    if not campaign:
        return True
    wanted = campaign.strip().casefold()
    return any(tag.casefold() == wanted for tag in split_tags(item.campaign))


def items_in_range(
    start: dt.datetime | None,
    end: dt.datetime | None,
    filters: Filters = Filters(),
    url: str | None = None,
    *,
    include_unscheduled: bool = False,
) -> list[ContentItem]:
    """Stored items with an occurrence in ``[start, end)`` (no bounds: every scheduled item).

    Series are included when they started before ``end`` (their occurrences are checked by
    the caller); ``include_unscheduled`` adds items without a date.
    """
    query = select(ContentItem).options(*_RECORDS.options)
    clauses = []
    one_off = ContentItem.rrule.is_(None)
    if start is not None and end is not None:
        clauses.append(
            and_(one_off, ContentItem.scheduled_at >= start, ContentItem.scheduled_at < end)
        )
        clauses.append(and_(ContentItem.rrule.is_not(None), ContentItem.scheduled_at < end))
    else:
        clauses.append(ContentItem.scheduled_at.is_not(None))
    if include_unscheduled:
        clauses.append(ContentItem.scheduled_at.is_(None))
    query = filters.apply(query.where(or_(*clauses)))
    query = query.order_by(ContentItem.scheduled_at, ContentItem.id)
    with session_scope(url) as session:
        items = list(session.scalars(query).unique())
    return [i for i in items if _tag_match(i, filters.campaign)]


def occurrences(
    start: dt.datetime,
    end: dt.datetime,
    filters: Filters = Filters(),
    url: str | None = None,
) -> list[Occurrence]:
    """Every occurrence in ``[start, end)``, series expanded, soonest first."""
    out: list[Occurrence] = []
    for item in items_in_range(start, end, filters, url):
        base = occurrence_of(item)
        if not item.rrule:
            out.append(base)
            continue
        for moment in recurrence.occurrences(
            item.scheduled_at, base.timezone, item.rrule, start, end
        ):
            out.append(_at(base, moment))
    out.sort(key=lambda o: (o.start, o.title.casefold(), o.item_id))
    return out


def _at(base: Occurrence, moment: dt.datetime) -> Occurrence:
    return Occurrence(**{**base.__dict__, "start": moment})


def unscheduled(
    filters: Filters = Filters(),
    url: str | None = None,
    limit: int = 200,
) -> list[Occurrence]:
    """Items without a date yet (ideas), newest first."""
    query = filters.apply(
        select(ContentItem).options(*_RECORDS.options).where(ContentItem.scheduled_at.is_(None))
    )
    query = query.order_by(ContentItem.id.desc()).limit(limit)
    with session_scope(url) as session:
        items = list(session.scalars(query).unique())
    return [occurrence_of(i) for i in items if _tag_match(i, filters.campaign)]


def overdue(
    now: dt.datetime, url: str | None = None, limit: int = 500
) -> tuple[list[Occurrence], int]:
    """One-off items whose date has passed and that are neither published nor cancelled.

    Returns (the first ``limit`` of them, oldest first; how many there are in all).
    """
    where = (
        ContentItem.rrule.is_(None),
        ContentItem.scheduled_at < now,
        ContentItem.status.not_in(("published", "cancelled")),
    )
    with session_scope(url) as session:
        total = session.scalar(select(func.count()).select_from(ContentItem).where(*where)) or 0
        query = select(ContentItem).options(*_RECORDS.options).where(*where)
        items = list(session.scalars(query.order_by(ContentItem.scheduled_at).limit(limit)))
    return [occurrence_of(i) for i in items], total


def get_item(id: int, url: str | None = None) -> ContentItem:
    """Item ``id`` as stored now (channel and segments loaded); ``NotFound`` if none."""
    return _RECORDS.get(id, url)


def item_values(item: ContentItem) -> dict[str, Any]:
    """The editable values of a stored item, keyed like ``model.FIELDS`` (to fill a form)."""
    local = None
    if item.scheduled_at is not None:
        local = item.scheduled_at.astimezone(ZoneInfo(item.timezone or "UTC"))
    rule, _ = recurrence.split_stored(item.rrule)
    return {
        "title": item.title,
        "content_type": item.content_type,
        "channel": item.channel.name if item.channel else "",
        "owner": item.owner or "",
        "status": item.status,
        "scheduled_date": local.date() if local else None,
        "scheduled_time": f"{local:%H:%M}" if local else "09:00",
        "timezone": item.timezone or "UTC",
        "rrule": rule,
        "tags": item.campaign or "",
        "segments": sorted(s.id for s in item.segments),
        "objective_id": item.objective_id,
        "url": item.url or "",
        "notes": item.notes or "",
    }


def channel_key(text: str) -> str:
    """A channel key from what a user typed: ``"Blog (EN)"`` → ``"blog-en"``."""
    return _KEY.sub("-", text.strip().lower()).strip("-")[:64]


def _channel(session: Session, text: str) -> Channel:
    """The channel called ``text`` (by key or name, any case); created when new."""
    wanted = text.strip()
    query = select(Channel).where(
        or_(func.lower(Channel.key) == wanted.lower(), func.lower(Channel.name) == wanted.lower())
    )
    found = session.scalars(query.order_by(Channel.id)).first()
    if found is not None:
        return found
    key = channel_key(wanted)
    if not key:
        raise InvalidItem([ValidationError("Channel needs letters or digits", field="channel")])
    found = session.scalars(select(Channel).where(Channel.key == key)).first()
    if found is None:
        found = Channel(key=key, name=wanted, kind="social")
        session.add(found)
    return found


def apply_values(
    session: Session, item: ContentItem, values: ItemInput, skipped: list[dt.date]
) -> None:
    """Copy validated values onto ``item`` (only what changed, so the audit stays small).

    Raises ``InvalidItem`` when a segment or the objective does not exist (any more).
    """
    with session.no_autoflush:  # a new item is incomplete until the end
        problems: list[ValidationError] = []
        segments = []
        if values.segments:
            segments = list(
                session.scalars(
                    select(AudienceSegment).where(AudienceSegment.id.in_(values.segments))
                )
            )
            if len(segments) != len(values.segments):
                problems.append(
                    ValidationError(
                        "A chosen segment no longer exists; reload and pick again", field="segments"
                    )
                )
        if values.objective_id is not None and session.get(Objective, values.objective_id) is None:
            problems.append(
                ValidationError(
                    "The chosen objective no longer exists; pick another", field="objective_id"
                )
            )
        if problems:
            raise InvalidItem(problems)
        channel = _channel(session, values.channel)
        try:
            rule = recurrence.join_stored(values.rrule, skipped)
        except recurrence.RuleError as exc:
            raise InvalidItem([ValidationError(str(exc), field="rrule")]) from None
        changes: dict[str, Any] = {
            "title": values.title,
            "content_type": values.content_type,
            "owner": values.owner or None,
            "status": values.status,
            "scheduled_at": values.scheduled_at,
            "timezone": values.timezone,
            "rrule": rule,
            "campaign": values.tags or None,
            "objective_id": values.objective_id,
            "url": values.url or None,
            "notes": values.notes,
        }
        assign_changed(item, changes)
        if item.channel is not channel:
            item.channel = channel
        if sorted(s.id for s in item.segments) != values.segments:
            item.segments = segments
        if values.status == "published" and item.published_at is None:
            item.published_at = dt.datetime.now(dt.UTC)


def save_item(
    data: dict[str, Any],
    *,
    id: int | None = None,
    version: int | None = None,
    url: str | None = None,
    actor: str | None = None,
) -> ContentItem:
    """Create an item (``id=None``) or update item ``id``; return it as stored.

    An update needs the ``version`` the user loaded (``ConflictError`` when it is stale)
    and may only change the status along ``model.TRANSITIONS``. Days skipped in a series
    are kept. ``NotFound`` if ``id`` was deleted meanwhile.
    """
    values = validate_item(data)
    require_version(id, version, "save_item")
    with _RECORDS.changing(url, actor) as session:
        if id is None:
            if values.status == "cancelled":
                raise InvalidItem(
                    [ValidationError("A new item cannot start as cancelled", field="status")]
                )
            item = ContentItem(source=SOURCE, source_id=str(uuid.uuid4()), segments=[])
            session.add(item)
            skipped: list[dt.date] = []
        else:
            item = _RECORDS.for_change(session, id, version)
            problem = transition_error(item.status, values.status)
            if problem:
                raise InvalidItem([ValidationError(problem, field="status")])
            _, skipped = recurrence.split_stored(item.rrule)
        apply_values(session, item, values, skipped)
        session.flush()
        saved_id = item.id
    return get_item(saved_id, url)


def move_item(
    id: int,
    version: int,
    new_start: dt.datetime,
    *,
    occurrence: dt.datetime | None = None,
    url: str | None = None,
    actor: str | None = None,
) -> ContentItem:
    """Reschedule item ``id`` to the aware ``new_start``; return the item that moved.

    - a one-off item (or ``occurrence=None`` for a series) moves as a whole: a series keeps
      its rule and shifts its first start (and its skipped days), so every occurrence
      moves by the same step;
    - ``occurrence`` (the UTC start of one occurrence of a series) moves that occurrence
      only: its day is skipped in the series and a one-off copy is created at
      ``new_start`` (returned), status ``scheduled`` or the series' own if earlier.
    """
    if new_start.tzinfo is None:
        raise ValueError("move_item: new_start must be timezone-aware")
    with _RECORDS.changing(url, actor) as session:
        item = _RECORDS.for_change(session, id, version)
        if item.status in ("published", "cancelled"):
            label = STATUSES[item.status].lower()
            raise InvalidItem(
                [ValidationError(f"A {label} item cannot be moved", field="scheduled_date")]
            )
        if occurrence is None or not item.rrule:
            if item.rrule and item.scheduled_at is not None:  # skipped days move along
                tz = ZoneInfo(item.timezone or "UTC")
                shift = new_start.astimezone(tz).date() - item.scheduled_at.astimezone(tz).date()
                rule, skipped = recurrence.split_stored(item.rrule)
                item.rrule = recurrence.join_stored(rule, [d + shift for d in skipped])
            item.scheduled_at = new_start.astimezone(dt.UTC)
            session.flush()
            moved_id = item.id
        else:
            tz = ZoneInfo(item.timezone or "UTC")
            rule, skipped = recurrence.split_stored(item.rrule)
            found = recurrence.occurrences(
                item.scheduled_at,
                item.timezone,
                item.rrule,
                occurrence - dt.timedelta(seconds=1),
                occurrence + dt.timedelta(seconds=1),
            )
            if not found:
                raise NotFound("That occurrence is no longer part of the series; reload")
            item.rrule = recurrence.join_stored(rule, [*skipped, occurrence.astimezone(tz).date()])
            copy = _copy(item, new_start, title=item.title, status=item.status)
            session.add(copy)
            session.flush()
            moved_id = copy.id
    return get_item(moved_id, url)


def _copy(item: ContentItem, start: dt.datetime | None, *, title: str, status: str) -> ContentItem:
    return ContentItem(
        source=SOURCE,
        source_id=str(uuid.uuid4()),
        title=title,
        content_type=item.content_type,
        channel_id=item.channel_id,
        owner=item.owner,
        status=status,
        scheduled_at=None if start is None else start.astimezone(dt.UTC),
        timezone=item.timezone,
        campaign=item.campaign,
        notes=item.notes,
        objective_id=item.objective_id,
        segments=list(item.segments),
    )


def duplicate_item(
    id: int,
    *,
    new_start: dt.datetime | None = None,
    url: str | None = None,
    actor: str | None = None,
) -> ContentItem:
    """A copy of item ``id`` as a new idea titled "… (copy)", at ``new_start`` (default: the
    same start) with the same rule; links to a published post are not copied."""
    with session_scope(url, actor=actor) as session:
        item = _RECORDS.existing(session, id)
        title = item.title if len(item.title) > 293 else f"{item.title} (copy)"
        start = item.scheduled_at if new_start is None else new_start
        copy = _copy(item, start, title=title, status="idea")
        rule, _ = recurrence.split_stored(item.rrule)
        copy.rrule = rule or None
        session.add(copy)
        session.flush()
        copy_id = copy.id
    return get_item(copy_id, url)


def delete_item(id: int, version: int, url: str | None = None, actor: str | None = None) -> None:
    """Delete item ``id`` (a whole series) if it is still at the ``version`` the user saw."""
    _RECORDS.delete(id, version, url, actor)


@dataclass(frozen=True)
class Choices:
    """What the form's lists offer: channels, owners, segments and objectives in the store."""

    channels: list[tuple[str, str]] = field(default_factory=list)  # (key, name)
    owners: list[str] = field(default_factory=list)
    segments: list[tuple[int, str]] = field(default_factory=list)
    objectives: list[tuple[int, str]] = field(default_factory=list)
    campaigns: list[str] = field(default_factory=list)
    active_objectives: frozenset[int] = frozenset()  # objectives with status "active"


def choices(url: str | None = None) -> Choices:
    """The current choice lists (a few small queries)."""
    with session_scope(url) as session:
        channels = [(k, n) for k, n in session.execute(select(Channel.key, Channel.name))]
        owners = session.scalars(
            select(ContentItem.owner).where(ContentItem.owner.is_not(None)).distinct()
        )
        segments = session.execute(select(AudienceSegment.id, AudienceSegment.name))
        objectives = list(session.execute(select(Objective.id, Objective.title, Objective.status)))
        campaign_values = session.scalars(
            select(ContentItem.campaign).where(ContentItem.campaign.is_not(None)).distinct()
        )
        tags = {t for value in campaign_values for t in split_tags(value)}
        return Choices(
            channels=sorted(channels, key=lambda c: c[1].casefold()),
            owners=sorted(set(owners), key=str.casefold),
            segments=sorted(((i, n) for i, n in segments), key=lambda s: s[1].casefold()),
            objectives=sorted(((i, t) for i, t, _ in objectives), key=lambda o: o[1].casefold()),
            campaigns=sorted(tags, key=str.casefold),
            active_objectives=frozenset(i for i, _, status in objectives if status == "active"),
        )
