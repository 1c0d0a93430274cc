"""Audience segments: who the community programme speaks to — validation, storage, sizing.

A segment describes people (demographics, needs, preferences, behaviours) and may carry a
**rule** on member attributes and activity that sizes it from the store, e.g. "members in
region EU active in the last 30 days". The rule is structured data (``SegmentRule``), never
code: sizing (``segment_mask``/``size_segment``) is a pure, vectorised function of the
members and events frames of ``commbook.frames``.

- ``validate_segment`` checks a nested dict (the shape of ``segments.json``) and raises
  ``InvalidSegment`` (a ``ValidationError``) naming each field as a dotted path, e.g.
  ``demographics.age_bands`` or ``rule.tenure_max_days``;
- ``save_segment``/``delete_segment`` use the version column: a stale save raises
  ``ConflictError`` with ``CONFLICT_MESSAGE``; changes land in the audit log;
- ``size_segments`` loads the frames once and sizes many segments' rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pydantic
from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commbook.errors import ValidationError
from commbook.store import AudienceSegment, session_scope
from commbook.store.records import Records, assign_changed, require_version
from commbook.validation import InvalidValues, validate

AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55+")
ROLES: dict[str, str] = {"member": "Member", "moderator": "Moderator", "staff": "Staff"}
TIMES_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "evening", "night")
ACTIVITY_LEVELS: dict[str, str] = {"": "Not set", "low": "Low", "medium": "Medium", "high": "High"}
#: Events that make a member "active" (same as the activity metrics).
ACTIVE_KINDS: frozenset[str] = frozenset({"post", "reply", "comment", "reaction", "share"})
#: Events counted as "posts" by a rule's ``min_posts``: messages written in threads.
POST_KINDS: frozenset[str] = frozenset({"post", "reply"})
MAX_DAYS = 3650

#: Every field of a segment as a dotted path, in form order, with its label for messages.
FIELDS: dict[str, str] = {
    "name": "Name",
    "description": "Description",
    "demographics.age_bands": "Age bands",
    "demographics.regions": "Regions",
    "demographics.countries": "Countries",
    "demographics.languages": "Languages",
    "demographics.roles": "Roles",
    "needs": "Needs",
    "preferences.channels": "Channels",
    "preferences.content_types": "Content types",
    "preferences.times_of_day": "Times of day",
    "behaviours.activity_level": "Activity level",
    "behaviours.tenure": "Tenure",
    "rule.regions": "Rule: regions",
    "rule.countries": "Rule: countries",
    "rule.languages": "Rule: languages",
    "rule.age_bands": "Rule: age bands",
    "rule.roles": "Rule: roles",
    "rule.active_within_days": "Active in the last … days",
    "rule.min_posts": "At least … posts",
    "rule.posts_within_days": "Posts in the last … days",
    "rule.tenure_min_days": "Member for at least … days",
    "rule.tenure_max_days": "Member for less than … days",
}

CONFLICT_MESSAGE = (
    "Someone else changed this segment since you opened it. "
    "Reload to see their version, then apply your changes again."
)

_RECORDS = Records(AudienceSegment, "Segment", CONFLICT_MESSAGE)

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class InvalidSegment(InvalidValues):
    """A segment's values break one or more rules; ``problems`` has one error per field."""


def _split(value: Any) -> Any:
    """Accept ``"EU, NA"`` as well as ``["EU", "NA"]``; drop blanks and duplicates."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        items = [str(v).strip() if isinstance(v, str | int) else v for v in value]
        return list(dict.fromkeys(v for v in items if v != ""))
    return value


def _one_of(values: list[str], allowed: Iterable[str], label: str) -> list[str]:
    allowed = list(allowed)
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{label}: {', '.join(map(repr, bad))} not one of {', '.join(allowed)}")
    return values


def _languages(values: list[str], label: str) -> list[str]:
    bad = [v for v in values if not _LANGUAGE.match(v)]
    if bad:
        raise ValueError(
            f"{label}: {', '.join(map(repr, bad))} is not a language tag like en or pt-BR"
        )
    return values


def _countries(values: list[str], label: str) -> list[str]:
    bad = [v for v in values if not _COUNTRY.match(v)]
    if bad:
        raise ValueError(f"{label}: {', '.join(map(repr, bad))} is not a 2-letter country code")
    return [v.upper() for v in values]


def _no_blank(value: Any) -> Any:
    """An empty form box means "not set"."""
    return None if isinstance(value, str) and not value.strip() else value


class _Part(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


_ATTRIBUTES = ("age_bands", "regions", "countries", "languages", "roles")


class _Attributes(_Part):
    """The checks of the member attribute lists, shared by ``Demographics`` and the rule."""

    @field_validator(*_ATTRIBUTES, mode="before", check_fields=False)
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _split(v)

    @field_validator("age_bands", check_fields=False)
    @classmethod
    def _bands(cls, v: list[str]) -> list[str]:
        return _one_of(v, AGE_BANDS, "Age bands")

    @field_validator("roles", check_fields=False)
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return _one_of(v, ROLES, "Roles")

    @field_validator("languages", check_fields=False)
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        return _languages(v, "Languages")

    @field_validator("countries", check_fields=False)
    @classmethod
    def _ctry(cls, v: list[str]) -> list[str]:
        return _countries(v, "Countries")


class Demographics(_Attributes):
    """Who they are. Every list is optional; empty means "any"."""

    age_bands: list[str] = []
    regions: list[str] = []
    countries: list[str] = []
    languages: list[str] = []
    roles: list[str] = []


class Preferences(_Part):
    """How they like to hear from us."""

    channels: list[str] = []
    content_types: list[str] = []
    times_of_day: list[str] = []

    @field_validator("*", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _split(v)

    @field_validator("times_of_day")
    @classmethod
    def _times(cls, v: list[str]) -> list[str]:
        return _one_of([t.lower() for t in v], TIMES_OF_DAY, "Times of day")


class Behaviours(_Part):
    """How they take part."""

    activity_level: str = ""
    tenure: str = pydantic.Field(default="", max_length=64)

    @field_validator("activity_level", mode="before")
    @classmethod
    def _level(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_validator("activity_level")
    @classmethod
    def _known_level(cls, v: str) -> str:
        if v not in ACTIVITY_LEVELS:
            raise ValueError("Activity level must be one of: low, medium, high")
        return v


Days = pydantic.conint(ge=1, le=MAX_DAYS)


class SegmentRule(_Attributes):
    """Which members belong to the segment, as data (all conditions must hold).

    Empty lists and ``None`` mean "no condition". ``active_within_days``: at least one
    active event (post, reply, comment, reaction, share) in the last N days;
    ``min_posts``/``posts_within_days``: at least that many posts or replies in the last
    N days; ``tenure_min_days`` ≤ days since joining < ``tenure_max_days``.
    """

    regions: list[str] = []
    countries: list[str] = []
    languages: list[str] = []
    age_bands: list[str] = []
    roles: list[str] = []
    active_within_days: Days | None = None  # type: ignore[valid-type]
    min_posts: pydantic.conint(ge=1, le=1_000_000) | None = None  # type: ignore[valid-type]
    posts_within_days: Days | None = pydantic.Field(default=None, validate_default=True)  # type: ignore[valid-type]
    tenure_min_days: pydantic.conint(ge=0, le=36_500) | None = None  # type: ignore[valid-type]
    tenure_max_days: pydantic.conint(ge=1, le=36_500) | None = None  # type: ignore[valid-type]

    @field_validator(
        "active_within_days",
        "min_posts",
        "posts_within_days",
        "tenure_min_days",
        "tenure_max_days",
        mode="before",
    )
    @classmethod
    def _blank_number(cls, v: Any) -> Any:
        return _no_blank(v)

    @field_validator("posts_within_days")
    @classmethod
    def _posts_need_count(cls, v: int | None, info: pydantic.ValidationInfo) -> int | None:
        if info.data.get("min_posts") is not None and v is None:
            raise ValueError("Say over how many days the posts are counted")
        if v is not None and "min_posts" in info.data and info.data["min_posts"] is None:
            raise ValueError("Set the minimum number of posts too, or leave this empty")
        return v

    @field_validator("tenure_max_days")
    @classmethod
    def _max_after_min(cls, v: int | None, info: pydantic.ValidationInfo) -> int | None:
        low = info.data.get("tenure_min_days")
        if v is not None and low is not None and v <= low:
            raise ValueError("Member for less than … days must be more than the minimum")
        return v

    def is_empty(self) -> bool:
        return not self.compact()

    def compact(self) -> dict[str, Any]:
        """Only the conditions that are set (the stored form)."""
        return {k: v for k, v in self.model_dump().items() if v not in (None, [])}

    @property
    def needs_events(self) -> bool:
        return self.active_within_days is not None or self.min_posts is not None

    @property
    def lookback_days(self) -> int:
        """How many days of events sizing needs."""
        return max(self.active_within_days or 0, self.posts_within_days or 0)

    def describe(self) -> str:
        """The rule in words, e.g. "region EU · active in the last 30 days"."""
        parts = []
        for key, word in (
            ("regions", "region"),
            ("countries", "country"),
            ("languages", "language"),
            ("age_bands", "age"),
            ("roles", "role"),
        ):
            values = getattr(self, key)
            if values:
                parts.append(f"{word} {' or '.join(values)}")
        if self.active_within_days:
            parts.append(f"active in the last {self.active_within_days} days")
        if self.min_posts:
            parts.append(f"≥ {self.min_posts} posts in {self.posts_within_days} days")
        if self.tenure_min_days is not None:
            parts.append(f"member for ≥ {self.tenure_min_days} days")
        if self.tenure_max_days is not None:
            parts.append(f"joined < {self.tenure_max_days} days ago")
        return " · ".join(parts) or "every member"


class SegmentInput(_Part):
    """A segment as a form or ``segments.json`` gives it, validated."""

    name: str = pydantic.Field(max_length=120)
    description: str = ""
    demographics: Demographics = Demographics()
    needs: str = ""
    preferences: Preferences = Preferences()
    behaviours: Behaviours = Behaviours()
    rule: SegmentRule | None = None

    @field_validator("name")
    @classmethod
    def _named(cls, v: str) -> str:
        if not v:
            raise ValueError("Name is required")
        return v

    @field_validator("demographics", "preferences", "behaviours", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return {} if v is None else v

    @model_validator(mode="after")
    def _empty_rule_is_none(self) -> SegmentInput:
        if self.rule is not None and self.rule.is_empty():
            self.rule = None
        return self

    def stored(self) -> dict[str, Any]:
        """Column values: JSON parts keep only what is set."""

        def compact(part: BaseModel) -> dict[str, Any]:
            return {k: v for k, v in part.model_dump().items() if v not in ("", [], None)}

        return {
            "name": self.name,
            "description": self.description,
            "demographics": compact(self.demographics),
            "needs": self.needs,
            "preferences": compact(self.preferences),
            "behaviours": compact(self.behaviours),
            "rule": self.rule.compact() if self.rule else None,
        }


_WRONG_TYPE = "{label} has the wrong type ({msg})"
_TYPE_MESSAGES = {
    "int": "{label} must be a whole number",
    "finite_number": "{label} must be a whole number",
    "greater_than_equal": "{label} must be at least {ge}",
    "less_than_equal": "{label} must be at most {le:,}",
    "list_type": _WRONG_TYPE,
    "string_type": _WRONG_TYPE,
    "dict_type": _WRONG_TYPE,
    "model_type": _WRONG_TYPE,
}


def validate_segment(data: dict[str, Any]) -> SegmentInput:
    """Check a segment's values; raise ``InvalidSegment`` listing every problem (form order).

    Fields are dotted paths (``rule.min_posts``); an empty box is "not set", not missing.
    """
    return validate(
        SegmentInput, data, InvalidSegment, FIELDS, _TYPE_MESSAGES, blank_is_missing=False
    )


def validate_rule(data: dict[str, Any] | None) -> SegmentRule | None:
    """Check a rule alone (``None`` or all-empty → ``None``); problems named ``rule.<field>``."""
    if data is None:
        return None
    return validate_segment({"name": "rule", "rule": data}).rule


def blank_segment() -> dict[str, Any]:
    """Values of a new, empty segment (nested like ``segments.json``)."""
    return SegmentInput.model_construct(
        name="",
        description="",
        demographics=Demographics(),
        needs="",
        preferences=Preferences(),
        behaviours=Behaviours(),
        rule=None,
    ).model_dump()


def segment_values(segment: AudienceSegment) -> dict[str, Any]:
    """A stored segment's values, nested, with every known key present (to fill a form)."""
    values = blank_segment()
    values["name"], values["description"], values["needs"] = (
        segment.name,
        segment.description or "",
        segment.needs or "",
    )
    for part in ("demographics", "preferences", "behaviours"):
        values[part].update({k: v for k, v in (getattr(segment, part) or {}).items()})
    values["rule"] = {**SegmentRule().model_dump(), **segment.rule} if segment.rule else None
    return values


# --- storage -----------------------------------------------------------------------------


def save_segment(
    data: dict[str, Any],
    *,
    id: int | None = None,
    version: int | None = None,
    url: str | None = None,
    actor: str | None = None,
) -> AudienceSegment:
    """Create a segment (``id=None``) or update segment ``id`` at the ``version`` loaded.

    Names are unique (``ValidationError`` on ``name``); a stale version raises
    ``ConflictError``; ``NotFound`` if the segment was deleted meanwhile.
    """
    values = validate_segment(data).stored()
    require_version(id, version, "save_segment")
    try:
        with _RECORDS.changing(url, actor) as session:
            _check_unique(session, values["name"], id)
            if id is None:
                segment = AudienceSegment(**values)
                session.add(segment)
            else:
                segment = _RECORDS.for_change(session, id, version)
                assign_changed(segment, values)
            session.flush()
    except IntegrityError:  # a segment of that name was saved in between
        raise _name_taken(values["name"]) from None
    return segment


def _name_taken(name: str) -> InvalidSegment:
    return InvalidSegment(
        [ValidationError(f"A segment named “{name}” already exists", field="name")]
    )


def _check_unique(session: Session, name: str, id: int | None) -> None:
    query = select(func.count()).select_from(AudienceSegment).where(AudienceSegment.name == name)
    if id is not None:
        query = query.where(AudienceSegment.id != id)
    if session.scalar(query):
        raise _name_taken(name)


def list_segments(url: str | None = None) -> list[AudienceSegment]:
    """Every segment, by name."""
    with session_scope(url) as session:
        query = select(AudienceSegment).order_by(AudienceSegment.name, AudienceSegment.id)
        return list(session.scalars(query))


def get_segment(id: int, url: str | None = None) -> AudienceSegment:
    """Segment ``id`` as stored now; ``NotFound`` if there is none."""
    return _RECORDS.get(id, url)


def delete_segment(id: int, version: int, url: str | None = None, actor: str | None = None) -> None:
    """Delete segment ``id`` if it is still at the ``version`` the user saw."""
    _RECORDS.delete(id, version, url, actor)


# --- sizing (pure) ------------------------------------------------------------------------

MEMBER_COLUMNS = (
    "member_id",
    "joined_at",
    "left_at",
    "region",
    "country",
    "language",
    "age_band",
    "role",
)
EVENT_COLUMNS = ("member_id", "kind", "occurred_at")


@dataclass(frozen=True)
class SegmentSize:
    """How many members a rule matches at ``as_of``, of ``total`` current members.

    ``by_region``: matched members per region, largest first (missing region → "unknown").
    """

    count: int
    total: int
    as_of: pd.Timestamp
    by_region: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    def summary(self, top: int = 3) -> str:
        """E.g. "1,234 members (21 % of 5,880) · EU 800 · NA 300 · APAC 134"."""
        head = f"{self.count:,} member{'s' if self.count != 1 else ''}"
        if self.total:
            head += f" ({self.share:.0%} of {self.total:,})"
        parts = [f"{k} {v:,}" for k, v in list(self.by_region.items())[:top]]
        return " · ".join([head, *parts])


def _as_of(as_of: dt.datetime | dt.date | pd.Timestamp | str) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _isin(series: pd.Series, values: Sequence[str]) -> np.ndarray:
    return series.isin(list(values)).to_numpy(dtype=bool, na_value=False)


def segment_mask(
    rule: SegmentRule,
    members: pd.DataFrame,
    events: pd.DataFrame | None,
    as_of: dt.datetime | dt.date | pd.Timestamp | str,
) -> np.ndarray:
    """Boolean array over ``members`` rows: who matches ``rule`` at ``as_of``.

    ``members`` needs ``member_id``, ``joined_at``, ``left_at`` and the attribute columns
    the rule uses; ``events`` (``member_id``, ``kind``, ``occurred_at``) only when the rule
    has activity conditions. Only current members count: joined at or before ``as_of``
    (or unknown) and not left by then. Activity windows are ``(as_of − N days, as_of]``.
    """
    now = _as_of(as_of)
    joined, left = members["joined_at"], members["left_at"]
    mask = (joined.isna() | (joined <= now)).to_numpy(dtype=bool, copy=True)
    mask &= (left.isna() | (left > now)).to_numpy(dtype=bool)
    for key, column in (
        ("regions", "region"),
        ("countries", "country"),
        ("languages", "language"),
        ("age_bands", "age_band"),
        ("roles", "role"),
    ):
        values = getattr(rule, key)
        if values:
            mask &= _isin(members[column], values)
    if rule.tenure_min_days is not None or rule.tenure_max_days is not None:
        tenure = ((now - joined) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
        if rule.tenure_min_days is not None:
            mask &= tenure >= rule.tenure_min_days
        if rule.tenure_max_days is not None:
            mask &= tenure < rule.tenure_max_days
    if rule.needs_events:
        if events is None:
            raise ValidationError("this rule needs the events frame", field="events")
        ids = members["member_id"]
        if rule.active_within_days is not None:
            recent = _recent(events, now, rule.active_within_days, ACTIVE_KINDS)
            mask &= _isin(ids, recent["member_id"].unique())
        if rule.min_posts is not None:
            posts = _recent(events, now, rule.posts_within_days or MAX_DAYS, POST_KINDS)
            counts = posts["member_id"].value_counts()
            mask &= _isin(ids, counts.index[counts >= rule.min_posts])
    return mask


def _recent(events: pd.DataFrame, now: pd.Timestamp, days: int, kinds: frozenset) -> pd.DataFrame:
    at = events["occurred_at"]
    keep = (at > now - pd.Timedelta(days=days)) & (at <= now) & events["kind"].isin(kinds)
    keep &= events["member_id"].notna()
    return events.loc[keep.to_numpy(dtype=bool, na_value=False)]


def size_segment(
    rule: SegmentRule,
    members: pd.DataFrame,
    events: pd.DataFrame | None,
    as_of: dt.datetime | dt.date | pd.Timestamp | str,
) -> SegmentSize:
    """Count the members matching ``rule`` at ``as_of``, with a breakdown by region."""
    now = _as_of(as_of)
    mask = segment_mask(rule, members, events, now)
    everyone = segment_mask(SegmentRule(), members, None, now)
    regions = members.loc[mask, "region"] if "region" in members else pd.Series(dtype=str)
    counts = regions.fillna("unknown").replace("", "unknown").value_counts()
    breakdown = {str(k): int(v) for k, v in counts.items()}
    return SegmentSize(int(mask.sum()), int(everyone.sum()), now, breakdown)


# --- sizing from the store -----------------------------------------------------------------


def size_segments(
    rules: dict[Any, SegmentRule | dict[str, Any] | None],
    url: str | None = None,
    as_of: dt.datetime | None = None,
) -> dict[Any, SegmentSize | None]:
    """Size each rule on the store's members and events, loading each frame once.

    ``rules`` maps any key (e.g. segment id) to a rule (or its stored dict, or ``None``:
    no rule → ``None`` in the result). ``as_of`` defaults to now.
    """
    from commbook import frames

    now = _as_of(as_of or dt.datetime.now(dt.UTC))
    parsed = {
        key: (validate_rule(rule) if isinstance(rule, dict) else rule)
        for key, rule in rules.items()
    }
    wanted = [r for r in parsed.values() if r is not None]
    if not wanted:
        return dict.fromkeys(parsed)
    members = frames.load_members(url, columns=MEMBER_COLUMNS)
    events = None
    days = max((r.lookback_days for r in wanted if r.needs_events), default=0)
    if days:
        start = now - pd.Timedelta(days=days)
        end = now + pd.Timedelta(microseconds=1)
        kinds = sorted(ACTIVE_KINDS | POST_KINDS)
        events = frames.load_events(url, start, end, columns=EVENT_COLUMNS, kinds=kinds)
    return {
        key: None if rule is None else size_segment(rule, members, events, now)
        for key, rule in parsed.items()
    }
