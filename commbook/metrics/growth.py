"""Growth: who joined, who left, and the net change in membership.

Input ``members`` — one row per member (see ``commbook.frames.load_members``):
``joined_at`` and ``left_at`` (aware timestamps, nullable). For lapsed members, ``events``
as in ``commbook.metrics.activity``.

**Churn** is explicit: a member churns when their ``left_at`` (account closed, left the
group, unsubscribed) falls in the period. Going quiet is a different thing, reported
separately as **lapsed** (no active event for ``inactive_days`` after the last one).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import TIMESTAMP, require
from commbook.metrics._time import (
    Instant,
    day_number,
    day_starts,
    in_window,
    last_day_number,
    window,
)
from commbook.metrics.activity import EVENTS, buckets_between, member_days
from commbook.metrics.members import MEMBERS
from commbook.metrics.prepared import EventsLike, prepare_events

#: Days without any active event after which a member counts as lapsed.
LAPSE_DAYS = 90


def _ns(times: pd.Series) -> np.ndarray:
    """Aware timestamps → sorted int64 ns (UTC), missing dropped."""
    known = times.dropna().dt.tz_convert("UTC").dt.tz_localize(None)
    return np.sort(known.to_numpy().astype("datetime64[ns]").astype("int64"))


def growth(
    members: pd.DataFrame,
    start: Instant,
    end: Instant,
    tz: str | dt.tzinfo = "UTC",
    freq: str = "month",
) -> pd.DataFrame:
    """Joins, leavers and net growth per day / ISO week / month of ``[start, end)``.

    Columns: ``period_start`` (aware, local midnight), ``joins`` (``joined_at`` in the
    bucket), ``churned`` (``left_at`` in the bucket), ``net_growth`` (joins − churned) and
    ``members_at_end`` (members at the end of the bucket, as ``member_count``). The first
    and last buckets are cut to ``[start, end)``.
    """
    require(members, MEMBERS, name="members")
    tzinfo, lo, hi = window(start, end, tz)
    if lo is None or hi is None:
        raise ValidationError("growth needs both start and end", field="start" if lo else "end")
    buckets = buckets_between(day_number(lo, tzinfo), last_day_number(hi, tzinfo), freq)
    edges = day_starts(buckets, tzinfo)
    inner = edges.as_unit("ns").asi8
    lo_ns, hi_ns = pd.Timestamp(lo).as_unit("ns").value, pd.Timestamp(hi).as_unit("ns").value
    cuts = np.concatenate([[lo_ns], inner[1:], [hi_ns]])  # bucket i = [cuts[i], cuts[i+1])

    joined, left = _ns(members["joined_at"]), _ns(members["left_at"])
    unknown_join = int(members["joined_at"].isna().sum())
    joins = np.diff(np.searchsorted(joined, cuts, side="left"))
    churned = np.diff(np.searchsorted(left, cuts, side="left"))
    ends = cuts[1:]
    at_end = (
        np.searchsorted(joined, ends, side="left")
        + unknown_join
        - np.searchsorted(left, ends, side="left")
    )
    return pd.DataFrame(
        {
            "period_start": edges,
            "joins": joins.astype("int64"),
            "churned": churned.astype("int64"),
            "net_growth": (joins - churned).astype("int64"),
            "members_at_end": at_end.astype("int64"),
        }
    )


def churned_members(
    members: pd.DataFrame, start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC"
) -> int:
    """Members whose ``left_at`` is in ``[start, end)``."""
    require(members, {"left_at": TIMESTAMP}, name="members")
    _, lo, hi = window(start, end, tz)
    return int(in_window(members["left_at"], lo, hi).sum())


def net_growth(
    members: pd.DataFrame, start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC"
) -> int:
    """Joins minus churned members in ``[start, end)``."""
    require(members, MEMBERS, name="members")
    _, lo, hi = window(start, end, tz)
    joins = int(in_window(members["joined_at"], lo, hi).sum())
    return joins - churned_members(members, start, end, tz)


def lapsed_members(
    events: EventsLike,
    start: Instant,
    end: Instant,
    tz: str | dt.tzinfo = "UTC",
    *,
    inactive_days: int = LAPSE_DAYS,
) -> int:
    """Members who lapsed in ``[start, end)``: their last active event (in ``events``, up to
    ``end``) was on local day ``d`` and day ``d + inactive_days`` falls in the period.

    Pass events from at least ``inactive_days`` before ``start`` so that members whose
    last visit was before the period are seen.
    """
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    tzinfo, lo, hi = window(start, end, tz)
    md = member_days(events, None, hi, tzinfo)
    if len(md.day) == 0:
        return 0
    last = pd.Series(md.day).groupby(md.member).max().to_numpy()
    lapse_day = last + inactive_days
    first_day = day_number(lo, tzinfo) if lo is not None else int(lapse_day.min())
    final_day = last_day_number(hi, tzinfo) if hi is not None else int(lapse_day.max())
    return int(((lapse_day >= first_day) & (lapse_day <= final_day)).sum())
