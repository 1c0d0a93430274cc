"""Load a folder of sample files into the store, in dependency order, idempotently."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from commbook.errors import CommbookError
from commbook.samples import shift

if TYPE_CHECKING:
    from commbook.ingest.result import ImportResult

#: Import kinds in dependency order (events need members and content, …).
LOAD_ORDER = [
    "members",
    "content",
    "events",
    "surveys",
    "responses",
    "triage",
    "objectives",
    "segments",
]
SUFFIXES = [".csv", ".csv.gz", ".json", ".jsonl", ".json.gz", ".jsonl.gz"]


def sample_files(folder: Path) -> list[tuple[str, Path]]:
    """``(kind, path)`` for every sample file present in ``folder``, in load order."""
    found = []
    for kind in LOAD_ORDER:
        paths = [folder / f"{kind}{s}" for s in SUFFIXES if (folder / f"{kind}{s}").exists()]
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            raise CommbookError(f"{folder}: more than one {kind} file ({names}); keep one")
        found += [(kind, p) for p in paths]
    return found


def store_has_members(url: str) -> bool:
    """Whether the (migrated) store at ``url`` has any member."""
    from commbook.store import Member, session_scope

    with session_scope(url) as session:
        return bool(session.scalar(select(func.count()).select_from(Member)))


def load_samples(
    folder: Path | str,
    url: str | None = None,
    *,
    actor: str | None = None,
    progress: bool = False,
    echo: Callable[[str], None] | None = None,
    ends: dt.date | None = None,
) -> list[ImportResult]:
    """Import every sample file in ``folder`` with ``source="sample"``; returns the import
    results. Running it again updates the same rows instead of adding new ones.

    ``ends``: move every date of the set by the same number of days so that its latest
    event falls on that day (``commbook samples load`` passes yesterday, so the demo is
    always current); ``None`` loads the files as they are."""
    from commbook.config import get_settings
    from commbook.ingest import import_file
    from commbook.store import current_revision, head_revision, upgrade

    url = url or get_settings().database_url  # explicit: engines are cached per URL
    folder = Path(folder)
    if not folder.is_dir():
        raise CommbookError(f"{folder}: no such folder")
    files = sample_files(folder)
    if not files:
        raise CommbookError(f"{folder}: no sample files (expected members.csv, events.csv, …)")
    if current_revision(url) != head_revision():
        upgrade(url)
    with tempfile.TemporaryDirectory(prefix="commbook-samples-") as tmp:
        if ends is not None:
            tz = get_settings().timezone  # "ends yesterday" where the team is
            days = (ends - shift.last_event_day(folder, files, tz)).days
            files = shift.shifted_copy(files, Path(tmp), days) if days else files
            if echo:
                echo(shift.describe(days, ends))
        results = []
        for kind, path in files:
            result = import_file(
                kind, path, url=url, source="sample", progress=progress, actor=actor
            )
            if echo:
                echo(result.summary())
            results.append(result)
    return results
