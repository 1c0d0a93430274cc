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
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from sqlalchemy import select

from commbook.store import Objective, session_scope
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
}

CONFLICT_MESSAGE = (
    "Someone else changed this objective since you opened it. "
    "Reload to see their version, then apply your changes again."
)
_RECORDS = Records(Objective, "Objective", CONFLICT_MESSAGE)
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
}


def validate_objective(data: dict[str, Any]) -> ObjectiveInput:
    """Check a form's values; raise ``InvalidObjective`` listing every problem."""
    return validate(ObjectiveInput, data, InvalidObjective, FIELDS, _TYPE_MESSAGES)


def blank_objective(today: dt.date | None = None) -> dict[str, Any]:
    """Starting values for a new objective: manual metric, active, due in 90 days."""
    start = today or dt.date.today()
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
    }


def objective_values(objective: Objective) -> dict[str, Any]:
    """The editable values of a stored objective, keyed like ``FIELDS`` (to fill a form)."""
    return {name: getattr(objective, name) for name in FIELDS}


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
    """
    values = validate_objective(data).model_dump()
    require_version(id, version, "save_objective")
    with _RECORDS.changing(url, actor) as session:
        if id is None:
            objective = Objective(**values)
            session.add(objective)
        else:
            objective = _get_for_change(session, id, version)
            assign_changed(objective, values)
        session.flush()
    return objective


def list_objectives(url: str | None = None) -> list[Objective]:
    """Every objective, soonest due first."""
    with session_scope(url) as session:
        query = select(Objective).order_by(Objective.due_date, Objective.title, Objective.id)
        return list(session.scalars(query))


def get_objective(id: int, url: str | None = None) -> Objective:
    """Objective ``id`` as stored now; ``NotFound`` if there is none."""
    return _RECORDS.get(id, url)


def delete_objective(
    id: int, version: int, url: str | None = None, actor: str | None = None
) -> None:
    """Delete objective ``id`` if it is still at the ``version`` the user saw."""
    _RECORDS.delete(id, version, url, actor)
