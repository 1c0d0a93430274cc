"""The reports app in-process (no browser): what it lists, the period picker, Run now, files.

The report runner is replaced by a stand-in that writes a report folder like the real one
(the real run is exercised once by tests/test_browser_reports.py). Also here: the reports
index finds the scheduler's nested folders.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from commbook.reports import index as report_index
from commbook.reports.periods import resolve_period
from commbook.reports.runner import ReportFailed
from commbook.schedules import locks
from commbook.store import ReportRun, session_scope
from commbook.widgets.reports import ReportsApp
from commbook.widgets.reports_data import duration, period_spec, summary
from commbook.widgets.reports_files import FileServer

TODAY = dt.date(2026, 11, 26)

SCHEDULES = """\
schedules:
  - name: monthly-stakeholders
    description: KPIs for the <steering> group.
    notebook: report
    cron: "0 7 1 * *"
    timezone: Europe/Paris
    parameters: {period: last_month, title: Stakeholders}
    formats: [html, pdf]
  - name: weekly-team
    notebook: report
    cron: "0 8 * * MON"
    enabled: false
    parameters: {period: last_week}
"""


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _report(root: Path, rel: str, title: str, *, pdf: bool = False, meta: bool = True) -> Path:
    folder = root / rel
    folder.mkdir(parents=True)
    (folder / "report.html").write_text(f"<h1>{title}</h1>", encoding="utf-8")
    if pdf:
        (folder / "report.pdf").write_bytes(b"%PDF-1.4 fake")
    if meta:
        label = folder.name
        period = resolve_period(label)
        (folder / "report.json").write_text(
            json.dumps({"title": title, "period": label, "period_title": period.title})
        )
    return folder


def _run(url: str, **values: Any) -> None:
    defaults = dict(notebook="/n/report.ipynb", parameters={}, started_at=_utc("2026-11-02T06:00"))
    with session_scope(url) as s:
        s.add(ReportRun(**{**defaults, **values}))


class FakeRunner:
    """``run_report``'s signature; writes ``<out_dir>/<stem>/<label>/report.*``.

    ``gate`` (if set) holds the run until released, to look at the page meanwhile.
    """

    def __init__(self, fail: str = "") -> None:
        self.calls: list[dict[str, Any]] = []
        self.gate: threading.Event | None = None
        self.fail = fail

    def __call__(self, notebook: Path, **kwargs: Any) -> Any:
        self.calls.append({"notebook": notebook, **kwargs})
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.fail:
            raise ReportFailed(self.fail)
        folder = kwargs["out_dir"] / Path(notebook).stem / kwargs["period"]
        folder.mkdir(parents=True, exist_ok=True)
        outputs = {}
        for kind in kwargs["formats"]:
            outputs[kind] = folder / f"report.{kind}"
            outputs[kind].write_text(f"{kind} for {kwargs['params'].get('title')}")
        return SimpleNamespace(outputs=outputs, run_id=1)


@pytest.fixture
def home(cb_env: dict[str, str], tmp_path: Path) -> Path:
    (tmp_path / "schedules.yml").write_text(SCHEDULES, encoding="utf-8")
    (tmp_path / "reports").mkdir()
    return tmp_path


def _app(home: Path, url: str, runner: Any = None) -> ReportsApp:
    return ReportsApp(url, runner=runner or FakeRunner(), today=TODAY)


def _count(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(ReportRun))


# --- the reports index ------------------------------------------------------------------


def test_index_lists_scheduled_reports_at_any_depth_grouped_newest_first(tmp_path: Path) -> None:
    _report(tmp_path, "report/2026-09", "Manual September")
    _report(tmp_path, "report/2026-10", "Manual October")
    _report(tmp_path, "weekly-team/report/2026-W40", "Week 40")
    _report(tmp_path, "weekly-team/report/2026-W41", "Week 41")
    _report(tmp_path, "monthly/report/2026-Q3", "Third quarter")
    _report(tmp_path, "monthly/report/.2026-10.run-abc", "in progress", meta=False)  # a run
    failed = tmp_path / "monthly" / "report" / "2026-10"
    failed.mkdir()
    (failed / "report.failed.ipynb").write_text("{}")

    entries = report_index.scan(tmp_path)
    assert [(e.name, e.label) for e in entries] == [
        ("monthly/report", "2026-10"),
        ("monthly/report", "2026-Q3"),
        ("report", "2026-10"),
        ("report", "2026-09"),
        ("weekly-team/report", "2026-W41"),
        ("weekly-team/report", "2026-W40"),
    ]
    assert entries[0].failed and not entries[0].files
    page = report_index.write_index(tmp_path).read_text()
    assert 'href="weekly-team/report/2026-W41/report.html"' in page
    assert "<h2>weekly-team › report</h2>" in page
    assert "in progress" not in page


# --- the period picker ------------------------------------------------------------------


def test_period_spec_names_each_kind_and_says_what_is_missing() -> None:
    assert period_spec("last_quarter") == "last_quarter"
    assert period_spec("month", year=2026, month=3) == "2026-03"
    assert period_spec("quarter", year=2026, quarter=4) == "2026-Q4"
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 15)
    assert period_spec("range", start=start, end=end) == "2026-10-01..2026-10-15"
    with pytest.raises(Exception, match="pick the first and the last day"):
        period_spec("range", start=start)
    with pytest.raises(Exception, match=r"ends \(01 Oct 2026\) before it starts \(15 Oct 2026\)"):
        period_spec("range", start=end, end=start)


def test_picker_previews_the_period_and_refuses_a_bad_range(home: Path, sqlite_url: str) -> None:
    runner = FakeRunner()
    app = _app(home, sqlite_url, runner)
    form = app.form
    assert form.period.hint.value == "October 2026 · 1 Oct 2026 – 31 Oct 2026"  # last month
    form.kind.value = "quarter"  # starts on the last complete quarter
    assert (form.quarter.value, form.year.value) == (3, 2026)
    assert form.period.hint.value.startswith("Q3 2026")
    form.kind.value = "range"
    assert form.period.error.layout.display == "none"  # not an error while choosing
    assert "Pick the first and the last day" in form.period.hint.value
    form.start.value, form.end.value = dt.date(2026, 10, 20), dt.date(2026, 10, 5)
    assert form.period.error.value == (
        "The range ends (05 Oct 2026) before it starts (20 Oct 2026)."
    )
    assert form.start_run() is False
    assert "Nothing was run" in form.status.value
    assert runner.calls == [] and _count(sqlite_url) == 0
    form.end.value = dt.date(2026, 10, 25)
    assert form.period.error.layout.display == "none"
    assert form.period.hint.value == "20 Oct 2026 – 25 Oct 2026"


def test_run_needs_a_format(home: Path, sqlite_url: str) -> None:
    runner = FakeRunner()
    form = _app(home, sqlite_url, runner).form
    form.html.value = False
    assert form.start_run() is False
    assert form.formats.error.value == "Pick at least one format"
    assert runner.calls == []


# --- run now ----------------------------------------------------------------------------


def test_run_now_runs_once_in_the_background_and_offers_the_result(
    home: Path, sqlite_url: str
) -> None:
    runner = FakeRunner()
    runner.gate = threading.Event()
    app = _app(home, sqlite_url, runner)
    form = app.form
    form.kind.value = "month"
    form.month.value, form.year.value = 9, 2026
    form.title.widget.value = "Board <review>"
    form.pdf.value = True

    assert form.start_run() is True
    assert form.button.disabled
    assert "Running “report” for September 2026…" in form.status.value
    assert locks.read_lock("report/report/2026-09", sqlite_url) is not None
    assert form.start_run() is False  # a second click while it runs
    assert "running already" in form.status.value
    runner.gate.set()
    form.join(10)

    assert len(runner.calls) == 1
    call = runner.calls[0]
    assert call["period"] == "2026-09" and call["formats"] == ("html", "pdf")
    assert call["params"] == {"title": "Board <review>"}
    assert call["run_info"] == {"trigger": "manual"} and call["url"] == sqlite_url
    assert call["out_dir"] == home.resolve() / "reports"
    assert not form.button.disabled
    assert locks.read_lock("report/report/2026-09", sqlite_url) is None
    assert "Report ready:" in form.status.value
    assert "cb-reports-result-open" in form.status.value
    assert 'data-folder="report/2026-09"' in app.library.value  # refreshed


def test_run_is_refused_while_another_process_makes_the_same_report(
    home: Path, sqlite_url: str
) -> None:
    runner = FakeRunner()
    form = _app(home, sqlite_url, runner).form
    held = locks.acquire("report/report/2026-10", sqlite_url)  # e.g. a second browser page
    assert isinstance(held, locks.Lock)
    try:
        assert form.start_run() is False
        assert "is being made already" in form.status.value
        assert runner.calls == [] and not form.button.disabled
    finally:
        held.release()
    assert form.start_run() is True
    form.join(10)
    assert len(runner.calls) == 1


def test_a_failed_run_shows_the_error_escaped_and_frees_the_button(
    home: Path, sqlite_url: str
) -> None:
    runner = FakeRunner(fail="the notebook failed in cell In [4] (starting `x = <b>`): KeyError")
    form = _app(home, sqlite_url, runner).form
    assert form.start_run()
    form.join(10)
    assert "cb-reports-failed" in form.status.value
    assert "cell In [4] (starting `x = &lt;b&gt;`): KeyError" in form.status.value
    assert not form.button.disabled
    assert locks.read_lock("report/report/2026-10", sqlite_url) is None


# --- what the page lists ----------------------------------------------------------------


def test_lists_schedules_runs_and_reports_with_text_escaped(home: Path, sqlite_url: str) -> None:
    _run(
        sqlite_url,
        name="monthly-stakeholders",
        period="2026-10",
        status="ok",
        finished_at=_utc("2026-11-01T06:01:05"),
        schedule="monthly-stakeholders",
        scheduled_for=_utc("2026-11-01T06:00"),
        attempt=1,
        trigger="schedule",
        started_at=_utc("2026-11-01T06:00"),
    )
    _run(
        sqlite_url,
        name="report",
        period="2026-W44",
        status="failed",
        finished_at=_utc("2026-11-02T06:00:09"),
        error="the notebook failed in cell In [3]: KeyError: '<img src=x onerror=alert(1)>'\n"
        "Traceback …",
    )
    _run(
        sqlite_url,
        name="weekly-team",
        period="2026-W40",
        status="skipped",
        schedule="weekly-team",
        trigger="catch-up",
        error="missed: outside the window",
        started_at=_utc("2026-10-01T06:00"),
    )
    reports = home / "reports"
    _report(reports, "monthly-stakeholders/report/2026-10", "Stakeholders <Oct>", pdf=True)
    _report(reports, "report/2026-W44", "Weekly")

    app = _app(home, sqlite_url)
    schedules = app.schedules.value
    assert schedules.count('class="cb-reports-schedule"') == 2
    assert "At 07:00, on day 1 of the month" in schedules
    assert "07:00 CET" in schedules or "07:00 CEST" in schedules  # next run, Paris time
    assert "KPIs for the &lt;steering&gt; group." in schedules
    assert "cb-reports-status-disabled" in schedules
    assert "cb-reports-status-ok" in schedules  # monthly's last run

    runs = app.runs.value
    assert runs.index("2026-W44") < runs.index("2026-10") < runs.index("2026-W40")
    assert "&lt;img src=x onerror=alert(1)&gt;" in runs and "<img" not in runs
    assert "Traceback" not in runs.split("title=")[0]  # the summary is the first line
    assert "1 min 05 s" in runs and "catch-up" in runs and "on demand" in runs

    library = app.library.value
    assert library.index("monthly-stakeholders › report") < library.index("report/2026-W44")
    assert "Stakeholders &lt;Oct&gt;" in library
    assert "cb-reports-download-pdf" in library
    keys = {
        css: library.split(f'class="cb-reports-file {css}" data-cb-file="')[1].split('"')[0]
        for css in ("cb-reports-open", "cb-reports-download-pdf")
    }
    content, buffers = app.files.answer(7, keys["cb-reports-download-pdf"])
    assert content == {
        "request": 7,
        "mime": "application/pdf",
        "filename": "monthly-stakeholders_report_2026-10.pdf",
    }
    assert buffers == [b"%PDF-1.4 fake"]
    content, buffers = app.files.answer(8, keys["cb-reports-open"])
    assert content["mime"] == "text/html;charset=utf-8"
    assert buffers == [b"<h1>Stakeholders <Oct></h1>"]


def test_file_server_answers_only_its_own_keys_inside_its_root(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("no")
    server = FileServer(root)
    with pytest.raises(ValueError, match="outside"):
        server.register(root / ".." / "secret.txt")
    (root / "link.html").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(ValueError, match="outside"):
        server.register(root / "link.html")
    content, buffers = server.answer(1, "../secret.txt")
    assert content["error"] and buffers == []
    (root / "a.html").write_text("x")
    key = server.register(root / "a.html")
    assert server.register(root / "a.html") == key  # stable across refreshes
    (root / "a.html").unlink()
    content, buffers = server.answer(2, key)
    assert "gone" in content["error"] and buffers == []


def test_a_broken_schedules_file_is_explained(home: Path, sqlite_url: str) -> None:
    (home / "schedules.yml").write_text(SCHEDULES.replace('"0 7 1 * *"', '"0 7 32 * *"'))
    app = _app(home, sqlite_url)
    assert "cb-alert-error" in app.schedules.value
    assert "monthly-stakeholders" in app.schedules.value and "cron" in app.schedules.value
    (home / "schedules.yml").unlink()
    app.refresh()
    assert "There is no schedules file" in app.schedules.value


def test_small_formatters() -> None:
    start = _utc("2026-11-01T06:00")
    assert duration(start, start + dt.timedelta(seconds=8)) == "8 s"
    assert duration(start, start + dt.timedelta(seconds=3725)) == "1 h 02 min"
    assert duration(start, None) == ""
    assert summary("  \nfirst line\nsecond") == "first line"
    assert summary("x" * 200, 10) == "x" * 9 + "…"


def test_picker_says_when_last_month_moves_to_the_data(
    home: Path, sample_db: Path, tmp_path: Path
) -> None:
    """Data ends 31 Oct; on 4 Dec "last month" is run for October, and the form says so."""
    from conftest import copy_sample_db

    url = copy_sample_db(sample_db, tmp_path / "store")
    app = ReportsApp(url, runner=FakeRunner(), today=dt.date(2026, 12, 4))
    assert app.form.period.hint.value == (
        "October 2026 · 1 Oct 2026 – 31 Oct 2026 · November 2026 has no data yet, so this shows "
        "October 2026."
    )
    assert app.form.resolve().label == "2026-10"
