"""Where the triage config files live, and reading them as YAML with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from commbook.config import PROJECT_ROOT, Settings
from commbook.errors import NotFound, ValidationError


def default_path(name: str) -> Path:
    """``<COMMBOOK_HOME>/config/<name>`` if it exists, else the project's ``config/<name>``."""
    local = Settings.from_env().home / "config" / name
    return local if local.exists() else PROJECT_ROOT / "config" / name


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a missing file raises ``NotFound``, bad YAML ``ValidationError``
    with the line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        row = mark.line + 1 if mark is not None else None
        raise ValidationError(f"not valid YAML: {problem}", file=str(path), row=row) from None
