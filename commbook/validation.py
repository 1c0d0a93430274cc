"""Form validation shared by the planning records: pydantic errors → plain, per-field problems.

A record module (``planning``, ``segments``, ``calendar.model``) declares its fields in form
order with their labels, a pydantic model, and an ``Invalid…`` subclass of
``InvalidValues``; ``validate`` then turns every pydantic error into one ``ValidationError``
per field, worded for a community manager, in form order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic

from commbook.errors import ValidationError

M = TypeVar("M", bound=pydantic.BaseModel)


class InvalidValues(ValidationError):
    """A form's values break one or more rules.

    ``problems`` holds one ``ValidationError`` per field (form order); the exception's own
    message and ``field`` are the first problem's.
    """

    def __init__(self, problems: list[ValidationError]) -> None:
        self.problems = problems
        super().__init__(problems[0].reason, field=problems[0].field)


def choice(value: str, choices: Mapping[str, str], what: str) -> str:
    """``value`` if it is one of ``choices`` (key → label); else a ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{what} must be one of: {', '.join(choices.values())}")
    return value


def error_field(error: Any) -> str:
    """The field a pydantic error is about, as a dotted path (list indexes left out).

    A model-level check names its field in the error's context (``{"field": …}``).
    """
    named = (error.get("ctx") or {}).get("field")
    return named or ".".join(str(p) for p in error["loc"] if not isinstance(p, int))


def plain_message(
    error: Any,
    field: str,
    labels: Mapping[str, str],
    types: Mapping[str, str],
    *,
    blank_is_missing: bool = True,
) -> str:
    """A sentence a community manager understands, from one pydantic error.

    ``types`` maps an error type prefix (e.g. ``"date"``) to a message template; templates
    may use ``{label}``, ``{msg}`` (pydantic's text, lower case) and the error's context
    (e.g. ``{ge}``). ``blank_is_missing``: an empty or ``None`` input reads "… is required".
    """
    label = labels.get(field, field)
    kind = error["type"]
    if kind == "rule":  # a model-level check (PydanticCustomError("rule", …))
        return str(error["msg"])
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "missing" or (blank_is_missing and error.get("input") in (None, "")):
        return f"{label} is required"
    if kind == "string_too_long":
        return f"{label} must be at most {error['ctx']['max_length']} characters"
    if kind == "extra_forbidden":
        return f"Unknown field '{field}'"
    for prefix, message in types.items():
        if kind.startswith(prefix):
            return message.format(label=label, msg=error["msg"].lower(), **(error.get("ctx") or {}))
    return f"{label}: {error['msg']}"


def validate(
    model: type[M],
    data: Mapping[str, Any],
    invalid: type[InvalidValues],
    labels: Mapping[str, str],
    types: Mapping[str, str],
    *,
    blank_is_missing: bool = True,
) -> M:
    """``model`` validated from ``data``, or ``invalid`` listing every problem.

    One problem per field (the first pydantic reports), ordered like ``labels`` (form
    order); fields ``labels`` does not know come last.
    """
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems: dict[str, ValidationError] = {}
        for error in exc.errors():
            field = error_field(error)
            message = plain_message(error, field, labels, types, blank_is_missing=blank_is_missing)
            problems.setdefault(field, ValidationError(message, field=field))
        order = {name: i for i, name in enumerate(labels)}
        ranked = sorted(problems.values(), key=lambda p: order.get(p.field or "", len(order)))
        raise invalid(ranked) from None
