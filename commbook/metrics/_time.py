"""Time helpers shared by metrics: period bounds and calendar weeks in a timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from commbook.errors import ValidationError

Instant = pd.Timestamp | dt.datetime | dt.date | str


def zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    """``tz`` as a tzinfo; an unknown IANA name raises ``ValidationError``."""
    if isinstance(tz, dt.tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown timezone {tz!r}", field="tz") from exc


def bound(value: Instant | None, tz: dt.tzinfo, field: str) -> pd.Timestamp | None:
    """A period bound as an aware timestamp; naive values and dates are local to ``tz``."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"not a date or timestamp: {value!r}", field=field) from exc
    return ts.tz_localize(tz) if ts.tzinfo is None else ts


def local_days(timestamps: pd.Series, tz: dt.tzinfo) -> pd.Series:
    """Aware timestamps → naive local midnight of their calendar day in ``tz``."""
    return timestamps.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def monday_of(days: pd.Series) -> pd.Series:
    """Naive local days → the Monday that starts their ISO week."""
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def localize_days(days: pd.DatetimeIndex, tz: dt.tzinfo) -> pd.DatetimeIndex:
    """Naive local midnights → aware timestamps of the first instant of that day in ``tz``.

    Where midnight is skipped by a DST change the day starts at the next valid instant;
    where it repeats, the first (summer-time) midnight is used.
    """
    return days.tz_localize(
        tz, ambiguous=np.ones(len(days), dtype=bool), nonexistent="shift_forward"
    )


def window(
    start: Instant | None, end: Instant | None, tz: str | dt.tzinfo
) -> tuple[dt.tzinfo, pd.Timestamp | None, pd.Timestamp | None]:
    """``(tzinfo, lo, hi)`` for the period ``[start, end)``; refuses an inverted range."""
    tzinfo = zone(tz)
    lo, hi = bound(start, tzinfo, "start"), bound(end, tzinfo, "end")
    if lo is not None and hi is not None and hi <= lo:
        raise ValidationError(f"end ({hi}) must be after start ({lo})", field="end")
    return tzinfo, lo, hi


def in_window(
    timestamps: pd.Series, lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> np.ndarray:
    """Boolean mask of ``lo <= t < hi`` (missing bounds are open; missing times are out)."""
    mask = timestamps.notna().to_numpy(copy=True)
    if lo is not None:
        mask &= (timestamps >= lo).to_numpy(dtype=bool, na_value=False)
    if hi is not None:
        mask &= (timestamps < hi).to_numpy(dtype=bool, na_value=False)
    return mask


def day_numbers(timestamps: pd.Series, tz: dt.tzinfo) -> np.ndarray:
    """Aware timestamps → int64 local calendar day in ``tz`` (days since 1970-01-01).

    Missing timestamps must be removed first.
    """
    if len(timestamps) == 0:
        return np.empty(0, dtype="int64")
    local = timestamps.dt.tz_convert(tz).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def day_number(instant: pd.Timestamp, tz: dt.tzinfo) -> int:
    """One aware instant → its local day number in ``tz``."""
    return int(day_numbers(pd.Series([instant]), tz)[0])


def last_day_number(hi: pd.Timestamp, tz: dt.tzinfo) -> int:
    """Local day number of the last instant before the exclusive end ``hi``."""
    return day_number(hi - pd.Timedelta(1, "ns"), tz)


def day_starts(days: np.ndarray, tz: dt.tzinfo) -> pd.DatetimeIndex:
    """Local day numbers → aware timestamps of the first instant of each day in ``tz``."""
    naive = pd.DatetimeIndex(np.asarray(days, dtype="int64").astype("datetime64[D]"))
    return localize_days(naive.astype("datetime64[ns]"), tz)


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Local day numbers → month numbers (months since 1970-01)."""
    return (
        np.asarray(days, dtype="int64")
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype("int64")
    )


def month_label(months: np.ndarray) -> list[str]:
    """Month numbers → ``YYYY-MM`` labels."""
    return [str(m) for m in np.asarray(months, dtype="int64").astype("datetime64[M]")]
