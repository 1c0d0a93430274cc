"""Change history: the audit log as people read it — who changed what, when, old → new.

``history(url, entity=, actor=, page=, per_page=)`` returns one page of entries, newest
first, each with the record's name (its latest known title/name, even after a delete) and
its changes as ``Change(label, old, new)`` with values already in words (lists joined,
long text shortened). Nothing here is HTML: the app escapes it when it shows it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, tuple_

from commbook.store import AuditEntry, session_scope

#: Audited tables → what people call them, and the column that names a record.
ENTITIES: dict[str, tuple[str, str]] = {
    "objectives": ("Objective", "title"),
    "audience_segments": ("Audience segment", "name"),
    "content_items": ("Content item", "title"),
    "triage_items": ("Triage item", "summary"),
}
ACTIONS: dict[str, str] = {"create": "Created", "update": "Changed", "delete": "Deleted"}
PER_PAGE = 15
MAX_TEXT = 90

_LABELS: dict[str, str] = {
    "start_date": "Start date",
    "due_date": "Due date",
    "current_value": "Current value",
    "direction": "Goal",
    "scheduled_at": "Scheduled at",
    "published_at": "Published at",
    "content_type": "Content type",
    "channel_id": "Channel",
    "objective_id": "Objective",
    "segments": "Segments",
    "rrule": "Repeats",
}


@dataclass(frozen=True)
class Change:
    """One field's change, in words (``old`` is ``""`` for a created record)."""

    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: dt.datetime
    actor: str
    entity: str
    entity_label: str
    entity_id: str
    name: str
    action: str
    changes: tuple[Change, ...]

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def entity_label(entity: str) -> str:
    return ENTITIES.get(entity, (entity.replace("_", " ").capitalize(), ""))[0]


def field_label(field: str) -> str:
    """``due_date`` → "Due date"; dotted or nested keys read the same way."""
    return _LABELS.get(field) or field.replace("_", " ").replace(".", " › ").capitalize()


def describe(value: Any, limit: int = MAX_TEXT) -> str:
    """A stored value in words: ``None`` → "—", lists joined, dicts as "key: value; …"."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:,.6g}"
    elif isinstance(value, list | tuple):
        text = ", ".join(describe(v, limit) for v in value)
    elif isinstance(value, dict):
        text = "; ".join(
            f"{field_label(str(k)).lower()}: {describe(v, limit)}" for k, v in value.items()
        )
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bookkeeping(key: str) -> bool:
    """Ids and import provenance: listed after the fields people care about."""
    return key in {"source", "source_id"} or key.endswith("_id")


def _changes(action: str, changes: dict[str, Any]) -> tuple[Change, ...]:
    out = []
    for key, change in sorted((changes or {}).items(), key=lambda kv: _bookkeeping(kv[0])):
        if action == "update" and isinstance(change, dict) and set(change) == {"old", "new"}:
            old, new = change["old"], change["new"]
        else:
            old, new = None, change
        if action == "create" and new in (None, "", [], {}):
            continue
        out.append(
            Change(
                key, field_label(key), "" if action == "create" else describe(old), describe(new)
            )
        )
    return tuple(out)


def _named(entity: str, changes: dict[str, Any]) -> str | None:
    column = ENTITIES.get(entity, ("", "title"))[1]
    value = (changes or {}).get(column)
    if isinstance(value, dict) and "new" in value:
        value = value["new"]
    return str(value) if value not in (None, "") else None


def history(
    url: str | None = None,
    *,
    entity: str | None = None,
    actor: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> HistoryPage:
    """One page (1-based) of the audit log, newest first, optionally for one entity type
    (table name, e.g. ``objectives``) and/or one person."""
    page = max(1, int(page))
    conditions = []
    if entity:
        conditions.append(AuditEntry.entity == entity)
    if actor:
        conditions.append(AuditEntry.actor == actor)
    with session_scope(url) as session:
        total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
        last = max(1, math.ceil((total or 0) / per_page))
        page = min(page, last)
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(*conditions)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        )
        names = _latest_names(session, {(r.entity, r.entity_id) for r in rows})
    entries = [
        HistoryEntry(
            id=r.id,
            at=r.at,
            actor=r.actor,
            entity=r.entity,
            entity_label=entity_label(r.entity),
            entity_id=r.entity_id,
            name=_named(r.entity, r.changes)
            or names.get((r.entity, r.entity_id))
            or f"#{r.entity_id}",
            action=r.action,
            changes=_changes(r.action, r.changes),
        )
        for r in rows
    ]
    return HistoryPage(entries, total or 0, page, per_page)


def _latest_names(session: Any, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The latest name each record had, from its own audit entries (works after a delete)."""
    if not keys:
        return {}
    query = (
        select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.changes)
        .where(tuple_(AuditEntry.entity, AuditEntry.entity_id).in_(sorted(keys)))
        .order_by(AuditEntry.id)
    )
    names: dict[tuple[str, str], str] = {}
    for entity, entity_id, changes in session.execute(query):
        name = _named(entity, changes)
        if name:
            names[(entity, entity_id)] = name
    return names


def actors(url: str | None = None) -> list[str]:
    """Everyone who appears in the audit log, alphabetically."""
    with session_scope(url) as session:
        return list(session.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)))


def entity_types(url: str | None = None) -> list[str]:
    """The audited tables that have entries, in ``ENTITIES`` order then alphabetically."""
    with session_scope(url) as session:
        found = set(session.scalars(select(AuditEntry.entity).distinct()))
    order = list(ENTITIES)
    return sorted(found, key=lambda e: (order.index(e) if e in order else len(order), e))
