"""The reports app in a real browser: Voilà serving notebooks/, Chromium driven by Playwright.

One Voilà server for the module, on its own store, schedules file and reports folder (seeded
with a schedule, run history and a scheduled report). One test makes a real report
(Papermill, nbconvert, Chromium for the PDF: ~20 s). Every browser context fails its test if
the page requests anything off this machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from voila_harness import ROOT, Store, new_store, open_app

from commbook.store import ActivityEvent, Channel, Member, ReportRun, session_scope

pytestmark = pytest.mark.browser

APP = "reports.ipynb"
SCREENSHOT = ROOT / "docs" / "img" / "reports-app.png"
TITLE = "Steering group review"
SEEDED_TITLE = "Weekly community review"
RUN_TIMEOUT_MS = 150_000  # a real report run: kernel, Papermill, nbconvert, Chromium

SCHEDULES = """\
schedules:
  - name: weekly-team
    description: Last week's activity for the community team.
    notebook: report
    cron: "0 8 * * MON"
    timezone: Europe/Paris
    parameters:
      period: last_week
      title: Weekly community review
    formats: [html, pdf]
"""


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _seed_community(url: str) -> None:
    """A few members posting in October 2026, enough for a real report."""
    with session_scope(url) as s:
        forum = Channel(key="forum", name="Forum")
        s.add(forum)
        s.flush()
        members = [
            Member(
                source="t",
                source_id=f"m{i}",
                display_name=f"Member {i}",
                joined_at=_utc("2026-09-01T00:00"),
            )
            for i in range(1, 6)
        ]
        s.add_all(members)
        s.flush()
        for n, member in enumerate(members):
            for day, kind in ((3 + n, "post"), (10 + n, "reply"), (20 + n, "reaction")):
                s.add(
                    ActivityEvent(
                        source="t",
                        source_id=f"e{n}-{day}",
                        kind=kind,
                        occurred_at=_utc(f"2026-10-{day:02d}T10:00"),
                        member_id=member.id,
                        channel_id=forum.id,
                    )
                )


def _seed_history(url: str) -> None:
    with session_scope(url) as s:
        s.add_all(
            [
                ReportRun(
                    name="weekly-team",
                    notebook="report.ipynb",
                    period="2026-W41",
                    parameters={},
                    status="ok",
                    started_at=_utc("2026-10-12T06:00"),
                    finished_at=_utc("2026-10-12T06:00:21"),
                    schedule="weekly-team",
                    scheduled_for=_utc("2026-10-12T06:00"),
                    attempt=1,
                    trigger="schedule",
                ),
                ReportRun(
                    name="weekly-team",
                    notebook="report.ipynb",
                    period="2026-W42",
                    parameters={},
                    status="failed",
                    started_at=_utc("2026-10-19T06:00"),
                    finished_at=_utc("2026-10-19T06:00:09"),
                    schedule="weekly-team",
                    scheduled_for=_utc("2026-10-19T06:00"),
                    attempt=1,
                    trigger="schedule",
                    error="the notebook failed in cell In [3]: KeyError: '<b>channel</b>'",
                ),
            ]
        )


def _seed_report(reports: Path) -> Path:
    """A scheduled report where the scheduler puts it: <schedule>/<notebook>/<period>/."""
    folder = reports / "weekly-team" / "report" / "2026-W41"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{SEEDED_TITLE}</title>"
        f"</head><body><h1>{SEEDED_TITLE}</h1><p>Week 41</p></body></html>",
        encoding="utf-8",
    )
    (folder / "report.json").write_text(
        json.dumps(
            {
                "title": SEEDED_TITLE,
                "period": "2026-W41",
                "period_title": "Week 41, 2026 (5 Oct 2026 – 11 Oct 2026)",
                "generated_at": "2026-10-12 08:00 CEST",
            }
        ),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("reports-app")
    made = new_store(folder)
    (folder / "schedules.yml").write_text(SCHEDULES, encoding="utf-8")
    _seed_community(made.url)
    _seed_history(made.url)
    _seed_report(folder / "reports")
    return made


def _runs(store: Store) -> int:
    with session_scope(store.url) as s:
        return s.scalar(select(func.count()).select_from(ReportRun))


def test_lists_schedules_history_and_opens_a_scheduled_report(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    page = open_app(app_page, server, APP)
    schedule = page.locator(".cb-reports-schedule")
    expect(schedule).to_have_count(1)
    expect(schedule).to_contain_text("weekly-team")
    expect(schedule).to_contain_text("At 08:00, only on Monday")
    expect(schedule).to_contain_text("Europe/Paris")
    expect(schedule.locator(".cb-reports-status-enabled")).to_be_visible()
    expect(schedule).to_contain_text("failed")  # its last run

    runs = page.locator(".cb-reports-run-row")
    expect(runs).to_have_count(2)
    failed = page.locator(".cb-reports-run-failed")
    expect(failed).to_contain_text("2026-W42")
    # the error is shown as text, not markup
    expect(failed.locator(".cb-reports-run-error")).to_contain_text("KeyError: '<b>channel</b>'")
    expect(page.locator(".cb-reports-run-ok")).to_contain_text("21 s")

    report = page.locator('.cb-reports-report[data-folder="weekly-team/report/2026-W41"]')
    expect(report).to_contain_text("Week 41, 2026")
    expect(page.locator(".cb-reports-library")).to_contain_text("weekly-team › report")

    with page.expect_popup() as popup_info:
        report.locator(".cb-reports-open").click()
    popup = popup_info.value
    expect(popup.locator("h1")).to_have_text(SEEDED_TITLE)
    assert popup.url.startswith("blob:http://127.0.0.1")
    popup.close()

    with page.expect_download() as download_info:
        report.locator(".cb-reports-download-html").click()
    download = download_info.value
    assert download.suggested_filename == "weekly-team_report_2026-W41.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert SEEDED_TITLE in saved.read_text(encoding="utf-8")


def test_an_invalid_period_is_explained_and_nothing_runs(
    server: str, store: Store, app_page: Page
) -> None:
    before = _runs(store)
    page = open_app(app_page, server, APP)
    page.locator(".cb-reports-period-kind select").select_option(label="A date range")
    page.locator(".cb-reports-start input").fill("2026-10-20")
    page.locator(".cb-reports-end input").fill("2026-10-05")
    error = page.locator(".cb-error-reports-period")
    expect(error).to_have_text("The range ends (05 Oct 2026) before it starts (20 Oct 2026).")
    page.locator(".cb-reports-run").click()
    expect(page.locator(".cb-reports-status")).to_contain_text("Nothing was run")
    page.wait_for_timeout(500)
    assert _runs(store) == before
    page.locator(".cb-reports-end input").fill("2026-10-25")
    expect(error).to_be_hidden()
    hint = page.locator(".cb-reports-period-hint")
    expect(hint).to_contain_text("20 Oct 2026 – 25 Oct 2026 · ")
    # the store's data stops on 24 Oct: the form says so before anything runs
    expect(hint).to_contain_text("Data ends 24 Oct 2026 — the last import")


def test_run_now_makes_the_report_once_and_offers_it(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    before = _runs(store)
    page = open_app(app_page, server, APP)
    page.locator(".cb-reports-period-kind select").select_option(label="A month")
    page.locator(".cb-reports-month select").select_option(label="October")
    page.locator(".cb-reports-year select").select_option(label="2026")
    expect(page.locator(".cb-reports-period-hint")).to_contain_text("October 2026")
    page.locator(".cb-reports-title input").fill(TITLE)
    page.locator(".cb-reports-format-pdf input").check()

    run = page.locator(".cb-reports-run")
    run.click()
    expect(run).to_be_disabled()
    run.click(force=True)  # a second click while it runs starts nothing
    expect(page.locator(".cb-reports-running")).to_contain_text("for October 2026")

    done = page.locator(".cb-reports-done")
    done.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    expect(run).to_be_enabled()
    with session_scope(store.url) as s:
        new = s.scalars(select(ReportRun).where(ReportRun.id > before)).all()
        assert [(r.name, r.period, r.status, r.trigger) for r in new] == [
            ("report", "2026-10", "ok", "manual")
        ]
    assert _runs(store) == before + 1

    report = page.locator('.cb-reports-report[data-folder="report/2026-10"]')
    expect(report).to_contain_text("October 2026")
    expect(report).to_contain_text(TITLE)
    with page.expect_popup() as popup_info:
        done.locator(".cb-reports-result-open").click()
    popup = popup_info.value
    expect(popup.locator("body")).to_contain_text(TITLE)
    popup.close()
    with page.expect_download() as download_info:
        report.locator(".cb-reports-download-pdf").click()
    pdf = tmp_path / "report.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    page.set_viewport_size({"width": 1360, "height": 1400})
    update = os.environ.get("COMMBOOK_UPDATE_SCREENSHOTS") == "1"
    path = SCREENSHOT if update else tmp_path / SCREENSHOT.name
    page.locator(".cb-app").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 20_000
