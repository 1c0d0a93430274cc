"""The row loop shared by the bulk kinds: validate → resolve references → upsert in batches.

One ``Pipeline`` per table feeds rows into one open transaction. Without a quarantine the
first bad row stops all writing (the caller rolls back and raises ``ImportRejected``) but
the rest of the file is still checked, so the user sees every problem at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError as PydanticError
from sqlalchemy import Connection, Table, insert, select

from commbook.errors import ValidationError
from commbook.ingest.result import Quarantine
from commbook.ingest.schemas import Row, row_error
from commbook.ingest.upsert import Counts, upsert
from commbook.store.models import (
    ActivityEvent,
    Channel,
    ContentItem,
    Member,
    Survey,
)

BATCH = 10_000


class RefError(Exception):
    """A reference that does not resolve; becomes a ``ValidationError`` on its row."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class ImportContext:
    """What conversions need: the open connection, the source, lookups loaded once."""

    conn: Connection
    source: str
    tz: dt.tzinfo | None
    actor: str
    _members: dict[str, int] | None = None
    _channels: dict[str, int] | None = None
    _content: dict[str, int] | None = None
    _surveys: dict[str, tuple[int, int, int]] | None = None
    events: dict[str, int] = field(default_factory=dict)  # per batch (triage)

    def _ids(self, table: Table) -> dict[str, int]:
        rows = self.conn.execute(
            select(table.c.source_id, table.c.id).where(table.c.source == self.source)
        )
        return {source_id: id_ for source_id, id_ in rows}

    @property
    def members(self) -> dict[str, int]:
        if self._members is None:
            self._members = self._ids(Member.__table__)
        return self._members

    def member(self, member_id: str | None) -> int | None:
        if member_id is None:
            return None
        found = self.members.get(member_id)
        if found is None:
            raise RefError("member_id", f"unknown member_id {member_id!r} (import members first)")
        return found

    def content(self, content_id: str | None) -> int | None:
        if content_id is None:
            return None
        if self._content is None:
            self._content = self._ids(ContentItem.__table__)
        found = self._content.get(content_id)
        if found is None:
            raise RefError(
                "content_id", f"unknown content_id {content_id!r} (import content first)"
            )
        return found

    def channel(self, key: str | None) -> int | None:
        """The channel's id; an unknown key creates the channel (a label)."""
        if key is None:
            return None
        if self._channels is None:
            table = Channel.__table__
            rows = self.conn.execute(select(table.c.key, table.c.id))
            self._channels = {key: id_ for key, id_ in rows}
        found = self._channels.get(key)
        if found is None:
            table = Channel.__table__
            found = self.conn.execute(
                insert(table).values(key=key, name=key, kind="forum").returning(table.c.id)
            ).scalar_one()
            self._channels[key] = found
        return found

    def survey(self, survey_id: str) -> tuple[int, int, int]:
        """(id, scale_min, scale_max); an unknown survey is created as a 0–10 NPS survey."""
        table = Survey.__table__
        if self._surveys is None:
            rows = self.conn.execute(
                select(table.c.source_id, table.c.id, table.c.scale_min, table.c.scale_max).where(
                    table.c.source == self.source
                )
            )
            self._surveys = {sid: (i, lo, hi) for sid, i, lo, hi in rows}
        found = self._surveys.get(survey_id)
        if found is None:
            new_id = self.conn.execute(
                insert(table)
                .values(
                    source=self.source,
                    source_id=survey_id,
                    name=survey_id,
                    kind="nps",
                    question="",
                    comment_question="",
                    scale_min=0,
                    scale_max=10,
                )
                .returning(table.c.id)
            ).scalar_one()
            found = self._surveys[survey_id] = (new_id, 0, 10)
        return found

    def load_events(self, event_ids: set[str]) -> None:
        """Resolve the ``event_id`` values of one batch (events can be many: not all kept)."""
        table = ActivityEvent.__table__
        self.events = {}
        ids = list(event_ids)
        for start in range(0, len(ids), 5000):
            rows = self.conn.execute(
                select(table.c.source_id, table.c.id).where(
                    table.c.source == self.source, table.c.source_id.in_(ids[start : start + 5000])
                )
            )
            self.events.update((source_id, id_) for source_id, id_ in rows)


Convert = Callable[[ImportContext, Any], dict[str, Any]]
Prepare = Callable[[ImportContext, list[Any]], None]


@dataclass(frozen=True)
class TableKind:
    """How one kind maps to its table: model, key columns, conversion to a table row."""

    name: str
    model: type[Row]
    table: Table
    id_field: str
    convert: Convert
    key: tuple[str, ...] = ("source", "source_id")
    prepare: Prepare | None = None


class Pipeline:
    """Feed numbered rows of one file into one table, in batches, inside ``ctx.conn``."""

    def __init__(
        self,
        ctx: ImportContext,
        kind: TableKind,
        *,
        file: str,
        errors: list[ValidationError],
        quarantine: Quarantine | None,
        on_batch: Callable[[], None] | None = None,
    ) -> None:
        self.ctx, self.kind, self.file = ctx, kind, file
        self.errors = errors  # shared across pipelines of one import
        self.quarantine = quarantine
        self.on_batch = on_batch
        self.counts = Counts()
        self.rows_read = 0
        self.rejected = 0
        self._seen: dict[tuple, int] = {}
        self._pending: list[tuple[int, dict[str, Any], Row]] = []
        self._context = {"tz": ctx.tz}

    @property
    def writing(self) -> bool:
        return self.quarantine is not None or not self.errors

    def reject(self, number: int, raw: dict[str, Any], error: ValidationError) -> None:
        self.rejected += 1
        self.errors.append(error)
        if self.quarantine is not None:
            self.quarantine.add(number, raw, error)

    def feed(self, number: int, raw: dict[str, Any], data: Any) -> None:
        self.rows_read += 1
        if isinstance(data, ValidationError):
            self.reject(number, raw, data)
            return
        try:
            model = self.kind.model.model_validate(data, context=self._context)
        except PydanticError as exc:
            self.reject(
                number,
                raw,
                row_error(exc, file=self.file, row=number, tz_given=self.ctx.tz is not None),
            )
            return
        self._pending.append((number, raw, model))
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        ctx, kind = self.ctx, self.kind
        if kind.prepare is not None:
            kind.prepare(ctx, [model for _, _, model in pending])
        rows: list[dict[str, Any]] = []
        for number, raw, model in pending:
            try:
                row = kind.convert(ctx, model)
            except RefError as exc:
                self.reject(
                    number,
                    raw,
                    ValidationError(exc.message, file=self.file, row=number, field=exc.field),
                )
                continue
            key = tuple(row[k] for k in kind.key)
            first = self._seen.setdefault(key, number)
            if first != number:
                message = f"duplicate {kind.id_field} {row['source_id']!r} (first on row {first})"
                self.reject(
                    number,
                    raw,
                    ValidationError(message, file=self.file, row=number, field=kind.id_field),
                )
                continue
            rows.append(row)
        if self.writing:
            self.counts.add(upsert(ctx.conn, kind.table, kind.key, rows, actor=ctx.actor))
        if self.on_batch is not None:
            self.on_batch()
