"""Report notes: what the team wants a period's report to say in its own words.

A note belongs to a period label (``2026-10``, ``2026-W43``, ``2026-Q3`` — the labels of
``commbook.reports.periods``) and is shown under "Lessons learned and proposed
adjustments" in that period's report. Notes are versioned and audited like other
planning records.
"""

from __future__ import annotations

from sqlalchemy import select

from commbook import clock
from commbook.config import get_settings
from commbook.errors import ConflictError, NotFound, ValidationError
from commbook.store import ReportNote, session_scope

MAX_CHARS = 2000


def add_note(
    period: str, body: str, *, author: str | None = None, url: str | None = None
) -> ReportNote:
    """Save a note for ``period`` (any period spec; stored under the label of the period a
    report for that spec shows, ``commbook.clock.choose_period``)."""
    text = (body or "").strip()
    if not text:
        raise ValidationError("a note needs some text", field="body")
    if len(text) > MAX_CHARS:
        raise ValidationError(f"a note is at most {MAX_CHARS} characters", field="body")
    # a relative period ("last_month") names the period a report for it shows
    label = clock.choose_period(period, url, tz=get_settings().timezone).period.label
    author = (author or get_settings().user or "").strip() or "unknown"
    with session_scope(url, actor=author) as session:
        note = ReportNote(period=label, author=author, body=text)
        session.add(note)
        session.flush()
    return note


def list_notes(period: str, url: str | None = None) -> list[ReportNote]:
    """The notes of a period label, oldest first."""
    with session_scope(url) as session:
        query = select(ReportNote).where(ReportNote.period == period).order_by(ReportNote.id)
        return list(session.scalars(query))


def notes_for(period: str, url: str | None = None) -> list[tuple[str, str]]:
    """``(author, text)`` pairs for the report of period label ``period``."""
    return [(n.author, n.body) for n in list_notes(period, url)]


def delete_note(id: int, version: int, url: str | None = None, actor: str | None = None) -> None:
    """Delete note ``id`` if it is still at ``version`` (else ``ConflictError``)."""
    with session_scope(url, actor=actor) as session:
        note = session.get(ReportNote, id)
        if note is None:
            raise NotFound(f"note {id} does not exist")
        if note.version != version:
            raise ConflictError("someone changed this note meanwhile; reload it")
        session.delete(note)
