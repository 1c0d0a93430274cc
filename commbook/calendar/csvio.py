"""Calendar CSV: export (spreadsheet-safe) and import (validated, all-or-nothing).

The export's first columns are the ``content`` import format (docs/data-formats.md), so
``commbook import content FILE --source planner`` reads it back; the calendar's own columns
follow and ``commbook calendar import FILE`` restores everything:

``content_id, title, content_type, channel, owner, status, scheduled_at, published_at,
campaign, url, timezone, rrule, notes, segments, objective, source``

- ``scheduled_at`` is local time with its UTC offset in the item's ``timezone``;
- ``campaign`` holds the campaign/theme tags, comma-separated;
- ``rrule`` is the series rule (a second line ``EXDATE:…`` lists skipped dates);
- ``segments`` are segment names separated by ``;``, ``objective`` an objective title.

Cells that a spreadsheet would run as a formula get a leading apostrophe
(``commbook.csvsafe``); the calendar import removes it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import ValidationError as PydanticError
from sqlalchemy import inspect, select

from commbook.calendar import recurrence
from commbook.calendar.model import InvalidItem, local_to_utc, validate_item
from commbook.calendar.service import SOURCE, apply_values, channel_key
from commbook.config import get_settings
from commbook.csvsafe import FORMULA_PREFIXES, safe_frame, write_safe_csv
from commbook.errors import CommbookError, ImportRejected, ValidationError
from commbook.ingest.readers import RowReader
from commbook.ingest.result import ImportResult
from commbook.ingest.schemas import ContentRow, Text100, fields_of, row_error
from commbook.ingest.tables import check_header
from commbook.store import AudienceSegment, ContentItem, Objective, session_scope

COLUMNS = (
    "content_id",
    "title",
    "content_type",
    "channel",
    "owner",
    "status",
    "scheduled_at",
    "published_at",
    "campaign",
    "url",
    "timezone",
    "rrule",
    "notes",
    "segments",
    "objective",
    "source",
)
#: Item-form fields → the CSV column a problem is reported against.
_COLUMN_OF = {
    "scheduled_date": "scheduled_at",
    "scheduled_time": "scheduled_at",
    "tags": "campaign",
    "objective_id": "objective",
}


def _local(moment: dt.datetime | None, zone: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def export_frame(items: Iterable[ContentItem], objectives: dict[int, str]) -> pd.DataFrame:
    """One row per item (a series is one row with its rule), columns ``COLUMNS``."""
    rows = []
    for item in items:
        zone = item.timezone or "UTC"
        rows.append(
            {
                "content_id": item.source_id,
                "title": item.title,
                "content_type": item.content_type,
                "channel": item.channel.key if item.channel else None,
                "owner": item.owner,
                "status": item.status,
                "scheduled_at": _local(item.scheduled_at, zone),
                "published_at": _local(item.published_at, zone),
                "campaign": item.campaign,
                "url": item.url,
                "timezone": zone,
                "rrule": item.rrule,
                "notes": item.notes or None,
                "segments": "; ".join(s.name for s in item.segments) or None,
                "objective": objectives.get(item.objective_id) if item.objective_id else None,
                "source": item.source,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)


def write_csv(items: Iterable[ContentItem], path: str | Path, url: str | None = None) -> Path:
    """Write ``items`` as a calendar CSV at ``path`` (formula-safe, atomic)."""
    return write_safe_csv(export_frame(items, objective_titles(url)), path)


def to_csv_bytes(items: Iterable[ContentItem], url: str | None = None) -> bytes:
    """The calendar CSV as bytes (for a download link)."""
    frame = safe_frame(export_frame(items, objective_titles(url)))
    return frame.to_csv(index=False).encode("utf-8")


def objective_titles(url: str | None = None) -> dict[int, str]:
    with session_scope(url) as session:
        return {i: t for i, t in session.execute(select(Objective.id, Objective.title))}


class CalendarRow(ContentRow):
    """A calendar CSV row: the content format plus the calendar's own columns."""

    timezone: str | None = None
    rrule: str | None = None
    notes: str | None = None
    segments: str | None = None
    objective: Text100 | None = None
    source: str | None = None


def _unescape(value: Any) -> Any:
    """Undo ``csvsafe.safe_cell``: ``'=x`` → ``=x`` (only where the export added it)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _row_values(row: CalendarRow, zone: str) -> dict[str, Any]:
    """The calendar form's values for one CSV row (names resolved later)."""
    local = row.scheduled_at.astimezone(ZoneInfo(zone)) if row.scheduled_at else None
    rule, _ = recurrence.split_stored(row.rrule)
    return {
        "title": row.title,
        "content_type": row.content_type,
        "channel": row.channel,
        "owner": row.owner or "",
        "status": row.status or ("published" if row.published_at else "idea"),
        "scheduled_date": local.date() if local else None,
        "scheduled_time": f"{local:%H:%M}" if local else "09:00",
        "timezone": zone,
        "rrule": rule,
        "tags": row.campaign or "",
        "url": row.url or "",
        "notes": row.notes or "",
    }


def import_csv(
    path: str | Path,
    *,
    url: str | None = None,
    timezone: str | None = None,
    actor: str | None = None,
) -> ImportResult:
    """Import a calendar CSV: every row is checked first (content-format rules, then the
    calendar's: type, timezone, rule, local time, known segments and objective); any bad
    row rejects the file (``ImportRejected``, nothing written). Rows are matched on
    (``source``, ``content_id``) — updated when they exist, created otherwise — through the
    ORM, so versions are bumped and the audit log records the import.

    ``timezone`` is the zone of ``scheduled_at`` values without an offset when the row has
    no ``timezone`` of its own (default: the configured one).
    """
    settings = get_settings()
    url = url or settings.database_url
    default_zone = timezone or settings.timezone
    path = Path(path)
    if not path.exists():
        raise CommbookError(f"{path}: no such file")
    reader = RowReader(path, fields_of(CalendarRow), None)
    if reader.format != "csv":
        raise CommbookError(f"{path}: the calendar imports CSV files (.csv)")
    result = ImportResult(kind="calendar", file=str(path))
    errors: list[ValidationError] = []
    rows: list[tuple[int, CalendarRow, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, _raw, data in reader:
        if result.rows_read == 0:
            check_header(reader, CalendarRow, optional=set())
        result.rows_read += 1
        if isinstance(data, ValidationError):
            errors.append(data)
            continue
        data = {k: _unescape(v) for k, v in data.items()}
        zone = data.get("timezone") or default_zone
        try:
            tz = ZoneInfo(zone)
        except (ValueError, KeyError):
            tz = ZoneInfo("UTC")  # the calendar rules below name the bad timezone
        gap = _skipped_local_time(data.get("scheduled_at"), zone)
        if gap:
            errors.append(ValidationError(gap, file=str(path), row=number, field="scheduled_at"))
            continue
        try:
            row = CalendarRow.model_validate(data, context={"tz": tz})
        except PydanticError as exc:
            errors.append(row_error(exc, file=str(path), row=number, tz_given=True))
            continue
        key = (row.source or SOURCE, row.content_id)
        if key in seen:
            errors.append(
                ValidationError(
                    f"duplicate content_id {row.content_id!r} (first on row {seen[key]})",
                    file=str(path),
                    row=number,
                    field="content_id",
                )
            )
            continue
        seen[key] = number
        values = _row_values(row, zone)
        try:
            validate_item(values)
        except InvalidItem as exc:
            errors.extend(_located(exc, path, number))
            continue
        rows.append((number, row, values))
    if result.rows_read == 0:
        check_header(reader, CalendarRow, optional=set())
    if errors:
        raise ImportRejected(errors, result.rows_read)
    with session_scope(url, actor=actor) as session:
        _write(session, rows, path, errors, result)
        if errors:  # names that do not resolve: roll the whole file back
            raise ImportRejected(errors, result.rows_read)
    return result


def _skipped_local_time(text: Any, zone: str) -> str | None:
    """Why a timestamp without an offset cannot be used in ``zone`` (a DST gap), if so."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return None
        local_to_utc(moment.date(), moment.time(), zone)
    except ValueError as exc:
        return str(exc) if "does not exist" in str(exc) else None
    return None


def _located(exc: InvalidItem, path: Path, number: int) -> list[ValidationError]:
    return [
        ValidationError(
            p.reason, file=str(path), row=number, field=_COLUMN_OF.get(p.field or "", p.field)
        )
        for p in exc.problems
    ]


def _write(
    session: Any,
    rows: list[tuple[int, CalendarRow, dict[str, Any]]],
    path: Path,
    errors: list[ValidationError],
    result: ImportResult,
) -> None:
    segments = {
        name.casefold(): i
        for i, name in session.execute(select(AudienceSegment.id, AudienceSegment.name))
    }
    objectives = {
        title.casefold(): i for i, title in session.execute(select(Objective.id, Objective.title))
    }
    for number, row, values in rows:
        problems = []
        ids = []
        for name in filter(None, (n.strip() for n in (row.segments or "").split(";"))):
            if name.casefold() not in segments:
                problems.append(("segments", f"unknown segment {name!r} (import segments first)"))
            else:
                ids.append(segments[name.casefold()])
        objective_id = None
        if row.objective:
            objective_id = objectives.get(row.objective.casefold())
            if objective_id is None:
                problems.append(("objective", f"unknown objective {row.objective!r}"))
        if not channel_key(row.channel):
            problems.append(("channel", "expected a channel key with letters or digits"))
        if problems:
            errors.extend(
                ValidationError(m, file=str(path), row=number, field=f) for f, m in problems
            )
            continue
        checked = validate_item({**values, "segments": ids, "objective_id": objective_id})
        source = row.source or SOURCE
        item = session.scalars(
            select(ContentItem).where(
                ContentItem.source == source, ContentItem.source_id == row.content_id
            )
        ).first()
        created = item is None
        if item is None:
            item = ContentItem(source=source, source_id=row.content_id, segments=[])
            session.add(item)
        _, skipped = recurrence.split_stored(row.rrule)
        apply_values(session, item, checked, skipped)
        if row.published_at is not None and item.published_at != row.published_at:
            item.published_at = row.published_at
        if created:
            result.inserted += 1
        elif session.is_modified(item) or _segments_changed(item):
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()


def _segments_changed(item: ContentItem) -> bool:
    return inspect(item).attrs.segments.history.has_changes()
