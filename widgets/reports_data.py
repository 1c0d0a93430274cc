"""What the reports app shows, read from commbook: schedules, run history, report notebooks.

Small read-only helpers, kept apart from the widgets so that they are easy to test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from commbook.errors import ValidationError
from commbook.reports.parameters import Parameter, declared_parameters
from commbook.schedules import Schedule, last_runs, load_schedules, next_slots
from commbook.store import ReportRun, session_scope

#: The period picker's choices: key → label. Relative keys are period specs themselves.
PERIOD_KINDS: dict[str, str] = {
    "last_week": "Last week",
    "last_month": "Last month",
    "last_quarter": "Last quarter",
    "month": "A month",
    "quarter": "A quarter",
    "range": "A date range",
}
MONTHS = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
TRIGGERS = {"schedule": "schedule", "manual": "manual", "catch-up": "catch-up", "retry": "retry"}


def period_spec(
    kind: str,
    *,
    year: int | None = None,
    month: int | None = None,
    quarter: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> str:
    """The period spec (``2026-10``, ``2026-Q4``, ``2026-10-01..2026-10-15``, ``last_month``)
    that the picker's values name; check it with ``resolve_period``.

    Missing pieces raise ``ValidationError`` (field ``period``) saying what to pick.
    """
    if kind in ("last_week", "last_month", "last_quarter"):
        return kind
    if kind == "month":
        if not year or not month:
            raise ValidationError("pick a month and a year", field="period")
        return f"{year:04d}-{month:02d}"
    if kind == "quarter":
        if not year or not quarter:
            raise ValidationError("pick a quarter and a year", field="period")
        return f"{year:04d}-Q{quarter}"
    if kind == "range":
        if start is None or end is None:
            raise ValidationError("pick the first and the last day of the range", field="period")
        if end < start:
            raise ValidationError(
                f"the range ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y})",
                field="period",
            )
        return f"{start.isoformat()}..{end.isoformat()}"
    raise ValidationError(f"unknown kind of period {kind!r}", field="period")


@dataclass(frozen=True)
class ReportNotebook:
    """A notebook that can be run as a report: it declares a ``period`` parameter."""

    name: str
    path: Path
    parameters: dict[str, Parameter]

    @property
    def default_title(self) -> str:
        param = self.parameters.get("title")
        return str(param.default) if param is not None and param.default is not None else ""


def report_notebooks(folder: Path) -> list[ReportNotebook]:
    """The report notebooks in ``folder`` (apps and other notebooks are left out), by name."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            declared = declared_parameters(path)
        except Exception:  # unreadable or no kernelspec: not runnable as a report
            continue
        if "period" in declared:
            found.append(ReportNotebook(path.stem, path, declared))
    return found


def cron_words(cron: str) -> str:
    """``0 7 1 * *`` → ``At 07:00, on day 1 of the month`` (the expression itself on failure)."""
    try:
        from cron_descriptor import ExpressionDescriptor, Options

        options = Options()
        options.use_24hour_time_format = True
        return ExpressionDescriptor(cron, options).get_description()
    except Exception:  # a description is a nicety; the cron itself was validated
        return cron


@dataclass(frozen=True)
class ScheduleView:
    """One schedule as the app lists it."""

    schedule: Schedule
    when: str  # the cron in words
    next_run: dt.datetime | None  # in the schedule's timezone; None when disabled
    last_run: ReportRun | None


@dataclass(frozen=True)
class SchedulesState:
    """The schedules file read for the app, or why it could not be read."""

    path: Path
    schedules: list[ScheduleView]
    problem: str = ""


def read_schedules(path: Path, url: str, now: dt.datetime | None = None) -> SchedulesState:
    """The schedules in ``path`` with their next run and last run; problems as text."""
    now = now or dt.datetime.now(dt.UTC)
    if not path.is_file():
        return SchedulesState(path, [], f"There is no schedules file at {path}.")
    try:
        schedules = load_schedules(path)
    except ValidationError as exc:
        return SchedulesState(path, [], str(exc))
    try:
        last = last_runs(url, [s.name for s in schedules])
    except Exception:  # an old store without run history still lists the schedules
        last = {}
    views = []
    for s in schedules:
        slots = next_slots(s, now, 1) if s.enabled else []
        views.append(
            ScheduleView(
                schedule=s,
                when=cron_words(s.cron),
                next_run=slots[0].astimezone(s.tz) if slots else None,
                last_run=last.get(s.name),
            )
        )
    return SchedulesState(path, views)


def recent_runs(url: str, limit: int = 25) -> list[ReportRun]:
    """Every kind of report run (scheduled, manual, from the command line), newest first."""
    with session_scope(url) as s:
        query = select(ReportRun).order_by(ReportRun.started_at.desc(), ReportRun.id.desc())
        return list(s.scalars(query.limit(limit)))


def duration(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """``8 s``, ``2 min 05 s``, ``1 h 02 min``; empty when not finished."""
    if start is None or end is None:
        return ""
    seconds = max(0, round((end - start).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def summary(error: str | None, limit: int = 160) -> str:
    """The first line of an error message, shortened to ``limit`` characters."""
    first = next((line.strip() for line in (error or "").splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
