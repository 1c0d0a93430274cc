"""Metrics: pure functions from DataFrames to DataFrames or numbers.

No I/O here: callers load frames (``commbook.frames``) and pass them in. Each function
checks its input columns at the boundary (``ValidationError`` naming the column).
Definitions and formulas: ``docs/metrics.md``.

Modules, one subject each: ``activity`` (DAU/WAU/MAU, stickiness, new vs returning),
``participation`` (contribution rate, inequality, repeat participation), ``retention``
(cohorts), ``conversations`` (threads, response times, answered rates), ``members`` and
``growth`` (joins, churn), ``content`` (engagement), ``effectiveness`` (ranking with
uncertainty, recommendations), ``catalog`` (the metric catalog), ``compare`` (period over
period), ``headline`` (the headline numbers), ``prepared`` (events prepared once for many
metrics: :func:`prepare_events`). ``workflow`` (triage/SLA) is imported on its own.
"""

from commbook.metrics.activity import (
    ACTIVE_KINDS,
    MAU_DAYS,
    WAU_DAYS,
    active_members,
    activity_summary,
    daily_active,
    event_count,
    new_vs_returning,
    weekly_active_members,
)
from commbook.metrics.catalog import CATALOG, CatalogMetric, Inputs
from commbook.metrics.compare import compare, previous_window
from commbook.metrics.content import (
    engagement_by,
    engagement_by_member_segment,
    engagement_by_type,
    engagement_items,
)
from commbook.metrics.conversations import (
    FOLLOW_UP_DAYS,
    answers_counted_until,
    answers_last_day,
    conversation_summary,
    response_times,
    threads,
)
from commbook.metrics.effectiveness import Recommendation, rank, recommendations
from commbook.metrics.growth import churned_members, growth, lapsed_members, net_growth
from commbook.metrics.headline import headline
from commbook.metrics.members import member_count, new_members
from commbook.metrics.participation import (
    CONTRIBUTION_KINDS,
    contribution_rate,
    contributions_per_member,
    gini,
    participation_inequality,
    repeat_participation,
)
from commbook.metrics.prepared import EventsLike, PreparedEvents, prepare_events
from commbook.metrics.retention import cohort_retention

__all__ = [
    "ACTIVE_KINDS",
    "CATALOG",
    "CONTRIBUTION_KINDS",
    "FOLLOW_UP_DAYS",
    "MAU_DAYS",
    "WAU_DAYS",
    "CatalogMetric",
    "EventsLike",
    "Inputs",
    "PreparedEvents",
    "Recommendation",
    "active_members",
    "activity_summary",
    "answers_counted_until",
    "answers_last_day",
    "churned_members",
    "cohort_retention",
    "compare",
    "contribution_rate",
    "contributions_per_member",
    "conversation_summary",
    "daily_active",
    "engagement_by",
    "engagement_by_member_segment",
    "engagement_by_type",
    "engagement_items",
    "event_count",
    "gini",
    "growth",
    "headline",
    "lapsed_members",
    "member_count",
    "net_growth",
    "new_members",
    "new_vs_returning",
    "participation_inequality",
    "prepare_events",
    "previous_window",
    "rank",
    "recommendations",
    "repeat_participation",
    "response_times",
    "threads",
    "weekly_active_members",
]
