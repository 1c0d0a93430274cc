"""One pydantic model per import kind: the columns of docs/data-formats.md, typed.

Pydantic does the parsing; this module adds what the formats demand on top (timestamps
with an offset or an explicit ``--timezone``, cross-field rules) and turns pydantic's
errors into plain-English ``ValidationError`` messages that name the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError

from commbook.errors import ValidationError

TIMESTAMP_EXAMPLE = "2026-10-04T09:15:00+02:00"
_LOOKS_LIKE_DATE = re.compile(r"\s*\d{4}-\d{2}-\d{2}")


def _timestamp_text(value: Any) -> Any:
    """Only ISO 8601 text (or a datetime) is a timestamp: not a bare number of seconds."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _LOOKS_LIKE_DATE.match(value):
        return value
    raise PydanticCustomError("timestamp", "not an ISO 8601 timestamp")


def _to_utc(value: dt.datetime, info: ValidationInfo) -> dt.datetime:
    if value.tzinfo is None:
        tz: ZoneInfo | None = (info.context or {}).get("tz")
        if tz is None:
            raise PydanticCustomError("timestamp_naive", "timestamp without a UTC offset")
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.UTC)


Timestamp = Annotated[dt.datetime, BeforeValidator(_timestamp_text), AfterValidator(_to_utc)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text32 = Annotated[str, StringConstraints(max_length=32)]
Text64 = Annotated[str, StringConstraints(max_length=64)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text300 = Annotated[str, StringConstraints(max_length=300)]
Count = Annotated[int, Field(ge=0)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]
Language = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=16)
]
AgeBand = Literal["18-24", "25-34", "35-44", "45-54", "55+"]

# Expectations for fields whose pydantic message would be cryptic.
_FIELD_EXPECTATIONS = {
    "country": "an ISO 3166 alpha-2 country code like FR",
    "language": "a BCP 47 language tag like en or pt-BR",
}


class Row(BaseModel):
    """Base of the row models: strings stripped, numeric ids accepted as text."""

    model_config = ConfigDict(str_strip_whitespace=True, coerce_numbers_to_str=True, extra="ignore")


def _rule(field: str, message: str) -> PydanticCustomError:
    """A cross-field rule broken: reported against ``field``."""
    return PydanticCustomError("rule", message, {"field": field})


class MemberRow(Row):
    member_id: Id
    display_name: Text200 | None = None
    joined_at: Timestamp
    left_at: Timestamp | None = None
    region: Text64 | None = None
    country: Country | None = None
    language: Language | None = None
    age_band: AgeBand | None = None
    role: Literal["member", "moderator", "staff"] = "member"
    reputation: int | None = None

    @model_validator(mode="after")
    def _left_after_joined(self) -> MemberRow:
        if self.left_at is not None and self.left_at < self.joined_at:
            raise _rule("left_at", "left_at is before joined_at")
        return self


class EventRow(Row):
    event_id: Id
    kind: Literal["post", "reply", "comment", "reaction", "share", "view", "join"]
    occurred_at: Timestamp
    member_id: Id | None = None
    channel: Key | None = None
    thread_id: Id | None = None
    parent_id: Id | None = None
    content_id: Id | None = None
    category: Text32 | None = None
    title: Text300 | None = None
    body: str | None = None
    score: int | None = None
    is_accepted: bool = False


ContentStatus = Literal[
    "idea", "draft", "review", "approved", "scheduled", "published", "cancelled"
]


class ContentRow(Row):
    content_id: Id
    title: Text300
    content_type: Text32
    channel: Key
    owner: Text100 | None = None
    status: ContentStatus | None = None
    scheduled_at: Timestamp | None = None
    published_at: Timestamp | None = None
    campaign: Text100 | None = None
    url: Annotated[str, StringConstraints(max_length=500)] | None = None
    reach: Count | None = None
    impressions: Count | None = None
    views: Count | None = None
    likes: Count | None = None
    comments: Count | None = None
    shares: Count | None = None


class SurveyRow(Row):
    survey_id: Id
    name: Text200
    kind: Literal["nps", "csat", "likert", "poll"] = "nps"
    question: str = ""
    comment_question: str = ""
    scale_min: int | None = None
    scale_max: int | None = None
    sent_count: Count | None = None
    opened_at: Timestamp | None = None
    closed_at: Timestamp | None = None

    @model_validator(mode="after")
    def _scale(self) -> SurveyRow:
        nps = self.kind == "nps"
        if self.scale_min is None:
            self.scale_min = 0 if nps else 1
        if self.scale_max is None:
            self.scale_max = 10 if nps else 5
        if self.scale_max <= self.scale_min:
            raise _rule("scale_max", "scale_max must be greater than scale_min")
        if self.opened_at and self.closed_at and self.closed_at < self.opened_at:
            raise _rule("closed_at", "closed_at is before opened_at")
        return self


class ResponseRow(Row):
    response_id: Id
    survey_id: Id
    submitted_at: Timestamp
    member_id: Id | None = None
    score: float | None = None
    comment: str | None = None


class TriageRow(Row):
    triage_id: Id
    received_at: Timestamp
    category: Text32
    urgency: Literal["low", "normal", "high", "critical"] = "normal"
    status: Literal[
        "new", "triaged", "in_progress", "waiting_on_member", "resolved", "closed", "escalated"
    ] = "new"
    channel: Key | None = None
    member_id: Id | None = None
    event_id: Id | None = None
    owner: Text100 | None = None
    summary: str = ""
    first_response_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    escalation_level: Text32 | None = None
    closed_loop: bool = False


class ObjectiveRow(Row):
    title: Text200
    description: str = ""
    metric: Text64 = "manual"
    baseline: float
    target: float
    direction: Literal["increase", "decrease", "maintain"] = "increase"
    unit: Text32 = ""
    start_date: dt.date
    due_date: dt.date
    owner: Text100
    status: Literal["active", "draft", "achieved", "missed", "cancelled"] = "active"

    @model_validator(mode="after")
    def _consistent(self) -> ObjectiveRow:
        if self.due_date <= self.start_date:
            raise _rule(
                "due_date",
                f"due_date must be after start_date ({self.start_date.isoformat()})",
            )
        if self.direction == "increase" and self.target <= self.baseline:
            raise _rule(
                "target",
                f"an 'increase' objective needs a target above the baseline ({self.baseline:g})",
            )
        if self.direction == "decrease" and self.target >= self.baseline:
            raise _rule(
                "target",
                f"a 'decrease' objective needs a target below the baseline ({self.baseline:g})",
            )
        return self


class Demographics(BaseModel):
    model_config = ConfigDict(extra="allow")
    regions: list[str] | None = None
    countries: list[str] | None = None
    languages: list[str] | None = None
    age_bands: list[AgeBand] | None = None
    roles: list[Literal["member", "moderator", "staff"]] | None = None


class Preferences(BaseModel):
    model_config = ConfigDict(extra="allow")
    channels: list[str] | None = None
    content_types: list[str] | None = None
    times_of_day: list[str] | None = None


class Behaviours(BaseModel):
    model_config = ConfigDict(extra="allow")
    activity_level: str | None = None
    tenure: str | None = None


class SegmentRow(Row):
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    description: str = ""
    demographics: Demographics = Field(default_factory=Demographics)
    needs: str = ""
    preferences: Preferences = Field(default_factory=Preferences)
    behaviours: Behaviours = Field(default_factory=Behaviours)
    rule: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _rule_is_valid(self) -> SegmentRow:
        """The member rule passes the same check as the planning app's form
        (``commbook.segments.validate_rule``): a rule that cannot be applied is refused
        here, not found later by every report that sizes segments."""
        if self.rule:
            from commbook.segments import validate_rule

            try:
                validate_rule(self.rule)
            except ValidationError as exc:
                raise _rule(exc.field or "rule", exc.reason) from None
        return self


MODELS: dict[str, type[Row]] = {
    "members": MemberRow,
    "events": EventRow,
    "content": ContentRow,
    "surveys": SurveyRow,
    "responses": ResponseRow,
    "triage": TriageRow,
    "objectives": ObjectiveRow,
    "segments": SegmentRow,
}


def fields_of(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def required_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if info.is_required()]


# -- errors -------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _expectation(error: dict[str, Any], field: str, tz_given: bool) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = f", got {_shown(value)}"
    if kind == "missing":
        return "a value is required (the column is missing or the cell is empty)"
    if kind == "rule":
        return str(error["msg"])
    if kind == "timestamp_naive" or kind == "timestamp" or kind.startswith("datetime"):
        detail = ctx.get("error")
        hint = f" ({detail})" if detail and kind.startswith("datetime") else ""
        if kind == "timestamp_naive":
            hint = " (or pass --timezone NAME)"
        if tz_given:
            return f"expected a timestamp like {TIMESTAMP_EXAMPLE} or 2026-10-04T09:15:00{got}"
        return f"expected a timestamp with a UTC offset like {TIMESTAMP_EXAMPLE}{got}{hint}"
    if kind.startswith("date"):
        detail = ctx.get("error")
        return f"expected a date like 2026-10-04{got}" + (f" ({detail})" if detail else "")
    if kind.startswith("int"):
        return f"expected a whole number{got}"
    if kind.startswith("float") or kind == "finite_number":
        return f"expected a number{got}"
    if kind.startswith("bool"):
        return f"expected true or false{got}"
    if kind in {"literal_error", "enum"}:
        return f"expected one of {ctx.get('expected', '?')}{got}"
    if kind == "greater_than_equal":
        return f"expected a number ≥ {ctx.get('ge')}{got}"
    if kind == "string_too_long":
        return f"expected at most {ctx.get('max_length')} characters, got {len(value)}"
    if kind == "string_too_short":
        return "a value is required (the cell is empty)"
    if kind == "string_pattern_mismatch":
        return f"expected {_FIELD_EXPECTATIONS.get(field, 'a different format')}{got}"
    if kind in {"string_type", "str_type"}:
        return f"expected text{got}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a JSON object{got}"
    if kind == "list_type":
        return f"expected a JSON list{got}"
    return f"{error['msg']}{got}"


def row_error(
    exc: PydanticError, *, file: str, row: int, tz_given: bool = False
) -> ValidationError:
    """One ``ValidationError`` for a bad row: the first problem's field, all problems listed."""
    parts: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
        field = ctx.get("field") or (loc[0] if loc else "")
        if len(loc) > 1 and not ctx.get("field"):
            field = ".".join(loc[:2])
        parts.append((field, _expectation(error, field.split(".")[0], tz_given)))
    field, reason = parts[0]
    more = "".join(f"; field '{f}': {r}" for f, r in parts[1:])
    return ValidationError(reason + more, file=file, row=row, field=field or None)
