"""Period-over-period comparison that is honest about partial periods.

A month that is half over must not be compared with a whole month. :func:`compare`
compares the **same elapsed time**: when ``as_of`` falls inside the current period, the
current window is cut to ``[start, as_of)`` and the previous one to the same length of
wall-clock time from its own start (1–15 Oct noon vs 1–15 Sep noon). Rows say so with
``partial = True`` and the exact windows compared.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._time import Instant, window
from commbook.metrics.catalog import HIGHER, CatalogMetric, Inputs, metric


def _local(ts: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    return ts.tz_convert(tz).tz_localize(None)


def _aware(naive: pd.Timestamp, tz: dt.tzinfo) -> pd.Timestamp:
    return naive.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")


def previous_window(
    start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC"
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The period just before ``[start, end)``, of the same calendar length.

    Whole calendar months (both bounds at local midnight on the 1st) step back by the same
    number of months (October → September, Q4 → Q3); any other window steps back by its
    own length in local wall-clock time (a week → the week before, across DST too).
    """
    tzinfo, lo, hi = window(start, end, tz)
    if lo is None or hi is None:
        raise ValidationError("a start and an end are required", field="start")
    s, e = _local(lo, tzinfo), _local(hi, tzinfo)
    if s == s.normalize() and e == e.normalize() and s.day == 1 and e.day == 1:
        months = (e.year - s.year) * 12 + e.month - s.month
        previous = s - pd.DateOffset(months=months)
    else:
        previous = s - (e - s)
    return _aware(previous, tzinfo), lo


def compared_windows(
    start: Instant, end: Instant, tz: str | dt.tzinfo = "UTC", as_of: Instant | None = None
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp, bool]:
    """``(lo, hi, previous_lo, previous_hi, partial)``: the two windows :func:`compare`
    compares — cut to the same elapsed time when ``as_of`` falls inside the period."""
    tzinfo, lo, hi = window(start, end, tz)
    if lo is None or hi is None:
        raise ValidationError("a start and an end are required", field="start")
    prev_lo, prev_hi = previous_window(lo, hi, tzinfo)
    partial = False
    if as_of is not None:
        now = window(as_of, None, tzinfo)[1]
        if now <= lo:
            raise ValidationError(f"as_of ({now}) must be after start ({lo})", field="as_of")
        if now < hi:
            partial = True
            elapsed = _local(now, tzinfo) - _local(lo, tzinfo)
            hi = now
            prev_hi = min(_aware(_local(prev_lo, tzinfo) + elapsed, tzinfo), prev_hi)
    return lo, hi, prev_lo, prev_hi, partial


def compare(
    keys: Sequence[str],
    inputs: Inputs,
    start: Instant,
    end: Instant,
    tz: str | dt.tzinfo = "UTC",
    *,
    as_of: Instant | None = None,
    data_start: Instant | None = None,
) -> pd.DataFrame:
    """Catalog metrics for ``[start, end)`` against the previous period.

    ``data_start``: the first instant the data covers (the first event); a previous window
    that needs events or content from before it is unknown (:func:`before_the_data`), not 0.

    ``as_of`` (default: the period is complete) is "now": inside the period, both windows
    are cut to the elapsed time (see the module docstring); at or after ``end`` nothing
    is cut; at or before ``start`` it is an error. Counts over whole calendar months of
    different lengths are compared as they are (the ``days`` columns show the lengths).

    Columns: ``metric``, ``label``, ``unit``, ``direction``, ``current``, ``previous``,
    ``change`` (current − previous), ``change_pct`` (change ÷ |previous| × 100; ``NaN``
    when previous is 0 or unknown), ``verdict`` (``better`` / ``worse`` / ``same`` given
    the direction, ``None`` when a value is unknown), ``partial``, ``current_start``,
    ``current_end``, ``previous_start``, ``previous_end``, ``current_days``,
    ``previous_days``.
    """
    entries: list[CatalogMetric] = [metric(k) for k in keys]
    tzinfo = window(start, end, tz)[0]
    lo, hi, prev_lo, prev_hi, partial = compared_windows(start, end, tzinfo, as_of)
    rows = []
    for entry in entries:
        current = entry.value(inputs, lo, hi, tzinfo)
        previous = entry.value(inputs, prev_lo, prev_hi, tzinfo)
        rows.append(
            {
                **comparison_row(entry, current, previous),
                "partial": partial,
                "current_start": lo,
                "current_end": hi,
                "previous_start": prev_lo,
                "previous_end": prev_hi,
                "current_days": (hi - lo) / pd.Timedelta(days=1),
                "previous_days": (prev_hi - prev_lo) / pd.Timedelta(days=1),
            }
        )
    columns = [
        "metric", "label", "unit", "direction", "current", "previous", "change", "change_pct",
        "verdict", "partial", "current_start", "current_end", "previous_start", "previous_end",
        "current_days", "previous_days",
    ]  # fmt: skip
    return before_the_data(pd.DataFrame(rows, columns=columns), data_start)


#: Frames whose data starts with the first event: a window before it is unknown.
EVENT_FRAMES = frozenset({"events", "content"})


def before_the_data(compared: pd.DataFrame, data_start: Instant | None) -> pd.DataFrame:
    """``compared`` (rows of :func:`compare`) with the previous value unknown (``NaN``,
    no change, no verdict) for every metric that reads events or content when its previous
    window — with the metric's look-back — starts before ``data_start``: "no data for
    October 2025" rather than a comparison with zeros."""
    if data_start is None or compared.empty:
        return compared
    first = pd.Timestamp(data_start)
    out = compared.copy()
    for i, row in out.iterrows():
        entry = metric(str(row["metric"]))
        if not EVENT_FRAMES & set(entry.needs):
            continue
        need_from = row["previous_start"] - pd.Timedelta(days=entry.lookback_days)
        if need_from < first:
            out.loc[i, ["previous", "change", "change_pct"]] = math.nan
            out.loc[i, "verdict"] = None
    return out


def comparison_row(entry: CatalogMetric, current: float, previous: float) -> dict[str, object]:
    """The values of one row of :func:`compare`: the metric's ``metric``, ``label``,
    ``unit`` and ``direction``, ``current``, ``previous``, ``change``, ``change_pct`` and
    ``verdict`` (the windows' columns are the caller's)."""
    change = current - previous
    return {
        "metric": entry.key,
        "label": entry.label,
        "unit": entry.unit,
        "direction": entry.direction,
        "current": current,
        "previous": previous,
        "change": change,
        "change_pct": 100 * change / abs(previous)
        if previous and not math.isnan(previous)
        else math.nan,
        "verdict": _verdict(change, entry.direction),
    }


def _verdict(change: float, direction: str) -> str | None:
    if math.isnan(change):
        return None
    if change == 0:
        return "same"
    return "better" if (change > 0) == (direction == HIGHER) else "worse"
