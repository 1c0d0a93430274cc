"""The store: SQLAlchemy models, engine/session, migrations and the audit log."""

from commbook.store import audit as _audit  # noqa: F401  (registers the audit listeners)
from commbook.store.engine import get_engine, session_scope
from commbook.store.migrate import current_revision, head_revision, upgrade
from commbook.store.models import (
    ActivityEvent,
    AudienceSegment,
    AuditEntry,
    Base,
    Channel,
    ContentItem,
    JobLock,
    Member,
    Objective,
    ReportNote,
    ReportRun,
    Survey,
    SurveyResponse,
    TriageEscalation,
    TriageItem,
    TriageModeration,
    TriageResponse,
)

__all__ = [
    "ActivityEvent",
    "AudienceSegment",
    "AuditEntry",
    "Base",
    "Channel",
    "ContentItem",
    "JobLock",
    "Member",
    "Objective",
    "ReportNote",
    "ReportRun",
    "Survey",
    "SurveyResponse",
    "TriageEscalation",
    "TriageItem",
    "TriageModeration",
    "TriageResponse",
    "current_revision",
    "get_engine",
    "head_revision",
    "session_scope",
    "upgrade",
]
