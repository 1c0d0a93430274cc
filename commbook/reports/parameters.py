"""Notebook parameters: what a report notebook declares, and checking what a caller passes.

The declaration is the notebook's cell tagged ``parameters``, read with
``papermill.inspect_notebook``. A parameter's type is its annotation
(``title: str = "…"``) or, without one, the type of its literal default.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill

from commbook.errors import NotFound, ValidationError

# type name → accepted Python types (bool is refused where a number is expected)
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type (``None`` = any), default and help text."""

    name: str
    type: str | None
    default: Any
    help: str = ""


def declared_parameters(notebook: Path) -> dict[str, Parameter]:
    """The parameters a notebook declares, by name (empty if it has no parameters cell)."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise NotFound(f"notebook not found: {notebook}")
    found: dict[str, Parameter] = {}
    for name, info in papermill.inspect_notebook(str(notebook)).items():
        try:
            default = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            default = None  # an expression, not a literal: no default we can show
        type_name = info["inferred_type_name"]
        if type_name in ("None", ""):
            type_name = type(default).__name__ if default is not None else None
        found[name] = Parameter(
            name=name,
            type=type_name if type_name in _TYPES else None,
            default=default,
            help=info.get("help") or "",
        )
    return found


def validate_parameters(
    declared: Mapping[str, Parameter], values: Mapping[str, Any], *, notebook: str = ""
) -> dict[str, Any]:
    """Check names and types of ``values`` against ``declared``; return them as a dict.

    An unknown name or a value of the wrong type raises ``ValidationError`` naming it.
    """
    for name, value in values.items():
        param = declared.get(name)
        if param is None:
            known = ", ".join(sorted(declared)) or "none"
            raise ValidationError(
                f"unknown parameter {name!r} (this notebook takes: {known})",
                file=notebook or None,
                field=name,
            )
        if param.type is None:
            continue
        allowed = _TYPES[param.type]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise ValidationError(
                f"parameter {name!r} must be {param.type}, got {type(value).__name__} {value!r}",
                file=notebook or None,
                field=name,
            )
    return dict(values)


def parse_parameter_pairs(
    declared: Mapping[str, Parameter], pairs: Iterable[str], *, notebook: str = ""
) -> dict[str, Any]:
    """``["k=v", …]`` from a command line → typed values, converted by the declared types."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValidationError(f"expected NAME=VALUE, got {pair!r}", field="param")
        param = declared.get(name)
        values[name] = _convert(param, text, notebook) if param else text
    return validate_parameters(declared, values, notebook=notebook)


def _convert(param: Parameter, text: str, notebook: str) -> Any:
    try:
        if param.type == "int":
            return int(text)
        if param.type == "float":
            return float(text)
        if param.type == "bool":
            lowered = text.strip().lower()
            if lowered in ("true", "yes", "1", "on"):
                return True
            if lowered in ("false", "no", "0", "off"):
                return False
            raise ValueError(text)
        if param.type in ("list", "dict"):
            return json.loads(text)
    except ValueError as exc:
        raise ValidationError(
            f"parameter {param.name!r} must be {param.type}, got {text!r}",
            file=notebook or None,
            field=param.name,
        ) from exc
    return text
