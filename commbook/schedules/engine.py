"""The scheduler: which runs are due, running them under a lock, and their history.

Definitions (docs/schedules.md explains them for users):

- A schedule's **slots** are the instants its cron expression matches, evaluated in the
  schedule's timezone (cronsim, which follows Debian cron on DST days: a time skipped by
  spring-forward runs at the first minute after the gap; a time repeated by fall-back runs
  once, at its first occurrence).
- At ``now``, the **newest slot** is the latest slot ≤ ``now``. It is **due** when it has no
  successful, skipped or running run, it is at most ``catch_up`` old (first attempt only),
  and its retry budget and delay allow another attempt.
- Slots older than the newest one that were never run (the scheduler was down) are
  recorded as ``skipped``: only the newest missed slot is run ("catch-up").
- A run whose process died (status ``running``, lock stale) is marked ``failed``
  (``interrupted: …``) by the next tick and retried like any failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cronsim import CronSim
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from commbook.config import Settings, get_settings
from commbook.errors import CommbookError, NotFound
from commbook.schedules import locks
from commbook.schedules.spec import Schedule, format_duration, notebook_path
from commbook.store import ReportRun, get_engine, session_scope

log = logging.getLogger(__name__)

GRACE = dt.timedelta(minutes=5)  # later than this after its slot, a first run is "catch-up"
MAX_SKIPPED = 100  # missed slots recorded per tick at most (the newest ones)
INTERRUPTED = "interrupted"

Runner = Callable[..., Any]
Trigger = Literal["schedule", "manual", "catch-up", "retry"]


def default_runner(notebook: Path, **kwargs: Any) -> Any:
    """``commbook.reports.runner.run_report``, imported when first needed."""
    try:
        from commbook.reports.runner import run_report
    except ModuleNotFoundError as exc:
        if exc.name != "commbook.reports.runner":
            raise
        raise CommbookError("the report runner (commbook.reports.runner) is not installed") from exc
    return run_report(notebook, **kwargs)


def _floor_minute(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(second=0, microsecond=0)


def newest_slot(schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
    """The latest instant ≤ ``now`` that the cron expression matches (UTC), if any."""
    start = (_floor_minute(now) + dt.timedelta(minutes=1)).astimezone(schedule.tz)
    try:
        return next(CronSim(schedule.cron, start, reverse=True)).astimezone(dt.UTC)
    except StopIteration:
        return None


def next_slots(schedule: Schedule, after: dt.datetime, count: int = 3) -> list[dt.datetime]:
    """The next ``count`` slots strictly after ``after`` (UTC)."""
    it = CronSim(schedule.cron, _floor_minute(after).astimezone(schedule.tz))
    out: list[dt.datetime] = []
    for slot in it:
        out.append(slot.astimezone(dt.UTC))
        if len(out) == count:
            break
    return out


def slots_between(
    schedule: Schedule, after: dt.datetime, before: dt.datetime, limit: int = MAX_SKIPPED
) -> list[dt.datetime]:
    """Slots strictly between ``after`` and ``before`` (UTC), the newest ``limit`` of them."""
    out: list[dt.datetime] = []
    for slot in CronSim(schedule.cron, after.astimezone(schedule.tz)):
        slot = slot.astimezone(dt.UTC)
        if slot >= before:
            break
        out.append(slot)
        if len(out) > limit:
            out.pop(0)
    return out


def resolve_period_label(spec: str, schedule: Schedule, at: dt.datetime) -> str:
    """``last_month`` etc. resolved for the local date of ``at`` in the schedule's timezone."""
    from commbook.reports.periods import resolve_period

    local_day = at.astimezone(schedule.tz).date()
    return resolve_period(spec, local_day, schedule.tz).label


@dataclass(frozen=True)
class RunRow:
    """What the decision needs from one ``report_runs`` row."""

    id: int
    status: str
    attempt: int
    scheduled_for: dt.datetime | None
    finished_at: dt.datetime | None
    trigger: str | None
    period: str
    parameters: dict[str, Any]
    error: str | None


@dataclass(frozen=True)
class Decision:
    """What to do for a schedule now: ``run``, ``skip`` the slot, ``wait``, or ``none``."""

    action: Literal["run", "skip", "wait", "none"]
    slot: dt.datetime | None = None
    attempt: int = 1
    trigger: Trigger = "schedule"
    period: str | None = None  # a retry re-runs the failed run's period and parameters
    parameters: dict[str, Any] | None = None
    reason: str = ""


def decide(
    schedule: Schedule,
    now: dt.datetime,
    slot: dt.datetime | None,
    slot_rows: Sequence[RunRow],
    last_manual: RunRow | None = None,
) -> Decision:
    """The policy, as a pure function of the schedule, the time and the history rows.

    ``slot_rows`` are the runs recorded for ``slot``; ``last_manual`` is the newest run
    without a slot (started by ``commbook schedule run``). The slot comes first; an
    interrupted manual run is retried when the slot needs nothing.
    """
    if not schedule.enabled:
        return Decision("none", slot, reason="disabled")
    for_slot = _decide_slot(schedule, now, slot, slot_rows)
    if for_slot.action in ("run", "skip"):
        return for_slot
    manual = last_manual
    if manual is not None and manual.status == "failed":
        interrupted = (manual.error or "").startswith(INTERRUPTED)
        recent = manual.finished_at is not None and now - manual.finished_at <= schedule.catch_up
        if interrupted and recent and manual.attempt < schedule.retries.max_attempts:
            retry = _retry(schedule, now, manual, None)
            if retry.action == "run" or for_slot.action == "none":
                return retry
    return for_slot


def _decide_slot(
    schedule: Schedule, now: dt.datetime, slot: dt.datetime | None, rows: Sequence[RunRow]
) -> Decision:
    if slot is None:
        return Decision("none", None, reason="no slot")
    statuses = {r.status for r in rows}
    for status, reason in (("ok", "done"), ("skipped", "skipped"), ("running", "running")):
        if status in statuses:
            return Decision("none", slot, reason=reason)
    failed = sorted((r for r in rows if r.status == "failed"), key=lambda r: r.attempt)
    if not failed:
        late = now - slot
        if late > schedule.catch_up:
            return Decision(
                "skip",
                slot,
                reason=f"missed: {_ago(late)} late, outside the catch-up window of "
                f"{format_duration(schedule.catch_up)}",
            )
        return Decision("run", slot, 1, "schedule" if late <= GRACE else "catch-up")
    last = failed[-1]
    if last.attempt < schedule.retries.max_attempts:
        return _retry(schedule, now, last, slot)
    return Decision("none", slot, reason=f"failed {last.attempt} time(s), gave up")


def _retry(schedule: Schedule, now: dt.datetime, last: RunRow, slot: dt.datetime | None):
    finished = last.finished_at or now
    ready = _floor_minute(finished + schedule.retries.delay)  # ticks come on the minute
    if now < ready:
        return Decision("wait", slot, reason=f"retry {last.attempt + 1} at {ready:%H:%M} UTC")
    params = {k: v for k, v in last.parameters.items() if k != "period"}
    return Decision("run", slot, last.attempt + 1, "retry", last.period, params)


def _ago(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


@dataclass
class Outcome:
    """What a tick (or a manual run) did for one schedule."""

    schedule: str
    action: str  # ran, failed, skipped, recovered, busy, waiting
    slot: dt.datetime | None = None
    run_id: int | None = None
    detail: str = ""

    def __str__(self) -> str:
        slot = f" [{self.slot:%Y-%m-%d %H:%M} UTC]" if self.slot else ""
        run = f" run #{self.run_id}" if self.run_id else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.schedule}{slot} {self.action}{run}{detail}"


class _Clock:
    """``now`` fixed at the start of a tick, advancing with real elapsed time."""

    def __init__(self, start: dt.datetime | None) -> None:
        self.start = (start or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        self.t0 = time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.t0)


def _as_row(run: ReportRun) -> RunRow:
    return RunRow(
        id=run.id,
        status=run.status,
        attempt=run.attempt or 1,
        scheduled_for=run.scheduled_for,
        finished_at=run.finished_at,
        trigger=run.trigger,
        period=run.period,
        parameters=dict(run.parameters or {}),
        error=run.error,
    )


@dataclass
class Scheduler:
    """Runs ``schedules`` against the store at ``url`` with ``runner`` (the report runner).

    ``tick(now)`` does everything due at ``now``; ``run(name)`` runs one schedule now. The
    runner is called as ``runner(notebook, period=, params=, formats=, out_dir=, url=)``.
    """

    schedules: Sequence[Schedule]
    url: str | None = None
    runner: Runner = default_runner
    settings: Settings = field(default_factory=get_settings)
    lock_timeout: dt.timedelta = locks.LOCK_TIMEOUT
    heartbeat_every: dt.timedelta = locks.HEARTBEAT_EVERY
    _settled: dict[str, tuple[dt.datetime | None, int]] = field(default_factory=dict, repr=False)
    _slots: dict[str, tuple[dt.datetime | None, dt.datetime]] = field(
        default_factory=dict, repr=False
    )
    _state_query: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.url = self.url or self.settings.database_url

    def get(self, name: str) -> Schedule:
        for schedule in self.schedules:
            if schedule.name == name:
                return schedule
        known = ", ".join(s.name for s in self.schedules) or "none"
        raise NotFound(f"no schedule named {name!r} (schedules: {known})")

    # -- ticking ---------------------------------------------------------------------------

    def tick(self, now: dt.datetime | None = None) -> list[Outcome]:
        """Recover interrupted runs, then run every schedule due at ``now`` (default: now)."""
        clock = _Clock(now)
        state = self._store_state()
        outcomes: list[Outcome] = []
        for schedule in self.schedules:
            outcomes += self._tick_one(schedule, clock, state.get(schedule.name, (0, False)))
        return outcomes

    def _tick_one(
        self, schedule: Schedule, clock: _Clock, state: tuple[int, bool]
    ) -> list[Outcome]:
        now = clock.start
        newest_id, has_running = state
        slot = self._newest_slot(schedule, now)
        if not has_running:
            if not schedule.enabled or self._settled.get(schedule.name) == (slot, newest_id):
                return []
            decision = self._decide(schedule, now, slot)
            if decision.action == "none":
                if decision.reason in ("done", "skipped") or decision.reason.startswith("failed"):
                    self._settled[schedule.name] = (slot, newest_id)
                return []
            if decision.action == "wait":
                return []
        lock = locks.acquire(schedule.name, self.url, now=clock, timeout=self.lock_timeout)
        if isinstance(lock, locks.LockState):
            return [Outcome(schedule.name, "busy", slot, detail=f"locked by {lock.describe()}")]
        try:
            outcomes = self._recover(schedule, clock)
            decision = self._decide(schedule, now, slot)
            if decision.action in ("run", "skip") and decision.trigger != "retry" and slot:
                outcomes += self._record_missed(schedule, slot, clock)
            if decision.action == "skip":
                run_id = self._record_skip(schedule, decision.slot, decision.reason, clock)
                outcomes.append(Outcome(schedule.name, "skipped", slot, run_id, decision.reason))
                decision = self._decide(schedule, now, slot)  # e.g. a retry still pending
            if decision.action == "run":
                outcomes.append(self._execute(schedule, decision, clock, lock))
            elif decision.action == "wait":
                outcomes.append(Outcome(schedule.name, "waiting", slot, detail=decision.reason))
            return outcomes
        finally:
            lock.release()

    def _newest_slot(self, schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
        """``newest_slot``, remembered until the following slot comes."""
        cached = self._slots.get(schedule.name)
        if cached and cached[0] is not None and cached[0] <= now < cached[1]:
            return cached[0]
        slot = newest_slot(schedule, now)
        following = next_slots(schedule, slot, 1) if slot is not None else []
        self._slots[schedule.name] = (slot, following[0] if following else now)
        return slot

    def _store_state(self) -> dict[str, tuple[int, bool]]:
        """Per schedule: the newest run id, and whether a run is marked ``running``."""
        if self._state_query is None:
            running = func.max(case((ReportRun.status == "running", 1), else_=0))
            self._state_query = (
                select(ReportRun.schedule, func.max(ReportRun.id), running)
                .where(ReportRun.schedule.in_([s.name for s in self.schedules]))
                .group_by(ReportRun.schedule)
            )
        with get_engine(self.url).connect() as conn:
            rows = conn.execute(self._state_query)
            return {name: (newest, bool(flag)) for name, newest, flag in rows}

    def _decide(self, schedule: Schedule, now: dt.datetime, slot: dt.datetime | None) -> Decision:
        with session_scope(self.url) as s:
            slot_rows = []
            if slot is not None:
                slot_rows = [
                    _as_row(r)
                    for r in s.scalars(
                        select(ReportRun).where(
                            ReportRun.schedule == schedule.name, ReportRun.scheduled_for == slot
                        )
                    )
                ]
            manual = s.scalars(
                select(ReportRun)
                .where(ReportRun.schedule == schedule.name, ReportRun.scheduled_for.is_(None))
                .order_by(ReportRun.id.desc())
                .limit(1)
            ).first()
        return decide(schedule, now, slot, slot_rows, _as_row(manual) if manual else None)

    # -- recovery, catch-up ----------------------------------------------------------------

    def _recover(self, schedule: Schedule, clock: _Clock) -> list[Outcome]:
        """Mark this schedule's ``running`` rows failed: we hold its lock, so nobody runs them.

        Rows the report runner wrote for the same dead process are marked too.
        """
        outcomes = []
        with session_scope(self.url) as s:
            rows = s.scalars(
                select(ReportRun).where(
                    ReportRun.schedule == schedule.name, ReportRun.status == "running"
                )
            ).all()
            for run in rows:
                where = f"pid {run.pid} on {run.host}" if run.pid else "its process"
                run.status = "failed"
                run.finished_at = clock()
                run.error = f"{INTERRUPTED}: {where} stopped before the run finished"
                s.execute(
                    update(ReportRun)
                    .where(
                        ReportRun.schedule.is_(None),
                        ReportRun.status == "running",
                        ReportRun.host == run.host,
                        ReportRun.pid == run.pid,
                        ReportRun.id > run.id,
                    )
                    .values(status="failed", finished_at=clock(), error=run.error)
                )
                outcomes.append(
                    Outcome(schedule.name, "recovered", run.scheduled_for, run.id, run.error)
                )
        return outcomes

    def _record_missed(self, schedule: Schedule, slot: dt.datetime, clock: _Clock) -> list[Outcome]:
        with session_scope(self.url) as s:
            last = s.scalar(
                select(func.max(ReportRun.scheduled_for)).where(ReportRun.schedule == schedule.name)
            )
        if last is None or last >= slot:
            return []
        reason = "missed while no scheduler was running; only the newest missed run is made"
        out = []
        for missed in slots_between(schedule, last, slot):
            run_id = self._record_skip(schedule, missed, reason, clock)
            out.append(Outcome(schedule.name, "skipped", missed, run_id, reason))
        return out

    def _record_skip(
        self, schedule: Schedule, slot: dt.datetime | None, reason: str, clock: _Clock
    ) -> int:
        label = resolve_period_label(schedule.period, schedule, slot or clock())
        stamp = clock()
        with session_scope(self.url) as s:
            run = ReportRun(
                name=schedule.name,
                notebook=schedule.notebook,
                period=label,
                parameters={**schedule.params, "period": label},
                status="skipped",
                started_at=stamp,
                finished_at=stamp,
                error=reason,
                host=locks.HOST,
                pid=os.getpid(),
                schedule=schedule.name,
                scheduled_for=slot,
                attempt=None,
                trigger="catch-up",
            )
            s.add(run)
            s.flush()
            return run.id

    # -- running ---------------------------------------------------------------------------

    def run(
        self, name: str, *, period: str | None = None, now: dt.datetime | None = None
    ) -> Outcome:
        """Run schedule ``name`` now (trigger ``manual``), for ``period`` or its own."""
        schedule = self.get(name)
        clock = _Clock(now)
        lock = locks.acquire(name, self.url, now=clock, timeout=self.lock_timeout)
        if isinstance(lock, locks.LockState):
            raise CommbookError(f"schedule {name!r} is running already ({lock.describe()})")
        try:
            self._recover(schedule, clock)
            decision = Decision("run", None, 1, "manual", period or schedule.period)
            return self._execute(schedule, decision, clock, lock)
        finally:
            lock.release()

    def _execute(
        self, schedule: Schedule, decision: Decision, clock: _Clock, lock: locks.Lock
    ) -> Outcome:
        at = decision.slot or clock.start
        label = resolve_period_label(decision.period or schedule.period, schedule, at)
        params = schedule.params if decision.parameters is None else decision.parameters
        notebook = notebook_path(schedule, self.settings.notebooks_dir)
        out_dir = self.settings.reports_dir / schedule.name  # → <name>/<notebook>/<period>/
        try:
            with session_scope(self.url) as s:
                run = ReportRun(
                    name=schedule.name,
                    notebook=str(notebook),
                    period=label,
                    parameters={**params, "period": label},
                    status="running",
                    started_at=clock(),
                    host=locks.HOST,
                    pid=os.getpid(),
                    schedule=schedule.name,
                    scheduled_for=decision.slot,
                    attempt=decision.attempt,
                    trigger=decision.trigger,
                )
                s.add(run)
                s.flush()
                run_id = run.id
        except IntegrityError:  # another scheduler recorded this attempt (lock taken over)
            return Outcome(schedule.name, "busy", decision.slot, detail="run by another scheduler")
        lock.keep_alive(self.heartbeat_every)
        status, outputs, error, runner_id = "failed", {}, None, None
        try:
            result = self.runner(
                notebook,
                period=label,
                params=dict(params),
                formats=tuple(schedule.formats),
                out_dir=out_dir,
                url=None if self.url == get_settings().database_url else self.url,
            )
            status, outputs, error = _read_result(result)
            runner_id = getattr(result, "run_id", None)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        except BaseException as exc:  # Ctrl-C, SystemExit: not retried
            self._finish(run_id, "failed", {}, f"cancelled: {type(exc).__name__}", clock)
            raise
        run_id = self._finish(run_id, status, outputs, error, clock, runner_id)
        detail = f"period {label}"
        if status == "ok":
            if schedule.keep:
                _prune(out_dir / notebook.stem, schedule.keep)
            if schedule.recipients:
                detail += "; " + self._deliver(schedule, run_id, label, outputs)
        else:
            detail += f"; {error}"
        action = "ran" if status == "ok" else "failed"
        return Outcome(schedule.name, action, decision.slot, run_id, detail)

    def _finish(
        self,
        run_id: int,
        status: str,
        outputs: dict[str, Any],
        error: str | None,
        clock: _Clock,
        runner_id: int | None = None,
    ) -> int:
        """Close the run row; adopt the row the report runner wrote for it, if any.

        The report runner records its own ``report_runs`` row (``runner_id``; found by
        process and period when it raised instead of returning). The scheduler's columns
        are moved onto that row so that each run is one row. Returns the id kept.
        """
        with session_scope(self.url) as s:
            mine = s.get(ReportRun, run_id)
            theirs = s.get(ReportRun, runner_id) if runner_id and runner_id != run_id else None
            if theirs is None:
                theirs = s.scalars(
                    select(ReportRun)
                    .where(
                        ReportRun.id > run_id,
                        ReportRun.schedule.is_(None),
                        ReportRun.host == mine.host,
                        ReportRun.pid == mine.pid,
                        ReportRun.period == mine.period,
                        ReportRun.notebook == mine.notebook,
                    )
                    .order_by(ReportRun.id.desc())
                    .limit(1)
                ).first()
            finished = clock()
            if theirs is None:
                mine.status, mine.outputs, mine.error = status, outputs, error
                mine.finished_at = finished
                return run_id
            moved = {
                key: getattr(mine, key)
                for key in ("schedule", "scheduled_for", "attempt", "trigger", "started_at")
            }
            s.delete(mine)
            s.flush()  # frees (schedule, scheduled_for, attempt) for the adopted row
            for key, value in moved.items():
                setattr(theirs, key, value)
            if status != "ok" or theirs.status == "running":
                theirs.status = status
                theirs.error = error or theirs.error
            theirs.outputs = {**outputs, **(theirs.outputs or {})}
            theirs.finished_at = finished
            return theirs.id

    def _deliver(self, schedule: Schedule, run_id: int, label: str, outputs: dict) -> str:
        from commbook.schedules.mail import send_report

        if not self.settings.smtp_host:
            return "no email sent (COMMBOOK_SMTP_HOST is not set)"
        try:
            send_report(self.settings, schedule, label, outputs)
        except Exception as exc:  # the report exists; a mail failure is noted, not fatal
            note = f"email failed: {type(exc).__name__}: {exc}"
        else:
            note = f"emailed to {', '.join(schedule.recipients)}"
        with session_scope(self.url) as s:
            run = s.get(ReportRun, run_id)
            run.outputs = {**(run.outputs or {}), "email": note}
        return note


def _read_result(result: Any) -> tuple[str, dict[str, Any], str | None]:
    """(status, outputs, error) from whatever the runner returned."""
    status = str(getattr(result, "status", None) or "ok")
    outputs = getattr(result, "outputs", None)
    if outputs is None and isinstance(result, dict):
        outputs = result
    outputs = {str(k): str(v) for k, v in dict(outputs or {}).items()}
    error = getattr(result, "error", None)
    return ("ok" if status in ("ok", "success", "succeeded") else status), outputs, error


def _prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` most recently written report folders in ``folder``."""
    if not folder.is_dir():
        return []
    runs = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
        reverse=True,
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]


def history(url: str | None = None, name: str | None = None, limit: int = 20) -> list[ReportRun]:
    """Scheduled and manual runs of schedules, newest first."""
    with session_scope(url or get_settings().database_url) as s:
        query = select(ReportRun).where(ReportRun.schedule.is_not(None))
        if name:
            query = query.where(ReportRun.schedule == name)
        query = query.order_by(ReportRun.started_at.desc(), ReportRun.id.desc()).limit(limit)
        return list(s.scalars(query))


def last_runs(url: str | None, names: Iterable[str]) -> dict[str, ReportRun]:
    """The newest run of each named schedule."""
    names = list(names)
    with session_scope(url or get_settings().database_url) as s:
        newest = (
            select(ReportRun.schedule, func.max(ReportRun.id).label("id"))
            .where(ReportRun.schedule.in_(names))
            .group_by(ReportRun.schedule)
            .subquery()
        )
        rows = s.scalars(select(ReportRun).join(newest, ReportRun.id == newest.c.id))
        return {r.schedule: r for r in rows}
