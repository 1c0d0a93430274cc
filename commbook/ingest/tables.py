"""The bulk kinds — members, events, content, surveys, responses, triage — and their import.

Each kind says how a validated row becomes a table row (resolving member, channel, content,
survey and event references); ``import_table`` streams a file through a ``Pipeline``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tqdm import tqdm

from commbook.errors import CommbookError, ImportRejected, ValidationError
from commbook.ingest.pipeline import ImportContext, Pipeline, RefError, TableKind
from commbook.ingest.readers import RowReader
from commbook.ingest.result import ImportResult, Quarantine
from commbook.ingest.schemas import (
    ContentRow,
    EventRow,
    MemberRow,
    ResponseRow,
    SurveyRow,
    TriageRow,
    fields_of,
    required_fields,
)
from commbook.store import get_engine
from commbook.store.models import (
    ActivityEvent,
    ContentItem,
    Member,
    Survey,
    SurveyResponse,
    TriageItem,
)


def _member(ctx: ImportContext, m: MemberRow) -> dict[str, Any]:
    return {
        "source": ctx.source,
        "source_id": m.member_id,
        "display_name": m.display_name,
        "joined_at": m.joined_at,
        "left_at": m.left_at,
        "region": m.region,
        "country": m.country,
        "language": m.language,
        "age_band": m.age_band,
        "role": m.role,
        "reputation": m.reputation,
    }


def _event(ctx: ImportContext, e: EventRow) -> dict[str, Any]:
    return {
        "source": ctx.source,
        "source_id": e.event_id,
        "kind": e.kind,
        "occurred_at": e.occurred_at,
        "member_id": ctx.member(e.member_id),
        "channel_id": ctx.channel(e.channel),
        "content_item_id": ctx.content(e.content_id),
        "thread_id": e.thread_id,
        "parent_id": e.parent_id,
        "category": e.category,
        "title": e.title,
        "body": e.body,
        "score": e.score,
        "is_accepted": e.is_accepted,
    }


def _content(ctx: ImportContext, c: ContentRow) -> dict[str, Any]:
    status = c.status or ("published" if c.published_at else "idea")
    return {
        "source": ctx.source,
        "source_id": c.content_id,
        "title": c.title,
        "content_type": c.content_type,
        "channel_id": ctx.channel(c.channel),
        "owner": c.owner,
        "status": status,
        "scheduled_at": c.scheduled_at,
        "published_at": c.published_at,
        "campaign": c.campaign,
        "url": c.url,
        "reach": c.reach,
        "impressions": c.impressions,
        "views": c.views,
        "likes": c.likes,
        "comments": c.comments,
        "shares": c.shares,
    }


def _survey(ctx: ImportContext, s: SurveyRow) -> dict[str, Any]:
    return {
        "source": ctx.source,
        "source_id": s.survey_id,
        "name": s.name,
        "kind": s.kind,
        "question": s.question,
        "comment_question": s.comment_question,
        "scale_min": s.scale_min,
        "scale_max": s.scale_max,
        "sent_count": s.sent_count,
        "opened_at": s.opened_at,
        "closed_at": s.closed_at,
    }


def _response(ctx: ImportContext, r: ResponseRow) -> dict[str, Any]:
    survey_id, low, high = ctx.survey(r.survey_id)
    if r.score is not None and not low <= r.score <= high:
        raise RefError(
            "score",
            f"expected a score between {low} and {high} (the scale of survey "
            f"{r.survey_id!r}), got {r.score:g}",
        )
    return {
        "survey_id": survey_id,
        "source_id": r.response_id,
        "member_id": ctx.member(r.member_id),
        "submitted_at": r.submitted_at,
        "score": r.score,
        "comment": r.comment,
    }


def _triage_events(ctx: ImportContext, rows: list[TriageRow]) -> None:
    ctx.load_events({r.event_id for r in rows if r.event_id is not None})


def _triage(ctx: ImportContext, t: TriageRow) -> dict[str, Any]:
    event_id = None
    if t.event_id is not None:
        event_id = ctx.events.get(t.event_id)
        if event_id is None:
            raise RefError("event_id", f"unknown event_id {t.event_id!r} (import events first)")
    return {
        "source": ctx.source,
        "source_id": t.triage_id,
        "event_id": event_id,
        "member_id": ctx.member(t.member_id),
        "channel_id": ctx.channel(t.channel),
        "category": t.category,
        "urgency": t.urgency,
        "status": t.status,
        "owner": t.owner,
        "summary": t.summary,
        "received_at": t.received_at,
        "first_response_at": t.first_response_at,
        "resolved_at": t.resolved_at,
        "escalation_level": t.escalation_level,
        "closed_loop": t.closed_loop,
    }


TABLE_KINDS: dict[str, TableKind] = {
    "members": TableKind("members", MemberRow, Member.__table__, "member_id", _member),
    "events": TableKind("events", EventRow, ActivityEvent.__table__, "event_id", _event),
    "content": TableKind("content", ContentRow, ContentItem.__table__, "content_id", _content),
    "surveys": TableKind("surveys", SurveyRow, Survey.__table__, "survey_id", _survey),
    "responses": TableKind(
        "responses",
        ResponseRow,
        SurveyResponse.__table__,
        "response_id",
        _response,
        key=("survey_id", "source_id"),
    ),
    "triage": TableKind(
        "triage",
        TriageRow,
        TriageItem.__table__,
        "triage_id",
        _triage,
        prepare=_triage_events,
    ),
}


def check_header(reader: RowReader, kind: TableKind | Any, *, optional: set[str]) -> None:
    """A CSV missing a required column is refused before any row is read."""
    if reader.format != "csv":
        return
    model = kind.model if isinstance(kind, TableKind) else kind
    missing = [f for f in required_fields(model) if f not in reader.present_fields()]
    missing = [f for f in missing if f not in optional]
    if missing:
        raise CommbookError(
            f"{reader.path}: missing required column(s) {', '.join(missing)} "
            f"(columns: {', '.join(reader.columns) or 'none'}; rename yours with --map)"
        )


def progress_bar(reader: RowReader, label: str, enabled: bool) -> tuple[tqdm, Any]:
    """A byte-based tqdm bar on stderr and the callback that advances it."""
    bar = tqdm(
        total=reader.size(),
        unit="B",
        unit_scale=True,
        desc=label,
        file=sys.stderr,
        disable=not enabled,
        leave=False,
    )

    def advance() -> None:
        bar.update(max(0, reader.position() - bar.n))

    return bar, advance


def import_table(
    kind_name: str,
    path: Path,
    *,
    url: str,
    source: str,
    quarantine: str | Path | None,
    tz: ZoneInfo | None,
    mapping: dict[str, str] | None,
    survey: str | None,
    progress: bool,
    actor: str,
) -> ImportResult:
    """Import one file of a bulk kind in one transaction; see ``commbook.ingest.import_file``."""
    kind = TABLE_KINDS[kind_name]
    reader = RowReader(path, fields_of(kind.model), mapping)
    sink = Quarantine(quarantine) if quarantine is not None else None
    errors: list[ValidationError] = []
    result = ImportResult(kind=kind_name, file=str(path))
    optional = {"survey_id"} if survey else set()
    bar, advance = progress_bar(reader, f"{kind_name} {path.name}", progress)
    engine = get_engine(url)
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            ctx = ImportContext(conn, source, tz, actor)
            pipe = Pipeline(
                ctx, kind, file=str(path), errors=errors, quarantine=sink, on_batch=advance
            )
            checked = False
            for number, raw, data in reader:
                if not checked:
                    check_header(reader, kind, optional=optional)
                    checked = True
                if survey and isinstance(data, dict):
                    data.setdefault("survey_id", survey)
                pipe.feed(number, raw, data)
            if not checked:
                check_header(reader, kind, optional=optional)
            pipe.flush()
            advance()
            if errors and sink is None:
                transaction.rollback()
                raise ImportRejected(errors, pipe.rows_read)
            result.rows_read = pipe.rows_read
            result.inserted = pipe.counts.inserted
            result.updated = pipe.counts.updated
            result.unchanged = pipe.counts.unchanged
            result.rejected = pipe.rejected
            if sink is not None:  # before the commit: a failed write imports nothing
                result.quarantine = sink.finish()
    except BaseException:
        if sink is not None:
            sink.discard()
        raise
    finally:
        bar.close()
    return result
