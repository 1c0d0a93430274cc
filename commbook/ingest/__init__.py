"""Importers: platform exports, CSV/JSON files and Stack Exchange dumps into the store.

Every import validates each row (``ValidationError`` names file, row, field and what was
expected), is all-or-nothing unless a quarantine file is given, and is idempotent: rows are
upserted by ``(source, id)`` and the result counts inserted, updated and unchanged rows.
Formats: docs/data-formats.md; usage: docs/importing.md.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.ingest.planning import PLANNING, import_planning
from commbook.ingest.result import ImportResult
from commbook.ingest.stackexchange import import_dump
from commbook.ingest.tables import TABLE_KINDS, import_table

KINDS: tuple[str, ...] = (
    "members",
    "events",
    "content",
    "surveys",
    "responses",
    "triage",
    "objectives",
    "segments",
    "stackexchange",
)

__all__ = ["KINDS", "ImportResult", "import_file"]


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommbookError(
            f"unknown timezone {name!r} (expected an IANA name such as 'Europe/Paris')"
        ) from None


def import_file(
    kind: str,
    path: str | Path,
    *,
    url: str | None = None,
    source: str = "csv",
    quarantine: str | Path | None = None,
    timezone: str | None = None,
    mapping: dict[str, str] | None = None,
    survey: str | None = None,
    progress: bool = False,
    actor: str | None = None,
) -> ImportResult:
    """Import one file (a folder for ``stackexchange``) of ``kind`` into the store.

    ``source`` names the system the ids come from (for ``stackexchange`` the default
    becomes ``stackexchange:<folder name>``); ``quarantine`` imports the good rows and
    writes the bad ones there instead of refusing the file; ``timezone`` is the IANA zone
    of timestamps without a UTC offset; ``mapping`` renames their columns to our fields;
    ``survey`` is the survey of response rows that have no ``survey_id``.

    Raises ``ImportRejected`` (nothing written) when a row is invalid and no quarantine
    is given, ``CommbookError`` for unusable input (missing file, unknown kind, …).
    """
    if kind not in KINDS:
        raise CommbookError(f"unknown import kind {kind!r} (expected one of {', '.join(KINDS)})")
    path = Path(path)
    if not path.exists():
        raise CommbookError(f"{path}: no such file or folder")
    if quarantine is not None and Path(quarantine).resolve() == path.resolve():
        raise CommbookError(f"{quarantine}: the quarantine file cannot be the file imported")
    if survey is not None and kind != "responses":
        raise CommbookError("--survey only applies to responses")
    if not source or len(source) > 64:
        raise CommbookError(f"source {source!r}: expected 1 to 64 characters")
    settings = get_settings()
    url = url or settings.database_url
    actor = actor or settings.user
    tz = _zone(timezone)
    if kind == "stackexchange":
        if mapping:
            raise CommbookError("column mappings do not apply to Stack Exchange dumps")
        return import_dump(
            path,
            url=url,
            source=None if source == "csv" else source,
            quarantine=quarantine,
            progress=progress,
            actor=actor,
        )
    if path.is_dir():
        raise CommbookError(f"{path}: is a folder; {kind} are imported from a file")
    if kind in PLANNING:
        return import_planning(
            kind, path, url=url, quarantine=quarantine, tz=tz, mapping=mapping, actor=actor
        )
    assert kind in TABLE_KINDS
    return import_table(
        kind,
        path,
        url=url,
        source=source,
        quarantine=quarantine,
        tz=tz,
        mapping=mapping,
        survey=survey,
        progress=progress,
        actor=actor,
    )
