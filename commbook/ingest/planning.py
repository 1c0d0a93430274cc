"""Objectives (matched by title) and audience segments (matched by name).

Planning files are small and their records are edited by managers, so they go through the
ORM: versions are bumped and every change lands in the audit log with the actor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError as PydanticError
from sqlalchemy import select

from commbook.errors import CommbookError, ImportRejected, ValidationError
from commbook.ingest.readers import RowReader
from commbook.ingest.result import ImportResult, Quarantine
from commbook.ingest.schemas import ObjectiveRow, Row, SegmentRow, fields_of, row_error
from commbook.ingest.tables import check_header
from commbook.store import AudienceSegment, Objective, session_scope

PLANNING = {
    "objectives": (ObjectiveRow, Objective, "title"),
    "segments": (SegmentRow, AudienceSegment, "name"),
}


def _values(row: Row) -> dict[str, Any]:
    values = row.model_dump()
    if isinstance(row, SegmentRow):
        for key in ("demographics", "preferences", "behaviours"):
            values[key] = getattr(row, key).model_dump(exclude_none=True)
    return values


def import_planning(
    kind: str,
    path: Path,
    *,
    url: str,
    quarantine: str | Path | None,
    tz: ZoneInfo | None,
    mapping: dict[str, str] | None,
    actor: str,
) -> ImportResult:
    """Validate the whole (small) file, then create or update records through the ORM."""
    model, entity, match = PLANNING[kind]
    reader = RowReader(path, fields_of(model), mapping)
    if kind == "segments" and reader.format == "csv":
        raise CommbookError(f"{path}: segments are imported from JSON (.json or .jsonl)")
    sink = Quarantine(quarantine) if quarantine is not None else None
    errors: list[ValidationError] = []
    good: list[Row] = []
    seen: dict[str, int] = {}
    result = ImportResult(kind=kind, file=str(path))

    def reject(number: int, raw: dict[str, Any], error: ValidationError) -> None:
        errors.append(error)
        result.rejected += 1
        if sink is not None:
            sink.add(number, raw, error)

    try:
        for number, raw, data in reader:
            if result.rows_read == 0:
                check_header(reader, model, optional=set())
            result.rows_read += 1
            if isinstance(data, ValidationError):
                reject(number, raw, data)
                continue
            try:
                row = model.model_validate(data, context={"tz": tz})
            except PydanticError as exc:
                reject(number, raw, row_error(exc, file=str(path), row=number))
                continue
            name = getattr(row, match)
            if name in seen:
                message = f"duplicate {match} {name!r} (first on row {seen[name]})"
                reject(
                    number, raw, ValidationError(message, file=str(path), row=number, field=match)
                )
                continue
            seen[name] = number
            good.append(row)
        if result.rows_read == 0:
            check_header(reader, model, optional=set())
        if errors and sink is None:
            raise ImportRejected(errors, result.rows_read)
        with session_scope(url, actor=actor) as session:
            column = getattr(entity, match)
            existing: dict[str, list[Any]] = {}
            for record in session.scalars(select(entity).where(column.in_(list(seen)))):
                existing.setdefault(getattr(record, match), []).append(record)
            for row in good:
                values = _values(row)
                records = existing.get(values[match], [])
                if len(records) > 1:
                    raise CommbookError(
                        f"{path}: {len(records)} {kind} are named {values[match]!r} in the "
                        f"store; rename one before importing"
                    )
                if not records:
                    session.add(entity(**values))
                    result.inserted += 1
                    continue
                record = records[0]
                changed = {k: v for k, v in values.items() if getattr(record, k) != v}
                for key, value in changed.items():
                    setattr(record, key, value)
                if changed:
                    result.updated += 1
                else:
                    result.unchanged += 1
            if sink is not None:
                result.quarantine = sink.finish()
    finally:
        if sink is not None:
            sink.discard()
    return result
