"""The calendar's three views as HTML strings: month grid, week, agenda page.

Pure functions of occurrences (``commbook.calendar.Occurrence``): no store, no widgets.
Times are shown in the team's timezone; every user value is escaped.
"""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
import html
import zlib
from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from commbook.calendar.model import CONTENT_TYPES, STATUSES, Occurrence

#: Channel colours (left edge of an item), picked by a stable hash of the channel key.
PALETTE = ("#2a6f97", "#c2410c", "#7c3aed", "#0f766e", "#b91c1c", "#a16207", "#be185d", "#4d7c0f")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
e = html.escape


def channel_colour(key: str | None) -> str:
    if not key:
        return "#98a2b3"
    return PALETTE[zlib.crc32(key.encode()) % len(PALETTE)]


def _by_day(items: Sequence[Occurrence], tz: ZoneInfo) -> dict[dt.date, list[Occurrence]]:
    days: dict[dt.date, list[Occurrence]] = defaultdict(list)
    for o in items:
        if o.start is not None:
            days[o.start.astimezone(tz).date()].append(o)
    return days


def _chip(o: Occurrence, tz: ZoneInfo, selected: str | None, detail: bool = False) -> str:
    assert o.start is not None
    time = f"{o.start.astimezone(tz):%H:%M}"
    status = STATUSES.get(o.status, o.status)
    tip = " · ".join(x for x in (o.title, o.channel_name or o.channel, o.owner, status) if x)
    classes = f"cb-cal-chip cb-cal-status-{e(o.status)}"
    if selected and o.key == selected:
        classes += " cb-cal-selected"
    repeat = '<span class="cb-cal-repeat" title="repeats">↻</span> ' if o.recurring else ""
    extra = ""
    if detail:
        meta = " · ".join(e(x) for x in (o.channel_name or o.channel, o.owner, status) if x)
        extra = f'<span class="cb-cal-meta">{meta}</span>'
    return (
        f'<div class="{classes}" data-key="{e(o.key)}" title="{e(tip)}" '
        f'style="border-left-color:{channel_colour(o.channel)}">'
        f'<span class="cb-cal-time">{time}</span> {repeat}'
        f'<span class="cb-cal-title">{e(o.title)}</span>{extra}</div>'
    )


def month_grid(
    year: int,
    month: int,
    items: Sequence[Occurrence],
    tz: str,
    *,
    today: dt.date,
    selected: str | None = None,
    per_day: int = 4,
) -> str:
    """A Monday-first month table; each day lists up to ``per_day`` items, then "+N more"."""
    zone = ZoneInfo(tz)
    days = _by_day(items, zone)
    weeks = stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    head = "".join(f"<th>{d}</th>" for d in WEEKDAYS)
    rows = []
    for week in weeks:
        cells = []
        for day in week:
            classes = ["cb-cal-day"]
            if day.month != month:
                classes.append("cb-cal-outside")
            if day == today:
                classes.append("cb-cal-today")
            if day.weekday() >= 5:
                classes.append("cb-cal-weekend")
            listed = days.get(day, [])
            chips = "".join(_chip(o, zone, selected) for o in listed[:per_day])
            more = len(listed) - per_day
            if more > 0:
                chips += f'<div class="cb-cal-more">+{more} more</div>'
            cells.append(
                f'<td class="{" ".join(classes)}" data-date="{day.isoformat()}">'
                f'<div class="cb-cal-daynum">{day.day}</div>{chips}</td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<table class="cb-cal-month"><thead><tr>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def week_view(
    monday: dt.date,
    items: Sequence[Occurrence],
    tz: str,
    *,
    today: dt.date,
    selected: str | None = None,
) -> str:
    """Seven columns, Monday to Sunday, every item of the day with channel/owner/status."""
    zone = ZoneInfo(tz)
    days = _by_day(items, zone)
    heads, cells = [], []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        today_class = " cb-cal-today" if day == today else ""
        heads.append(f'<th class="{today_class.strip()}">{day:%a} <b>{day.day}</b></th>')
        listed = days.get(day, [])
        chips = "".join(_chip(o, zone, selected, detail=True) for o in listed)
        if not listed:
            chips = '<div class="cb-cal-free">—</div>'
        cells.append(f'<td class="cb-cal-day{today_class}">{chips}</td>')
    return (
        f'<table class="cb-cal-week"><thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody><tr>{''.join(cells)}</tr></tbody></table>"
    )


def agenda(
    items: Sequence[Occurrence],
    tz: str,
    *,
    selected: str | None = None,
    start: int = 0,
    total: int | None = None,
) -> str:
    """A table of ``items`` (one page), grouped by day; ``start``/``total`` for the footer."""
    zone = ZoneInfo(tz)
    if not items:
        return '<div class="cb-empty">Nothing planned in this period with these filters.</div>'
    rows, last_day = [], None
    for o in items:
        assert o.start is not None
        local = o.start.astimezone(zone)
        if local.date() != last_day:
            last_day = local.date()
            rows.append(
                f'<tr class="cb-cal-agenda-day"><td colspan="6">{local:%A %d %B %Y}</td></tr>'
            )
        sel = " cb-cal-selected" if selected and o.key == selected else ""
        repeat = ' <span class="cb-cal-repeat" title="repeats">↻</span>' if o.recurring else ""
        tags = "".join(f'<span class="cb-cal-tag">{e(t)}</span>' for t in o.tags)
        local_note = ""
        if o.timezone != tz:
            own = o.start.astimezone(ZoneInfo(o.timezone))
            local_note = f'<div class="cb-muted">{own:%H:%M} {e(o.timezone)}</div>'
        rows.append(
            f'<tr class="cb-cal-agenda-row{sel}" data-key="{e(o.key)}">'
            f'<td class="cb-num">{local:%H:%M}{local_note}</td>'
            f'<td><span class="cb-cal-dot" style="background:{channel_colour(o.channel)}"></span>'
            f"<b>{e(o.title)}</b>{repeat}<div>{tags}</div></td>"
            f"<td>{e(CONTENT_TYPES.get(o.content_type, o.content_type))}</td>"
            f"<td>{e(o.channel_name or o.channel or '')}</td>"
            f"<td>{e(o.owner or '')}</td>"
            f'<td><span class="cb-badge cb-cal-badge-{e(o.status)}">'
            f"{e(STATUSES.get(o.status, o.status))}</span></td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("Time", "Item", "Type", "Channel", "Owner", "Status"))
    count = total if total is not None else len(items)
    foot = f'<div class="cb-muted cb-cal-count">{start + 1}–{start + len(items)} of {count}</div>'
    return (
        f'<table class="cb-table cb-cal-agenda"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{foot}"
    )


def warnings_html(
    groups: Sequence[tuple[str, str, Sequence[str], int]],
) -> str:
    """The warnings panel: ``(kind, heading, messages, how many in all)`` per group."""
    shown = [g for g in groups if g[3]]
    if not shown:
        return (
            '<div class="cb-cal-ok">No warnings: no clashes, no overloaded owners, every '
            "segment and objective has content coming, nothing overdue.</div>"
        )
    parts = []
    for kind, heading, messages, total in shown:
        items = "".join(f"<li>{e(m)}</li>" for m in messages)
        more = total - len(messages)
        if more > 0:
            items += f'<li class="cb-muted">… and {more} more</li>'
        parts.append(
            f'<div class="cb-cal-warn cb-cal-warn-{e(kind)}"><b>{e(heading)} ({total})</b>'
            f"<ul>{items}</ul></div>"
        )
    return "".join(parts)
