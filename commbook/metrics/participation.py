"""Participation: who contributes, how evenly, and how often they come back.

Input ``events`` — as for ``commbook.metrics.activity`` (``member_id``, ``kind``,
``occurred_at``). A **contribution** is an event of a kind in ``CONTRIBUTION_KINDS``
(a post, a reply or a comment); reactions and shares make a member active but are not
contributions. Anonymous events never count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from commbook.metrics._schema import require
from commbook.metrics._time import Instant, window
from commbook.metrics.activity import (
    ACTIVE_KINDS,
    EVENTS,
    distinct_count,
    masked_values,
    member_days,
)
from commbook.metrics.prepared import EventsLike, PreparedEvents, prepare_events

#: Event kinds that count as contributing content to the community.
CONTRIBUTION_KINDS: frozenset[str] = frozenset({"post", "reply", "comment"})


def _contributions(
    events: PreparedEvents, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> np.ndarray:
    """Mask of the contributions by known members in ``[lo, hi)``."""
    mask = events.kind_mask(CONTRIBUTION_KINDS) & events.in_window(lo, hi)
    mask &= events.member_codes >= 0
    return mask


def contribution_rate(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
) -> float:
    """Share of active members who contributed (posted, replied or commented).

    ``contributors / active members`` over events in ``[start, end)``; ``NaN`` when
    nobody was active.
    """
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    _, lo, hi = window(start, end, tz)
    in_period = events.in_window(lo, hi)

    def members(kinds: frozenset[str]) -> int:  # distinct known members, events of kinds
        codes = events.member_codes[in_period & events.kind_mask(kinds)]
        return distinct_count(codes, len(events.member_ids))

    active = members(ACTIVE_KINDS)
    return members(CONTRIBUTION_KINDS) / active if active else math.nan


def contributions_per_member(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
) -> pd.Series:
    """Contributions per contributor in ``[start, end)``, most first (index: member_id)."""
    events = prepare_events(events)
    frame = events.frame
    require(frame, EVENTS, name="events")
    _, lo, hi = window(start, end, tz)
    mask = _contributions(events, lo, hi)
    counts = pd.Series(masked_values(frame["member_id"], mask), name="member_id").value_counts()
    counts.name = "contributions"
    counts.index = counts.index.astype(frame["member_id"].dtype)
    return counts.astype("int64")


def participation_inequality(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    top: Sequence[float] = (0.01, 0.10),
) -> dict[str, float]:
    """How concentrated contributions are among contributors.

    Keys: ``contributors``, ``contributions``, ``top_1pct_share`` / ``top_10pct_share``
    (one key per fraction in ``top``: share of all contributions made by the
    ``ceil(fraction × contributors)`` most active contributors) and ``gini`` (Gini
    coefficient of contributions per contributor: 0 = everyone equal, → 1 = one person
    does everything). Shares and Gini are ``NaN`` without contributions.
    """
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    _, lo, hi = window(start, end, tz)
    counts = np.bincount(events.member_codes[_contributions(events, lo, hi)])
    counts = -np.sort(-counts[counts > 0]).astype("float64")  # most active first
    n, total = len(counts), float(counts.sum())
    out: dict[str, float] = {"contributors": n, "contributions": int(total)}
    cumulative = np.cumsum(counts)  # most active first
    for fraction in top:
        key = f"top_{_percent(fraction)}pct_share"
        if n == 0:
            out[key] = math.nan
            continue
        k = max(1, math.ceil(fraction * n - 1e-9))
        out[key] = float(cumulative[min(k, n) - 1] / total)
    out["gini"] = gini(counts)
    return out


def _percent(fraction: float) -> str:
    value = fraction * 100
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", "_")


def gini(values: np.ndarray | Sequence[float]) -> float:
    """Gini coefficient of non-negative values: ``Σᵢ (2i − n − 1)·xᵢ / (n·Σx)`` with ``x``
    sorted ascending and ``i`` from 1. ``NaN`` for no values or a zero total."""
    x = np.sort(np.asarray(values, dtype="float64"))
    n, total = len(x), float(x.sum()) if len(x) else 0.0
    if n == 0 or total == 0:
        return math.nan
    i = np.arange(1, n + 1, dtype="float64")
    return float(((2 * i - n - 1) * x).sum() / (n * total))


def repeat_participation(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    min_days: int = 2,
) -> float:
    """Share of active members who were active on at least ``min_days`` distinct local days
    (in ``tz``) within ``[start, end)``; ``NaN`` when nobody was active."""
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    tzinfo, lo, hi = window(start, end, tz)
    md = member_days(events, lo, hi, tzinfo)
    if len(md.member) == 0:
        return math.nan
    days_per_member = np.bincount(md.member)
    days_per_member = days_per_member[days_per_member > 0]
    return float((days_per_member >= min_days).sum() / len(days_per_member))
