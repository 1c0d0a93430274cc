"""Load DataFrames from the store for analysis: only the columns asked for, only the period.

Conventions shared by every loader:

- ``url``: SQLAlchemy URL of the store (default: the configured one);
- ``start`` / ``end``: the period ``[start, end)``; aware datetimes, or naive datetimes / dates /
  ISO strings read in the configured timezone (``COMMBOOK_TIMEZONE``); ``None`` = unbounded;
- ``*_id`` columns are the store's integer ids (so frames join on them); ``source_id`` is the
  id in the system the row came from; ``channel`` is the channel key;
- timestamps are ``datetime64`` aware in UTC, integers are nullable ``Int64``, text is ``str``.
  Empty results keep these dtypes, so metrics can validate them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, or_, select

from commbook.config import get_settings
from commbook.errors import ValidationError
from commbook.store import ActivityEvent, Channel, ContentItem, Member, get_engine

Bound = dt.datetime | dt.date | pd.Timestamp | str | None

# name → (column expression, dtype kind)
_Spec = Mapping[str, tuple[ColumnElement[Any], str]]

EVENT_COLUMNS: _Spec = {
    "event_id": (ActivityEvent.id, "int"),
    "source": (ActivityEvent.source, "str"),
    "source_id": (ActivityEvent.source_id, "str"),
    "kind": (ActivityEvent.kind, "str"),
    "occurred_at": (ActivityEvent.occurred_at, "ts"),
    "member_id": (ActivityEvent.member_id, "int"),
    "channel": (Channel.key, "str"),
    "content_id": (ActivityEvent.content_item_id, "int"),
    "thread_id": (ActivityEvent.thread_id, "str"),
    "parent_id": (ActivityEvent.parent_id, "str"),
    "category": (ActivityEvent.category, "str"),
    "title": (ActivityEvent.title, "str"),
    "body": (ActivityEvent.body, "str"),
    "score": (ActivityEvent.score, "int"),
    "is_accepted": (ActivityEvent.is_accepted, "bool"),
}
DEFAULT_EVENT_COLUMNS = ("event_id", "member_id", "kind", "occurred_at", "channel")

CONTENT_COLUMNS: _Spec = {
    "content_id": (ContentItem.id, "int"),
    "source_id": (ContentItem.source_id, "str"),
    "title": (ContentItem.title, "str"),
    "content_type": (ContentItem.content_type, "str"),
    "channel": (Channel.key, "str"),
    "status": (ContentItem.status, "str"),
    "campaign": (ContentItem.campaign, "str"),
    "scheduled_at": (ContentItem.scheduled_at, "ts"),
    "published_at": (ContentItem.published_at, "ts"),
    "reach": (ContentItem.reach, "int"),
    "impressions": (ContentItem.impressions, "int"),
    "views": (ContentItem.views, "int"),
    "likes": (ContentItem.likes, "int"),
    "comments": (ContentItem.comments, "int"),
    "shares": (ContentItem.shares, "int"),
}
DEFAULT_CONTENT_COLUMNS = tuple(CONTENT_COLUMNS)

MEMBER_COLUMNS: _Spec = {
    "member_id": (Member.id, "int"),
    "source": (Member.source, "str"),
    "source_id": (Member.source_id, "str"),
    "display_name": (Member.display_name, "str"),
    "joined_at": (Member.joined_at, "ts"),
    "left_at": (Member.left_at, "ts"),
    "region": (Member.region, "str"),
    "country": (Member.country, "str"),
    "language": (Member.language, "str"),
    "age_band": (Member.age_band, "str"),
    "role": (Member.role, "str"),
    "reputation": (Member.reputation, "int"),
}
DEFAULT_MEMBER_COLUMNS = ("member_id", "joined_at", "left_at", "region", "language", "role")


def load_events(
    url: str | None = None,
    start: Bound = None,
    end: Bound = None,
    columns: Sequence[str] = DEFAULT_EVENT_COLUMNS,
    kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Activity events that occurred in ``[start, end)``, oldest first.

    ``columns``: any of ``EVENT_COLUMNS`` (default: id, member, kind, time, channel).
    ``kinds``: only events of these kinds (e.g. ``("reply", "comment")``); default all.
    """
    spec = _pick(EVENT_COLUMNS, columns, "events")
    stmt = _select(spec).select_from(ActivityEvent)
    if "channel" in spec:
        stmt = stmt.outerjoin(Channel, ActivityEvent.channel_id == Channel.id)
    stmt = stmt.where(*_in_period(ActivityEvent.occurred_at, start, end))
    if kinds is not None:
        stmt = stmt.where(ActivityEvent.kind.in_([kinds] if isinstance(kinds, str) else kinds))
    stmt = stmt.order_by(ActivityEvent.occurred_at, ActivityEvent.id)
    return _frame(url, stmt, spec)


def load_content(
    url: str | None = None,
    start: Bound = None,
    end: Bound = None,
    columns: Sequence[str] = DEFAULT_CONTENT_COLUMNS,
) -> pd.DataFrame:
    """Content items published in ``[start, end)`` with their metrics, oldest first.

    With neither bound, every item is returned, including unpublished calendar entries.
    """
    spec = _pick(CONTENT_COLUMNS, columns, "content")
    stmt = _select(spec).select_from(ContentItem)
    if "channel" in spec:
        stmt = stmt.outerjoin(Channel, ContentItem.channel_id == Channel.id)
    stmt = stmt.where(*_in_period(ContentItem.published_at, start, end))
    stmt = stmt.order_by(ContentItem.published_at, ContentItem.id)
    return _frame(url, stmt, spec)


def load_members(
    url: str | None = None,
    start: Bound = None,
    end: Bound = None,
    columns: Sequence[str] = DEFAULT_MEMBER_COLUMNS,
) -> pd.DataFrame:
    """Members who belonged to the community at some time in ``[start, end)``.

    That is: joined before ``end`` (or join date unknown) and not left before ``start``.
    """
    spec = _pick(MEMBER_COLUMNS, columns, "members")
    lo, hi = _bound(start, "start"), _bound(end, "end")
    conditions = []
    if hi is not None:
        conditions.append(or_(Member.joined_at.is_(None), Member.joined_at < hi))
    if lo is not None:
        conditions.append(or_(Member.left_at.is_(None), Member.left_at >= lo))
    stmt = _select(spec).select_from(Member).where(*conditions).order_by(Member.id)
    return _frame(url, stmt, spec)


def _pick(available: _Spec, columns: Iterable[str], what: str) -> dict[str, tuple[Any, str]]:
    if isinstance(columns, str):
        columns = [columns]
    picked = {}
    for name in columns:
        if name not in available:
            raise ValidationError(
                f"{what}: unknown column {name!r} (available: {', '.join(available)})",
                field=name,
            )
        picked[name] = available[name]
    if not picked:
        raise ValidationError(f"{what}: no columns requested")
    return picked


def _select(spec: Mapping[str, tuple[Any, str]]) -> Select:
    return select(*(expr.label(name) for name, (expr, _kind) in spec.items()))


def _bound(value: Bound, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"not a date or timestamp: {value!r}", field=field) from exc
    if ts.tzinfo is None:
        ts = ts.tz_localize(get_settings().tz)
    return ts.to_pydatetime()


def _in_period(column: Any, start: Bound, end: Bound) -> list[Any]:
    lo, hi = _bound(start, "start"), _bound(end, "end")
    if lo is not None and hi is not None and hi <= lo:
        raise ValidationError(f"end ({hi}) must be after start ({lo})", field="end")
    conditions = []
    if lo is not None:
        conditions.append(column >= lo)
    if hi is not None:
        conditions.append(column < hi)
    return [and_(*conditions)] if conditions else []


_DTYPES = {"int": "Int64", "str": "str", "bool": "boolean"}


def _frame(url: str | None, stmt: Select, spec: Mapping[str, tuple[Any, str]]) -> pd.DataFrame:
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records(rows, columns=list(spec))
    for name, (_expr, kind) in spec.items():
        if kind == "ts":
            frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[us, UTC]")
        else:
            frame[name] = frame[name].astype(_DTYPES[kind])
    return frame
