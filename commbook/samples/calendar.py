"""Time for the sample generator: the period, seasonality weights and timestamp text.

Times are ``int64`` seconds since the Unix epoch (UTC) throughout the generator; ``NONE``
(-1) marks a missing timestamp. Weights are multiplicative and used for thinning.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np

DAY = 86_400
HOUR = 3_600
NONE = -1

# Local hour-of-day activity (mean 1): quiet nights, a morning peak and an evening peak.
HOUR_WEIGHT = np.array(
    [0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.6, 0.95, 1.3, 1.5, 1.45,
     1.3, 1.3, 1.35, 1.35, 1.3, 1.3, 1.45, 1.65, 1.75, 1.6, 1.1, 0.6]
)  # fmt: skip
HOUR_WEIGHT = HOUR_WEIGHT / HOUR_WEIGHT.mean()
# Local day of week, Monday = 0: busy early week, quiet weekend.
DOW_WEIGHT = np.array([1.1, 1.2, 1.15, 1.1, 0.95, 0.65, 0.6])
DOW_WEIGHT = DOW_WEIGHT / DOW_WEIGHT.mean()
HOLIDAY_FACTOR = 0.45  # 20 December – 2 January
SUMMER_FACTOR = 0.85  # August
GROWTH = (0.8, 1.25)  # community-wide activity multiplier at the start and the end
WEIGHT_MAX = HOUR_WEIGHT.max() * DOW_WEIGHT.max() * GROWTH[1]


@dataclass(frozen=True)
class Period:
    """The generated period ``[start, end)`` in epoch seconds (UTC)."""

    start: int
    end: int

    @classmethod
    def ending(cls, end: dt.date, months: int) -> Period:
        """``months`` calendar months ending with the day ``end`` (inclusive)."""
        stop = end + dt.timedelta(days=1)
        total = stop.year * 12 + stop.month - 1 - months
        first = dt.date(total // 12, total % 12 + 1, 1)
        if stop.day != 1:  # keep the day of month: 15 Mar – 14 Jun etc.
            first = first.replace(day=min(stop.day, 28))
        return cls(_epoch(first), _epoch(stop))

    @property
    def start_date(self) -> dt.date:
        return dt.date(1970, 1, 1) + dt.timedelta(days=self.start // DAY)

    @property
    def end_date(self) -> dt.date:
        """The last day of the period."""
        return dt.date(1970, 1, 1) + dt.timedelta(days=self.end // DAY - 1)

    def months(self) -> list[tuple[int, int]]:
        """Calendar-month chunks ``[(a, b), …]`` covering the period."""
        edges = [self.start]
        day = self.start_date
        while True:
            nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            if _epoch(nxt) >= self.end:
                break
            edges.append(_epoch(nxt))
            day = nxt
        edges.append(self.end)
        return list(itertools.pairwise(edges))

    def fraction(self, t: np.ndarray) -> np.ndarray:
        """Position of ``t`` in the period, 0 at the start, 1 at the end."""
        return np.clip((t - self.start) / (self.end - self.start), 0.0, 1.0)


def _epoch(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * DAY


def day_of_week(t: np.ndarray) -> np.ndarray:
    """Monday = 0 (1 January 1970 was a Thursday)."""
    return (t // DAY + 3) % 7


def hour_of_day(t: np.ndarray) -> np.ndarray:
    return (t % DAY) // HOUR


def season_factor(t: np.ndarray) -> np.ndarray:
    """The end-of-year holiday dip and a milder August dip."""
    days = t.astype("datetime64[s]").astype("datetime64[D]")
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mday = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    holiday = ((month == 12) & (mday >= 20)) | ((month == 1) & (mday <= 2))
    return np.where(holiday, HOLIDAY_FACTOR, np.where(month == 8, SUMMER_FACTOR, 1.0))


def activity_weight(t: np.ndarray, tz_offset: np.ndarray, period: Period) -> np.ndarray:
    """Relative activity at UTC ``t`` for people at ``tz_offset`` seconds from UTC."""
    local = t + tz_offset
    growth = GROWTH[0] + (GROWTH[1] - GROWTH[0]) * period.fraction(t)
    return (
        HOUR_WEIGHT[hour_of_day(local)] * DOW_WEIGHT[day_of_week(local)] * season_factor(t) * growth
    )


def iso(t: np.ndarray) -> np.ndarray:
    """ISO 8601 text with a ``+00:00`` offset; ``NONE`` becomes an empty string."""
    t = np.asarray(t, dtype=np.int64)
    text = np.strings.add(np.datetime_as_string(t.astype("datetime64[s]"), unit="s"), "+00:00")
    return np.where(t == NONE, "", text.astype("U25"))


def iso_one(t: int) -> str:
    return str(iso(np.array([t]))[0])


def date_text(t: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(t) // DAY)).isoformat()


def lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, size: int):
    """Lognormal durations (seconds, int64) with the given median."""
    return (np.asarray(median) * np.exp(sigma * rng.standard_normal(size))).astype(np.int64)
