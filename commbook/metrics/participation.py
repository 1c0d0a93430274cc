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
from commbook.metrics._time import Instant, in_window, window
from commbook.metrics.activity import ACTIVE_KINDS, EVENTS, masked_values, member_days

#: Event kinds that count as contributing content to the community.
CONTRIBUTION_KINDS: frozenset[str] = frozenset({"post", "reply", "comment"})


def _members_in(
    events: pd.DataFrame, kinds: frozenset[str], lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> pd.Series:
    mask = events["kind"].isin(kinds).to_numpy(dtype=bool, na_value=False, copy=True)
    mask &= events["member_id"].notna().to_numpy()
    mask &= in_window(events["occurred_at"], lo, hi)
    return pd.Series(masked_values(events["member_id"], mask), name="member_id")


def contribution_rate(
    events: pd.DataFrame,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
) -> float:
    """Share of active members who contributed (posted, replied or commented).

    ``contributors / active members`` over events in ``[start, end)``; ``NaN`` when
    nobody was active.
    """
    require(events, EVENTS, name="events")
    _, lo, hi = window(start, end, tz)
    mask = events["kind"].isin(ACTIVE_KINDS).to_numpy(dtype=bool, na_value=False, copy=True)
    mask &= events["member_id"].notna().to_numpy()
    mask &= in_window(events["occurred_at"], lo, hi)
    if not mask.any():
        return math.nan
    # one pass over the frame: contributors are found among the active members' events
    codes, active = pd.factorize(masked_values(events["member_id"], mask))
    kinds = events["kind"][mask].isin(CONTRIBUTION_KINDS).to_numpy(dtype=bool, na_value=False)
    return len(np.unique(codes[kinds])) / len(active)


def contributions_per_member(
    events: pd.DataFrame,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
) -> pd.Series:
    """Contributions per contributor in ``[start, end)``, most first (index: member_id)."""
    require(events, EVENTS, name="events")
    _, lo, hi = window(start, end, tz)
    counts = _members_in(events, CONTRIBUTION_KINDS, lo, hi).value_counts(sort=True)
    counts.name = "contributions"
    counts.index = counts.index.astype(events["member_id"].dtype)
    return counts.astype("int64")


def participation_inequality(
    events: pd.DataFrame,
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
    counts = contributions_per_member(events, start, end, tz).to_numpy(dtype="float64")
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
    events: pd.DataFrame,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    min_days: int = 2,
) -> float:
    """Share of active members who were active on at least ``min_days`` distinct local days
    (in ``tz``) within ``[start, end)``; ``NaN`` when nobody was active."""
    require(events, EVENTS, name="events")
    tzinfo, lo, hi = window(start, end, tz)
    md = member_days(events, lo, hi, tzinfo)
    if len(md.member) == 0:
        return math.nan
    days_per_member = np.bincount(md.member)
    days_per_member = days_per_member[days_per_member > 0]
    return float((days_per_member >= min_days).sum() / len(days_per_member))
