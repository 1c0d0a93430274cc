"""Planning rules: objectives with measurable outcomes — validation, save, load, delete.

This module holds every rule about objectives; the forms in ``commbook.widgets`` only collect
values, call these functions and show the messages they raise.

- ``METRICS`` is what an objective can measure: "manual" plus the metric catalog
  (``commbook.metrics.catalog.CATALOG`` — add metrics there). ``DIRECTIONS`` and
  ``STATUSES`` are the other choice lists, ``key -> label``.
- ``save_objective`` creates or updates; an update must say which ``version`` the user
  loaded and raises ``ConflictError`` when someone else saved in between.
- Invalid values raise ``InvalidObjective`` (a ``ValidationError``): ``field`` and the
  message are the first problem's, ``problems`` lists all of them, in form order.
- An objective targets audience segments (``segment_ids``, checked against the store on
  save); calendar items point at it through ``content_items.objective_id`` —
  ``linked_content`` lists them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from commbook.errors import ValidationError
from commbook.store import AudienceSegment, ContentItem, Objective, session_scope
from commbook.store.records import Records, assign_changed, require_version
from commbook.validation import InvalidValues, choice, validate


@dataclass(frozen=True)
class Metric:
    """Something an objective can be measured by.

    ``minimum``/``maximum`` bound the values that make sense (e.g. NPS is -100…100).
    ``manual`` means progress is entered by hand rather than computed from the store.
    """

    key: str
    label: str
    unit: str
    description: str
    minimum: float | None = None
    maximum: float | None = None


MANUAL = Metric(
    "manual",
    "Manual (progress entered by hand)",
    "",
    "Any outcome you track yourself, e.g. number of meetups held.",
)


def _from_catalog() -> dict[str, Metric]:
    """``manual`` plus every metric of ``commbook.metrics.catalog.CATALOG`` (one source)."""
    from commbook.metrics.catalog import CATALOG

    return {
        "manual": MANUAL,
        **{
            key: Metric(key, m.label, m.unit, m.description, m.minimum, m.maximum)
            for key, m in CATALOG.items()
        },
    }


METRICS: dict[str, Metric] = _from_catalog()

DIRECTIONS: dict[str, str] = {
    "increase": "Increase",
    "decrease": "Decrease",
    "maintain": "Maintain",
}

STATUSES: dict[str, str] = {
    "draft": "Draft",
    "active": "Active",
    "achieved": "Achieved",
    "missed": "Missed",
    "cancelled": "Cancelled",
}

#: The fields of an objective, in form order, with the label used in messages.
FIELDS: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "metric": "Metric",
    "direction": "Direction",
    "baseline": "Baseline",
    "target": "Target",
    "unit": "Unit",
    "current_value": "Current value",
    "start_date": "Start date",
    "due_date": "Due date",
    "owner": "Owner",
    "status": "Status",
    "segment_ids": "Audience segments",
}

CONFLICT_MESSAGE = (
    "Someone else changed this objective since you opened it. "
    "Reload to see their version, then apply your changes again."
)
_RECORDS = Records(
    Objective, "Objective", CONFLICT_MESSAGE, options=(selectinload(Objective.segments),)
)
#: A module function, so a test can slip a concurrent save in between check and write.
_get_for_change = _RECORDS.for_change


class InvalidObjective(InvalidValues):
    """The values of an objective form break one or more rules (``problems``, form order)."""


class ObjectiveInput(BaseModel):
    """The values of an objective as a form submits them, validated.

    Field order matters: cross-field rules (target vs baseline, due vs start) are checked on
    the later field, so each problem is reported on the field the user should fix.
    """

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: str = pydantic.Field(max_length=200)
    description: str = ""
    metric: str = "manual"
    direction: str = "increase"
    baseline: float
    target: float
    unit: str = pydantic.Field(default="", max_length=32)
    current_value: float | None = None
    start_date: dt.date
    due_date: dt.date
    owner: str = pydantic.Field(max_length=100)
    status: str = "active"
    segment_ids: list[int] = pydantic.Field(default_factory=list)

    @field_validator("title", "owner")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            raise ValueError(f"{FIELDS[info.field_name]} is required")
        return value

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        return choice(value, {k: m.label for k, m in METRICS.items()}, "Metric")

    @field_validator("direction")
    @classmethod
    def _known_direction(cls, value: str) -> str:
        return choice(value, DIRECTIONS, "Direction")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return choice(value, STATUSES, "Status")

    @field_validator("baseline", "target", "current_value")
    @classmethod
    def _sensible_number(cls, value: float | None, info: ValidationInfo) -> float | None:
        label = FIELDS[info.field_name]
        if value is None:
            return None
        if not math.isfinite(value):
            raise ValueError(f"{label} must be a number")
        metric = METRICS.get(info.data.get("metric", ""))
        if metric is not None:
            low, high = metric.minimum, metric.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"{label} {_allowed_range(low, high)} for {metric.label}")
        return value

    @field_validator("target")
    @classmethod
    def _target_on_the_right_side(cls, value: float, info: ValidationInfo) -> float:
        baseline, direction = info.data.get("baseline"), info.data.get("direction")
        if baseline is None:
            return value
        if direction == "increase" and not value > baseline:
            raise ValueError("Target must be above the baseline when the goal is to increase")
        if direction == "decrease" and not value < baseline:
            raise ValueError("Target must be below the baseline when the goal is to decrease")
        return value

    @field_validator("unit")
    @classmethod
    def _unit_defaults_to_the_metric(cls, value: str, info: ValidationInfo) -> str:
        metric = METRICS.get(info.data.get("metric", ""))
        return value or (metric.unit if metric else "")

    @field_validator("current_value", mode="before")
    @classmethod
    def _blank_is_unknown(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("due_date")
    @classmethod
    def _due_after_start(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start_date")
        if start is not None and not value > start:
            raise ValueError("Due date must be after the start date")
        return value

    @field_validator("segment_ids", mode="before")
    @classmethod
    def _none_is_no_segments(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("segment_ids")
    @classmethod
    def _distinct_sorted(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


def _allowed_range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"must be between {low:g} and {high:g}"
    if low is not None:
        return f"cannot be below {low:g}"
    return f"cannot be above {high:g}"


_TYPE_MESSAGES = {
    "float": "{label} must be a number",
    "date": "{label} must be a date (YYYY-MM-DD)",
    "string": "{label} must be text",
    "list": "{label} must be a list of segments",
    "int": "{label} must be segment ids (whole numbers)",
}


def validate_objective(data: dict[str, Any]) -> ObjectiveInput:
    """Check a form's values; raise ``InvalidObjective`` listing every problem.

    Only the values themselves: whether the segments exist is checked on save.
    """
    return validate(ObjectiveInput, data, InvalidObjective, FIELDS, _TYPE_MESSAGES)


def _unknown_segments(session: Session, ids: list[int]) -> ValidationError | None:
    """The problem with ``ids`` naming segments not (or no longer) in the store, if any."""
    if not ids:
        return None
    found = set(session.scalars(select(AudienceSegment.id).where(AudienceSegment.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if not missing:
        return None
    which = ", ".join(str(i) for i in missing)
    noun = "segment" if len(missing) == 1 else "segments"
    return ValidationError(
        f"Unknown audience {noun} {which} (it may have been deleted); reload and pick again",
        field="segment_ids",
    )


def _checked(session: Session, data: dict[str, Any]) -> ObjectiveInput:
    """``data`` validated, segments included: every problem in one ``InvalidObjective``."""
    ids = data.get("segment_ids")
    try:
        ids = [int(i) for i in ids or []]
    except (TypeError, ValueError):
        ids = []  # the validation below words it
    try:
        checked = validate_objective(data)
    except InvalidObjective as exc:
        problems = [p for p in exc.problems if p.field != "segment_ids"]
        unknown = None if len(problems) < len(exc.problems) else _unknown_segments(session, ids)
        order = {name: i for i, name in enumerate(FIELDS)}
        ranked = sorted(
            [*exc.problems, *([unknown] if unknown else [])],
            key=lambda p: order.get(p.field or "", len(order)),
        )
        raise InvalidObjective(ranked) from None
    unknown = _unknown_segments(session, checked.segment_ids)
    if unknown is not None:
        raise InvalidObjective([unknown])
    return checked


def blank_objective(today: dt.date | None = None) -> dict[str, Any]:
    """Starting values for a new objective: manual metric, active, due in 90 days."""
    from commbook import clock

    start = today or clock.today()
    return {
        "title": "",
        "description": "",
        "metric": "manual",
        "direction": "increase",
        "baseline": 0.0,
        "target": 0.0,
        "unit": "",
        "current_value": None,
        "start_date": start,
        "due_date": start + dt.timedelta(days=90),
        "owner": "",
        "status": "active",
        "segment_ids": [],
    }


def objective_values(objective: Objective) -> dict[str, Any]:
    """The editable values of a stored objective, keyed like ``FIELDS`` (to fill a form).

    ``objective`` must have its segments loaded (as ``get_objective`` returns it).
    """
    values = {name: getattr(objective, name) for name in FIELDS if name != "segment_ids"}
    values["segment_ids"] = sorted(s.id for s in objective.segments)
    return values


def save_objective(
    data: dict[str, Any],
    *,
    id: int | None = None,
    version: int | None = None,
    url: str | None = None,
    actor: str | None = None,
) -> Objective:
    """Create an objective (``id=None``) or update objective ``id``; return it as stored.

    An update needs the ``version`` the user loaded: if the stored one differs, someone else
    saved in between and ``ConflictError`` is raised (the store's version column catches a
    save that races with this one). ``NotFound`` if ``id`` was deleted meanwhile.
    ``actor`` is recorded in the audit log (default: the configured user).
    ``segment_ids`` must name stored segments (``InvalidObjective`` otherwise); an update
    whose ``data`` has no ``segment_ids`` key keeps the objective's segments.
    """
    require_version(id, version, "save_objective")
    with _RECORDS.changing(url, actor) as session:
        checked = _checked(session, data)
        values = checked.model_dump(exclude={"segment_ids"})
        segments = list(
            session.scalars(
                select(AudienceSegment)
                .where(AudienceSegment.id.in_(checked.segment_ids))
                .order_by(AudienceSegment.id)
            )
        )
        if id is None:
            objective = Objective(**values, segments=segments)
            session.add(objective)
        else:
            objective = _get_for_change(session, id, version)
            assign_changed(objective, values)
            given = "segment_ids" in checked.model_fields_set
            if given and sorted(s.id for s in objective.segments) != checked.segment_ids:
                objective.segments = segments  # the store bumps the version on link changes
        session.flush()
    return objective


def list_objectives(url: str | None = None) -> list[Objective]:
    """Every objective (segments loaded), soonest due first."""
    with session_scope(url) as session:
        query = (
            select(Objective)
            .options(selectinload(Objective.segments))
            .order_by(Objective.due_date, Objective.title, Objective.id)
        )
        return list(session.scalars(query))


def segment_choices(url: str | None = None) -> list[tuple[int, str]]:
    """``(id, name)`` of every audience segment, by name: what an objective can target."""
    with session_scope(url) as session:
        rows = session.execute(select(AudienceSegment.id, AudienceSegment.name))
        return sorted(((i, n) for i, n in rows), key=lambda s: (s[1].casefold(), s[0]))


@dataclass(frozen=True)
class LinkedItem:
    """A calendar item linked to an objective, as the objective form lists it.

    ``when`` is the publication time once published, else the scheduled time (``None``:
    not scheduled yet, e.g. an idea).
    """

    id: int
    title: str
    content_type: str
    channel: str | None
    status: str
    when: dt.datetime | None
    published: bool


def linked_content(objective_id: int, url: str | None = None) -> list[LinkedItem]:
    """The calendar items linked to objective ``objective_id``: soonest first, undated last."""
    with session_scope(url) as session:
        query = (
            select(ContentItem)
            .options(joinedload(ContentItem.channel))
            .where(ContentItem.objective_id == objective_id)
        )
        items = [
            LinkedItem(
                id=i.id,
                title=i.title,
                content_type=i.content_type,
                channel=i.channel.name if i.channel else None,
                status=i.status,
                when=i.published_at or i.scheduled_at,
                published=i.published_at is not None,
            )
            for i in session.scalars(query)
        ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda i: (i.when is None, i.when or far, i.title.casefold(), i.id))


def get_objective(id: int, url: str | None = None) -> Objective:
    """Objective ``id`` as stored now; ``NotFound`` if there is none."""
    return _RECORDS.get(id, url)


def delete_objective(
    id: int, version: int, url: str | None = None, actor: str | None = None
) -> None:
    """Delete objective ``id`` if it is still at the ``version`` the user saw."""
    _RECORDS.delete(id, version, url, actor)
