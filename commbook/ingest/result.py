"""What an import reports, and where its rejected rows go (the quarantine file)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commbook.errors import ValidationError
from commbook.ingest.readers import raw_for_csv


@dataclass
class ImportResult:
    """Counts of one import. ``skipped`` rows were read but are not imported by design
    (e.g. Stack Exchange post types other than questions and answers)."""

    kind: str
    file: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    quarantine: str | None = None

    def summary(self) -> str:
        """One line, e.g. ``events: 1,204 rows read — 1,200 inserted, …, 4 rejected``."""
        parts = [
            f"{self.inserted:,} inserted",
            f"{self.updated:,} updated",
            f"{self.unchanged:,} unchanged",
        ]
        if self.skipped:
            parts.append(f"{self.skipped:,} skipped")
        rejected = f"{self.rejected:,} rejected"
        if self.rejected and self.quarantine:
            rejected += f" (written to {self.quarantine})"
        parts.append(rejected)
        return f"{self.kind}: {self.rows_read:,} rows read — {', '.join(parts)}"


def error_text(error: ValidationError) -> str:
    """The error without file and row (those are columns of the quarantine file)."""
    return f"field '{error.field}': {error.reason}" if error.field else error.reason


class Quarantine:
    """Collects bad rows in a spool file; ``finish`` writes them as CSV with every original
    column plus ``_row`` and ``_error`` (columns are only all known at the end for JSON)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._columns: dict[str, None] = {}
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, row: int, raw: dict[str, Any], error: ValidationError) -> None:
        self.count += 1
        values = raw_for_csv(raw)
        for key in values:
            if key not in self._columns and key not in ("_row", "_error"):
                self._columns[key] = None
        values["_row"] = row
        values["_error"] = error_text(error)
        self._spool.write(json.dumps(values, ensure_ascii=False, default=str) + "\n")

    def finish(self) -> str | None:
        """Write the CSV (only when there were bad rows); returns its path or None."""
        try:
            if not self.count:
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            self._spool.seek(0)
            with open(tmp, "w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, [*self._columns, "_row", "_error"], restval="")
                writer.writeheader()
                for line in self._spool:
                    writer.writerow(json.loads(line))
            os.replace(tmp, self.path)
            return str(self.path)
        finally:
            self._spool.close()

    def discard(self) -> None:
        self._spool.close()
