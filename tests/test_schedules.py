"""The scheduler engine on a real store: slots, DST, catch-up, retries, locks, recovery.

The report runner is replaced by a fast fake here (it writes the report files the real one
would, without starting a kernel); the store, the locks and the files are real. The real
runner is exercised in tests/test_schedules_cli.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from commbook.config import Settings
from commbook.schedules import RetryPolicy, Schedule, Scheduler, newest_slot, next_slots
from commbook.schedules.locks import acquire, pid_alive, read_lock
from commbook.store import JobLock, ReportRun, get_engine, session_scope

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def write_notebook(folder: Path, name: str = "report", body: str = "print(period)") -> Path:
    """A minimal report notebook: a parameters cell and one code cell."""
    cells = [
        {
            "cell_type": "code",
            "id": "parameters",
            "metadata": {"tags": ["parameters"]},
            "source": 'period = "last_month"\ntitle = "Report"\ndatabase_url = ""\n',
            "outputs": [],
            "execution_count": None,
        },
        {
            "cell_type": "code",
            "id": "body",
            "metadata": {},
            "source": body,
            "outputs": [],
            "execution_count": None,
        },
    ]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


class FakeRunner:
    """Stands in for ``run_report``: records the call and writes the report files."""

    def __init__(self, fail_times: int = 0, sleep: float = 0.0) -> None:
        self.calls: list[dict] = []
        self.fail_times = fail_times
        self.sleep = sleep
        self.lock = threading.Lock()

    def __call__(self, notebook, *, period, params, formats, out_dir, url):
        with self.lock:
            self.calls.append(
                dict(notebook=notebook, period=period, params=params, out_dir=out_dir)
            )
            failing = len(self.calls) <= self.fail_times
        if self.sleep:
            time.sleep(self.sleep)
        if failing:
            raise RuntimeError("the notebook failed in cell In [2]: boom")
        folder = Path(out_dir) / Path(notebook).stem / period
        folder.mkdir(parents=True, exist_ok=True)
        outputs = {}
        for fmt in formats:
            outputs[fmt] = folder / f"report.{fmt}"
            outputs[fmt].write_bytes(b"%PDF-1.4 fake" if fmt == "pdf" else b"<h1>report</h1>")
        return SimpleNamespace(run_id=None, outputs=outputs)


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    write_notebook(tmp_path / "notebooks")
    return Settings.from_env(
        {
            "COMMBOOK_HOME": str(tmp_path),
            "COMMBOOK_DATABASE_URL": sqlite_url,
            "COMMBOOK_NOTEBOOKS_DIR": str(tmp_path / "notebooks"),
            "COMMBOOK_REPORTS_DIR": str(tmp_path / "reports"),
        }
    )


def sched(name: str, cron: str, period: str = "last_month", **kw) -> Schedule:
    return Schedule(
        name=name,
        notebook="report",
        cron=cron,
        timezone=kw.pop("timezone", "Europe/Paris"),
        parameters={"period": period},
        **kw,
    )


def runs(url: str, *statuses: str) -> list[ReportRun]:
    with session_scope(url) as s:
        query = select(ReportRun).order_by(ReportRun.scheduled_for, ReportRun.id)
        if statuses:
            query = query.where(ReportRun.status.in_(statuses))
        return list(s.scalars(query))


def drive(scheduler: Scheduler, start: dt.datetime, end: dt.datetime, step_minutes: int = 15):
    now, outcomes = start, []
    while now <= end:
        outcomes += scheduler.tick(now)
        now += dt.timedelta(minutes=step_minutes)
    return outcomes


# -- slots and DST ------------------------------------------------------------------------


def test_newest_slot_is_evaluated_in_local_time_across_dst() -> None:
    daily = sched("nightly", "30 2 * * *")
    # fall-back day: 02:30 happens twice in Paris; the slot is the first one (CEST)
    assert newest_slot(daily, utc(2026, 10, 25, 1, 45)) == utc(2026, 10, 25, 0, 30)
    # spring-forward day: 02:30 does not exist; the slot is 03:00 CEST
    assert newest_slot(daily, utc(2026, 3, 29, 1, 0)) == utc(2026, 3, 29, 1, 0)
    assert newest_slot(daily, utc(2026, 3, 29, 0, 59)) == utc(2026, 3, 28, 1, 30)
    monthly = sched("monthly", "0 7 1 * *")
    assert newest_slot(monthly, utc(2026, 11, 1, 6, 0)) == utc(2026, 11, 1, 6, 0)  # ≤ now
    assert next_slots(monthly, utc(2026, 10, 15), 2) == [utc(2026, 11, 1, 6), utc(2026, 12, 1, 6)]


def test_a_month_of_ticks_runs_each_slot_exactly_once_across_the_dst_change(
    settings: Settings, sqlite_url: str
) -> None:
    one_hour = dict(catch_up="1h")
    schedules = [
        sched("monthly-stakeholders", "0 7 1 * *", "last_month", **one_hour),
        sched("weekly-team", "0 8 * * MON", "last_week", **one_hour),
        sched("nightly", "30 2 * * *", "last_week", **one_hour),
    ]
    fake = FakeRunner()
    scheduler = Scheduler(schedules, url=sqlite_url, runner=fake, settings=settings)
    started = time.monotonic()
    drive(scheduler, utc(2026, 10, 1), utc(2026, 11, 1, 12))
    assert time.monotonic() - started < 30

    done = [(r.schedule, r.scheduled_for) for r in runs(sqlite_url, "ok")]
    nightly_cest = [
        ("nightly", utc(2026, 10, d, 0, 30)) for d in range(1, 26)
    ]  # 25 Oct: first 02:30
    nightly_cet = [("nightly", utc(2026, 10, d, 1, 30)) for d in range(26, 32)]
    expected = sorted(
        [
            ("monthly-stakeholders", utc(2026, 10, 1, 5)),  # 07:00 CEST
            ("monthly-stakeholders", utc(2026, 11, 1, 6)),  # 07:00 CET
            ("weekly-team", utc(2026, 10, 5, 6)),
            ("weekly-team", utc(2026, 10, 12, 6)),
            ("weekly-team", utc(2026, 10, 19, 6)),
            ("weekly-team", utc(2026, 10, 26, 7)),  # after the change: 08:00 CET
            *nightly_cest,
            *nightly_cet,
            ("nightly", utc(2026, 11, 1, 1, 30)),
        ],
        key=lambda r: (r[1], r[0]),
    )
    assert sorted(done, key=lambda r: (r[1], r[0])) == expected
    assert len(fake.calls) == len(expected) == 38
    # the first tick found the previous slots long past: recorded as skipped, not run
    skipped = [(r.schedule, r.scheduled_for) for r in runs(sqlite_url, "skipped")]
    assert sorted(skipped) == [
        ("monthly-stakeholders", utc(2026, 9, 1, 5)),
        ("nightly", utc(2026, 9, 30, 0, 30)),
        ("weekly-team", utc(2026, 9, 28, 6)),
    ]
    by_slot = {(r.schedule, r.scheduled_for): r for r in runs(sqlite_url, "ok")}
    assert by_slot["monthly-stakeholders", utc(2026, 10, 1, 5)].period == "2026-09"
    assert by_slot["monthly-stakeholders", utc(2026, 11, 1, 6)].period == "2026-10"
    assert by_slot["weekly-team", utc(2026, 10, 26, 7)].period == "2026-W43"
    assert {(r.trigger, r.attempt) for r in by_slot.values()} == {("schedule", 1)}
    assert read_lock("nightly", sqlite_url) is None  # every lock released


def test_spring_forward_runs_the_missing_0230_once_at_0300(
    settings: Settings, sqlite_url: str
) -> None:
    scheduler = Scheduler(
        [sched("nightly", "30 2 * * *", catch_up="1h")], url=sqlite_url, runner=FakeRunner()
    )
    scheduler.settings = settings
    drive(scheduler, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12), step_minutes=5)
    assert [r.scheduled_for for r in runs(sqlite_url, "ok")] == [
        utc(2026, 3, 29, 1, 0),  # 03:00 CEST, right after the gap
        utc(2026, 3, 30, 0, 30),
    ]


def test_tick_is_idempotent(settings: Settings, sqlite_url: str) -> None:
    fake = FakeRunner()
    scheduler = Scheduler(
        [sched("monthly", "0 7 1 * *")], url=sqlite_url, runner=fake, settings=settings
    )
    first = scheduler.tick(utc(2026, 11, 1, 6, 0))
    assert [(o.action, o.slot) for o in first] == [("ran", utc(2026, 11, 1, 6))]
    again = Scheduler(
        [sched("monthly", "0 7 1 * *")], url=sqlite_url, runner=fake, settings=settings
    )
    for now in (utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 6, 1), utc(2026, 11, 2, 5)):
        assert again.tick(now) == []
    assert len(fake.calls) == 1


def test_keep_deletes_all_but_the_newest_report_folders(
    settings: Settings, sqlite_url: str
) -> None:
    scheduler = Scheduler(
        [sched("weekly", "0 8 * * MON", "last_week", keep=2)],
        url=sqlite_url,
        runner=FakeRunner(),
        settings=settings,
    )
    for day in (5, 12, 19, 26):
        assert [o.action for o in scheduler.tick(utc(2026, 10, day, 9))] == ["ran"]
    folder = settings.reports_dir / "weekly" / "report"
    assert sorted(p.name for p in folder.iterdir()) == ["2026-W42", "2026-W43"]


# -- catch-up -----------------------------------------------------------------------------


def test_after_downtime_only_the_newest_missed_slot_runs_and_older_ones_are_skipped(
    settings: Settings, sqlite_url: str
) -> None:
    fake = FakeRunner()
    schedules = [
        sched("nightly", "30 2 * * *", "last_week", catch_up="1d"),
        sched("weekly-team", "0 8 * * MON", "last_week", catch_up="12h"),
    ]
    scheduler = Scheduler(schedules, url=sqlite_url, runner=fake, settings=settings)
    drive(scheduler, utc(2026, 10, 2), utc(2026, 10, 3, 12))  # up for a day and a half
    # down from 3 Oct 12:00 until 6 Oct 10:00 UTC
    outcomes = scheduler.tick(utc(2026, 10, 6, 10))
    summary = [(o.schedule, o.action, o.slot) for o in outcomes]
    assert summary == [
        ("nightly", "skipped", utc(2026, 10, 4, 0, 30)),
        ("nightly", "skipped", utc(2026, 10, 5, 0, 30)),
        ("nightly", "ran", utc(2026, 10, 6, 0, 30)),
        ("weekly-team", "skipped", utc(2026, 10, 5, 6)),  # 28 h late > 12 h window
    ]
    nightly = {r.scheduled_for: r for r in runs(sqlite_url) if r.schedule == "nightly"}
    assert nightly[utc(2026, 10, 6, 0, 30)].trigger == "catch-up"
    assert "only the newest missed run" in nightly[utc(2026, 10, 4, 0, 30)].error
    weekly = [r for r in runs(sqlite_url) if r.schedule == "weekly-team"]
    assert "outside the catch-up window of 12h" in weekly[-1].error
    assert scheduler.tick(utc(2026, 10, 6, 10, 15)) == []


# -- retries ------------------------------------------------------------------------------


def test_a_failed_run_is_retried_after_the_delay_until_it_succeeds(
    settings: Settings, sqlite_url: str
) -> None:
    fake = FakeRunner(fail_times=2)
    policy = RetryPolicy(max_attempts=3, delay=dt.timedelta(minutes=10))
    scheduler = Scheduler(
        [sched("monthly", "0 7 1 * *", retries=policy)],
        url=sqlite_url,
        runner=fake,
        settings=settings,
    )
    slot = utc(2026, 11, 1, 6)
    steps = [0, 5, 10, 15, 20, 30, 60]
    log = {m: [o.action for o in scheduler.tick(slot + dt.timedelta(minutes=m))] for m in steps}
    assert log == {0: ["failed"], 5: [], 10: ["failed"], 15: [], 20: ["ran"], 30: [], 60: []}
    history = [(r.attempt, r.trigger, r.status) for r in runs(sqlite_url)]
    assert history == [(1, "schedule", "failed"), (2, "retry", "failed"), (3, "retry", "ok")]
    assert "boom" in runs(sqlite_url)[0].error


def test_retries_stop_at_max_attempts(settings: Settings, sqlite_url: str) -> None:
    fake = FakeRunner(fail_times=99)
    policy = RetryPolicy(max_attempts=2, delay=dt.timedelta(0))
    scheduler = Scheduler(
        [sched("monthly", "0 7 1 * *", retries=policy)],
        url=sqlite_url,
        runner=fake,
        settings=settings,
    )
    drive(scheduler, utc(2026, 11, 1, 6), utc(2026, 11, 1, 12))
    assert [(r.attempt, r.status) for r in runs(sqlite_url)] == [(1, "failed"), (2, "failed")]


# -- locks and recovery -------------------------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


def test_a_run_whose_process_died_is_marked_interrupted_and_retried(
    settings: Settings, sqlite_url: str
) -> None:
    slot, pid = utc(2026, 11, 1, 6), dead_pid()
    with session_scope(sqlite_url) as s:
        s.add(
            ReportRun(
                name="monthly", notebook="report", period="2026-10", parameters={},
                status="running", started_at=slot, host=socket.gethostname(), pid=pid,
                schedule="monthly", scheduled_for=slot, attempt=1, trigger="schedule",
            )
        )  # fmt: skip
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(
            insert(JobLock).values(
                name="monthly", holder=f"{socket.gethostname()}:{pid}:x",
                host=socket.gethostname(), pid=pid, acquired_at=slot, heartbeat_at=slot,
            )
        )  # fmt: skip
    fake = FakeRunner()
    policy = RetryPolicy(max_attempts=3, delay=dt.timedelta(minutes=5))
    scheduler = Scheduler(
        [sched("monthly", "0 7 1 * *", retries=policy)],
        url=sqlite_url,
        runner=fake,
        settings=settings,
    )
    first = scheduler.tick(slot + dt.timedelta(minutes=1))
    assert [o.action for o in first] == ["recovered", "waiting"]
    assert f"pid {pid}" in first[0].detail
    assert fake.calls == []  # the retry waits for the delay
    assert [o.action for o in scheduler.tick(slot + dt.timedelta(minutes=6))] == ["ran"]
    assert [(r.attempt, r.trigger, r.status) for r in runs(sqlite_url)] == [
        (1, "schedule", "failed"),
        (2, "retry", "ok"),
    ]
    assert runs(sqlite_url)[0].error.startswith("interrupted:")


def test_a_live_lock_is_respected_and_a_stale_one_taken_over(sqlite_url: str) -> None:
    now = utc(2026, 11, 1, 6)
    with get_engine(sqlite_url).begin() as conn:
        for name, beat in (("fresh", now), ("stale", now - dt.timedelta(minutes=30))):
            conn.execute(
                insert(JobLock).values(
                    name=name, holder=f"other-host:1:{name}", host="other-host", pid=1,
                    acquired_at=beat, heartbeat_at=beat,
                )
            )  # fmt: skip
    held = acquire("fresh", sqlite_url, now=lambda: now)
    assert held.holder == "other-host:1:fresh" and not hasattr(held, "release")
    taken = acquire("stale", sqlite_url, now=lambda: now)
    assert read_lock("stale", sqlite_url).holder == taken.holder
    assert acquire("stale", sqlite_url, now=lambda: now).host == socket.gethostname()  # busy
    taken.release()
    assert read_lock("stale", sqlite_url) is None


def test_two_schedulers_ticking_at_once_make_exactly_one_run(
    tmp_path: Path, store_url: str
) -> None:
    write_notebook(tmp_path / "notebooks")
    settings = Settings.from_env(
        {
            "COMMBOOK_HOME": str(tmp_path),
            "COMMBOOK_DATABASE_URL": store_url,
            "COMMBOOK_NOTEBOOKS_DIR": str(tmp_path / "notebooks"),
        }
    )
    fake = FakeRunner(sleep=0.5)
    schedules = [sched("monthly", "0 7 1 * *")]
    barrier = threading.Barrier(4)
    results: list = []

    def tick() -> None:
        scheduler = Scheduler(schedules, url=store_url, runner=fake, settings=settings)
        barrier.wait()
        results.append(scheduler.tick(utc(2026, 11, 1, 6, 0, 30)))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.calls) == 1
    assert [(r.schedule, r.status) for r in runs(store_url)] == [("monthly", "ok")]
    actions = sorted(o.action for outcome in results for o in outcome)
    assert actions.count("ran") == 1
    assert set(actions) <= {"ran", "busy"}


CONCURRENT_TICK = """
import datetime as dt, sys, time
from pathlib import Path
from types import SimpleNamespace
from commbook.config import Settings
from commbook.schedules import Schedule, Scheduler

url, home, go = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])

def runner(notebook, *, period, params, formats, out_dir, url):
    time.sleep(1.0)
    return SimpleNamespace(outputs={})

settings = Settings.from_env({"COMMBOOK_HOME": str(home), "COMMBOOK_DATABASE_URL": url,
                              "COMMBOOK_NOTEBOOKS_DIR": str(home / "notebooks")})
schedule = Schedule(name="monthly", notebook="report", cron="0 7 1 * *",
                    timezone="Europe/Paris", parameters={"period": "last_month"})
scheduler = Scheduler([schedule], url=url, runner=runner, settings=settings)
time.sleep(max(0.0, go - time.time()))
for outcome in scheduler.tick(dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC)):
    print(outcome.action)
"""


def test_two_scheduler_processes_on_one_store_make_exactly_one_run(
    tmp_path: Path, store_url: str
) -> None:
    write_notebook(tmp_path / "notebooks")
    go = time.time() + 2.5  # both start ticking at the same instant
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_TICK, store_url, str(tmp_path), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    actions = sorted(out.split()[0] if out.split() else "-" for out, _err in outputs)
    assert actions in (["-", "ran"], ["busy", "ran"])
    assert [(r.schedule, r.status, r.attempt) for r in runs(store_url)] == [("monthly", "ok", 1)]


def test_one_attempt_per_slot_is_enforced_by_the_store(sqlite_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    slot = utc(2026, 11, 1, 6)
    row = dict(
        name="m", notebook="report", period="2026-10", parameters={}, status="ok",
        started_at=slot, schedule="m", scheduled_for=slot, attempt=1, trigger="schedule",
    )  # fmt: skip
    with session_scope(sqlite_url) as s:
        s.add(ReportRun(**row))
    with pytest.raises(IntegrityError), session_scope(sqlite_url) as s:
        s.add(ReportRun(**row))


def test_pid_alive_knows_this_process_and_a_dead_one() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(dead_pid())
