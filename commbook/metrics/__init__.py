"""Metrics: pure functions from DataFrames to DataFrames or numbers.

No I/O here: callers load frames (``commbook.frames``) and pass them in. Each function
checks its input columns at the boundary (``ValidationError`` naming the column).
Definitions and formulas: ``docs/metrics.md``.
"""

from commbook.metrics.activity import (
    ACTIVE_KINDS,
    active_members,
    event_count,
    weekly_active_members,
)
from commbook.metrics.content import engagement_by_type
from commbook.metrics.members import member_count, new_members

__all__ = [
    "ACTIVE_KINDS",
    "active_members",
    "engagement_by_type",
    "event_count",
    "member_count",
    "new_members",
    "weekly_active_members",
]
