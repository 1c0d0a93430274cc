"""Activity metrics: who is active, and when.

Input ``events`` — one row per activity event (see ``commbook.frames.load_events``):

| column | type | meaning |
|---|---|---|
| ``member_id`` | int, nullable | who did it; missing for anonymous events (never counted) |
| ``kind`` | str | ``post``, ``reply``, ``comment``, ``reaction``, ``share``, ``view``, ``join`` |
| ``occurred_at`` | datetime64, tz-aware | when |
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, TIMESTAMP, require
from commbook.metrics._time import Instant, bound, local_days, localize_days, monday_of, zone

#: Event kinds that make a member "active". Views and joins do not count.
ACTIVE_KINDS: frozenset[str] = frozenset({"post", "reply", "comment", "reaction", "share"})

EVENTS = {"member_id": ANY, "kind": ANY, "occurred_at": TIMESTAMP}


def _active(events: pd.DataFrame) -> pd.DataFrame:
    mask = events["kind"].isin(ACTIVE_KINDS) & events["member_id"].notna()
    active = events.loc[mask, ["member_id", "occurred_at"]]
    if not isinstance(active["occurred_at"].dtype, pd.DatetimeTZDtype):  # empty, untyped
        active = active.assign(occurred_at=pd.to_datetime(active["occurred_at"], utc=True))
    return active


def active_members(events: pd.DataFrame) -> int:
    """Distinct members with at least one post, reply, comment, reaction or share."""
    require(events, EVENTS, name="events")
    return int(_active(events)["member_id"].nunique())


def event_count(events: pd.DataFrame, kind: str) -> int:
    """Number of events of ``kind`` (e.g. ``"post"``: threads started)."""
    require(events, {"kind": ANY}, name="events")
    return int((events["kind"] == kind).sum())


def weekly_active_members(
    events: pd.DataFrame,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
) -> pd.DataFrame:
    """Members active in each ISO week (Monday to Sunday in ``tz``).

    A member counts once per week if they have at least one event of a kind in
    ``ACTIVE_KINDS`` that week. Only events in ``[start, end)`` count; naive bounds and
    dates are read in ``tz``; without bounds the range is the data's first to last week.
    Every week overlapping the range is listed, with 0 where nobody was active (the first
    and last week may be partial).

    Returns columns ``week_start`` (aware timestamp: Monday 00:00 in ``tz``) and
    ``active_members`` (int).
    """
    require(events, EVENTS, name="events")
    tzinfo = zone(tz)
    lo, hi = bound(start, tzinfo, "start"), bound(end, tzinfo, "end")
    if lo is not None and hi is not None and hi <= lo:
        raise ValidationError(f"end ({hi}) must be after start ({lo})", field="end")

    active = _active(events)
    if lo is not None:
        active = active[active["occurred_at"] >= lo]
    if hi is not None:
        active = active[active["occurred_at"] < hi]
    week = monday_of(local_days(active["occurred_at"], tzinfo))
    counts = active.groupby(week)["member_id"].nunique()

    first = _week_of(lo, tzinfo) if lo is not None else (week.min() if len(week) else None)
    last = (
        _week_of(hi - pd.Timedelta(1, "ns"), tzinfo)
        if hi is not None
        else (week.max() if len(week) else None)
    )
    if first is None or last is None:
        return pd.DataFrame(
            {
                "week_start": pd.Series([], dtype=pd.DatetimeTZDtype(tz=tzinfo)),
                "active_members": pd.Series([], dtype="int64"),
            }
        )
    weeks = pd.date_range(first, last, freq="7D")
    counts = counts.reindex(weeks, fill_value=0)
    return pd.DataFrame(
        {
            "week_start": localize_days(weeks, tzinfo),
            "active_members": counts.to_numpy(dtype="int64"),
        }
    )


def _week_of(instant: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    return monday_of(local_days(pd.Series([instant]), tz)).iloc[0]
