"""What every section shares: the :class:`Section` and :class:`Report` containers and the
formatting of values, changes, periods, plurals and content types."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commbook import formatting
from commbook.reports.blocks import Kpi


@dataclass
class Section:
    """One section: ``parts`` are displayable blocks / charts in order; ``facts`` the
    numbers shown (for tests and for the lessons rules)."""

    key: str
    title: str
    parts: list[Any] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, *parts: Any) -> Section:
        self.parts.extend(parts)
        return self


@dataclass
class Report:
    """All sections of a run, by key."""

    sections: dict[str, Section]

    def section(self, key: str) -> Section:
        return self.sections[key]


def _nan(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(value: Any, unit: str) -> str:
    """A catalog value in words (``commbook.formatting.value_text``): counts with
    separators, ``%`` with one decimal, hours (days from 48 h), NPS points with a sign;
    ``—`` when unknown; never a signed zero."""
    return formatting.value_text(value, unit)


def format_change(
    row: pd.Series | dict, previous_name: str, current_name: str | None = None
) -> str:
    """``"+12% vs September 2026"`` for counts, ``"+2.5 pts vs …"`` for rates, ``"-0.8 h"``
    for hours (``commbook.formatting.change_text``: ``"±0.0 pts vs …"`` when the change
    rounds to zero, ``"no change vs …"`` when there is none). ``"no data for …"`` names
    the period whose value is unknown: the current one (``current_name``, else the
    row's ``current_start`` – ``current_end`` in words, else "this period") before the
    previous one."""
    if _nan(row["current"]):
        return f"no data for {current_name or _window_name(row) or 'this period'}"
    if _nan(row["previous"]):
        return f"no data for {previous_name}"
    text = formatting.change_text(row["change"], row["change_pct"], row["unit"])
    return f"{text} vs {previous_name}"


def _window_name(row: pd.Series | dict) -> str:
    start, end = row.get("current_start"), row.get("current_end")
    if not isinstance(start, pd.Timestamp) or not isinstance(end, pd.Timestamp) or start.tz is None:
        return ""
    return period_name(start, end, start.tz)


def period_name(start: pd.Timestamp, end: pd.Timestamp, tz: dt.tzinfo) -> str:
    """ "September 2026" for a whole month, "3 Dec 2026" for a day, else "1 Sep – 30 Sep
    2026" (with both years when they differ: "1 Aug 2025 – 31 Jan 2026")."""
    s = start.tz_convert(tz).tz_localize(None)
    e = end.tz_convert(tz).tz_localize(None)
    last = (e - pd.Timedelta(microseconds=1)).normalize()
    whole = s.day == 1 and e.day == 1 and s == s.normalize() and e == e.normalize()
    if whole and (e.year - s.year) * 12 + e.month - s.month == 1:
        return f"{s:%B %Y}"
    if s.normalize() == last:
        return f"{s.day} {s:%b %Y}"
    first = f"{s.day} {s:%b}" + (f" {s.year}" if s.year != last.year else "")
    return f"{first} – {last.day} {last:%b %Y}"


def _kpi(comparison: pd.DataFrame, key: str, previous_name: str, label: str = "") -> Kpi:
    """A headline tile; a change that prints as ``±0`` is neither better nor worse."""
    row = comparison.set_index("metric").loc[key]
    change = format_change(row, previous_name)
    flat = formatting.is_flat(change.removesuffix(f" vs {previous_name}"))
    return Kpi(
        label or str(row["label"]),
        format_value(row["current"], row["unit"]),
        change,
        row["verdict"] if row["verdict"] in ("better", "worse") and not flat else "",
    )


TYPE_NAMES = {"ama": "AMA"}


def _type_name(value: str) -> str:
    return TYPE_NAMES.get(str(value), str(value).replace("_", " "))


def type_title(value: str) -> str:
    """A content type as a table cell: ``"Contest"``, ``"AMA"``, ``"Live stream"``."""
    name = _type_name(value)
    return name[:1].upper() + name[1:]


def nothing_known(data: Any) -> Any | None:
    """The notice a section shows instead of zeros when the data ends before the period
    (``None`` when the data reaches it)."""
    from commbook.reports import blocks
    from commbook.reports.periods import short_day

    if data.has_data:
        return None
    return blocks.notice(
        f"Nothing is known yet about {data.period.title}: the data ends "
        f"{short_day(data.data_ends)}, the last import."
    )


def plural(n: int, word: str) -> str:
    """``plural(1, "poll")`` → ``"1 poll"``; ``plural(3, "AMA")`` → ``"3 AMAs"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def metrics_in(times: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """Boolean mask of aware ``times`` in ``[lo, hi)`` (missing → False)."""
    return ((times >= lo) & (times < hi)).to_numpy(dtype=bool, na_value=False)


def week_days(starts: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> list[int]:
    """How many days of each week (its start, Monday 00:00 local) fall in ``[lo, hi)``."""
    days = []
    for start in starts:
        first = max(start, lo.tz_convert(start.tz))
        last = min(start + pd.DateOffset(days=7), hi.tz_convert(start.tz))
        days.append(max(0, round((last - first) / pd.Timedelta(days=1))))
    return days
