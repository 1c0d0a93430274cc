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
