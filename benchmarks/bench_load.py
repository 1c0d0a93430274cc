"""Loading the events frame from the store: ``commbook.frames.load_events`` against
``pd.read_sql_query`` of the same query.

The store is the 1M-event sample community loaded into SQLite by ``commbook samples load``,
made once and cached in benchmarks/data/ (shared with ``bench_report``). Both sides load
the year of events with the columns the metric suite uses, into the same dtypes (``Int64``
ids, ``str`` text, ``datetime64[us, UTC]``, ``boolean``); the frames are asserted equal.
The reference is the plain pandas way: one SQL string through ``sqlite3``, then
``pd.to_datetime`` and ``astype``.
(DuckDB's SQLite scanner is an extension downloaded at run time: not available here.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd

from benchmarks.bench_metrics import EVENT_COLUMNS, SIZES, TZ, YEAR
from benchmarks.bench_report import EVENTS, MEMBERS, store_file
from benchmarks.common import best_of, emit
from commbook import frames

SIZE = "1m"
SQL = """
SELECT e.source_id, e.kind, e.occurred_at, e.member_id, c.key AS channel, e.thread_id,
       e.parent_id, e.category, e.is_accepted
FROM activity_events e LEFT JOIN channels c ON e.channel_id = c.id
WHERE e.occurred_at >= ? AND e.occurred_at < ?
ORDER BY e.occurred_at, e.id
"""


def _sqlite_bound(day: str) -> str:
    """A local midnight as the store's SQLite text (naive UTC, microseconds)."""
    utc = pd.Timestamp(day, tz=TZ).tz_convert("UTC").tz_localize(None)
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f")


def reference(db: Path) -> pd.DataFrame:
    """The year's events with ``pd.read_sql_query`` and the same dtypes as ``frames``."""
    with sqlite3.connect(db) as con:
        frame = pd.read_sql_query(SQL, con, params=[_sqlite_bound(d) for d in YEAR])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601").astype(
        "datetime64[us, UTC]"
    )
    frame["member_id"] = frame["member_id"].astype("Int64")
    frame["is_accepted"] = frame["is_accepted"].astype("boolean")
    for column in ("source_id", "kind", "channel", "thread_id", "parent_id", "category"):
        frame[column] = frame[column].astype("str")
    return frame


def ours(db: Path) -> pd.DataFrame:
    start, end = (pd.Timestamp(d, tz=TZ) for d in YEAR)
    return frames.load_events(f"sqlite:///{db}", start, end, columns=EVENT_COLUMNS)


def main() -> None:
    assert SIZES[SIZE] == (MEMBERS, EVENTS)  # the same generated community
    db = store_file()
    commbook_s, loaded = best_of(lambda: ours(db), repeat=2)
    reference_s, expected = best_of(lambda: reference(db), repeat=2)
    pd.testing.assert_frame_equal(loaded, expected)
    emit(
        f"load_events_sqlite_{SIZE}",
        commbook_s=commbook_s,
        reference_s=reference_s,
        rows=len(loaded),
        frame_mb=round(float(loaded.memory_usage(deep=True).sum()) / 2**20),
    )


if __name__ == "__main__":
    main()
