"""Import throughput: ``commbook import events`` against a bare csv + sqlite3 script.

The reference is what a hurried analyst would write: ``csv.reader`` and
``sqlite3.executemany`` into the same table, member ids resolved through a dict, no
validation, no upsert, no counts. commbook does all of those; the ratio shows their cost.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

from benchmarks.common import best_of, emit, sample_set
from commbook.ingest import import_file
from commbook.store import upgrade

MEMBERS, EVENTS = 20_000, 200_000


def _fresh_store(folder: Path) -> str:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    for kind in ("members", "content"):
        import_file(kind, sample_dir() / f"{kind}.csv", url=url, source="sample")
    return url


def sample_dir() -> Path:
    return sample_set(MEMBERS, EVENTS)


def _reference(db: Path, events_csv: Path) -> int:
    con = sqlite3.connect(db)
    members = dict(con.execute("SELECT source_id, id FROM members"))
    content = dict(con.execute("SELECT source_id, id FROM content_items"))
    channels = dict(con.execute("SELECT key, id FROM channels"))
    rows = []
    with events_csv.open(newline="") as fh:
        reader = csv.DictReader(fh)
        for r in reader:
            at = dt.datetime.fromisoformat(r["occurred_at"]).astimezone(dt.UTC)
            rows.append(
                (
                    "sample",
                    r["event_id"],
                    r["kind"],
                    at.replace(tzinfo=None).isoformat(sep=" "),
                    members.get(r["member_id"]),
                    channels.get(r["channel"]),
                    content.get(r["content_id"]),
                    r["thread_id"] or None,
                    r["parent_id"] or None,
                    r["category"] or None,
                    r["title"] or None,
                    r["body"] or None,
                    int(r["score"]) if r["score"] else None,
                    r["is_accepted"] == "true",
                )
            )
    con.executemany(
        "INSERT INTO activity_events (source, source_id, kind, occurred_at, member_id,"
        " channel_id, content_item_id, thread_id, parent_id, category, title, body, score,"
        " is_accepted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.commit()
    con.close()
    return len(rows)


def main() -> None:
    events_csv = sample_dir() / "events.csv"
    with tempfile.TemporaryDirectory() as tmp:
        ours = Path(tmp) / "ours"
        ours.mkdir()
        url = _fresh_store(ours)
        commbook_s, result = best_of(
            lambda: import_file("events", events_csv, url=url, source="sample")
        )
        again_s, again = best_of(
            lambda: import_file("events", events_csv, url=url, source="sample")
        )
        assert again.inserted == 0 and again.unchanged == result.inserted

        ref = Path(tmp) / "ref"
        ref.mkdir()
        _fresh_store(ref)
        reference_s, n = best_of(lambda: _reference(ref / "bench.db", events_csv))
    assert n == result.rows_read, (n, result.rows_read)
    emit(
        "import_events_sqlite",
        commbook_s=commbook_s,
        reference_s=reference_s,
        rows=result.rows_read,
        rows_per_s=round(result.rows_read / commbook_s),
        reimport_s=round(again_s, 3),
    )


if __name__ == "__main__":
    main()
