"""The headline numbers of a period in one dictionary (the CLI and reports print it).

Keys, in this order (``None`` when a value is undefined — e.g. no threads, nobody active):

| key | meaning |
|---|---|
| ``members`` | members at ``end`` (``member_count``) |
| ``active_members`` | distinct members active in ``[start, end)`` |
| ``dau``, ``wau``, ``mau`` | average daily / 7-day / 30-day active members over the days |
| ``stickiness`` | ``dau / mau`` (fraction) |
| ``contribution_rate`` | share of active members who posted, replied or commented |
| ``threads`` | threads (posts) started in the period |
| ``answered_rate`` | share of those threads with a reply by someone other than the author |
| ``accepted_rate`` | share with an accepted answer (``None`` without ``is_accepted``) |
| ``median_first_response_hours`` | median hours to the first reply by someone else |
| ``p90_first_response_hours`` | 90th percentile of the same (answered threads only) |
| ``engagement_by_type`` | list of dicts, one per content type (see below) |

``engagement_by_type`` rows: ``content_type``, ``items``, ``reach``, ``interactions``,
``engagement_rate`` — for content published in the period, best rate first.

Rates are fractions (0–1). Definitions: ``docs/metrics.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._time import Instant, in_window, window
from commbook.metrics.activity import activity_summary
from commbook.metrics.content import engagement_by_type
from commbook.metrics.conversations import conversation_summary, threads
from commbook.metrics.members import member_count
from commbook.metrics.participation import contribution_rate
from commbook.metrics.prepared import EventsLike, prepare_events

KEYS = (
    "members",
    "active_members",
    "dau",
    "wau",
    "mau",
    "stickiness",
    "contribution_rate",
    "threads",
    "answered_rate",
    "accepted_rate",
    "median_first_response_hours",
    "p90_first_response_hours",
    "engagement_by_type",
)


def _number(value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, numbers.Integral):  # also numpy integers
        return int(value)
    value = float(value)
    return None if math.isnan(value) else value


def headline(
    events: EventsLike,
    members: pd.DataFrame,
    content: pd.DataFrame,
    start: Instant,
    end: Instant,
    tz: str | dt.tzinfo = "UTC",
) -> dict[str, Any]:
    """Headline metrics for ``[start, end)`` (keys: see the module docstring).

    ``events`` needs the activity and conversation columns (``member_id``, ``kind``,
    ``occurred_at``, ``source_id``, ``thread_id``, ``parent_id``; ``is_accepted``
    optional) and may reach before ``start`` (for the 30-day MAU window) and after ``end``
    (late answers to the period's threads); activity only counts inside the period.
    ``members`` needs ``joined_at`` and ``left_at``; ``content`` the engagement counts and,
    when present, ``published_at`` restricts it to the period. ``events`` may be a
    :class:`~commbook.metrics.PreparedEvents` (prepared once, reused by the three metrics
    here and by the caller's other metrics).
    """
    tzinfo, lo, hi = window(start, end, tz)
    if lo is None or hi is None:
        raise ValidationError("headline needs a start and an end", field="start")
    events = prepare_events(events)
    # Two cores: the threads (mostly Arrow string hashing, which releases the GIL) are
    # computed in a worker while this thread computes the activity numbers.
    with ThreadPoolExecutor(max_workers=1) as pool:
        thread_table = pool.submit(threads, events, lo, hi, tzinfo)
        activity = activity_summary(events, lo, hi, tzinfo)
        contribution = contribution_rate(events, lo, hi)
        conversations = conversation_summary(thread_table.result())
    if "published_at" in content.columns:
        content = content[in_window(content["published_at"], lo, hi)]
    engagement = engagement_by_type(content)
    return {
        "members": member_count(members, hi),
        "active_members": int(activity["active_members"]),
        "dau": _number(activity["dau"]),
        "wau": _number(activity["wau"]),
        "mau": _number(activity["mau"]),
        "stickiness": _number(activity["stickiness"]),
        "contribution_rate": _number(contribution),
        "threads": int(conversations["threads"]),
        "answered_rate": _number(conversations["answered_rate"]),
        "accepted_rate": _number(conversations["accepted_rate"]),
        "median_first_response_hours": _number(conversations["median_first_response_hours"]),
        "p90_first_response_hours": _number(conversations["p90_first_response_hours"]),
        "engagement_by_type": [
            {
                "content_type": str(row.content_type),
                "items": int(row.items),
                "reach": _number(row.reach),
                "interactions": int(row.interactions),
                "engagement_rate": _number(row.engagement_rate),
            }
            for row in engagement.itertuples(index=False)
        ],
    }
