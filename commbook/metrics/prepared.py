"""Prepared events: the work every metric repeats on an events frame, done once.

Each metric reads the columns it needs from the events frame and converts them: which rows
are posts or reactions (a string comparison over every row), member ids as integer codes,
timestamps as local calendar days, the thread keys of the posts, replies and comments (a
string factorisation). Computing many metrics on the same frame — a report, the headline,
the progress of every objective — repeats that work for each metric. A
:class:`PreparedEvents` does it once, when a metric first needs it, and keeps the result::

    prepared = metrics.prepare_events(events)  # cheap: nothing is computed yet
    metrics.headline(prepared, members, content, start, end, tz)
    metrics.daily_active(prepared, start, end, tz)  # reuses what headline computed
    metrics.CATALOG["answered_rate"].value(Inputs(events=prepared), start, end, tz)

Every metric that takes ``events`` accepts either a DataFrame or a PreparedEvents and
returns the same result; given a DataFrame it prepares one for that call only.

**A PreparedEvents is a snapshot.** Its arrays are computed from the frame the first time
they are needed and then kept, so the frame must not be changed after preparing it (prepare
the changed frame again instead). The arrays it hands out are read-only, and the per-window
results it memoises (:meth:`PreparedEvents.memo`) are small values the callers copy, so no
metric can corrupt what the next one reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from commbook.metrics._schema import require

if TYPE_CHECKING:
    from commbook.metrics.conversations import ConversationRows

T = TypeVar("T")
#: int64 value of a missing timestamp (``NaT``) in :attr:`PreparedEvents.times`.
NO_TIME = np.iinfo("int64").min


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def ns(instant: pd.Timestamp) -> int:
    """An aware timestamp as int64 nanoseconds since the epoch (UTC)."""
    return int(pd.Timestamp(instant).as_unit("ns").value)


def between(times: np.ndarray, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> np.ndarray:
    """Mask of ``lo <= t < hi`` over int64 UTC ns (open bounds when ``None``; ``NO_TIME``
    is never inside)."""
    mask = times != NO_TIME
    if lo is not None:
        mask &= times >= ns(lo)
    if hi is not None:
        mask &= times < ns(hi)
    return mask


def codes_of(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ``values`` (int64, −1 = missing) and the distinct values by code.

    Non-negative integer ids in a compact range (ids from the store) are numbered with a
    lookup table; anything else is hashed (``pd.factorize``).
    """
    known = values.notna().to_numpy()
    if values.dtype.kind == "i" and known.any():
        ints = values.to_numpy(dtype="int64", na_value=0)
        smallest, largest = int(ints[known].min()), int(ints[known].max())
        if smallest >= 0 and largest < 2 * len(ints) + 1024:
            present = np.zeros(largest + 1, dtype=bool)
            present[ints[known]] = True
            code_of = np.cumsum(present) - 1
            codes = np.where(known, code_of[ints], -1)
            ids = pd.Index(pd.array(np.flatnonzero(present), dtype=values.dtype))
            return codes, ids
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype("int64", copy=False), pd.Index(uniques)


class PreparedEvents:
    """An events frame and the arrays metrics derive from it, computed on first use.

    - ``frame``: the events frame (do not change it after preparing);
    - :meth:`kind_mask`: rows whose ``kind`` is in a set of kinds (from ``kind`` codes);
    - ``member_codes`` (int64, −1 = anonymous) and ``member_ids`` (the id of each code);
    - ``times``: ``occurred_at`` as int64 UTC nanoseconds (``NO_TIME`` when missing),
      ``has_time``, and :meth:`in_window` for ``[lo, hi)``;
    - :meth:`local_days`: local calendar day numbers in a timezone (one array per zone);
    - ``conversations``: the posts, replies and comments with their integer thread,
      parent and own keys and chain depths (``commbook.metrics.conversations``);
    - :meth:`memo`: per-window results (e.g. the catalog's activity summary of a window).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        require(frame, {}, name="events")
        self.frame = frame
        self._days: dict[Hashable, np.ndarray] = {}
        self._memo: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return f"PreparedEvents({len(self.frame):,} events)"

    # ---- kinds ---------------------------------------------------------------------------

    @cached_property
    def _kinds(self) -> tuple[np.ndarray, pd.Index]:
        codes, names = pd.factorize(self.frame["kind"], use_na_sentinel=True)
        return _frozen(codes), pd.Index(names)

    def kind_mask(self, kinds: Iterable[str]) -> np.ndarray:
        """Mask of the rows whose ``kind`` is one of ``kinds`` (as ``kind.isin(kinds)``); a
        new array, which the caller may combine in place (``mask &= …``)."""
        codes, names = self._kinds
        lookup = np.append(names.isin(list(kinds)), False)  # code −1 (missing) → False
        return lookup[codes]

    # ---- members -------------------------------------------------------------------------

    @cached_property
    def _members(self) -> tuple[np.ndarray, pd.Index]:
        codes, ids = codes_of(self.frame["member_id"])
        return _frozen(codes), ids

    @property
    def member_codes(self) -> np.ndarray:
        """Integer code of each row's member (int64; −1 = anonymous)."""
        return self._members[0]

    @property
    def member_ids(self) -> pd.Index:
        """The member id of each code (``member_ids[member_codes[i]]``)."""
        return self._members[1]

    # ---- time ----------------------------------------------------------------------------

    @cached_property
    def times(self) -> np.ndarray:
        """``occurred_at`` as int64 nanoseconds since the epoch, UTC (``NO_TIME``: missing)."""
        column = self.frame["occurred_at"]
        if not isinstance(column.dtype, pd.DatetimeTZDtype):  # empty, untyped
            column = pd.to_datetime(column, utc=True)
        return _frozen(pd.DatetimeIndex(column).as_unit("ns").asi8)

    @cached_property
    def has_time(self) -> np.ndarray:
        """Mask of the rows with an ``occurred_at``."""
        return _frozen(self.times != NO_TIME)

    def in_window(self, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> np.ndarray:
        """Mask of ``lo <= occurred_at < hi`` (``None``: open; missing times are out)."""
        return between(self.times, lo, hi)

    def local_days(self, tz: dt.tzinfo) -> np.ndarray:
        """Local calendar day of each row in ``tz`` (int64 days since 1970-01-01; garbage
        where ``has_time`` is False)."""
        if tz not in self._days:
            utc = pd.DatetimeIndex(self.times.view("datetime64[ns]"), tz="UTC")  # NO_TIME: NaT
            local = utc.tz_convert(tz).tz_localize(None)
            days = local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            self._days[tz] = _frozen(days.astype("int64"))
        return self._days[tz]

    # ---- conversations -------------------------------------------------------------------

    @cached_property
    def conversations(self) -> ConversationRows:
        """Posts, replies and comments with their keys (see ``conversations.ConversationRows``)."""
        from commbook.metrics.conversations import conversation_rows

        return conversation_rows(self)

    # ---- per-window results --------------------------------------------------------------

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered under ``key`` for the life of this object.

        For small per-window results (numbers, dicts the caller copies or only reads) —
        e.g. ``("activity_summary", lo, hi, tz)``. Never store anything a caller may change.
        """
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


#: What every metric taking ``events`` accepts.
EventsLike = pd.DataFrame | PreparedEvents


def prepare_events(events: EventsLike) -> PreparedEvents:
    """``events`` prepared for many metric calls (already prepared: returned as is).

    Nothing is computed here; each array is computed when a metric first needs it. The
    frame must not be changed afterwards (see the module docstring).
    """
    return events if isinstance(events, PreparedEvents) else PreparedEvents(events)


def events_frame(events: EventsLike) -> pd.DataFrame:
    """The events DataFrame of ``events`` (a DataFrame or a PreparedEvents)."""
    return events.frame if isinstance(events, PreparedEvents) else events
