"""The store's tables, as SQLAlchemy 2 declarative models.

Conventions:
- every timestamp is timezone-aware and stored in UTC (``UTCDateTime``);
- imported rows carry ``(source, source_id)``, unique, so importing again updates instead
  of duplicating;
- records that managers edit in forms carry a ``version`` column used for optimistic
  locking (a stale save raises ``ConflictError``) and are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigID = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    Naive datetimes are refused: a timestamp without a timezone is ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: a timezone is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Versioned:
    """Mixin: optimistic locking and created/updated stamps for edited records."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="forum")  # forum, chat, social, ...
    platform: Mapped[str | None] = mapped_column(String(64))


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    joined_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    region: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32), default="member")  # member, moderator, staff
    reputation: Mapped[int | None] = mapped_column(Integer)


objective_segments = Table(
    "objective_segments",
    Base.metadata,
    Column("objective_id", ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("audience_segments.id", ondelete="CASCADE"), primary_key=True),
)

content_segments = Table(
    "content_segments",
    Base.metadata,
    Column("content_id", ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("audience_segments.id", ondelete="CASCADE"), primary_key=True),
)


class Objective(Versioned, Base):
    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    metric: Mapped[str] = mapped_column(String(64), default="manual")
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(16), default="increase")
    unit: Mapped[str] = mapped_column(String(32), default="")
    start_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32), default="active")
    current_value: Mapped[float | None] = mapped_column(Float)  # for metric == "manual"

    segments: Mapped[list[AudienceSegment]] = relationship(secondary=objective_segments)


class AudienceSegment(Versioned, Base):
    __tablename__ = "audience_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    demographics: Mapped[dict] = mapped_column(JSON, default=dict)
    needs: Mapped[str] = mapped_column(Text, default="")
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    behaviours: Mapped[dict] = mapped_column(JSON, default=dict)
    rule: Mapped[dict | None] = mapped_column(JSON)


class ContentItem(Versioned, Base):
    """A calendar entry and, once published, the post with its metrics."""

    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), default="planner")
    source_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    owner: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32), default="idea")
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    campaign: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))
    rrule: Mapped[str | None] = mapped_column(String(300))
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("objectives.id", ondelete="SET NULL")
    )
    reach: Mapped[int | None] = mapped_column(BigInteger)
    impressions: Mapped[int | None] = mapped_column(BigInteger)
    views: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    shares: Mapped[int | None] = mapped_column(BigInteger)

    channel: Mapped[Channel | None] = relationship()
    segments: Mapped[list[AudienceSegment]] = relationship(secondary=content_segments)


class ActivityEvent(Base):
    """One thing a member did: post, reply, comment, reaction, share, view, join.

    Threads: ``thread_id`` is the source id of the thread's first post; ``parent_id`` the
    source id of the event replied to (or reacted to). ``is_accepted`` marks an accepted
    answer.
    """

    __tablename__ = "activity_events"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_activity_events_occurred_at", "occurred_at"),
        Index("ix_activity_events_thread", "source", "thread_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    content_item_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    parent_id: Mapped[str | None] = mapped_column(String(128))
    category: Mapped[str | None] = mapped_column(String(32))  # question, support, discussion...
    title: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(Integer)
    is_accepted: Mapped[bool] = mapped_column(Boolean, default=False)


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="nps")  # nps, csat, likert, poll
    question: Mapped[str] = mapped_column(Text, default="")
    # the question the comments answer ("What could we do better?"); "" when not known
    comment_question: Mapped[str] = mapped_column(Text, default="", server_default="")
    scale_min: Mapped[int] = mapped_column(Integer, default=0)
    scale_max: Mapped[int] = mapped_column(Integer, default=10)
    sent_count: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "source_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)


class TriageItem(Versioned, Base):
    __tablename__ = "triage_items"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_triage_items_status_received", "status", "received_at"),
        Index("ix_triage_items_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    source: Mapped[str] = mapped_column(String(64), default="manual")
    source_id: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("activity_events.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    category: Mapped[str] = mapped_column(String(32))  # support, discussion, feedback, abuse
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(32), default="new")
    owner: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[str | None] = mapped_column(String(32))
    closed_loop: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # Added by migration 0003 (the triage service, commbook/triage/service.py):
    queue: Mapped[str | None] = mapped_column(String(64))  # team queue, e.g. "billing"
    # [{"kind": "thread" | "kb_article" | "product_feedback", "ref": url or id, "title": ...}]
    links: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    closed_loop_note: Mapped[str | None] = mapped_column(Text)  # what the member was told
    closed_loop_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # what the rules suggested: {"category", "urgency", "rules", "explanation"}
    suggestion: Mapped[dict | None] = mapped_column(JSON)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # create, update, delete
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class ReportRun(Base):
    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    notebook: Mapped[str] = mapped_column(String(300))
    period: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, ok, failed
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outputs: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    # Set for runs started by `commbook schedule` (see commbook/schedules.py).
    schedule: Mapped[str | None] = mapped_column(String(120))
    scheduled_for: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the cron slot
    attempt: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str | None] = mapped_column(String(16))  # schedule, manual, catch-up, retry

    __table_args__ = (
        UniqueConstraint("schedule", "scheduled_for", "attempt"),
        Index("ix_report_runs_schedule", "schedule", "scheduled_for"),
    )


class JobLock(Base):
    """One row per running job: who holds it and when it last proved to be alive."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- triage history (migration 0003): append-only rows, each also written to the audit log


class TriageResponse(Base):
    """A response to the member recorded on a triage item (the first one stops the
    first-response clock)."""

    __tablename__ = "triage_responses"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("triage_items.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status_after: Mapped[str | None] = mapped_column(String(32))


class TriageModeration(Base):
    """A moderation action (approve … ban) taken on a triage item's post or member."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("triage_items.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # who it affects
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    policy_ref: Mapped[str | None] = mapped_column(String(100))


class TriageEscalation(Base):
    """One step up the escalation ladder (team_lead → legal / pr / security)."""

    __tablename__ = "triage_escalations"

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("triage_items.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(32))
    previous_level: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")


class ReportNote(Versioned, Base):
    """A note the team writes for a report period (lessons, context), shown in the report's
    "Lessons learned" section. ``period`` is a period label (``2026-10``, ``2026-W43``)."""

    __tablename__ = "report_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
