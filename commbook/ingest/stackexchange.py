"""Stack Exchange data dumps: Users.xml, Posts.xml, Comments.xml, Votes.xml of one site.

The XML is streamed with ``ElementTree.iterparse`` (each row cleared once read). The dump
writes one ``<row …/>`` per line, so the reader below hands the parser one line at a time
and knows the line of every row for error messages. Mapping: docs/data-formats.md.
"""

from __future__ import annotations

import datetime as dt
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from commbook.errors import CommbookError, ImportRejected, ValidationError
from commbook.ingest.pipeline import ImportContext, Pipeline
from commbook.ingest.result import ImportResult, Quarantine
from commbook.ingest.tables import TABLE_KINDS
from commbook.store import get_engine

FILES = ("Users.xml", "Posts.xml", "Comments.xml", "Votes.xml")
REACTION_VOTES = {"2", "5"}  # UpMod, Favorite


class _LineFeeder:
    """A binary file whose ``read`` returns one line: iterparse then yields the rows of
    that line before reading more, so ``line`` is the line of the row just parsed."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.line = 0

    def read(self, _size: int = -1) -> bytes:
        data = self.raw.readline()
        if data:
            self.line += 1
        return data


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, attributes)`` of every ``<row>`` in a dump file, streamed."""
    with open(path, "rb") as raw:
        feeder = _LineFeeder(raw)
        try:
            for _event, element in ET.iterparse(feeder, events=("end",)):
                if element.tag == "row":
                    yield feeder.line, dict(element.attrib)
                    element.clear()
        except ET.ParseError as exc:
            raise CommbookError(f"{path}: line {feeder.line}: not valid XML ({exc})") from exc


def _user(a: dict[str, str]) -> dict[str, Any]:
    return {
        "member_id": a.get("Id"),
        "display_name": a.get("DisplayName"),
        "joined_at": a.get("CreationDate"),
        "reputation": a.get("Reputation"),
        "role": "staff" if a.get("Id") == "-1" else "member",
    }


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != ""}


class _Dump:
    """One dump import: the pipelines share one transaction and one error list."""

    def __init__(self, folder: Path, ctx: ImportContext, sink: Quarantine | None, bar: tqdm):
        self.folder, self.ctx, self.sink, self.bar = folder, ctx, sink, bar
        self.errors: list[ValidationError] = []
        self.skipped = 0
        self.pipes: list[Pipeline] = []

    def pipeline(self, kind: str, path: Path) -> Pipeline:
        pipe = Pipeline(
            self.ctx,
            TABLE_KINDS[kind],
            file=str(path),
            errors=self.errors,
            quarantine=self.sink,
        )
        self.pipes.append(pipe)
        return pipe

    def member(self, user_id: str | None) -> str | None:
        """The poster, or anonymous when the dump has no such user (deleted accounts)."""
        return user_id if user_id is not None and user_id in self.ctx.members else None

    def _tick(self, path: Path) -> None:
        self.bar.set_postfix_str(path.name, refresh=False)
        self.bar.update(1)

    def users(self, path: Path) -> None:
        pipe = self.pipeline("members", path)
        for line, attrs in rows(path):
            pipe.feed(line, attrs, _clean(_user(attrs)))
            self._tick(path)
        pipe.flush()
        self.ctx._members = None  # reload: the members just written

    def posts(self, path: Path) -> dict[str, str]:
        """Import questions and answers; returns post id → question id (for threads)."""
        thread: dict[str, str] = {}
        accepted: set[str] = set()
        for _line, a in rows(path):  # first pass: threads and accepted answers (ids only)
            post_type, post_id = a.get("PostTypeId"), a.get("Id")
            if post_id is None:
                continue
            if post_type == "1":
                thread[post_id] = post_id
                if a.get("AcceptedAnswerId"):
                    accepted.add(a["AcceptedAnswerId"])
            elif post_type == "2" and a.get("ParentId"):
                thread[post_id] = a["ParentId"]
        pipe = self.pipeline("events", path)
        for line, a in rows(path):
            self._tick(path)
            post_type, post_id = a.get("PostTypeId"), a.get("Id")
            if post_type not in ("1", "2"):
                pipe.rows_read += 1
                self.skipped += 1
                continue
            question = post_type == "1"
            parent = None if question else a.get("ParentId")
            data = {
                "event_id": f"p{post_id}" if post_id else None,
                "kind": "post" if question else "reply",
                "occurred_at": a.get("CreationDate"),
                "member_id": self.member(a.get("OwnerUserId")),
                "thread_id": f"p{thread.get(post_id or '', post_id)}" if post_id else None,
                "parent_id": f"p{parent}" if parent else None,
                "category": "question" if question else None,
                "title": a.get("Title"),
                "body": a.get("Body"),
                "score": a.get("Score"),
                "is_accepted": (not question) and post_id in accepted,
            }
            pipe.feed(line, a, _clean(data))
        pipe.flush()
        return thread

    def on_posts(self, path: Path, kind: str, thread: dict[str, str]) -> None:
        """Comments or votes: events attached to an imported question or answer."""
        pipe = self.pipeline("events", path)
        for line, a in rows(path):
            self._tick(path)
            post_id = a.get("PostId")
            if kind == "votes" and a.get("VoteTypeId") not in REACTION_VOTES:
                pipe.rows_read += 1
                self.skipped += 1
                continue
            if post_id not in thread:  # on a skipped post type (tag wiki…) or a missing post
                pipe.rows_read += 1
                self.skipped += 1
                continue
            if kind == "comments":
                data = {
                    "event_id": f"c{a['Id']}" if a.get("Id") else None,
                    "kind": "comment",
                    "occurred_at": a.get("CreationDate"),
                    "member_id": self.member(a.get("UserId")),
                    "body": a.get("Text"),
                    "score": a.get("Score"),
                }
            else:
                data = {
                    "event_id": f"v{a['Id']}" if a.get("Id") else None,
                    "kind": "reaction",
                    "occurred_at": a.get("CreationDate"),
                }
            data["parent_id"] = f"p{post_id}"
            data["thread_id"] = f"p{thread[post_id]}"
            pipe.feed(line, a, _clean(data))
        pipe.flush()


def import_dump(
    folder: Path,
    *,
    url: str,
    source: str | None,
    quarantine: str | Path | None,
    progress: bool,
    actor: str,
) -> ImportResult:
    """Import a Stack Exchange dump folder in one transaction."""
    if not folder.is_dir():
        raise CommbookError(
            f"{folder}: expected the folder of an extracted Stack Exchange dump "
            f"(with {', '.join(FILES)})"
        )
    for required in FILES[:2]:
        if not (folder / required).is_file():
            raise CommbookError(f"{folder}: {required} not found (is this a Stack Exchange dump?)")
    source = source or f"stackexchange:{folder.resolve().name}"
    if len(source) > 64:
        raise CommbookError(f"source {source!r} is longer than 64 characters; pass --source")
    sink = Quarantine(quarantine) if quarantine is not None else None
    result = ImportResult(kind="stackexchange", file=str(folder))
    bar = tqdm(
        unit=" rows",
        desc=f"stackexchange {folder.name}",
        file=sys.stderr,
        disable=not progress,
        leave=False,
    )
    try:
        with get_engine(url).connect() as conn, conn.begin() as transaction:
            ctx = ImportContext(conn, source, dt.UTC, actor)  # dump times are UTC
            dump = _Dump(folder, ctx, sink, bar)
            dump.users(folder / "Users.xml")
            thread = dump.posts(folder / "Posts.xml")
            for name, kind in (("Comments.xml", "comments"), ("Votes.xml", "votes")):
                if (folder / name).is_file():
                    dump.on_posts(folder / name, kind, thread)
            rows_read = sum(p.rows_read for p in dump.pipes)
            if dump.errors and sink is None:
                transaction.rollback()
                raise ImportRejected(dump.errors, rows_read)
            result.rows_read = rows_read
            result.skipped = dump.skipped
            for pipe in dump.pipes:
                result.inserted += pipe.counts.inserted
                result.updated += pipe.counts.updated
                result.unchanged += pipe.counts.unchanged
                result.rejected += pipe.rejected
            if sink is not None:
                result.quarantine = sink.finish()
    except BaseException:
        if sink is not None:
            sink.discard()
        raise
    finally:
        bar.close()
    return result
