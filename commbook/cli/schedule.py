"""``commbook schedule``: list, run and tick the report schedules in ``schedules.yml``."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.schedules import (
    Outcome,
    Schedule,
    Scheduler,
    default_runner,
    history,
    last_runs,
    load_schedules,
    next_slots,
)
from commbook.schedules.spec import format_duration


def _file_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--file",
        "-f",
        "schedules_file",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="COMMBOOK_SCHEDULES",
        help="The schedules file (default: schedules.yml in COMMBOOK_HOME; "
        "env COMMBOOK_SCHEDULES).",
    )(func)


def _load(schedules_file: Path | None) -> list[Schedule]:
    return load_schedules(_path(schedules_file))


def _path(schedules_file: Path | None) -> Path:
    return schedules_file or get_settings().home / "schedules.yml"


def _scheduler(schedules: list[Schedule]) -> Scheduler:
    """The scheduler; ``obj={"runner": f}`` on the click context swaps the report runner."""
    ctx = click.get_current_context()
    runner = (ctx.find_root().obj or {}).get("runner", default_runner)
    return Scheduler(schedules, runner=runner)


def _parse_now(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date-time such as 2026-10-25T02:30+02:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=get_settings().tz)
    return parsed.astimezone(dt.UTC)


_NOW_HELP = (
    "Act as if it were this moment (ISO 8601; without an offset: COMMBOOK_TIMEZONE). "
    "For tests and for replaying a missed day."
)


def _local(value: dt.datetime | None, tz: Any) -> str:
    if value is None:
        return "-"
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _words(cron: str) -> str:
    try:
        from cron_descriptor import get_description

        return get_description(cron)
    except Exception:  # a description is a nicety; the cron itself was validated
        return cron


@click.group("schedule")
def command() -> None:
    """Report schedules (schedules.yml): list them, run one now, run what is due.

    \b
    Run what is due from system cron, every minute:
      * * * * * cd /path/to/project && .venv/bin/commbook schedule tick
    or keep a scheduler running:
      commbook schedule serve
    """


@command.command("list")
@_file_option
@click.option("--next", "count", default=2, show_default=True, help="Next run times to show.")
@click.option("--now", "now_text", metavar="DATETIME", help=_NOW_HELP)
def list_(schedules_file: Path | None, count: int, now_text: str | None) -> None:
    """List the schedules with their next run times (local and UTC) and last run.

    \b
    Example:
      commbook schedule list --next 3
    """
    schedules = _load(schedules_file)
    now = _parse_now(now_text) or dt.datetime.now(dt.UTC)
    try:
        last = last_runs(None, [s.name for s in schedules])
    except SQLAlchemyError:  # no store yet: the schedules are still worth listing
        last = {}
        click.echo("(no run history: the store is missing or old; `commbook db upgrade`)")
    if not schedules:
        click.echo(f"no schedules in {_path(schedules_file)}")
    for s in schedules:
        state = "enabled" if s.enabled else "disabled"
        click.echo(f"{s.name}  ({state})")
        if s.description:
            click.echo(f"  {s.description}")
        click.echo(f"  when      {s.cron}  — {_words(s.cron)}, {s.timezone} time")
        click.echo(
            f"  report    notebook {s.notebook}, period {s.period}, "
            f"formats {', '.join(s.formats)}" + (f", keep {s.keep}" if s.keep else "")
        )
        retry = s.retries
        click.echo(
            f"  policy    {retry.max_attempts} attempt(s) {format_duration(retry.delay)} apart, "
            f"catch-up window {format_duration(s.catch_up)}"
        )
        if s.recipients:
            click.echo(f"  email     {', '.join(s.recipients)}")
        if s.enabled:
            for i, slot in enumerate(next_slots(s, now, count)):
                label = "next" if i == 0 else ""
                click.echo(f"  {label:<9} {_local(slot, s.tz)}  ({slot:%Y-%m-%d %H:%M} UTC)")
        run = last.get(s.name)
        if run is not None:
            click.echo(
                f"  last      #{run.id} {run.status} {_local(run.started_at, s.tz)} "
                f"({run.trigger}, period {run.period})"
            )


@command.command("check")
@_file_option
def check(schedules_file: Path | None) -> None:
    """Validate schedules.yml (cron, timezone, notebook, parameters) and say what is wrong.

    \b
    Example:
      commbook schedule check -f schedules.yml
    """
    schedules = _load(schedules_file)
    click.echo(f"{_path(schedules_file)}: {len(schedules)} schedule(s), all valid")


def _echo(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        click.echo(str(outcome), err=outcome.action in ("failed", "busy"))


@command.command("run")
@_file_option
@click.argument("name")
@click.option("--period", help="Period to report on instead of the schedule's (e.g. 2026-10).")
def run(schedules_file: Path | None, name: str, period: str | None) -> None:
    """Run schedule NAME now (trigger "manual"), whatever its cron says.

    \b
    Example:
      commbook schedule run monthly-stakeholders --period 2026-10
    """
    scheduler = _scheduler(_load(schedules_file))
    outcome = scheduler.run(name, period=period)
    _echo([outcome])
    if outcome.action != "ran":
        raise CommbookError(f"run #{outcome.run_id} of {name!r} failed")


@command.command("tick")
@_file_option
@click.option("--now", "now_text", metavar="DATETIME", help=_NOW_HELP)
def tick(schedules_file: Path | None, now_text: str | None) -> None:
    """Run every schedule due now; recover interrupted runs. Safe to call every minute.

    A slot that already ran successfully never runs again, so calling tick twice (or
    from two machines) is harmless. Prints one line per thing done, nothing otherwise.

    \b
    Example (crontab):
      * * * * * cd /srv/community && .venv/bin/commbook schedule tick
    """
    scheduler = _scheduler(_load(schedules_file))
    _echo(scheduler.tick(_parse_now(now_text)))


@command.command("serve")
@_file_option
@click.option("--interval", default=30.0, show_default=True, help="Seconds between ticks.")
def serve(schedules_file: Path | None, interval: float) -> None:
    """Keep running: tick every INTERVAL seconds until Ctrl-C or SIGTERM.

    A stop request lets the run in progress finish. schedules.yml is re-read when it
    changes; a broken edit is reported and the previous schedules are kept.

    \b
    Example:
      commbook schedule serve --interval 30
    """
    path = _path(schedules_file)
    scheduler = _scheduler(load_schedules(path))
    loaded_at = path.stat().st_mtime
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        click.echo("stopping after the current run (Ctrl-C again to abort it)", err=True)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    click.echo(
        f"serving {len(scheduler.schedules)} schedule(s) from {path}, "
        f"tick every {interval:g}s (Ctrl-C to stop)"
    )
    try:
        while not stop.is_set():
            if path.exists() and path.stat().st_mtime != loaded_at:
                loaded_at = path.stat().st_mtime
                try:
                    scheduler = _scheduler(load_schedules(path))
                    click.echo(f"reloaded {path}: {len(scheduler.schedules)} schedule(s)")
                except CommbookError as exc:
                    click.echo(f"error: {exc} (keeping the previous schedules)", err=True)
            try:
                _echo(scheduler.tick())
            except (CommbookError, OperationalError) as exc:
                click.echo(f"error: tick failed: {exc}", err=True)
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("stopped")


@command.command("history")
@_file_option
@click.argument("name", required=False)
@click.option("--limit", default=20, show_default=True, help="How many runs to show.")
def history_(schedules_file: Path | None, name: str | None, limit: int) -> None:
    """Show past runs of all schedules (or of NAME), newest first.

    \b
    Example:
      commbook schedule history monthly-stakeholders --limit 5
    """
    try:
        zones = {s.name: s.tz for s in _load(schedules_file)}
    except CommbookError:  # history stays readable while schedules.yml is broken
        zones = {}
    runs = history(None, name, limit)
    if not runs:
        click.echo("no runs yet" + (f" for {name!r}" if name else ""))
        return
    header = ("ID", "SCHEDULE", "SLOT", "TRIGGER", "TRY", "STATUS", "TOOK", "PERIOD", "NOTE")
    rows = [header]
    for r in runs:
        tz = zones.get(r.schedule, dt.UTC)
        took = "-"
        if r.finished_at and r.status in ("ok", "failed"):
            took = f"{(r.finished_at - r.started_at).total_seconds():.0f}s"
        note = r.error or ", ".join(
            f"{k}" for k in (r.outputs or {}) if k in ("html", "pdf", "ipynb")
        )
        if (r.outputs or {}).get("email"):
            note = f"{note}; {r.outputs['email']}" if note else r.outputs["email"]
        slot = _local(r.scheduled_for, tz) if r.scheduled_for else "(now)"
        rows.append(
            (
                str(r.id),
                r.schedule or r.name,
                slot,
                r.trigger or "-",
                str(r.attempt or "-"),
                r.status,
                took,
                r.period,
                note.splitlines()[0][:80] if note else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())
