"""iCalendar (RFC 5545) export: one VEVENT per item, for Google Calendar, Outlook, Apple.

- ``UID`` is ``<source_id>@commbook`` — stable across exports, so re-importing a newer file
  updates events instead of duplicating them; ``SEQUENCE`` is the item's version.
- ``DTSTART`` is local time with the item's ``TZID`` and the calendar carries a matching
  ``VTIMEZONE`` (built by ``icalendar`` from the IANA database), so recurring events stay on
  local wall-clock time across DST changes. ``DTEND`` is 30 minutes later.
- Series get ``RRULE`` (``UNTIL`` converted to UTC as the RFC requires next to a TZID) and
  ``EXDATE`` for skipped or moved occurrences.
- ``SUMMARY`` is the title, ``DESCRIPTION`` type/channel/owner/status/tags plus the notes,
  ``URL`` the published post, ``CATEGORIES`` type, channel and tags; ``STATUS`` is TENTATIVE
  before approval, CONFIRMED after, CANCELLED for cancelled items.

Unscheduled items (no date) are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar

from commbook.calendar import recurrence
from commbook.calendar.model import CONTENT_TYPES, STATUSES, split_tags
from commbook.store import ContentItem

PRODID = "-//commbook//content calendar//EN"
DURATION = dt.timedelta(minutes=30)
_ICS_STATUS = {
    "idea": "TENTATIVE",
    "draft": "TENTATIVE",
    "review": "TENTATIVE",
    "approved": "CONFIRMED",
    "scheduled": "CONFIRMED",
    "published": "CONFIRMED",
    "cancelled": "CANCELLED",
}


def uid(item: ContentItem) -> str:
    """The event's stable UID."""
    return (
        f"{item.source_id}@commbook"
        if item.source == "planner"
        else (f"{item.source}-{item.source_id}@commbook")
    )


def _event(item: ContentItem, stamp: dt.datetime) -> icalendar.Event:
    assert item.scheduled_at is not None
    tz = ZoneInfo(item.timezone or "UTC")
    start = item.scheduled_at.astimezone(tz)
    event = icalendar.Event()
    event.add("uid", uid(item))
    event.add("dtstamp", stamp)
    event.add("sequence", max(0, (item.version or 1) - 1))
    if item.updated_at is not None:
        event.add("last-modified", item.updated_at.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", start + DURATION)
    event.add("summary", item.title)
    channel = item.channel.name if item.channel else None
    tags = split_tags(item.campaign)
    lines = [
        f"Type: {CONTENT_TYPES.get(item.content_type, item.content_type)}",
        f"Channel: {channel}" if channel else "",
        f"Owner: {item.owner}" if item.owner else "",
        f"Status: {STATUSES.get(item.status, item.status)}",
        f"Campaign / tags: {', '.join(tags)}" if tags else "",
        f"Segments: {', '.join(s.name for s in item.segments)}" if item.segments else "",
    ]
    description = "\n".join(line for line in lines if line)
    if item.notes:
        description += "\n\n" + item.notes
    event.add("description", description)
    if item.url:
        event.add("url", item.url)
    categories = [CONTENT_TYPES.get(item.content_type, item.content_type)]
    categories += [c for c in (channel, *tags) if c]
    event.add("categories", categories)
    event.add("status", _ICS_STATUS.get(item.status, "TENTATIVE"))
    rule, skipped = recurrence.split_stored(item.rrule)
    if rule:
        utc_rule = recurrence.until_utc(rule, item.timezone or "UTC")
        event.add("rrule", icalendar.vRecur.from_ical(utc_rule))
        if skipped:
            event.add(
                "exdate",
                [dt.datetime.combine(day, start.timetz()).replace(tzinfo=tz) for day in skipped],
            )
    return event


def to_ics(
    items: Iterable[ContentItem], *, name: str = "Content calendar", now: dt.datetime | None = None
) -> bytes:
    """The calendar of ``items`` as an ``.ics`` file's bytes (UTF-8, CRLF lines)."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    first: dt.date | None = None
    for item in items:
        if item.scheduled_at is None:
            continue
        calendar.add_component(_event(item, stamp))
        day = item.scheduled_at.date()
        first = day if first is None or day < first else first
    if first is not None:
        calendar.add_missing_timezones(
            first_date=dt.date(first.year - 1, 1, 1), last_date=dt.date(2038, 1, 1)
        )
    return calendar.to_ical()
