"""What every section shares: the :class:`Section` and :class:`Report` containers and the
formatting of values, changes, periods, plurals and content types."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commbook.reports.blocks import Kpi
from commbook.reports.lessons import hours


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
    """A catalog value in words: counts with separators, ``%`` with one decimal, hours,
    NPS points with a sign; ``—`` when unknown."""
    if _nan(value):
        return "—"
    value = float(value)
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "hours":
        return hours(value)
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:,.0f}"


def format_change(row: pd.Series | dict, previous_name: str) -> str:
    """``"+12% vs September 2026"`` for counts, ``"+2.5 pts vs …"`` for rates, ``"-0.8 h"``
    for hours; ``"no data for …"`` when the previous value is unknown."""
    unit, change, pct = row["unit"], row["change"], row["change_pct"]
    if _nan(row["previous"]) or _nan(row["current"]):
        return f"no data for {previous_name}"
    if unit == "%":
        text = f"{change:+.1f} pts"
    elif unit == "hours":
        text = f"{change:+.1f} h"
    elif unit == "points":
        text = f"{change:+.0f} pts"
    elif not _nan(pct):
        text = f"{pct:+.0f}%"
    else:
        text = f"{change:+,.0f}"
    return f"{text} vs {previous_name}"


def period_name(start: pd.Timestamp, end: pd.Timestamp, tz: dt.tzinfo) -> str:
    """ "September 2026" for a whole month, else "1 Sep – 30 Sep 2026"."""
    s = start.tz_convert(tz).tz_localize(None)
    e = end.tz_convert(tz).tz_localize(None)
    last = (e - pd.Timedelta(microseconds=1)).normalize()
    whole = s.day == 1 and e.day == 1 and s == s.normalize() and e == e.normalize()
    if whole and (e.year - s.year) * 12 + e.month - s.month == 1:
        return f"{s:%B %Y}"
    return f"{s.day} {s:%b} – {last.day} {last:%b %Y}"


def _kpi(comparison: pd.DataFrame, key: str, previous_name: str, label: str = "") -> Kpi:
    row = comparison.set_index("metric").loc[key]
    return Kpi(
        label or str(row["label"]),
        format_value(row["current"], row["unit"]),
        format_change(row, previous_name),
        row["verdict"] if row["verdict"] in ("better", "worse") else "",
    )


TYPE_NAMES = {"ama": "AMA"}


def _type_name(value: str) -> str:
    return TYPE_NAMES.get(str(value), str(value).replace("_", " "))


def plural(n: int, word: str) -> str:
    """``plural(1, "poll")`` → ``"1 poll"``; ``plural(3, "AMA")`` → ``"3 AMAs"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def metrics_in(times: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """Boolean mask of aware ``times`` in ``[lo, hi)`` (missing → False)."""
    return ((times >= lo) & (times < hi)).to_numpy(dtype=bool, na_value=False)
