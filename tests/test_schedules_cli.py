"""`commbook schedule`: the commands, a real kill -9 mid-run, serve, email, the real runner."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from conftest import free_port
from sqlalchemy import insert, select
from test_schedules import FakeRunner, utc, write_notebook

from commbook.cli import main
from commbook.config import Settings
from commbook.schedules import Scheduler, load_schedules
from commbook.store import JobLock, ReportRun, get_engine, session_scope

SCHEDULES = """\
schedules:
  - name: monthly-stakeholders
    notebook: report
    cron: "0 7 1 * *"
    timezone: Europe/Paris
    parameters: {period: last_month, title: Stakeholders}
    formats: [html, pdf]
    recipients: [steering@example.org, leads@example.org]
  - name: weekly-team
    notebook: report
    cron: "0 8 * * MON"
    timezone: Europe/Paris
    parameters: {period: last_week}
    catch_up: 1h
"""


@pytest.fixture
def project(tmp_path: Path, cb_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict:
    """A project folder: notebooks/, schedules.yml, a migrated store, env pointing at them."""
    write_notebook(tmp_path / "notebooks")
    (tmp_path / "schedules.yml").write_text(SCHEDULES)
    monkeypatch.setenv("COMMBOOK_NOTEBOOKS_DIR", str(tmp_path / "notebooks"))
    monkeypatch.chdir(tmp_path)
    return {**cb_env, "COMMBOOK_NOTEBOOKS_DIR": str(tmp_path / "notebooks")}


def cli(*args: str, runner: FakeRunner | None = None):
    obj = {"runner": runner} if runner is not None else None
    return CliRunner().invoke(main, ["schedule", *args], obj=obj, catch_exceptions=False)


def all_runs(url: str) -> list[ReportRun]:
    with session_scope(url) as s:
        return list(s.scalars(select(ReportRun).order_by(ReportRun.id)))


# -- the commands -------------------------------------------------------------------------


def test_list_shows_cron_in_words_and_next_runs_local_and_utc(project: dict) -> None:
    result = cli("list", "--now", "2026-10-20T12:00+02:00")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "monthly-stakeholders  (enabled)" in out
    assert "0 7 1 * *  — At 07:00 AM, on day 1 of the month, Europe/Paris time" in out
    assert "next      2026-11-01 07:00 CET  (2026-11-01 06:00 UTC)" in out
    assert "weekly-team  (enabled)" in out
    assert "next      2026-10-26 08:00 CET  (2026-10-26 07:00 UTC)" in out  # after the change
    assert "email     steering@example.org, leads@example.org" in out


def test_tick_runs_what_is_due_and_history_shows_it(project: dict) -> None:
    fake = FakeRunner()
    url = project["COMMBOOK_DATABASE_URL"]
    first = cli("tick", "--now", "2026-11-02T08:00+01:00", runner=fake)
    assert first.exit_code == 0, first.output
    assert "weekly-team [2026-11-02 07:00 UTC] ran run #" in first.output
    assert "monthly-stakeholders" in first.output  # 1 Nov 07:00 is 25 h old: skipped (1d)
    assert cli("tick", "--now", "2026-11-02T08:05+01:00", runner=fake).output == ""
    assert len(fake.calls) == 1 and fake.calls[0]["period"] == "2026-W44"

    manual = cli("run", "monthly-stakeholders", "--period", "2026-09", runner=fake)
    assert manual.exit_code == 0, manual.output
    assert "monthly-stakeholders ran run #" in manual.output

    history = cli("history")
    lines = history.output.splitlines()
    assert lines[0].split() == [
        "ID", "SCHEDULE", "SLOT", "TRIGGER", "TRY", "STATUS", "TOOK", "PERIOD", "NOTE",
    ]  # fmt: skip
    assert lines[1].split()[1:4] == ["monthly-stakeholders", "(now)", "manual"]
    assert "2026-09" in lines[1]
    weekly = next(line for line in lines if "weekly-team" in line)
    assert "2026-11-02 08:00 CET" in weekly and "schedule" in weekly and " ok " in weekly
    only = cli("history", "weekly-team", "--limit", "5").output.splitlines()
    assert len(only) == 2 and "weekly-team" in only[1]
    assert [r.status for r in all_runs(url)] == ["skipped", "ok", "ok"]


def test_run_of_an_unknown_schedule_and_a_bad_file_are_one_line_errors(project: dict) -> None:
    result = CliRunner().invoke(main, ["schedule", "run", "nope"])
    assert result.exit_code == 1
    assert "no schedule named 'nope' (schedules: monthly-stakeholders, weekly-team)" in (
        result.output
    )
    Path("schedules.yml").write_text(SCHEDULES.replace("Europe/Paris", "Paris", 1))
    result = CliRunner().invoke(main, ["schedule", "tick"])
    assert result.exit_code == 1
    assert "line 5, schedule 'monthly-stakeholders', field 'timezone': unknown timezone" in (
        result.output
    )


def test_a_failed_manual_run_exits_1(project: dict) -> None:
    result = CliRunner().invoke(
        main, ["schedule", "run", "weekly-team"], obj={"runner": FakeRunner(fail_times=1)}
    )
    assert result.exit_code == 1
    assert "RuntimeError: the notebook failed in cell In [2]: boom" in result.output


# -- email --------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("COMMBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMMBOOK_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("COMMBOOK_SMTP_FROM", "reports@community.example.org")
    yield inbox
    controller.stop()


def test_a_finished_report_is_emailed_to_the_recipients_with_the_pdf(
    project: dict, smtp: Inbox
) -> None:
    result = cli("tick", "--now", "2026-11-01T07:00+01:00", runner=FakeRunner())
    assert "emailed to steering@example.org, leads@example.org" in result.output
    (envelope,) = smtp.envelopes
    assert envelope.mail_from == "reports@community.example.org"
    assert envelope.rcpt_tos == ["steering@example.org", "leads@example.org"]
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert msg["Subject"] == "Report monthly-stakeholders: 2026-10"
    body = msg.get_body(("plain",)).get_content()
    html = Path(project["COMMBOOK_REPORTS_DIR"]) / "monthly-stakeholders/report/2026-10/report.html"
    assert f"HTML: {html.resolve().as_uri()}" in body
    (pdf,) = list(msg.iter_attachments())
    assert pdf.get_filename() == "monthly-stakeholders-2026-10.pdf"
    assert pdf.get_content() == b"%PDF-1.4 fake"
    (run,) = [r for r in all_runs(project["COMMBOOK_DATABASE_URL"]) if r.status == "ok"]
    assert run.outputs["email"] == "emailed to steering@example.org, leads@example.org"


def test_no_smtp_host_means_no_email_and_the_run_still_succeeds(project: dict) -> None:
    result = cli("tick", "--now", "2026-11-01T07:00+01:00", runner=FakeRunner())
    assert "ran run #" in result.output and "COMMBOOK_SMTP_HOST is not set" in result.output


# -- a real process killed mid-run --------------------------------------------------------

SLOW = """\
schedules:
  - name: slow
    notebook: slow
    cron: "0 0 1 1 *"
    timezone: UTC
    parameters: {period: last_month}
    retries: {max_attempts: 2, delay: 0s}
"""


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kill_tree(pid: int) -> None:
    """kill -9 the process and everything it started (the kernel), like a crash."""
    parent = psutil.Process(pid)
    for proc in [*parent.children(recursive=True), parent]:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)


def test_a_run_killed_with_sigkill_is_marked_interrupted_and_retried(
    project: dict, tmp_path: Path
) -> None:
    write_notebook(tmp_path / "notebooks", "slow", "import time\ntime.sleep(120)")
    Path("schedules.yml").write_text(SLOW)
    url = project["COMMBOOK_DATABASE_URL"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "commbook", "schedule", "run", "slow"],
        env=project,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # both the scheduler's row and the report runner's row say "running"
        wait_for(
            lambda: [r.status for r in all_runs(url)] == ["running", "running"],
            what="the run to start",
        )
    finally:
        kill_tree(proc.pid)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert [(r.status, r.schedule) for r in all_runs(url)] == [
        ("running", "slow"),
        ("running", None),
    ]

    fake = FakeRunner()
    settings = Settings.from_env(project)
    scheduler = Scheduler(load_schedules("schedules.yml"), runner=fake, settings=settings)
    outcomes = scheduler.tick()
    assert [o.action for o in outcomes if o.action != "skipped"] == ["recovered", "ran"]
    claim, orphan, retry = [r for r in all_runs(url) if r.status != "skipped"]
    assert (claim.status, claim.attempt, claim.trigger) == ("failed", 1, "manual")
    assert claim.error == (
        f"interrupted: pid {proc.pid} on {socket.gethostname()} stopped before the run finished"
    )
    assert (orphan.status, orphan.error) == ("failed", claim.error)  # the runner's own row
    assert (retry.status, retry.attempt, retry.trigger) == ("ok", 2, "retry")
    assert retry.period == claim.period and fake.calls[0]["period"] == claim.period
    with get_engine(url).connect() as conn:
        assert conn.execute(select(JobLock)).all() == []


# -- serve --------------------------------------------------------------------------------


def test_serve_ticks_until_sigterm_and_stops_cleanly(project: dict, tmp_path: Path) -> None:
    url = project["COMMBOOK_DATABASE_URL"]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with session_scope(url) as s:
        s.add(
            ReportRun(
                name="weekly-team", notebook="report", period="2026-W47", parameters={},
                status="running", started_at=start, host=socket.gethostname(), pid=dead.pid,
                schedule="weekly-team", scheduled_for=None, attempt=1, trigger="manual",
            )
        )  # fmt: skip
    with get_engine(url).begin() as conn:
        conn.execute(
            insert(JobLock).values(
                name="weekly-team", holder="x", host=socket.gethostname(), pid=dead.pid,
                acquired_at=start, heartbeat_at=start,
            )
        )  # fmt: skip
    Path("schedules.yml").write_text(SCHEDULES.replace("catch_up: 1h", "enabled: false"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "commbook", "schedule", "serve", "--interval", "0.2"],
        env=project,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: all_runs(url)[0].status == "failed", 30, "serve to recover the run")
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.splitlines()[0].startswith("serving 2 schedule(s) from")
    assert "weekly-team recovered run #1: interrupted:" in out
    assert out.splitlines()[-1] == "stopped"
    assert "stopping after the current run" in err


# -- the real report runner ---------------------------------------------------------------


@pytest.mark.notebook
def test_a_due_schedule_runs_a_real_notebook_and_mails_the_real_pdf(
    project: dict, smtp: Inbox
) -> None:
    url = project["COMMBOOK_DATABASE_URL"]
    scheduler = Scheduler(load_schedules("schedules.yml"), settings=Settings.from_env())
    outcomes = scheduler.tick(utc(2026, 11, 1, 6, 0))
    assert [(o.schedule, o.action) for o in outcomes][:1] == [("monthly-stakeholders", "ran")]
    folder = Path(project["COMMBOOK_REPORTS_DIR"]) / "monthly-stakeholders/report/2026-10"
    assert (folder / "report.html").is_file() and (folder / "report.pdf").is_file()
    assert "2026-10" in (folder / "report.html").read_text()

    (run,) = [r for r in all_runs(url) if r.schedule == "monthly-stakeholders"]
    assert len(all_runs(url)) == 2  # one row per run (the runner's), plus weekly's skip
    assert (run.status, run.period, run.trigger, run.attempt) == ("ok", "2026-10", "schedule", 1)
    assert run.scheduled_for == utc(2026, 11, 1, 6) and run.name == "report"
    assert Path(run.outputs["pdf"]) == folder / "report.pdf"
    (envelope,) = smtp.envelopes
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    (pdf,) = list(msg.iter_attachments())
    assert pdf.get_content() == (folder / "report.pdf").read_bytes()
    assert pdf.get_content().startswith(b"%PDF")


@pytest.mark.notebook
def test_a_failing_real_notebook_is_one_failed_row_with_the_cell_named(
    project: dict, tmp_path: Path
) -> None:
    write_notebook(tmp_path / "notebooks", "report", 'raise ValueError("no data for " + period)')
    url = project["COMMBOOK_DATABASE_URL"]
    result = CliRunner().invoke(main, ["schedule", "run", "weekly-team", "--period", "2026-W44"])
    assert result.exit_code == 1
    (run,) = all_runs(url)
    assert (run.schedule, run.status, run.trigger, run.name) == (
        "weekly-team", "failed", "manual", "report",
    )  # fmt: skip
    assert "ValueError: no data for 2026-W44" in run.error
    assert os.path.exists(run.outputs["failed_notebook"])
