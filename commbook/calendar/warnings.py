"""Calendar warnings: pure functions over occurrences (no store, no widgets).

- **Channel clash**: two items on the same channel starting less than ``clash_hours`` apart
  (default 2 h) — the second one steals the first one's audience.
- **Owner overloaded**: an owner with more than ``max_per_week`` items (default 5) in one
  ISO week (Monday–Sunday, in the team's timezone).
- **Nothing planned**: a segment or an active objective with no content planned (idea to
  scheduled) in the next ``horizon_weeks`` weeks (default 4).
- **Overdue**: a one-off item whose date has passed but is neither published nor cancelled.
  Occurrences of a series are not tracked one by one and are never overdue.

Cancelled items never count. Each function returns a list of ``CalendarWarning``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from commbook.calendar.model import ACTIVE_STATUSES, STATUSES, Occurrence


@dataclass(frozen=True)
class Rules:
    """The thresholds of the warnings (configurable per team)."""

    clash_hours: float = 2.0
    max_per_week: int = 5
    horizon_weeks: int = 4


@dataclass(frozen=True)
class CalendarWarning:
    """One problem to show: ``kind`` is clash, overload, uncovered or overdue."""

    kind: str
    message: str
    item_ids: tuple[int, ...] = ()
    when: dt.datetime | None = None


def _live(items: Iterable[Occurrence]) -> list[Occurrence]:
    return [o for o in items if o.start is not None and o.status != "cancelled"]


def _when(moment: dt.datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %H:%M}"


def channel_clashes(
    items: Iterable[Occurrence], clash_hours: float = 2.0, tz: str = "UTC"
) -> list[CalendarWarning]:
    """Pairs of items on one channel starting less than ``clash_hours`` apart."""
    zone, gap = ZoneInfo(tz), dt.timedelta(hours=clash_hours)
    by_channel: dict[str, list[Occurrence]] = defaultdict(list)
    for o in _live(items):
        if o.channel:
            by_channel[o.channel].append(o)
    out: list[CalendarWarning] = []
    for channel, group in by_channel.items():
        group.sort(key=lambda o: (o.start, o.item_id))
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                assert first.start is not None and second.start is not None
                if second.start - first.start >= gap:
                    break
                if second.item_id == first.item_id:
                    continue
                name = first.channel_name or channel
                out.append(
                    CalendarWarning(
                        "clash",
                        f"“{first.title}” and “{second.title}” are both on {name} around "
                        f"{_when(first.start, zone)} (less than {clash_hours:g} h apart)",
                        (first.item_id, second.item_id),
                        first.start,
                    )
                )
    out.sort(key=lambda w: w.when or dt.datetime.min.replace(tzinfo=dt.UTC))
    return out


def owner_overload(
    items: Iterable[Occurrence], max_per_week: int = 5, tz: str = "UTC"
) -> list[CalendarWarning]:
    """Owners with more than ``max_per_week`` items in one ISO week (in ``tz``)."""
    zone = ZoneInfo(tz)
    weeks: dict[tuple[str, int, int], list[Occurrence]] = defaultdict(list)
    for o in _live(items):
        if o.owner:
            assert o.start is not None
            year, week, _ = o.start.astimezone(zone).isocalendar()
            weeks[(o.owner, year, week)].append(o)
    out = []
    for (owner, year, week), group in sorted(weeks.items(), key=lambda kv: (kv[0][1:], kv[0][0])):
        if len(group) > max_per_week:
            monday = dt.date.fromisocalendar(year, week, 1)
            out.append(
                CalendarWarning(
                    "overload",
                    f"{owner} has {len(group)} items in the week of {monday:%d %b %Y} "
                    f"(more than {max_per_week})",
                    tuple(dict.fromkeys(o.item_id for o in group)),
                    min(o.start for o in group if o.start is not None),
                )
            )
    return out


def uncovered(
    items: Iterable[Occurrence],
    now: dt.datetime,
    *,
    segments: Mapping[int, str],
    objectives: Mapping[int, str],
    horizon_weeks: int = 4,
) -> list[CalendarWarning]:
    """Segments and objectives with no planned item in ``[now, now + horizon_weeks)``.

    ``items`` should cover that window (series expanded); ``segments`` and ``objectives``
    map the ids to check to their names (pass only active objectives).
    """
    end = now + dt.timedelta(weeks=horizon_weeks)
    planned = [
        o
        for o in _live(items)
        if o.status in ACTIVE_STATUSES and o.start is not None and now <= o.start < end
    ]
    covered_segments = {s for o in planned for s in o.segment_ids}
    covered_objectives = {o.objective_id for o in planned}
    weeks = f"{horizon_weeks} week{'s' if horizon_weeks != 1 else ''}"
    out = [
        CalendarWarning("uncovered", f"Segment “{name}” has no content planned in the next {weeks}")
        for sid, name in sorted(segments.items(), key=lambda kv: kv[1].casefold())
        if sid not in covered_segments
    ]
    out += [
        CalendarWarning(
            "uncovered", f"Objective “{title}” has no content planned in the next {weeks}"
        )
        for oid, title in sorted(objectives.items(), key=lambda kv: kv[1].casefold())
        if oid not in covered_objectives
    ]
    return out


def overdue(
    items: Iterable[Occurrence], now: dt.datetime, tz: str = "UTC"
) -> list[CalendarWarning]:
    """One-off items past their date that are not published (nor cancelled)."""
    zone = ZoneInfo(tz)
    late = [
        o
        for o in _live(items)
        if not o.recurring and o.start is not None and o.start < now and o.status != "published"
    ]
    late.sort(key=lambda o: (o.start, o.item_id))
    return [
        CalendarWarning(
            "overdue",
            f"“{o.title}” was due {_when(o.start, zone)} and is still "
            + STATUSES.get(o.status, o.status).lower(),
            (o.item_id,),
            o.start,
        )
        for o in late
        if o.start is not None
    ]


def all_warnings(
    items: Sequence[Occurrence],
    now: dt.datetime,
    *,
    segments: Mapping[int, str],
    objectives: Mapping[int, str],
    rules: Rules = Rules(),
    tz: str = "UTC",
) -> list[CalendarWarning]:
    """Every warning for ``items``: overdue, clashes, overloads, then uncovered."""
    return [
        *overdue(items, now, tz),
        *channel_clashes(items, rules.clash_hours, tz),
        *owner_overload(items, rules.max_per_week, tz),
        *uncovered(
            items,
            now,
            segments=segments,
            objectives=objectives,
            horizon_weeks=rules.horizon_weeks,
        ),
    ]
