""" "Now" for every surface: today, the day the data ends, and default periods.

The report, the dashboard, the apps, the notebooks and the CLI all judge "now" the same way:

- :func:`today` is the local day in the team's timezone — or ``COMMBOOK_TODAY``
  (``Settings.today``) when set, so a test or a demo can drive the clock explicitly;
- :func:`data_ends` is the local day of the latest activity event in the store: the last
  import. Nothing after it is known, so a figure after it is "no data", never a drop to 0;
- :func:`as_of` is the earlier of the two: objectives are judged on it everywhere;
- :func:`choose_period` resolves a period spec against today, and when a *relative* spec
  (``last_month``, ``this_quarter`` …) names a period with no data at all because the data
  stops before it, takes the same spec as if today were the day after the data ends
  (``last_…``: the last complete period of data) or the data's last day (``this_…``: the
  period the data ends in) — and says so (:attr:`PeriodChoice.notes`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from commbook.reports.periods import Period, is_relative, resolve_period, short_day


def _zone(tz: str | dt.tzinfo | None) -> dt.tzinfo:
    """``tz`` as a tzinfo; ``None`` is the configured timezone."""
    from zoneinfo import ZoneInfo

    from commbook.config import get_settings

    if isinstance(tz, dt.tzinfo):
        return tz
    return ZoneInfo(tz or get_settings().timezone)


def today(tz: str | dt.tzinfo | None = None) -> dt.date:
    """Today in ``tz`` (default: the configured timezone), or ``Settings.today`` if set."""
    from commbook.config import get_settings

    fixed = get_settings().today
    return fixed if fixed is not None else dt.datetime.now(_zone(tz)).date()


def now(tz: str | dt.tzinfo | None = None) -> dt.datetime:
    """The current instant — noon of ``Settings.today`` in ``tz`` when the clock is fixed."""
    from commbook.config import get_settings

    fixed = get_settings().today
    if fixed is not None:
        return dt.datetime.combine(fixed, dt.time(12), tzinfo=_zone(tz))
    return dt.datetime.now(_zone(tz))


def known_until(ends: dt.date | None, tz: str | dt.tzinfo) -> dt.datetime | None:
    """The instant the data stops: the start of the day after ``ends`` in ``tz``."""
    if ends is None:
        return None
    return start_of(ends + dt.timedelta(days=1), tz)


def data_ends(url: str | None = None, tz: str | dt.tzinfo | None = None) -> dt.date | None:
    """The local day (in ``tz``, default the configured one) of the latest activity event
    in the store; ``None`` when the store has none."""
    return _event_day("max", url, tz)


def data_starts(url: str | None = None, tz: str | dt.tzinfo | None = None) -> dt.date | None:
    """The local day of the first activity event in the store (``None``: none): before
    it nothing is known, so a comparison with an earlier window says "no data"."""
    return _event_day("min", url, tz)


def start_of(day: dt.date | None, tz: str | dt.tzinfo) -> dt.datetime | None:
    """The first instant of ``day`` in ``tz`` (``None`` for ``None``)."""
    if day is None:
        return None
    zone = _zone(tz)
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def _event_day(which: str, url: str | None, tz: str | dt.tzinfo | None) -> dt.date | None:
    from sqlalchemy import func, select

    from commbook.store import ActivityEvent, session_scope

    aggregate = func.max if which == "max" else func.min
    with session_scope(url) as session:
        found = session.scalar(select(aggregate(ActivityEvent.occurred_at)))
    if found is None:
        return None
    if found.tzinfo is None:
        found = found.replace(tzinfo=dt.UTC)
    return found.astimezone(_zone(tz)).date()


def as_of(
    url: str | None = None, *, on: dt.date | None = None, tz: str | dt.tzinfo | None = None
) -> dt.date:
    """The day things are judged on: ``on`` (default :func:`today`), or the day the data
    ends if that is earlier."""
    day = on or today(tz)
    ends = data_ends(url, tz)
    return min(day, ends) if ends is not None else day


def data_ends_note(ends: dt.date | None, period: Period) -> str | None:
    """ "Data ends 31 Oct 2026 — the last import." when the data stops before the period's
    last day (``None`` when the period is covered, or when there is no data at all)."""
    if ends is None or ends >= period.last_day:
        return None
    if ends < period.first_day:
        return (
            f"Data ends {short_day(ends)} — the last import: nothing is known yet about "
            f"{period.title}."
        )
    days = (
        short_day(ends)
        if ends == period.first_day
        else (f"{short_day(period.first_day)} – {short_day(ends)}")
    )
    return (
        f"Data ends {short_day(ends)} — the last import: figures for {period.title} cover "
        f"{days} only, and are compared with the same number of days of the period before."
    )


@dataclass(frozen=True)
class PeriodChoice:
    """The period a surface shows: ``period``; ``asked``: what the spec named against
    today; ``data_ends``: the last day with data (``None``: no data)."""

    period: Period
    asked: Period
    data_ends: dt.date | None
    data_starts: dt.date | None = None

    @property
    def moved(self) -> bool:
        return self.period != self.asked

    @property
    def has_data(self) -> bool:
        """Whether the data reaches into the period (``False`` when it ends before)."""
        return self.data_ends is None or self.data_ends >= self.period.first_day

    @property
    def moved_note(self) -> str | None:
        """Why the period shown is not the one asked for (``None``: it is)."""
        if not self.moved:
            return None
        return f"{self.asked.title} has no data yet, so this shows {self.period.title}."

    @property
    def notes(self) -> list[str]:
        """What to say at the top of the page (may be empty)."""
        found = [self.moved_note, data_ends_note(self.data_ends, self.period)]
        return [note for note in found if note]


def choose_period(
    spec: str,
    url: str | None = None,
    *,
    on: dt.date | None = None,
    tz: str | dt.tzinfo | None = None,
    ends: dt.date | None = None,
) -> PeriodChoice:
    """The period ``spec`` names on ``on`` (default :func:`today`); a relative spec whose
    period starts after the data ends is taken as of the day after the data ends.
    ``ends``: the data's last day if already known (else it and the first day are read
    from the store; ``data_starts`` stays ``None`` when ``ends`` is given)."""
    from commbook.config import get_settings

    tz = tz or get_settings().timezone
    day = on or today(tz)
    asked = resolve_period(spec, today=day, tz=tz)
    starts = None
    if ends is None:  # not known yet: read the data's span from the store
        ends = data_ends(url, asked.tz)
        starts = data_starts(url, asked.tz) if ends is not None else None
    period = asked
    if is_relative(spec) and ends is not None and ends < asked.first_day:
        # "last month" as if today were the day after the data ends (the last complete
        # month of data); "this month" as of the data's last day (the month it ends in)
        running = str(spec).strip().lower().startswith(("this", "current"))
        anchor = ends if running else ends + dt.timedelta(days=1)
        period = resolve_period(spec, today=anchor, tz=tz)
    return PeriodChoice(period, asked, ends, starts)
