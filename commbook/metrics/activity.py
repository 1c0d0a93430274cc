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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, TIMESTAMP, require
from commbook.metrics._time import (
    Instant,
    bound,
    day_number,
    day_numbers,
    day_starts,
    last_day_number,
    local_days,
    localize_days,
    monday_of,
    month_numbers,
    window,
    zone,
)
from commbook.metrics.prepared import EventsLike, events_frame, prepare_events

#: Event kinds that make a member "active". Views and joins do not count.
ACTIVE_KINDS: frozenset[str] = frozenset({"post", "reply", "comment", "reaction", "share"})

EVENTS = {"member_id": ANY, "kind": ANY, "occurred_at": TIMESTAMP}


def _active(events: pd.DataFrame) -> pd.DataFrame:
    mask = events["kind"].isin(ACTIVE_KINDS) & events["member_id"].notna()
    active = events.loc[mask, ["member_id", "occurred_at"]]
    if not isinstance(active["occurred_at"].dtype, pd.DatetimeTZDtype):  # empty, untyped
        active = active.assign(occurred_at=pd.to_datetime(active["occurred_at"], utc=True))
    return active


def active_members(events: EventsLike) -> int:
    """Distinct members with at least one post, reply, comment, reaction or share."""
    events = events_frame(events)
    require(events, EVENTS, name="events")
    return int(_active(events)["member_id"].nunique())


def event_count(events: EventsLike, kind: str) -> int:
    """Number of events of ``kind`` (e.g. ``"post"``: threads started)."""
    events = events_frame(events)
    require(events, {"kind": ANY}, name="events")
    return int((events["kind"] == kind).sum())


def weekly_active_members(
    events: EventsLike,
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
    events = events_frame(events)
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


# ---- daily series: DAU, WAU, MAU, stickiness -------------------------------------------------

#: Trailing windows (in local calendar days, ending on the day itself) for WAU and MAU.
WAU_DAYS = 7
MAU_DAYS = 30


@dataclass(frozen=True)
class MemberDays:
    """Distinct (member, local day) pairs of active events, sorted by member then day.

    ``member`` holds codes into ``ids`` (the member ids); ``day`` local day numbers.
    """

    member: np.ndarray
    day: np.ndarray
    ids: pd.Index


def member_days(
    events: EventsLike,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    tz: dt.tzinfo,
    *,
    kinds: frozenset[str] = ACTIVE_KINDS,
    pad_days: int = 0,
) -> MemberDays:
    """Distinct member-days with an event of ``kinds`` in ``[lo − pad_days, hi)``.

    ``pad_days`` reaches back whole local days before ``lo`` (for trailing windows).
    The caller has validated ``events``.
    """
    prepared = prepare_events(events)
    mask = prepared.kind_mask(kinds)
    mask &= prepared.member_codes >= 0
    mask &= prepared.in_window(lo if pad_days == 0 else None, hi)
    all_days = prepared.local_days(tz)
    if lo is not None and pad_days:
        mask &= all_days >= day_number(lo, tz) - pad_days
    days, codes = all_days[mask], prepared.member_codes[mask]
    ids = prepared.member_ids
    if len(days) == 0:
        empty = np.empty(0, dtype="int64")
        return MemberDays(empty, empty, ids)
    base = int(days.min())
    span = int(days.max()) - base + 1
    key = distinct_sorted(codes * span + (days - base), len(ids) * span)
    return MemberDays(key // span, key % span + base, ids)


#: Largest key space :func:`distinct_sorted` marks in a bitmap (one byte per key).
BITMAP_LIMIT = 2**28


def distinct_sorted(keys: np.ndarray, size: int) -> np.ndarray:
    """The distinct values of non-negative int64 ``keys`` (all < ``size``), ascending.

    A bitmap over ``[0, size)`` when that is small enough (one scatter and one scan,
    several times faster than hashing or sorting millions of keys), else sort-unique.
    """
    if 0 < size <= BITMAP_LIMIT and size <= 64 * len(keys) + 1024:
        seen = np.zeros(size, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen).astype("int64", copy=False)
    return np.sort(pd.unique(keys))


def distinct_count(codes: np.ndarray, size: int) -> int:
    """Number of distinct non-negative ``codes`` (all < ``size``; −1 = missing, not counted)."""
    seen = np.zeros(size + 1, dtype=bool)
    seen[codes] = True  # −1 marks the extra last slot
    return int(seen[:size].sum())


def masked_values(values: pd.Series, mask: np.ndarray) -> np.ndarray | pd.Series:
    """``values[mask]``; a nullable integer column as a plain int64 array (the mask must
    exclude its missing values): masking and hashing that is much faster."""
    if values.dtype.kind == "i":  # int64 and friends, nullable or not
        return values.to_numpy(dtype="int64", na_value=0)[mask]
    return values[mask]


def _trailing(md: MemberDays, first: int, n_days: int, widths: Sequence[int]) -> list[np.ndarray]:
    """For each of ``widths`` and each day ``first … first + n_days − 1``: members active
    in the ``width`` days ending that day.

    Each active member-day covers the days up to ``width − 1`` later, cut short at the
    member's next active day, so coverages never overlap and a difference array counts
    each member once per day.
    """
    if len(md.day) == 0:
        return [np.zeros(n_days, dtype="int64") for _ in widths]
    base = min(int(md.day.min()), first)
    day = md.day - base
    next_day = np.full(len(day), np.iinfo("int64").max)
    next_day[:-1] = np.where(md.member[1:] == md.member[:-1], day[1:], next_day[:-1])
    offset = first - base
    out = []
    for width in widths:
        stop = np.minimum(day + width, next_day)
        size = int(stop.max()) + 1
        cover = np.cumsum(np.bincount(day, minlength=size) - np.bincount(stop, minlength=size))
        counts = np.zeros(n_days, dtype="int64")
        lo, hi = max(offset, 0), min(offset + n_days, size)
        if hi > lo:
            counts[lo - offset : hi - offset] = cover[lo:hi]
        out.append(counts)
    return out


def _day_range(
    md: MemberDays, lo: pd.Timestamp | None, hi: pd.Timestamp | None, tz: dt.tzinfo
) -> tuple[int, int] | None:
    """First and last local day of the period (from the bounds, else from the data)."""
    if lo is None and hi is None and len(md.day) == 0:
        return None
    first = day_number(lo, tz) if lo is not None else None
    last = last_day_number(hi, tz) if hi is not None else None
    if len(md.day):
        first = int(md.day.min()) if first is None else first
        last = int(md.day.max()) if last is None else last
    if first is None or last is None:
        return None
    return first, last


def daily_active(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    wau_days: int = WAU_DAYS,
    mau_days: int = MAU_DAYS,
) -> pd.DataFrame:
    """DAU, WAU, MAU and stickiness for every local day of ``[start, end)``.

    - ``dau``: members active that day (in ``tz``);
    - ``wau`` / ``mau``: members active in the ``wau_days`` (7) / ``mau_days`` (30) days
      ending that day — events before ``start`` that are in the frame count, so pass the
      ``mau_days − 1`` days before the period to get full windows on its first days;
    - ``stickiness``: ``dau / mau`` (``NaN`` when ``mau`` is 0).

    Returns columns ``day`` (aware: local midnight), ``dau``, ``wau``, ``mau``,
    ``stickiness``. Without bounds the days span the data; no data, no rows.
    """
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    tzinfo, lo, hi = window(start, end, tz)
    md = member_days(events, lo, hi, tzinfo, pad_days=max(wau_days, mau_days) - 1)
    span = _day_range(md, lo, hi, tzinfo)
    if span is None:
        return pd.DataFrame(
            {
                "day": pd.Series([], dtype=pd.DatetimeTZDtype(tz=tzinfo)),
                **{c: pd.Series([], dtype="int64") for c in ("dau", "wau", "mau")},
                "stickiness": pd.Series([], dtype="float64"),
            }
        )
    first, last = span
    n_days = last - first + 1
    dau, wau, mau = _trailing(md, first, n_days, (1, wau_days, mau_days))
    with np.errstate(divide="ignore", invalid="ignore"):
        stickiness = np.where(mau > 0, dau / np.maximum(mau, 1), np.nan)
    return pd.DataFrame(
        {
            "day": day_starts(np.arange(first, last + 1), tzinfo),
            "dau": dau,
            "wau": wau,
            "mau": mau,
            "stickiness": stickiness,
        }
    )


def activity_summary(
    events: EventsLike,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    wau_days: int = WAU_DAYS,
    mau_days: int = MAU_DAYS,
) -> dict[str, float]:
    """Period averages of the daily series, and the distinct active members.

    Keys: ``active_members`` (distinct members active in ``[start, end)``), ``dau``,
    ``wau``, ``mau`` (means of the daily values over the period's days) and
    ``stickiness`` (mean DAU ÷ mean MAU, ``NaN`` when MAU is 0).
    """
    events = prepare_events(events)
    daily = daily_active(events, start, end, tz, wau_days=wau_days, mau_days=mau_days)
    _, lo, hi = window(start, end, tz)
    mask = events.in_window(lo, hi) & events.kind_mask(ACTIVE_KINDS)
    active = distinct_count(events.member_codes[mask], len(events.member_ids))
    if daily.empty:
        nan = float("nan")
        return {"active_members": active, "dau": nan, "wau": nan, "mau": nan, "stickiness": nan}
    dau, wau, mau = (float(daily[c].mean()) for c in ("dau", "wau", "mau"))
    return {
        "active_members": active,
        "dau": dau,
        "wau": wau,
        "mau": mau,
        "stickiness": dau / mau if mau > 0 else float("nan"),
    }


# ---- new vs returning ------------------------------------------------------------------------

FREQUENCIES = ("day", "week", "month")


def bucket_of_days(days: np.ndarray, freq: str) -> np.ndarray:
    """Local day numbers → the day number that starts their day / ISO week / month."""
    if freq == "day":
        return np.asarray(days, dtype="int64")
    if freq == "week":
        days = np.asarray(days, dtype="int64")
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday
    if freq == "month":
        months = month_numbers(days).astype("datetime64[M]")
        return months.astype("datetime64[D]").astype("int64")
    raise ValidationError(f"freq must be one of {', '.join(FREQUENCIES)}: {freq!r}", field="freq")


def buckets_between(first_day: int, last_day: int, freq: str) -> np.ndarray:
    """Every bucket start (local day number) from the bucket of ``first_day`` to ``last_day``."""
    days = np.arange(first_day, last_day + 1, dtype="int64")
    return np.unique(bucket_of_days(days, freq))


MEMBERS_JOINED = {"member_id": ANY, "joined_at": TIMESTAMP}


def new_vs_returning(
    events: EventsLike,
    members: pd.DataFrame,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    freq: str = "week",
) -> pd.DataFrame:
    """Active members per day / ISO week / month, split into new and returning.

    An active member is **new** in a bucket when they joined (``members.joined_at`` in
    ``tz``) in that same bucket, **returning** otherwise (also when the join date or the
    member row is unknown). Only events in ``[start, end)`` count.

    Returns ``period_start`` (aware), ``active_members``, ``new``, ``returning``.
    """
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    require(members, MEMBERS_JOINED, name="members")
    bucket_of_days(np.zeros(1, dtype="int64"), freq)  # validates freq
    tzinfo, lo, hi = window(start, end, tz)
    md = member_days(events, lo, hi, tzinfo)
    span = _day_range(md, lo, hi, tzinfo)
    if span is None:
        return pd.DataFrame(
            {
                "period_start": pd.Series([], dtype=pd.DatetimeTZDtype(tz=tzinfo)),
                **{c: pd.Series([], dtype="int64") for c in ("active_members", "new", "returning")},
            }
        )
    buckets = buckets_between(*span, freq)
    pair = pd.DataFrame({"member": md.member, "bucket": bucket_of_days(md.day, freq)})
    pair = pair.drop_duplicates()
    known = members[["member_id", "joined_at"]].dropna().drop_duplicates("member_id")
    join_bucket = pd.Series(
        bucket_of_days(day_numbers(known["joined_at"], tzinfo), freq),
        index=pd.Index(known["member_id"]),
    )
    position = join_bucket.index.get_indexer(md.ids[pair["member"].to_numpy()])
    joined = np.where(position >= 0, join_bucket.to_numpy()[np.maximum(position, 0)], -(2**62))
    is_new = joined == pair["bucket"].to_numpy()
    slot = np.searchsorted(buckets, pair["bucket"].to_numpy())
    active = np.bincount(slot, minlength=len(buckets))
    new = np.bincount(slot, weights=is_new, minlength=len(buckets)).astype("int64")
    return pd.DataFrame(
        {
            "period_start": day_starts(buckets, tzinfo),
            "active_members": active.astype("int64"),
            "new": new,
            "returning": (active - new).astype("int64"),
        }
    )
