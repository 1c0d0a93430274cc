"""Audit log: every create, update and delete of an edited record, with who and what."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from commbook.store.models import AuditEntry, Versioned, utcnow

_SKIP = {"version", "created_at", "updated_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "__table__"):  # a related record: keep its id
        return getattr(value, "id", None)
    return value


def _changes(obj: Versioned, *, created: bool) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.attrs:
        if attr.key in _SKIP:
            continue
        hist = state.attrs[attr.key].history
        if created:
            value = state.attrs[attr.key].value
            if value is not None and value != []:
                out[attr.key] = _plain(value)
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            if attr.key in {"segments"}:
                old = [_plain(v) for v in hist.unchanged + hist.deleted]
                new = [_plain(v) for v in hist.unchanged + hist.added]
                out[attr.key] = {"old": old, "new": new}
            else:
                new = hist.added[0] if hist.added else None
                out[attr.key] = {"old": _plain(old), "new": _plain(new)}
    return out


@event.listens_for(Session, "before_flush")
def _collect_changes(session: Session, _ctx, _instances) -> None:
    """Read attribute history before the flush clears it."""
    pending = session.info.setdefault("_audit_pending", [])
    for obj in session.new:
        if isinstance(obj, Versioned):
            pending.append((obj, "create", _changes(obj, created=True)))
    for obj in session.dirty:
        if isinstance(obj, Versioned) and session.is_modified(obj):
            changes = _changes(obj, created=False)
            if changes:
                pending.append((obj, "update", changes))
                if not session.is_modified(obj, include_collections=False):
                    # only links changed (e.g. segments): touch the row so the version
                    # moves and a concurrent save of the same record still conflicts
                    obj.updated_at = utcnow()
    for obj in session.deleted:
        if isinstance(obj, Versioned):
            pending.append((obj, "delete", {}))


@event.listens_for(Session, "after_flush_postexec")
def _write_entries(session: Session, _ctx) -> None:
    """Write the entries once new records have their ids (flushed with the same commit)."""
    pending = session.info.pop("_audit_pending", [])
    actor = session.info.get("actor", "unknown")
    for obj, action, changes in pending:
        session.add(
            AuditEntry(
                actor=actor,
                entity=obj.__tablename__,
                entity_id=str(obj.id),
                action=action,
                changes=changes,
            )
        )
