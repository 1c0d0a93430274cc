"""The ``schedules.yml`` file: what to run, when, and what to do with the result.

Loading validates everything a run would otherwise trip over at 07:00 on the 1st: the cron
expression, the timezone, the notebook, its parameters, the period. Every problem is
reported with the schedule's name, the field and the line of the YAML file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
import yaml
from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from commbook.errors import ValidationError

FORMATS = ("html", "pdf")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse_duration(value: Any) -> dt.timedelta:
    """``"30s"``, ``"10m"``, ``"2h"``, ``"1d"``, ``"1w"``, or a number of seconds."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 10m, 2h or 1d, got {value!r}")
    if isinstance(value, int | float):
        return dt.timedelta(seconds=value)
    if isinstance(value, str) and (m := _DURATION.match(value)):
        return dt.timedelta(seconds=int(m[1]) * _UNIT_SECONDS[m[2].lower()])
    raise ValueError(f"expected a duration such as 10m, 2h or 1d, got {value!r}")


def format_duration(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class RetryPolicy(BaseModel):
    """How often a failed run is tried in all (``max_attempts``), ``delay`` apart."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=1, ge=1, le=20)
    delay: dt.timedelta = dt.timedelta(minutes=10)

    _delay = field_validator("delay", mode="before")(parse_duration)


class Schedule(BaseModel):
    """One entry of ``schedules.yml`` (see docs/schedules.md, field by field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    notebook: str
    cron: str
    timezone: str = "UTC"
    parameters: dict[str, Any] = Field(default_factory=dict)
    formats: tuple[Literal["html", "pdf"], ...] = ("html",)
    keep: int | None = Field(default=None, ge=1)
    enabled: bool = True
    retries: RetryPolicy = RetryPolicy()
    catch_up: dt.timedelta = dt.timedelta(days=1)
    recipients: tuple[str, ...] = ()
    description: str = ""

    _catch_up = field_validator("catch_up", mode="before")(parse_duration)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a usable name: letters, digits, '-', '_' and '.' only "
                "(it becomes a folder name under reports/)"
            )
        return value

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value.split()) != 5:
            raise ValueError(
                f"bad cron expression {value!r}: expected 5 fields "
                "(minute hour day-of-month month day-of-week), e.g. '0 7 1 * *'"
            )
        try:
            CronSim(value, dt.datetime(2026, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"bad cron expression {value!r}: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r} (expected an IANA name such as 'Europe/Paris')"
            ) from None
        return value

    @field_validator("formats", mode="before")
    @classmethod
    def _split_formats(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("formats")
    @classmethod
    def _some_format(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(f"give at least one format ({', '.join(FORMATS)})")
        return tuple(dict.fromkeys(value))

    @field_validator("recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("recipients")
    @classmethod
    def _check_recipients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        return value

    @field_validator("parameters")
    @classmethod
    def _check_period(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "period" not in value:
            raise ValueError(
                "parameters.period is required: a relative period such as last_week, "
                "last_month, last_quarter, or a fixed one such as 2026-10"
            )
        from commbook.reports.periods import resolve_period

        try:
            resolve_period(str(value["period"]), dt.date(2026, 1, 1))
        except ValidationError as exc:
            raise ValueError(exc.reason) from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def period(self) -> str:
        """The period spec, e.g. ``last_month`` (resolved for each run's slot)."""
        return str(self.parameters["period"])

    @property
    def params(self) -> dict[str, Any]:
        """Notebook parameters other than the period."""
        return {k: v for k, v in self.parameters.items() if k != "period"}


class SchedulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schedules: list[Schedule] = Field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file, and where."""

    line: int | None
    schedule: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.schedule:
            where.append(f"schedule '{self.schedule}'")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class SchedulesFileError(ValidationError):
    """``schedules.yml`` has problems; ``problems`` lists each with its line."""

    def __init__(self, file: Path | str, problems: list[Problem]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = str(problems[0])
        else:
            message = f"{len(problems)} problems:\n  " + "\n  ".join(str(p) for p in problems)
        super().__init__(message, file=str(file))


def load_schedules(path: Path | str, notebooks_dir: Path | None = None) -> list[Schedule]:
    """Read and validate ``schedules.yml``; raise ``SchedulesFileError`` listing every problem.

    With ``notebooks_dir`` (default: the configured one) each notebook must exist there and
    every parameter must be one its ``parameters`` cell defines.
    """
    from commbook.config import get_settings

    path = Path(path)
    if not path.exists():
        raise SchedulesFileError(path, [Problem(None, None, None, "file not found")])
    notebooks_dir = notebooks_dir or get_settings().notebooks_dir
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        raise SchedulesFileError(path, [Problem(line, None, None, reason)]) from None
    lines = _LineMap(root)
    if data is None:
        data = {}
    if isinstance(data, list):  # a bare list of schedules is accepted too
        data = {"schedules": data}
        lines.offset = ()
    if not isinstance(data, dict):
        raise SchedulesFileError(
            path, [Problem(1, None, None, "expected a 'schedules:' list at the top")]
        )
    try:
        parsed = SchedulesFile.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [_problem(err, data, lines) for err in exc.errors()]
        raise SchedulesFileError(path, problems) from None
    problems = _cross_checks(parsed.schedules, data, lines, Path(notebooks_dir))
    if problems:
        raise SchedulesFileError(path, problems)
    return parsed.schedules


class _LineMap:
    """Line numbers of the YAML nodes, looked up by pydantic error location."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root
        self.offset: tuple[Any, ...] = ("schedules",)

    def line(self, loc: tuple[Any, ...]) -> int | None:
        node = self.root
        if loc and loc[0] == "schedules" and self.offset == ():
            loc = loc[1:]
        found = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == str(key)), None)
                key_node = next((k for k, v in node.value if k.value == str(key)), None)
                if match is None:
                    return found
                found = key_node.start_mark.line + 1 if key_node is not None else found
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    return found
                node = node.value[key]
                found = node.start_mark.line + 1
            else:
                return found
        return found


def _schedule_name(data: dict[str, Any], index: Any) -> str | None:
    items = data.get("schedules")
    if isinstance(index, int) and isinstance(items, list) and index < len(items):
        item = items[index]
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            return item["name"]
        return f"#{index + 1}"
    return None


def _problem(err: Any, data: dict[str, Any], lines: _LineMap) -> Problem:
    loc = tuple(err["loc"])
    name = _schedule_name(data, loc[1]) if len(loc) > 1 and loc[0] == "schedules" else None
    field_path = [str(p) for p in loc[2:] if not isinstance(p, int)]
    field = ".".join(field_path) or None
    reason = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        reason = "unknown field (see docs/schedules.md for the fields)"
    elif err["type"] == "missing":
        reason = "required field is missing"
    elif err["type"] == "literal_error" and loc[2:3] == ("formats",):
        reason = f"unknown format {err.get('input')!r} (expected {', '.join(FORMATS)})"
    return Problem(lines.line(loc), name, field, reason)


def _cross_checks(
    schedules: list[Schedule], data: dict[str, Any], lines: _LineMap, notebooks_dir: Path
) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    inspected: dict[Path, set[str]] = {}
    for index, schedule in enumerate(schedules):
        loc: tuple[Any, ...] = ("schedules", index)
        if schedule.name in seen:
            problems.append(
                Problem(
                    lines.line((*loc, "name")),
                    schedule.name,
                    "name",
                    f"duplicate name: schedule #{seen[schedule.name] + 1} has it already",
                )
            )
        else:
            seen[schedule.name] = index
        path = notebook_path(schedule, notebooks_dir)
        if not path.exists():
            available = ", ".join(sorted(p.stem for p in notebooks_dir.glob("*.ipynb")))
            problems.append(
                Problem(
                    lines.line((*loc, "notebook")),
                    schedule.name,
                    "notebook",
                    f"unknown notebook {schedule.notebook!r}: no {path.name} in "
                    f"{notebooks_dir} (available: {available or 'none'})",
                )
            )
            continue
        if path not in inspected:
            try:
                inspected[path] = notebook_parameters(path)
            except Exception as exc:  # papermill refuses e.g. a notebook without a kernelspec
                problems.append(
                    Problem(
                        lines.line((*loc, "notebook")),
                        schedule.name,
                        "notebook",
                        f"cannot read the parameters of {path.name}: {exc}",
                    )
                )
                continue
        known = inspected[path]
        for key in schedule.parameters:
            if key not in known:
                problems.append(
                    Problem(
                        lines.line((*loc, "parameters", key)),
                        schedule.name,
                        f"parameters.{key}",
                        f"unknown parameter {key!r}: {path.name} has "
                        f"{', '.join(sorted(known)) or 'no parameters cell'}",
                    )
                )
    return problems


def notebook_path(schedule: Schedule, notebooks_dir: Path) -> Path:
    """``report`` or ``report.ipynb`` → the file in ``notebooks_dir``."""
    name = schedule.notebook
    if not name.endswith(".ipynb"):
        name += ".ipynb"
    return notebooks_dir / name


_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)")


def notebook_parameters(path: Path) -> set[str]:
    """Names in the notebook's ``parameters`` cell, as ``papermill.inspect_notebook`` sees them.

    Papermill skips an assignment it cannot parse (e.g. a comment containing ``=``) with a
    warning; those names are added from the cell's top-level assignments.
    """
    import papermill

    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        _quiet("papermill"),
    ):
        names = set(papermill.inspect_notebook(str(path)))
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            names |= {m[1] for line in source.splitlines() if (m := _ASSIGNMENT.match(line))}
            break
    return names


@contextlib.contextmanager
def _quiet(logger_name: str):
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
