"""The period against the previous one: every compared catalog metric in one frame."""

from __future__ import annotations

import math

import pandas as pd

from commbook import clock, metrics
from commbook.metrics.catalog import Inputs
from commbook.metrics.compare import before_the_data, comparison_row
from commbook.reports.data import ReportData
from commbook.reports.sections._common import _nan, period_name

ACTIVITY_KEYS = (
    "members",
    "new_members",
    "churned_members",
    "net_growth",
    "active_members",
    "daily_active_members",
    "monthly_active_members",
    "stickiness",
    "contribution_rate",
)
CONVERSATION_KEYS = ("threads", "answered_rate", "unanswered_rate", "median_first_response_hours")
CONTENT_KEYS = ("engagement_rate",)
#: Compared metrics said in a sentence rather than in the comparison table.
IN_WORDS = ("churned_members", "net_growth")


def comparison(data: ReportData) -> pd.DataFrame:
    """Catalog metrics for the period and the previous one, rows as ``metrics.compare``
    returns them (the test suite checks they are equal).

    ``metrics.compare`` computes each key on its own; the activity and conversation keys
    share one ``activity_summary`` and one ``threads`` table per window here, which is
    what makes the report fast on a million events.

    When the data ends inside the period (``data.known_until``), both windows are cut to
    the same elapsed time (``metrics.compare``'s ``as_of``); when the period has no data at
    all, every current value is unknown (``NaN``) — never a drop to zero.
    """
    span = (data.start, data.end, data.tz)
    cut = {"as_of": data.known_until}
    cheap = [
        metrics.compare(
            ("members", "new_members", "churned_members", "net_growth"),
            Inputs(members=data.members), *span, **cut,
        ),
        metrics.compare(("contribution_rate",), Inputs(events=data.activity), *span, **cut),
        metrics.compare(CONTENT_KEYS, Inputs(content=data.content), *span, **cut),
    ]  # fmt: skip
    shared = _shared_rows(data, cheap[0].iloc[0])
    frame = pd.concat([*cheap, shared], ignore_index=True)
    frame = before_the_data(frame, clock.start_of(data.data_starts, data.tz))
    if not data.has_data:
        frame = frame.assign(current=math.nan, change=math.nan, change_pct=math.nan, verdict=None)
    order = {k: i for i, k in enumerate(ACTIVITY_KEYS + CONVERSATION_KEYS + CONTENT_KEYS)}
    return frame.sort_values("metric", key=lambda m: m.map(order)).reset_index(drop=True)


def _window_values(data: ReportData, lo: pd.Timestamp, hi: pd.Timestamp) -> dict[str, float]:
    """The activity and conversation catalog values of one window, in catalog units."""
    act = metrics.activity_summary(data.activity, lo, hi, data.tz)
    conv = metrics.conversation_summary(metrics.threads(data.conversations, lo, hi, data.tz))

    def pct(x: float) -> float:
        return 100 * float(x) if not _nan(x) else math.nan

    return {
        "active_members": float(act["active_members"]),
        "daily_active_members": float(act["dau"]),
        "monthly_active_members": float(act["mau"]),
        "stickiness": pct(act["stickiness"]),
        "threads": float(conv["threads"]),
        "answered_rate": pct(conv["answered_rate"]),
        "unanswered_rate": pct(conv["unanswered_rate"]),
        "median_first_response_hours": float(conv["median_first_response_hours"]),
    }


def _shared_rows(data: ReportData, like: pd.Series) -> pd.DataFrame:
    from commbook.metrics.catalog import CATALOG

    now = _window_values(data, like["current_start"], like["current_end"])
    before = _window_values(data, like["previous_start"], like["previous_end"])
    rows = [
        {**like.to_dict(), **comparison_row(CATALOG[key], current, before[key])}
        for key, current in now.items()
    ]
    return pd.DataFrame(rows, columns=like.index)


def compared_names(data: ReportData, compared: pd.DataFrame) -> tuple[str, str]:
    """``(current, previous)`` names of the windows ``compared`` holds: the period's title
    and the previous period's name, or "1 Dec – 3 Dec 2026" and "1 Nov – 3 Nov 2026" when
    both were cut to the days the data covers."""
    row = compared.iloc[0]
    if not bool(row["partial"]):
        return data.period.title, period_name(*data.previous, data.tz)
    return (
        period_name(row["current_start"], row["current_end"], data.tz),
        period_name(row["previous_start"], row["previous_end"], data.tz),
    )
