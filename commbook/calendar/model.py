"""What a calendar item is: its fields, choice lists, status workflow and validation.

Forms submit the *local* date and time of an item in the item's own timezone; validation
turns them into an aware UTC ``scheduled_at`` (what the store keeps) and refuses local
times that do not exist (the hour skipped when clocks go forward). A time that happens
twice (clocks go back) means its first occurrence.

Invalid values raise ``InvalidItem`` (a ``ValidationError``): ``field`` and the message are
the first problem's, ``problems`` lists all of them, in form order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import pydantic
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from commbook.calendar.recurrence import RuleError, check_rule
from commbook.validation import InvalidValues, choice, validate

CONTENT_TYPES: dict[str, str] = {
    "article": "Article",
    "video": "Video",
    "poll": "Poll",
    "event": "Event",
    "newsletter": "Newsletter",
    "ama": "AMA",
    "contest": "Contest",
    "livestream": "Livestream",
    "podcast": "Podcast",
    "post": "Post",
}

STATUSES: dict[str, str] = {
    "idea": "Idea",
    "draft": "Draft",
    "review": "In review",
    "approved": "Approved",
    "scheduled": "Scheduled",
    "published": "Published",
    "cancelled": "Cancelled",
}

#: Allowed status changes. Forward along idea → draft → review → approved → scheduled →
#: published; one step back from draft, review, approved and scheduled (changes requested,
#: unscheduled); cancelled from any state but published; a cancelled item can be reopened
#: as an idea. Published is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "idea": ("draft", "cancelled"),
    "draft": ("review", "idea", "cancelled"),
    "review": ("approved", "draft", "cancelled"),
    "approved": ("scheduled", "review", "cancelled"),
    "scheduled": ("published", "approved", "cancelled"),
    "published": (),
    "cancelled": ("idea",),
}

#: Statuses a new item may start in (published: to record a post that is already out).
START_STATUSES: tuple[str, ...] = ("idea", "draft", "review", "approved", "scheduled", "published")

#: Statuses that count as "content planned" (for the coverage warnings).
ACTIVE_STATUSES: tuple[str, ...] = ("idea", "draft", "review", "approved", "scheduled")

#: The fields of an item, in form order, with the label used in messages.
FIELDS: dict[str, str] = {
    "title": "Title",
    "content_type": "Type",
    "channel": "Channel",
    "owner": "Owner",
    "status": "Status",
    "scheduled_date": "Date",
    "scheduled_time": "Time",
    "timezone": "Timezone",
    "rrule": "Repeats",
    "tags": "Campaign / tags",
    "segments": "Target segments",
    "objective_id": "Objective",
    "url": "Link to the post",
    "notes": "Notes",
}

TAGS_MAX = 100  # the store's campaign column
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]?([0-5]\d)$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_ZONES = frozenset(available_timezones())


class InvalidItem(InvalidValues):
    """The values of a calendar item break one or more rules (``problems``, form order)."""


def transition_error(old: str, new: str) -> str | None:
    """Why ``old`` → ``new`` is not allowed, or ``None`` when it is."""
    if old == new or new in TRANSITIONS.get(old, ()):
        return None
    label = STATUSES.get
    allowed = [label(s, s) for s in TRANSITIONS.get(old, ())]
    if not allowed:
        return f"A {label(old, old).lower()} item cannot change status"
    return (
        f"Status cannot go from {label(old, old)} to {label(new, new)}; "
        f"next steps are: {', '.join(allowed)}"
    )


def next_statuses(status: str | None) -> tuple[str, ...]:
    """The statuses a form should offer: the current one and where it can go."""
    if status is None:
        return START_STATUSES
    return (status, *TRANSITIONS.get(status, ()))


def split_tags(text: str | None) -> list[str]:
    """``"launch, Onboarding , launch"`` → ``["launch", "Onboarding"]`` (first spelling kept)."""
    seen: dict[str, str] = {}
    for part in (text or "").split(","):
        tag = " ".join(part.split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


def parse_time(text: str) -> dt.time:
    """``"9:30"``, ``"09:30"``, ``"0930"`` or ``"9h30"`` → ``time(9, 30)``; ValueError else."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError("Time must be like 09:30 (24-hour clock)")
    return dt.time(int(match.group(1)), int(match.group(2)))


def local_to_utc(day: dt.date, time: dt.time, zone: str) -> dt.datetime:
    """The UTC instant of wall-clock ``day time`` in ``zone``; ValueError in a DST gap."""
    tz = ZoneInfo(zone)
    local = dt.datetime.combine(day, time, tzinfo=tz)
    back = local.astimezone(dt.UTC).astimezone(tz)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(
            f"{time:%H:%M} does not exist on {day:%d %b %Y} in {zone} (the clocks go "
            "forward that night); pick another time"
        )
    return local.astimezone(dt.UTC)


class ItemInput(BaseModel):
    """The values of a calendar item as a form submits them, validated.

    ``scheduled_at`` (aware UTC, or ``None`` for an unscheduled idea) is computed from the
    local ``scheduled_date`` + ``scheduled_time`` in ``timezone``.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: str = pydantic.Field(max_length=300)
    content_type: str
    channel: str = pydantic.Field(max_length=64)
    owner: str = pydantic.Field(default="", max_length=100)
    status: str = "idea"
    scheduled_date: dt.date | None = None
    scheduled_time: str = "09:00"
    timezone: str = "UTC"
    rrule: str = ""
    tags: str = ""
    segments: list[int] = pydantic.Field(default_factory=list)
    objective_id: int | None = None
    url: str = pydantic.Field(default="", max_length=500)
    notes: str = ""
    scheduled_at: dt.datetime | None = None  # computed; any submitted value is ignored

    @field_validator("title", "channel")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            raise ValueError(f"{FIELDS[info.field_name]} is required")
        return value

    @field_validator("content_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return choice(value, CONTENT_TYPES, "Type")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return choice(value, STATUSES, "Status")

    @field_validator("scheduled_time")
    @classmethod
    def _time(cls, value: str) -> str:
        return f"{parse_time(value or '09:00'):%H:%M}"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in _ZONES:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"Timezone {value!r} is unknown; use a name like Europe/Paris or UTC"
                ) from None
        return value

    @field_validator("rrule")
    @classmethod
    def _rule(cls, value: str) -> str:
        if not value:
            return ""
        try:
            return check_rule(value)
        except RuleError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: str) -> str:
        text = ", ".join(split_tags(value))
        if len(text) > TAGS_MAX:
            raise ValueError(f"Campaign / tags must be at most {TAGS_MAX} characters in all")
        return text

    @field_validator("segments")
    @classmethod
    def _segments(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not _URL.match(value):
            raise ValueError("Link must be a web address starting with http:// or https://")
        return value

    @model_validator(mode="after")
    def _schedule(self) -> ItemInput:
        self.scheduled_at = None
        if self.scheduled_date is None:
            if self.status == "scheduled":
                raise PydanticCustomError(
                    "rule", "A scheduled item needs a date", {"field": "scheduled_date"}
                )
            if self.rrule:
                raise PydanticCustomError(
                    "rule", "A repeating item needs a first date", {"field": "scheduled_date"}
                )
            return self
        try:
            self.scheduled_at = local_to_utc(
                self.scheduled_date, parse_time(self.scheduled_time), self.timezone
            )
        except ValueError as exc:
            raise PydanticCustomError("rule", str(exc), {"field": "scheduled_time"}) from None
        return self

    def local_start(self) -> dt.datetime | None:
        """The start as wall-clock time in the item's timezone (aware)."""
        if self.scheduled_at is None:
            return None
        return self.scheduled_at.astimezone(ZoneInfo(self.timezone))


_TYPE_MESSAGES = {
    "date": "{label} must be a date (YYYY-MM-DD)",
    "int": "{label} must be chosen from the list",
    "list": "{label} must be chosen from the list",
    "string": "{label} must be text",
}


def validate_item(data: dict[str, Any]) -> ItemInput:
    """Check a form's values; raise ``InvalidItem`` listing every problem (form order)."""
    return validate(ItemInput, data, InvalidItem, FIELDS, _TYPE_MESSAGES)


def blank_item(today: dt.date | None = None, timezone: str = "UTC") -> dict[str, Any]:
    """Starting values for a new item: an article idea for tomorrow at 09:00."""
    from commbook import clock

    day = (today or clock.today(timezone)) + dt.timedelta(days=1)
    return {
        "title": "",
        "content_type": "article",
        "channel": "",
        "owner": "",
        "status": "idea",
        "scheduled_date": day,
        "scheduled_time": "09:00",
        "timezone": timezone,
        "rrule": "",
        "tags": "",
        "segments": [],
        "objective_id": None,
        "url": "",
        "notes": "",
    }


@dataclass(frozen=True)
class Occurrence:
    """One item on one date: what views, warnings and exports work with."""

    item_id: int
    version: int
    source_id: str
    title: str
    content_type: str
    channel: str | None
    channel_name: str | None
    owner: str | None
    status: str
    start: dt.datetime | None  # aware UTC; None for an unscheduled idea
    timezone: str
    tags: tuple[str, ...] = ()
    segment_ids: tuple[int, ...] = ()
    objective_id: int | None = None
    recurring: bool = False
    first_start: dt.datetime | None = None  # the series' own start (== start if one-off)
    url: str | None = None
    notes: str = ""

    @property
    def local_start(self) -> dt.datetime | None:
        return None if self.start is None else self.start.astimezone(ZoneInfo(self.timezone))

    @property
    def key(self) -> str:
        """Stable id of this occurrence (item id + start), e.g. for a picker."""
        stamp = f"{self.start:%Y%m%dT%H%M}" if self.start else "none"
        return f"{self.item_id}@{stamp}"
