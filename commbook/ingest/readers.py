"""Reading import files as a stream of numbered rows: CSV, JSON, JSON Lines, optionally .gz.

Rows come out as ``(row_number, raw, data)``: ``raw`` is the row as the file has it (for the
quarantine file), ``data`` the same row with columns renamed by the mapping, unknown columns
dropped and empty cells removed, ready for validation — or a ``ValidationError`` when the
row cannot even be read (bad JSON line, too many CSV cells), so it can be quarantined too.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from commbook.errors import CommbookError, ValidationError

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long post bodies are normal


def file_format(path: Path) -> str:
    """``csv``, ``json`` or ``jsonl`` from the extension (a trailing ``.gz`` is allowed)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise CommbookError(
            f"{path}: unknown file type (expected .csv, .json, .jsonl or .ndjson, "
            "optionally followed by .gz)"
        )
    return fmt


class RowReader:
    """Iterate the data rows of one file; ``position()`` is how far into the file we are.

    ``fields`` is the set of field names the kind knows; ``mapping`` renames source columns
    (their column -> our field) before anything else.
    """

    def __init__(self, path: Path, fields: set[str], mapping: dict[str, str] | None) -> None:
        self.path = path
        self.fields = fields
        self.mapping = dict(mapping or {})
        self.format = file_format(path)
        self.columns: list[str] = []  # original column names, in order of appearance
        self._raw: IO[bytes] | None = None
        unknown = sorted(set(self.mapping.values()) - fields)
        if unknown:
            raise CommbookError(
                f"mapping: unknown field(s) {', '.join(map(repr, unknown))} "
                f"(known fields: {', '.join(sorted(fields))})"
            )

    # -- opening ---------------------------------------------------------------------------
    def _open_text(self) -> IO[str]:
        if not self.path.is_file():
            raise CommbookError(f"{self.path}: no such file")
        self._raw = open(self.path, "rb")  # noqa: SIM115  (closed by __iter__)
        stream: IO[bytes] = self._raw
        if self.path.suffix.lower() == ".gz":
            stream = gzip.GzipFile(fileobj=self._raw)  # type: ignore[assignment]
        return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")

    def size(self) -> int:
        return self.path.stat().st_size

    def position(self) -> int:
        """Bytes of the (possibly compressed) file consumed so far."""
        try:
            return self._raw.tell() if self._raw and not self._raw.closed else 0
        except (OSError, ValueError):
            return 0

    # -- rows ------------------------------------------------------------------------------
    def _rename(self, raw: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        mapping, fields = self.mapping, self.fields
        for key, value in raw.items():
            name = mapping.get(key, key)
            if name not in fields or value is None:
                continue
            if isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            data[name] = value
        return data

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any], Any]]:
        text = self._open_text()
        try:
            if self.format == "csv":
                yield from self._csv(text)
            elif self.format == "jsonl":
                yield from self._jsonl(text)
            else:
                yield from self._json(text)
        except UnicodeDecodeError as exc:
            raise CommbookError(f"{self.path}: not UTF-8 text ({exc.reason})") from exc
        except (gzip.BadGzipFile, EOFError) as exc:
            raise CommbookError(f"{self.path}: not a readable gzip file ({exc})") from exc
        finally:
            text.close()
            if self._raw:
                self._raw.close()

    def _csv(self, text: IO[str]) -> Iterator[tuple[int, dict[str, Any], Any]]:
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise CommbookError(f"{self.path}: empty file (expected a header row)") from None
        header = [h.strip() for h in header]
        self.columns = header
        missing = sorted(set(self.mapping) - set(header))
        if missing:
            raise CommbookError(
                f"{self.path}: mapped column(s) {', '.join(map(repr, missing))} not in the "
                f"header (columns: {', '.join(header)})"
            )
        width = len(header)
        # (position, field) of the columns we keep: no per-row name lookups
        keep = [
            (i, self.mapping.get(c, c))
            for i, c in enumerate(header)
            if self.mapping.get(c, c) in self.fields
        ]
        try:
            for number, values in enumerate(reader, start=1):
                if not values:
                    continue
                raw = dict(zip(header, values, strict=False))
                if len(values) > width:
                    error = ValidationError(
                        f"{len(values)} values but the header has {width} columns",
                        file=str(self.path),
                        row=number,
                    )
                    yield number, raw, error
                    continue
                data = {}
                size = len(values)
                for i, name in keep:
                    if i < size:
                        value = values[i].strip()
                        if value:
                            data[name] = value
                yield number, raw, data
        except csv.Error as exc:
            raise CommbookError(f"{self.path}: line {reader.line_num}: bad CSV ({exc})") from exc

    def present_fields(self) -> set[str]:
        """Our field names the CSV header provides (after mapping)."""
        return {self.mapping.get(c, c) for c in self.columns} & self.fields

    def _note_columns(self, raw: dict[str, Any]) -> None:
        if len(self.columns) < 200:  # keep the union of keys small and cheap
            for key in raw:
                if key not in self.columns:
                    self.columns.append(key)

    def _object(self, value: Any, number: int) -> tuple[int, dict[str, Any], Any]:
        if not isinstance(value, dict):
            error = ValidationError(
                f"expected an object with named fields, got {type(value).__name__}",
                file=str(self.path),
                row=number,
            )
            return number, {"value": json.dumps(value)}, error
        self._note_columns(value)
        return number, value, self._rename(value)

    def _jsonl(self, text: IO[str]) -> Iterator[tuple[int, dict[str, Any], Any]]:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                error = ValidationError(
                    f"not valid JSON ({exc.msg} at column {exc.colno})",
                    file=str(self.path),
                    row=number,
                )
                yield number, {"line": line.rstrip("\r\n")}, error
                continue
            yield self._object(value, number)

    def _json(self, text: IO[str]) -> Iterator[tuple[int, dict[str, Any], Any]]:
        # A JSON array has to be read whole; JSON Lines is the format for very large files.
        try:
            document = json.load(text)
        except json.JSONDecodeError as exc:
            raise CommbookError(
                f"{self.path}: line {exc.lineno}: not valid JSON ({exc.msg})"
            ) from exc
        if isinstance(document, dict):
            document = [document]
        if not isinstance(document, list):
            raise CommbookError(f"{self.path}: expected a JSON array of objects")
        for number, value in enumerate(document, start=1):
            yield self._object(value, number)


def raw_for_csv(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw row with nested JSON values turned into JSON text, for the quarantine CSV."""
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
        for k, v in raw.items()
    }
