"""Idempotent batch upserts that count honestly: inserted, updated, unchanged.

Each batch first reads the rows that already exist for its keys, so only rows whose values
differ are written; then one dialect ``INSERT … ON CONFLICT DO UPDATE`` statement writes
the new and changed rows. Records that managers edit (a ``version`` column) get their
version bumped and an audit-log entry, like an edit in a form would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from commbook.errors import CommbookError
from commbook.store.models import AuditEntry, utcnow

LOOKUP_CHUNK = 5000  # keys per IN (...) query: well below SQLite's and PostgreSQL's limits


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def _dialect_insert(conn: Connection, table: Table) -> Any:
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise CommbookError(f"imports support SQLite and PostgreSQL, not {name}")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def existing_rows(
    conn: Connection, table: Table, key: Sequence[str], keys: list[tuple], columns: Sequence[str]
) -> dict[tuple, dict[str, Any]]:
    """The stored rows (id + ``columns``) for ``keys``, by key tuple."""
    wanted = set(keys)
    cols = [table.c.id, *(table.c[k] for k in key), *(table.c[c] for c in columns)]
    found: dict[tuple, dict[str, Any]] = {}
    unique = list(wanted)
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start : start + LOOKUP_CHUNK]
        query = select(*cols)
        for i, name in enumerate(key):
            values = {k[i] for k in chunk}
            column = table.c[name]
            query = query.where(
                column == next(iter(values)) if len(values) == 1 else column.in_(values)
            )
        for row in conn.execute(query).mappings():
            k = tuple(row[name] for name in key)
            if k in wanted:
                found[k] = dict(row)
    return found


def upsert(
    conn: Connection,
    table: Table,
    key: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    actor: str = "import",
) -> Counts:
    """Insert new rows, update changed ones, leave equal ones alone. Keys must be unique."""
    counts = Counts()
    if not rows:
        return counts
    columns = [c for c in rows[0] if c not in key]
    keyed = [(tuple(r[k] for k in key), r) for r in rows]
    old = existing_rows(conn, table, key, [k for k, _ in keyed], columns)
    new_rows: list[dict[str, Any]] = []
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for k, row in keyed:
        before = old.get(k)
        if before is None:
            new_rows.append(row)
        elif any(before[c] != row[c] for c in columns):
            changed.append((before, row))
        else:
            counts.unchanged += 1
    counts.inserted, counts.updated = len(new_rows), len(changed)
    versioned = "version" in table.c
    # SQLite: the transaction that read "not there" is the only writer (a concurrent commit
    # makes our write fail, never duplicate), and a plain INSERT is twice as fast as an
    # upsert. PostgreSQL: upsert the new rows too, in case another import raced us.
    upsert_rows = [row for _, row in changed]
    if conn.dialect.name == "sqlite":
        if new_rows:
            _insert_sqlite(conn, table, new_rows)
    else:
        upsert_rows = new_rows + upsert_rows
    if upsert_rows:
        stmt = _dialect_insert(conn, table)
        set_ = {c: stmt.excluded[c] for c in columns}
        if versioned:
            set_["version"] = table.c.version + 1
            set_["updated_at"] = utcnow()
        conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=set_), upsert_rows)
    if versioned:
        _audit(conn, table, key, new_rows, changed, columns, actor)
    return counts


def _insert_sqlite(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Plain INSERT straight to the driver's ``executemany``: SQLAlchemy's per-row parameter
    handling costs more than SQLite's insert itself. Values go through each column type's
    own bind processor (UTC conversion included), so what is stored is identical."""
    names = list(rows[0])
    if any(c.default is not None and c.key not in names for c in table.c):
        conn.execute(insert(table), rows)  # Python-side defaults to fill: let SQLAlchemy
        return
    columns = [table.c[n] for n in names]
    stmt = insert(table).values({c.key: bindparam(c.key) for c in columns})
    compiled = stmt.compile(dialect=conn.dialect)
    order = [names.index(p) for p in compiled.positiontup or []]
    procs = [columns[i].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for i in order]
    plan = list(zip(order, procs, strict=True))
    params = [
        tuple(
            proc(row[names[i]]) if proc is not None and row[names[i]] is not None else row[names[i]]
            for i, proc in plan
        )
        for row in rows
    ]
    conn.exec_driver_sql(str(compiled), params)


def _audit(
    conn: Connection,
    table: Table,
    key: Sequence[str],
    new_rows: list[dict[str, Any]],
    changed: list[tuple[dict[str, Any], dict[str, Any]]],
    columns: list[str],
    actor: str,
) -> None:
    """Audit entries for imported changes to edited records (content, triage)."""
    entries: list[dict[str, Any]] = []
    if new_rows:
        ids = existing_rows(conn, table, key, [tuple(r[k] for k in key) for r in new_rows], [])
        for row in new_rows:
            record = ids[tuple(row[k] for k in key)]
            values = {c: _plain(v) for c, v in row.items() if v is not None and v != []}
            entries.append(_entry(table, record["id"], "create", values, actor))
    for before, row in changed:
        diff = {
            c: {"old": _plain(before[c]), "new": _plain(row[c])}
            for c in columns
            if before[c] != row[c]
        }
        entries.append(_entry(table, before["id"], "update", diff, actor))
    if entries:
        conn.execute(insert(AuditEntry.__table__), entries)


def _entry(table: Table, record_id: int, action: str, changes: dict, actor: str) -> dict:
    return {
        "at": utcnow(),
        "actor": actor,
        "entity": table.name,
        "entity_id": str(record_id),
        "action": action,
        "changes": changes,
    }
