"""Deterministic file writing: the same rows always give the same bytes (gzip included)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np


@contextmanager
def open_text(path: Path) -> Iterator[io.TextIOBase]:
    """A UTF-8 text file; ``.gz`` paths are gzip with no timestamp or name in the header."""
    with open(path, "wb") as raw:
        if path.suffix == ".gz":
            with (
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
                io.TextIOWrapper(gz, encoding="utf-8", newline="") as text,
            ):
                yield text
        else:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                yield text


class CsvWriter:
    """Writes column dictionaries (numpy arrays of text) as CSV rows, chunk by chunk."""

    def __init__(self, stream: io.TextIOBase, header: list[str]) -> None:
        self.header = header
        self.rows = 0
        self._csv = csv.writer(stream, lineterminator="\n")
        self._csv.writerow(header)

    def write(self, columns: Mapping[str, Any]) -> None:
        cols = [np.asarray(columns[h]).tolist() for h in self.header]
        self._csv.writerows(zip(*cols, strict=True))
        self.rows += len(cols[0]) if cols else 0


def write_csv(path: Path, columns: Mapping[str, Any]) -> int:
    """Write one CSV file; returns the number of data rows."""
    with open_text(path) as stream:
        writer = CsvWriter(stream, list(columns))
        writer.write(columns)
        return writer.rows


def write_records(path: Path, records: list[dict[str, str]]) -> int:
    return write_csv(path, {k: [r[k] for r in records] for k in records[0]})


def write_json(path: Path, data: Any) -> int:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(data)
