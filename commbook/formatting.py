"""How figures read in words, the same on every surface (report, dashboard, apps).

A value is formatted by its catalog unit (``%``, ``hours``, ``points`` or a count noun);
a change by the same unit. Two rules hold everywhere: an unknown value is ``—``, and a
number that rounds to zero never carries a sign (``0.0%``, ``±0.0 pts``, never
``-0.0``).
"""

from __future__ import annotations

import math
from typing import Any


def missing(value: Any) -> bool:
    """``None``, ``pd.NA`` and NaN are unknown."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def rounds_to_zero(value: float, decimals: int = 0) -> bool:
    """Whether ``value`` prints as zero with ``decimals`` decimals."""
    return round(abs(float(value)), decimals) == 0


def number(value: float, decimals: int = 0) -> str:
    """``1234.5`` → ``"1,234"`` (or ``"1,234.5"``); ``-0.04`` → ``"0"``, never ``"-0"``."""
    if rounds_to_zero(value, decimals):
        value = 0.0
    return f"{float(value):,.{decimals}f}"


def signed(value: float, decimals: int = 0, suffix: str = "") -> str:
    """A change with its sign: ``"+2.5 pts"``, ``"-3%"``; ``"±0.0 pts"`` when it rounds
    to zero (the sign of a rounded-away change means nothing)."""
    if rounds_to_zero(value, decimals):
        return f"±{0:.{decimals}f}{suffix}"
    return f"{float(value):+,.{decimals}f}{suffix}"


def hours(value: float) -> str:
    """``2.25`` → ``"2.2 h"``; ``50`` → ``"2.1 days"``."""
    value = float(value)
    return f"{number(value, 1)} h" if value < 48 else f"{number(value / 24, 1)} days"


def value_text(value: Any, unit: str) -> str:
    """A catalog value: ``"12.5%"``, ``"3.4 h"`` / ``"2.1 days"``, NPS ``"+12"`` (``"0"``),
    counts ``"1,234"`` (one decimal for a fractional value below 100, e.g. an average of
    ``7.4`` daily active members); ``"—"`` when unknown."""
    if missing(value):
        return "—"
    value = float(value)
    if unit == "%":
        return f"{number(value, 1)}%"
    if unit == "hours":
        return hours(value)
    if unit == "points":
        return "0" if rounds_to_zero(value) else f"{value:+.0f}"
    if not value.is_integer() and abs(value) < 100 and not rounds_to_zero(value, 0):
        return number(value, 1)
    return number(value)


def change_text(change: Any, change_pct: Any, unit: str) -> str:
    """A change against an earlier value, in the value's unit: ``"+2.5 pts"`` for rates,
    ``"-0.8 h"`` for hours, ``"+3 pts"`` for NPS, ``"+12%"`` for counts (``"+4"`` when
    the earlier count was 0); ``"no change"`` when equal, ``"±0.0 pts"`` when the change
    rounds to zero; ``"—"`` when unknown."""
    if missing(change):
        return "—"
    change = float(change)
    if change == 0:
        return "no change"
    if unit == "%":
        return signed(change, 1, " pts")
    if unit == "hours":
        return signed(change, 1, " h")
    if unit == "points":
        return signed(change, 0, " pts")
    if not missing(change_pct):
        return signed(float(change_pct), 0, "%")
    return signed(change, 0)


def is_flat(text: str) -> bool:
    """Whether a :func:`change_text` says nothing moved (``"no change"``, ``"±0…"``)."""
    return text == "no change" or text.startswith("±")
