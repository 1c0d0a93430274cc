"""Report periods: turn a spec such as ``2026-10`` or ``last_month`` into exact bounds.

Supported specs (``today`` and the timezone decide what "last" means):

| spec | period | label |
|---|---|---|
| ``2026-10`` | a calendar month | ``2026-10`` |
| ``2026-W41`` | an ISO week, Monday to Sunday | ``2026-W41`` |
| ``2026-Q4`` | a calendar quarter | ``2026-Q4`` |
| ``2026`` | a calendar year | ``2026`` |
| ``2026-10-05`` | one day | ``2026-10-05`` |
| ``2026-10-01..2026-10-15`` | a range of days, both included | ``2026-10-01_2026-10-15`` |
| ``last_month``, ``this_month`` | (also ``week``, ``quarter``, ``year``) | the resolved label |

A label is itself a valid spec and is safe as a folder name, so a relative spec resolved
once (e.g. by the report runner) can be handed on without changing meaning at midnight.
To add a unit, add a ``_Unit`` to ``_UNITS`` (and a pattern to ``_ABSOLUTE`` if it has an
absolute form).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commbook.errors import ValidationError

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in a timezone, with a stable ``label`` and a human ``title``."""

    start: dt.datetime
    end: dt.datetime
    label: str
    title: str

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        """The last calendar day included."""
        return (self.end - dt.timedelta(microseconds=1)).date()

    @property
    def tz(self) -> dt.tzinfo:
        assert self.start.tzinfo is not None
        return self.start.tzinfo


def short_day(d: dt.date) -> str:
    """``31 Oct 2026``."""
    return f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}"


_day = short_day


def _add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class _Unit:
    """A kind of calendar period: how to find the one containing a day, and name it."""

    containing: Callable[[dt.date], tuple[dt.date, dt.date]]  # → (first day, day after last)
    label: Callable[[dt.date, dt.date], str]
    title: Callable[[dt.date, dt.date], str]


def _month(d: dt.date) -> tuple[dt.date, dt.date]:
    first = d.replace(day=1)
    return first, _add_months(first, 1)


def _week(d: dt.date) -> tuple[dt.date, dt.date]:
    monday = d - dt.timedelta(days=d.weekday())
    return monday, monday + dt.timedelta(days=7)


def _quarter(d: dt.date) -> tuple[dt.date, dt.date]:
    first = dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)
    return first, _add_months(first, 3)


def _year(d: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(d.year, 1, 1), dt.date(d.year + 1, 1, 1)


def _week_label(first: dt.date, _end: dt.date) -> str:
    year, week, _ = first.isocalendar()
    return f"{year}-W{week:02d}"


def _week_title(first: dt.date, end: dt.date) -> str:
    year, week, _ = first.isocalendar()
    return f"Week {week}, {year} ({_day(first)} – {_day(end - dt.timedelta(days=1))})"


def _range_title(first: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    return _day(first) if first == last else f"{_day(first)} – {_day(last)}"


def _range_label(first: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    return first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"


_UNITS: dict[str, _Unit] = {
    "month": _Unit(
        _month,
        lambda f, _e: f"{f.year}-{f.month:02d}",
        lambda f, _e: f"{_MONTHS[f.month - 1]} {f.year}",
    ),
    "week": _Unit(_week, _week_label, _week_title),
    "quarter": _Unit(
        _quarter,
        lambda f, _e: f"{f.year}-Q{(f.month - 1) // 3 + 1}",
        lambda f, e: (
            f"Q{(f.month - 1) // 3 + 1} {f.year} "
            f"({_MONTHS[f.month - 1][:3]} – {_MONTHS[(f.month + 1) % 12][:3]})"
        ),
    ),
    "year": _Unit(_year, lambda f, _e: str(f.year), lambda f, _e: str(f.year)),
}
_RANGE = _Unit(lambda d: (d, d + dt.timedelta(days=1)), _range_label, _range_title)


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# absolute spec pattern → (unit, first day from the match groups)
_ABSOLUTE: list[tuple[re.Pattern[str], _Unit, Callable[[re.Match[str]], dt.date]]] = [
    (re.compile(r"(\d{4})-(\d{2})"), _UNITS["month"], lambda m: dt.date(int(m[1]), int(m[2]), 1)),
    (
        re.compile(r"(\d{4})-W(\d{2})"),
        _UNITS["week"],
        lambda m: dt.date.fromisocalendar(int(m[1]), int(m[2]), 1),
    ),
    (
        re.compile(r"(\d{4})-Q([1-4])"),
        _UNITS["quarter"],
        lambda m: dt.date(int(m[1]), int(m[2]) * 3 - 2, 1),
    ),
    (re.compile(r"(\d{4})"), _UNITS["year"], lambda m: dt.date(int(m[1]), 1, 1)),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), _RANGE, lambda m: _date(m[0])),
]
_RANGE_SPEC = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.\.|_)(\d{4}-\d{2}-\d{2})")
_RELATIVE = re.compile(r"(last|previous|this|current)_(" + "|".join(_UNITS) + ")")

EXAMPLES = "2026-10, 2026-W41, 2026-Q4, 2026, 2026-10-05, 2026-10-01..2026-10-15, last_month"


def resolve_period(spec: str, today: dt.date | None = None, tz: str | dt.tzinfo = "UTC") -> Period:
    """The period that ``spec`` names, with bounds at local midnight in ``tz``.

    ``today`` (default: ``commbook.clock.today`` in ``tz``) anchors relative specs such as
    ``last_month``.
    An unknown or impossible spec raises ``ValidationError`` (field ``period``).
    """
    zone = _zone(tz)
    if today is None:
        from commbook import clock

        today = clock.today(zone)
    text = str(spec).strip().lower().replace("-w", "-W").replace("-q", "-Q")
    try:
        first, end, unit = _parse(text, today)
    except ValueError as exc:
        raise ValidationError(f"impossible period {spec!r}: {exc}", field="period") from exc
    if unit is None:
        raise ValidationError(f"unknown period {spec!r} (expected e.g. {EXAMPLES})", field="period")
    return Period(
        start=_midnight(first, zone),
        end=_midnight(end, zone),
        label=unit.label(first, end),
        title=unit.title(first, end),
    )


def is_relative(spec: str) -> bool:
    """Whether ``spec`` names a period relative to today (``last_month``, ``this_week`` …)."""
    return _RELATIVE.fullmatch(str(spec).strip().lower()) is not None


def _parse(text: str, today: dt.date) -> tuple[dt.date, dt.date, _Unit | None]:
    if m := _RELATIVE.fullmatch(text):
        unit = _UNITS[m[2]]
        first, end = unit.containing(today)
        if m[1] in ("last", "previous"):
            first, end = unit.containing(first - dt.timedelta(days=1))
        return first, end, unit
    if m := _RANGE_SPEC.fullmatch(text):
        first, last = _date(m[1]), _date(m[2])
        if last < first:
            raise ValueError(f"the range ends ({last}) before it starts ({first})")
        return first, last + dt.timedelta(days=1), _RANGE
    for pattern, unit, first_day in _ABSOLUTE:
        if m := pattern.fullmatch(text):
            return (*unit.containing(first_day(m)), unit)
    return today, today, None


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The first instant of ``day`` in ``zone`` (normalised if midnight was skipped by DST)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(tz, dt.tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"unknown timezone {tz!r}", field="tz") from exc
