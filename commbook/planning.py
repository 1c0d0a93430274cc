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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from commbook.errors import ConflictError, NotFound, ValidationError
from commbook.store import Objective, session_scope


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


class InvalidObjective(ValidationError):
    """The values of an objective form break one or more rules.

    ``problems`` holds one ``ValidationError`` per field (form order); the exception's own
    message and ``field`` are the first problem's.
    """

    def __init__(self, problems: list[ValidationError]) -> None:
        self.problems = problems
        super().__init__(problems[0].reason, field=problems[0].field)


def _choice(value: str, choices: dict[str, str], what: str) -> str:
    if value not in choices:
        listed = ", ".join(choices.values())
        raise ValueError(f"{what} must be one of: {listed}")
    return value


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
        return _choice(value, {k: m.label for k, m in METRICS.items()}, "Metric")

    @field_validator("direction")
    @classmethod
    def _known_direction(cls, value: str) -> str:
        return _choice(value, DIRECTIONS, "Direction")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return _choice(value, STATUSES, "Status")

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


def _plain_message(error: Any, field: str) -> str:
    """A sentence a community manager understands, from one pydantic error."""
    label = FIELDS.get(field, field)
    kind = error["type"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "missing" or error.get("input") in (None, ""):
        return f"{label} is required"
    if kind == "string_too_long":
        return f"{label} must be at most {error['ctx']['max_length']} characters"
    if kind == "extra_forbidden":
        return f"Unknown field '{field}'"
    for prefix, message in _TYPE_MESSAGES.items():
        if kind.startswith(prefix):
            return message.format(label=label)
    return f"{label}: {error['msg']}"


def validate_objective(data: dict[str, Any]) -> ObjectiveInput:
    """Check a form's values; raise ``InvalidObjective`` listing every problem."""
    try:
        return ObjectiveInput.model_validate(data)
    except pydantic.ValidationError as exc:
        problems: dict[str, ValidationError] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            problems.setdefault(field, ValidationError(_plain_message(error, field), field=field))
        order = {name: i for i, name in enumerate(FIELDS)}
        ranked = sorted(problems.values(), key=lambda p: order.get(p.field or "", len(order)))
        raise InvalidObjective(ranked) from None


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
    if id is not None and version is None:
        raise TypeError("save_objective: updating needs the version that was loaded")
    with _conflicts_explained(), session_scope(url, actor=actor) as session:
        if id is None:
            objective = Objective(**values)
            session.add(objective)
        else:
            objective = _get_for_change(session, id, version)
            for name, value in values.items():
                if getattr(objective, name) != value:
                    setattr(objective, name, value)
        session.flush()
    return objective


def list_objectives(url: str | None = None) -> list[Objective]:
    """Every objective, soonest due first."""
    with session_scope(url) as session:
        query = select(Objective).order_by(Objective.due_date, Objective.title, Objective.id)
        return list(session.scalars(query))


def get_objective(id: int, url: str | None = None) -> Objective:
    """Objective ``id`` as stored now; ``NotFound`` if there is none."""
    with session_scope(url) as session:
        objective = session.get(Objective, id)
        if objective is None:
            raise NotFound(f"Objective {id} does not exist (it may have been deleted)")
        return objective


def delete_objective(
    id: int, version: int, url: str | None = None, actor: str | None = None
) -> None:
    """Delete objective ``id`` if it is still at the ``version`` the user saw."""
    with _conflicts_explained(), session_scope(url, actor=actor) as session:
        session.delete(_get_for_change(session, id, version))
        session.flush()


@contextmanager
def _conflicts_explained() -> Iterator[None]:
    """Word every lost race (ours or the store's version check) the same way."""
    try:
        yield
    except ConflictError as exc:
        raise ConflictError(CONFLICT_MESSAGE) from exc


def _get_for_change(session: Session, id: int, version: int | None) -> Objective:
    objective = session.get(Objective, id)
    if objective is None:
        raise NotFound(f"Objective {id} no longer exists: someone else deleted it")
    if objective.version != version:
        raise ConflictError(CONFLICT_MESSAGE)
    return objective
