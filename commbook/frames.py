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
from commbook.store import (
    ActivityEvent,
    Channel,
    ContentItem,
    Member,
    Survey,
    SurveyResponse,
    TriageItem,
    TriageModeration,
    get_engine,
)

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

SURVEY_COLUMNS: _Spec = {
    "survey_id": (Survey.id, "int"),
    "survey": (Survey.source_id, "str"),
    "name": (Survey.name, "str"),
    "kind": (Survey.kind, "str"),
    "question": (Survey.question, "str"),
    "comment_question": (Survey.comment_question, "str"),
    "scale_min": (Survey.scale_min, "int"),
    "scale_max": (Survey.scale_max, "int"),
    "sent_count": (Survey.sent_count, "int"),
    "opened_at": (Survey.opened_at, "ts"),
    "closed_at": (Survey.closed_at, "ts"),
}
DEFAULT_SURVEY_COLUMNS = tuple(SURVEY_COLUMNS)

RESPONSE_COLUMNS: _Spec = {
    "response_id": (SurveyResponse.id, "int"),
    "source_id": (SurveyResponse.source_id, "str"),
    "survey_id": (SurveyResponse.survey_id, "int"),
    "survey": (Survey.source_id, "str"),
    "survey_name": (Survey.name, "str"),
    "survey_kind": (Survey.kind, "str"),
    "member_id": (SurveyResponse.member_id, "int"),
    "submitted_at": (SurveyResponse.submitted_at, "ts"),
    "score": (SurveyResponse.score, "float"),
    "comment": (SurveyResponse.comment, "str"),
}
DEFAULT_RESPONSE_COLUMNS = (
    "response_id",
    "source_id",
    "survey_id",
    "survey",
    "survey_kind",
    "member_id",
    "submitted_at",
    "score",
    "comment",
)


TRIAGE_COLUMNS: _Spec = {
    "triage_id": (TriageItem.id, "int"),
    "source_id": (TriageItem.source_id, "str"),
    "category": (TriageItem.category, "str"),
    "urgency": (TriageItem.urgency, "str"),
    "status": (TriageItem.status, "str"),
    "channel": (Channel.key, "str"),
    "queue": (TriageItem.queue, "str"),
    "member_id": (TriageItem.member_id, "int"),
    "event_id": (TriageItem.event_id, "int"),
    "owner": (TriageItem.owner, "str"),
    "received_at": (TriageItem.received_at, "ts"),
    "first_response_at": (TriageItem.first_response_at, "ts"),
    "resolved_at": (TriageItem.resolved_at, "ts"),
    "escalation_level": (TriageItem.escalation_level, "str"),
    "closed_loop": (TriageItem.closed_loop, "bool"),
    "closed_loop_at": (TriageItem.closed_loop_at, "ts"),
}
DEFAULT_TRIAGE_COLUMNS = (
    "triage_id",
    "category",
    "urgency",
    "status",
    "owner",
    "received_at",
    "first_response_at",
    "resolved_at",
    "escalation_level",
    "closed_loop",
)


MODERATION_COLUMNS: _Spec = {
    "moderation_id": (TriageModeration.id, "int"),
    "item_id": (TriageModeration.item_id, "int"),
    "member_id": (TriageModeration.member_id, "int"),
    "at": (TriageModeration.at, "ts"),
    "actor": (TriageModeration.actor, "str"),
    "action": (TriageModeration.action, "str"),
    "reason": (TriageModeration.reason, "str"),
    "policy_ref": (TriageModeration.policy_ref, "str"),
    "category": (TriageItem.category, "str"),
    "channel": (Channel.key, "str"),
}
DEFAULT_MODERATION_COLUMNS = (
    "moderation_id",
    "item_id",
    "member_id",
    "at",
    "actor",
    "action",
    "channel",
)


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


def load_surveys(
    url: str | None = None, columns: Sequence[str] = DEFAULT_SURVEY_COLUMNS
) -> pd.DataFrame:
    """Every survey, oldest opening first (``survey`` is its key, e.g. ``nps4``)."""
    spec = _pick(SURVEY_COLUMNS, columns, "surveys")
    stmt = _select(spec).select_from(Survey).order_by(Survey.opened_at, Survey.id)
    return _frame(url, stmt, spec)


def load_responses(
    url: str | None = None,
    start: Bound = None,
    end: Bound = None,
    columns: Sequence[str] = DEFAULT_RESPONSE_COLUMNS,
    surveys: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Survey responses submitted in ``[start, end)``, oldest first.

    ``columns``: any of ``RESPONSE_COLUMNS`` (``survey``, ``survey_name`` and
    ``survey_kind`` come from the survey); ``surveys``: only these survey keys (e.g.
    ``("nps3", "nps4")``); ``kinds``: only surveys of these kinds (``nps``, ``csat``,
    ``likert``, ``poll``). ``score`` is a float (missing: NaN), ``comment`` text or missing.
    """
    spec = _pick(RESPONSE_COLUMNS, columns, "responses")
    stmt = (
        _select(spec)
        .select_from(SurveyResponse)
        .join(Survey, SurveyResponse.survey_id == Survey.id)
        .where(*_in_period(SurveyResponse.submitted_at, start, end))
    )
    if surveys is not None:
        stmt = stmt.where(Survey.source_id.in_([surveys] if isinstance(surveys, str) else surveys))
    if kinds is not None:
        stmt = stmt.where(Survey.kind.in_([kinds] if isinstance(kinds, str) else kinds))
    stmt = stmt.order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    return _frame(url, stmt, spec)


def load_triage(
    url: str | None = None,
    start: Bound = None,
    end: Bound = None,
    columns: Sequence[str] = DEFAULT_TRIAGE_COLUMNS,
) -> pd.DataFrame:
    """Triage items that were in the queue at some time in ``[start, end)``, oldest first.

    That is: received before ``end`` and not resolved before ``start`` — so both the items
    received in the period and those resolved in it are there (the workflow metrics of
    ``commbook.metrics.workflow`` pick them by ``received_at`` / ``resolved_at``).
    ``columns``: any of ``TRIAGE_COLUMNS``; ``closed_loop`` is a nullable boolean.
    """
    spec = _pick(TRIAGE_COLUMNS, columns, "triage")
    lo, hi = _bound(start, "start"), _bound(end, "end")
    if lo is not None and hi is not None and hi <= lo:
        raise ValidationError(f"end ({hi}) must be after start ({lo})", field="end")
    conditions = []
    if hi is not None:
        conditions.append(TriageItem.received_at < hi)
    if lo is not None:
        conditions.append(or_(TriageItem.resolved_at.is_(None), TriageItem.resolved_at >= lo))
    stmt = _select(spec).select_from(TriageItem)
    if "channel" in spec:
        stmt = stmt.outerjoin(Channel, TriageItem.channel_id == Channel.id)
    stmt = stmt.where(*conditions).order_by(TriageItem.received_at, TriageItem.id)
    return _frame(url, stmt, spec)


def load_moderation(
    url: str | None = None,
    start: Bound = None,
    end: Bound = None,
    columns: Sequence[str] = DEFAULT_MODERATION_COLUMNS,
) -> pd.DataFrame:
    """Moderation actions taken in ``[start, end)`` (``at``), oldest first.

    ``columns``: any of ``MODERATION_COLUMNS``; ``item_id`` is the triage item acted on,
    ``member_id`` the member affected, ``category`` and ``channel`` are the item's.
    """
    spec = _pick(MODERATION_COLUMNS, columns, "moderation")
    stmt = _select(spec).select_from(TriageModeration)
    if "category" in spec or "channel" in spec:
        stmt = stmt.outerjoin(TriageItem, TriageModeration.item_id == TriageItem.id)
    if "channel" in spec:
        stmt = stmt.outerjoin(Channel, TriageItem.channel_id == Channel.id)
    stmt = stmt.where(*_in_period(TriageModeration.at, start, end))
    stmt = stmt.order_by(TriageModeration.at, TriageModeration.id)
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


_DTYPES = {"int": "Int64", "str": "str", "bool": "boolean", "float": "float64"}


def _frame(url: str | None, stmt: Select, spec: Mapping[str, tuple[Any, str]]) -> pd.DataFrame:
    """Run ``stmt`` and type its columns. The driver's raw tuples go straight to pandas and
    every column is converted in one vectorised call (SQLite returns timestamps as naive
    UTC text and booleans as 0/1, PostgreSQL aware datetimes): 3× faster than SQLAlchemy
    rows, whose result processors convert each value in Python."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=list(spec), coerce_float=False)
    del rows
    for name, (_expr, kind) in spec.items():
        if kind == "ts":
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601").astype(
                "datetime64[us, UTC]"
            )
        else:
            frame[name] = frame[name].astype(_DTYPES[kind])
    return frame
