"""Cohort retention: of the members who joined in a month, how many are active N months on.

Inputs: ``events`` (``member_id``, ``kind``, ``occurred_at`` — see
``commbook.metrics.activity``) and ``members`` (``member_id``, ``joined_at``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from commbook.metrics._schema import require
from commbook.metrics._time import (
    Instant,
    day_numbers,
    in_window,
    last_day_number,
    month_label,
    month_numbers,
    window,
)
from commbook.metrics.activity import EVENTS, MEMBERS_JOINED, distinct_sorted, member_days
from commbook.metrics.prepared import EventsLike, prepare_events


def cohort_retention(
    events: EventsLike,
    members: pd.DataFrame,
    start: Instant | None = None,
    end: Instant | None = None,
    tz: str | dt.tzinfo = "UTC",
    *,
    max_months: int = 12,
) -> pd.DataFrame:
    """Month-N retention matrix by join month (calendar months in ``tz``).

    Rows: one per cohort — members whose ``joined_at`` falls in a month of
    ``[start, end)`` (all join months without bounds). Columns: ``cohort`` (``YYYY-MM``),
    ``members`` (cohort size), then ``0 … max_months``: the share of the cohort with at
    least one active event in calendar month ``cohort + N`` (month 0 = the join month).

    A cell is ``NaN`` when that month is after the last month observed (the month of
    ``end``, or of the last event without ``end``); the last observed month may be partial.
    Activity is taken from ``events`` up to ``end``, so pass events from ``start`` on.
    """
    events = prepare_events(events)
    require(events.frame, EVENTS, name="events")
    require(members, MEMBERS_JOINED, name="members")
    tzinfo, lo, hi = window(start, end, tz)
    offsets = list(range(max_months + 1))

    joined = members[["member_id", "joined_at"]].dropna().drop_duplicates("member_id")
    joined = joined[in_window(joined["joined_at"], lo, hi)]
    cohort = pd.Series(
        month_numbers(day_numbers(joined["joined_at"], tzinfo)), index=pd.Index(joined["member_id"])
    )
    md = member_days(events, None, hi, tzinfo)
    if hi is not None:
        last_month = int(month_numbers(np.array([last_day_number(hi, tzinfo)]))[0])
    elif len(md.day):
        last_month = int(month_numbers(md.day.max(keepdims=True))[0])
    else:
        last_month = int(cohort.max()) if len(cohort) else 0

    sizes = cohort.value_counts().sort_index()
    if sizes.empty:
        return pd.DataFrame(
            {"cohort": pd.Series([], dtype="str"), "members": pd.Series([], dtype="int64")}
            | {n: pd.Series([], dtype="float64") for n in offsets}
        )

    width = max_months + 1
    position = cohort.index.get_indexer(md.ids)  # member code → row of ``cohort`` (−1: none)
    cohort_of = np.where(position >= 0, cohort.to_numpy()[position], -1)
    in_cohort = position[md.member] >= 0
    member, day = md.member[in_cohort], md.day[in_cohort]
    first_day, last_day = (int(day.min()), int(day.max())) if len(day) else (0, 0)
    month_of_day = month_numbers(np.arange(first_day, last_day + 1))  # a few hundred days
    offset = month_of_day[day - first_day] - cohort_of[member]
    keep = (offset >= 0) & (offset < width)
    # distinct (member, month offset) pairs: a member is active in a month or not
    pair = distinct_sorted(member[keep] * width + offset[keep], len(md.ids) * width)
    member, offset = pair // width, pair % width
    slot = np.searchsorted(sizes.index.to_numpy(), cohort_of[member])
    counts = np.bincount(slot * width + offset, minlength=len(sizes) * width)
    counts = counts.reshape(len(sizes), width)
    shares = counts.astype("float64") / sizes.to_numpy(dtype="float64")[:, None]
    future = sizes.index.to_numpy()[:, None] + np.array(offsets)[None, :] > last_month
    shares[future] = np.nan
    out = pd.DataFrame(shares, columns=offsets)
    out.insert(0, "members", sizes.to_numpy(dtype="int64"))
    out.insert(0, "cohort", month_label(sizes.index.to_numpy()))
    return out
