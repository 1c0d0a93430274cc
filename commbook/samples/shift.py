"""Move a sample set in time so that its data ends on a chosen day (by default yesterday).

The committed sample community ends on a fixed date; loaded as is, a month later every
"last month" would be empty. :func:`shifted_copy` writes a copy of a sample folder with
every timestamp and date moved by the same whole number of days, so that the latest event
falls on ``ends``. Everything relative is kept: gaps, durations, time of day, response times
and the order of rows; the files stay byte-for-byte the committed ones apart from the dates
(and survey names such as "Quarterly NPS 2025-11", which follow their survey's month).
Weekday effects move with the shift (a Tuesday peak may fall on another weekday).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from commbook.errors import CommbookError
from commbook.reports.periods import short_day

#: Columns holding an instant (ISO 8601 with offset) or a calendar day, per sample kind.
TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("joined_at", "left_at"),
    "content": ("scheduled_at", "published_at"),
    "events": ("occurred_at",),
    "surveys": ("opened_at", "closed_at"),
    "responses": ("submitted_at",),
    "triage": ("received_at", "first_response_at", "resolved_at"),
}
DAY_COLUMNS: dict[str, tuple[str, ...]] = {"objectives": ("start_date", "due_date")}
_MONTH = re.compile(r"\b(\d{4})-(\d{2})\b")


def last_event_day(
    folder: Path, files: list[tuple[str, Path]], tz: str | dt.tzinfo = "UTC"
) -> dt.date:
    """The local day (in ``tz``, the team's timezone) of the latest event in the sample
    folder's events file — so that "the data ends yesterday" holds where the team is."""
    events = [p for kind, p in files if kind == "events"]
    if not events:
        raise CommbookError(f"{folder}: no events file, so there is no date to move from")
    times = pd.read_csv(events[0], usecols=["occurred_at"], dtype=str)["occurred_at"]
    latest = pd.to_datetime(times, utc=True, format="ISO8601").max()
    if pd.isna(latest):
        raise CommbookError(f"{events[0]}: no event has a time")
    return latest.tz_convert(tz).date()


def shifted_copy(files: list[tuple[str, Path]], out: Path, days: int) -> list[tuple[str, Path]]:
    """Write every sample file to ``out`` with its dates moved by ``days``; returns the
    ``(kind, path)`` list of the copies (files without dates are copied unchanged)."""
    out.mkdir(parents=True, exist_ok=True)
    copies = []
    for kind, path in files:
        target = out / path.name
        if path.suffix == ".json" or path.name.endswith((".jsonl", ".json.gz", ".jsonl.gz")):
            target.write_bytes(path.read_bytes())  # segments: no dates
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in TIME_COLUMNS.get(kind, ()):
                if column in frame.columns:
                    frame[column] = _shift_instants(frame[column], days)
            for column in DAY_COLUMNS.get(kind, ()):
                if column in frame.columns:
                    frame[column] = _shift_days(frame[column], days)
            if kind == "surveys" and "name" in frame.columns:
                frame["name"] = frame["name"].map(lambda name: _shift_month_names(name, days))
            frame.to_csv(target, index=False)
        copies.append((kind, target))
    return copies


def _shift_instants(values: pd.Series, days: int) -> pd.Series:
    """Each ISO 8601 instant moved by ``days``, keeping its own UTC offset (a column may
    mix ``+01:00`` and ``+02:00``)."""
    step = dt.timedelta(days=days)

    def move(text: str) -> str:
        return (dt.datetime.fromisoformat(text) + step).isoformat() if text else text

    return values.map(move)


def _shift_days(values: pd.Series, days: int) -> pd.Series:
    def move(text: str) -> str:
        if not text:
            return text
        return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()

    return values.map(move)


def _shift_month_names(name: str, days: int) -> str:
    def move(m: re.Match[str]) -> str:
        moved = dt.date(int(m[1]), int(m[2]), 15) + dt.timedelta(days=days)
        return f"{moved.year}-{moved.month:02d}"

    return _MONTH.sub(move, name)


def describe(days: int, ends: dt.date) -> str:
    """One line for the CLI: how far the dates moved."""
    if days == 0:
        return f"sample dates unchanged: the data ends on {short_day(ends)}"
    unit = "day" if abs(days) == 1 else "days"
    way = "later" if days > 0 else "earlier"
    return f"sample dates moved {abs(days):,} {unit} {way}, so the data ends on {short_day(ends)}"
