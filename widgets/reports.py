"""The reports app: open and download reports, run one now, see schedules and run history.

``ReportsApp(url).widget`` is what ``notebooks/reports.ipynb`` displays in Voilà. It reads
``schedules.yml`` (``commbook.schedules``), the ``report_runs`` history and the report
folders (``commbook.reports.index.scan``), and runs reports with
``commbook.reports.runner.run_report`` (see ``reports_run``). Files are handed to the
browser by the kernel (``reports_files.FileServer``), so reports outside the folder Voilà
serves open too, offline. All text shown is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ipywidgets as w

from commbook.config import get_settings
from commbook.reports import index as report_index
from commbook.store import ReportRun
from commbook.widgets.reports_data import (
    SchedulesState,
    duration,
    read_schedules,
    recent_runs,
    report_notebooks,
    summary,
)
from commbook.widgets.reports_files import FileServer
from commbook.widgets.reports_run import RunForm
from commbook.widgets.theme import card, row, stylesheet

CSS = """
.cb-reports .cb-card h2 { margin-bottom: 0; }
.cb-reports-group { margin: 14px 0 4px; font-size: 13px; font-weight: 600; color: #475467;
  text-transform: none; letter-spacing: .01em; }
.cb-reports-group .cb-reports-path { color: #98a2b3; font-weight: 500; margin-left: 6px; }
.cb-reports .cb-table td { line-height: 1.4; }
.cb-reports-files { white-space: nowrap; }
.cb-reports-file { display: inline-block; padding: 2px 10px; margin: 0 4px 4px 0;
  border: 1px solid #c7d7fe; border-radius: 6px; background: #f5f8ff; color: #1d4ed8;
  text-decoration: none; font-size: 12.5px; font-weight: 600; cursor: pointer; }
.cb-reports-file:hover { background: #e0eaff; }
.cb-reports-file.cb-reports-open { background: #1d4ed8; border-color: #1d4ed8; color: #fff; }
.cb-reports-file.cb-reports-open:hover { background: #1e40af; }
.cb-reports-file.cb-reports-loading { opacity: .55; cursor: progress; }
.cb-reports-file.cb-reports-link-error { border-color: #fda29b; color: #b42318;
  background: #fef3f2; }
.cb-badge-ok { background: #ecfdf3; color: #067647; }
.cb-badge-failed { background: #fef3f2; color: #b42318; }
.cb-badge-running { background: #eff8ff; color: #175cd3; }
.cb-badge-skipped { background: #f2f4f7; color: #667085; }
.cb-badge-enabled { background: #ecfdf3; color: #067647; }
.cb-badge-disabled { background: #f2f4f7; color: #98a2b3; }
.cb-reports-error { color: #b42318; font-size: 12.5px; margin-top: 2px; }
.cb-reports-note { color: #667085; font-size: 12.5px; margin-top: 2px; }
.cb-reports-running { background: #eff8ff; border: 1px solid #b2ddff; color: #175cd3; }
.cb-reports-spinner { display: inline-block; width: 12px; height: 12px; margin-right: 8px;
  vertical-align: -1px; border: 2px solid #b2ddff; border-top-color: #175cd3;
  border-radius: 50%; animation: cb-spin .8s linear infinite; }
@keyframes cb-spin { to { transform: rotate(360deg); } }
.cb-reports-links { margin-top: 8px; }
.cb-reports-run-form .widget-checkbox { width: auto; height: auto; }
.cb-reports-run-form .widget-checkbox input { height: 16px !important; width: 16px;
  margin: 0 6px 0 0; vertical-align: -3px; }
.cb-reports-run-form .widget-checkbox label { display: flex; align-items: center; }
.cb-reports-details { overflow: hidden; }
.cb-reports-details > .widget-dropdown { width: auto !important; flex: 1 1 0% !important;
  min-width: 0; margin: 0 !important; }
.cb-reports-details > .widget-datepicker { width: 100% !important; flex: 1 1 100% !important;
  margin: 0 !important; }
.cb-reports-details .widget-datepicker input { flex: 1 1 auto; min-width: 0; }
.cb-reports-toolbar { align-items: center; }
.cb-reports code { white-space: nowrap; font-size: 12px; }
"""


def _badge(status: str, css: str | None = None) -> str:
    kind = html.escape(css or status)
    return (
        f'<span class="cb-badge cb-badge-{kind} cb-reports-status-{kind}">'
        f"{html.escape(status)}</span>"
    )


def _local(value: dt.datetime | None, tz: dt.tzinfo, with_zone: bool = False) -> str:
    if value is None:
        return ""
    text = value.astimezone(tz).strftime("%-d %b %Y, %H:%M")
    return f"{text} {value.astimezone(tz):%Z}" if with_zone else text


def _table(css: str, headers: Sequence[str], rows: Sequence[str], empty: str) -> str:
    if not rows:
        return f'<div class="cb-empty {css}-empty">{html.escape(empty)}</div>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return f'<table class="cb-table {css}-table"><thead><tr>{head}</tr></thead>' + (
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def schedules_html(state: SchedulesState, now: dt.datetime | None = None) -> str:
    """The schedules table (or why there is none), all text escaped."""
    if state.problem:
        kind = "warning" if not state.path.is_file() else "error"
        return (
            f'<div class="cb-alert cb-alert-{kind} cb-reports-schedules-problem">'
            f"{html.escape(state.problem)}</div>"
        )
    now = now or dt.datetime.now(dt.UTC)
    rows = []
    for view in state.schedules:
        s = view.schedule
        e = html.escape
        desc = f'<div class="cb-reports-note">{e(s.description)}</div>' if s.description else ""
        if view.next_run is not None:
            days = (view.next_run.date() - now.astimezone(s.tz).date()).days
            soon = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
            next_run = (
                f"{e(view.next_run.strftime('%a %-d %b %Y, %H:%M %Z'))}"
                f'<div class="cb-reports-note">{e(soon)}</div>'
            )
        else:
            next_run = '<span class="cb-muted">—</span>'
        last = view.last_run
        if last is not None:
            last_html = (
                f"{_badge(last.status)}"
                f'<div class="cb-reports-note">{e(last.period)} · '
                f"{e(_local(last.started_at, s.tz))}</div>"
            )
            if last.status == "failed" and last.error:
                last_html += f'<div class="cb-reports-error">{e(summary(last.error, 90))}</div>'
        else:
            last_html = '<span class="cb-muted">never ran</span>'
        enabled = _badge("enabled") if s.enabled else _badge("disabled")
        rows.append(
            f'<tr class="cb-reports-schedule" data-name="{e(s.name)}">'
            f"<td><b>{e(s.name)}</b>{desc}</td>"
            f"<td>{e(s.notebook)}<div class='cb-reports-note'>period {e(s.period)} · "
            f"{e(', '.join(f.upper() for f in s.formats))}</div></td>"
            f"<td>{e(view.when)}<div class='cb-reports-note'>{e(s.timezone)} time · "
            f"<code>{e(s.cron)}</code></div></td>"
            f"<td>{next_run}</td><td>{enabled}</td><td>{last_html}</td></tr>"
        )
    return _table(
        "cb-reports-schedules",
        ["Schedule", "Report", "When", "Next run", "State", "Last run"],
        rows,
        f"No schedules in {state.path.name} yet.",
    )


def runs_html(runs: Sequence[ReportRun], tz: dt.tzinfo) -> str:
    """The run history table, newest first, all text escaped."""
    rows = []
    e = html.escape
    for run in runs:
        who = run.schedule or run.name
        notebook = Path(run.notebook or "").stem
        sub = f"schedule · {notebook}" if run.schedule else "on demand"
        note = ""
        if run.error and run.status == "failed":
            note = (
                f'<div class="cb-reports-error cb-reports-run-error" title="{e(run.error)}">'
                f"{e(summary(run.error))}</div>"
            )
        elif run.error:
            note = f'<div class="cb-reports-note">{e(summary(run.error))}</div>'
        attempt = f" · try {run.attempt}" if run.attempt and run.attempt > 1 else ""
        rows.append(
            f'<tr class="cb-reports-run-row cb-reports-run-{e(run.status)}">'
            f"<td>{_badge(run.status)}</td>"
            f"<td><b>{e(who)}</b><div class='cb-reports-note'>{e(sub)}</div>{note}</td>"
            f"<td>{e(run.period)}</td>"
            f"<td>{e(run.trigger or 'manual')}{e(attempt)}</td>"
            f"<td class='cb-num'>{e(_local(run.started_at, tz))}</td>"
            f"<td class='cb-num'>{e(_local(run.finished_at, tz))}</td>"
            f"<td class='cb-num'>{e(duration(run.started_at, run.finished_at))}</td>"
            "</tr>"
        )
    return _table(
        "cb-reports-runs",
        ["Status", "Report", "Period", "Trigger", "Started", "Finished", "Took"],
        rows,
        "No report has run yet.",
    )


def library_html(entries: Sequence[report_index.ReportEntry], files: FileServer) -> str:
    """Every report folder, grouped like the index, with Open / download links."""
    if not entries:
        return (
            '<div class="cb-empty cb-reports-library-empty">No reports yet: run one with '
            "the form, or wait for a schedule.</div>"
        )
    e = html.escape
    out = []
    for group in dict.fromkeys(x.name for x in entries):
        parts = group.split("/")
        label = " › ".join(e(p) for p in parts)
        kind = "scheduled" if len(parts) > 1 else "made on demand"
        out.append(
            f'<div class="cb-reports-group">{label}'
            f'<span class="cb-reports-path">{kind}</span></div>'
        )
        rows = []
        for entry in (x for x in entries if x.name == group):
            stem = "_".join([*parts, entry.label])
            links = []
            if "html" in entry.files:
                links.append(
                    files.link(
                        entry.files["html"],
                        "Open",
                        mode="open",
                        css="cb-reports-open",
                        title="Open the report in a new tab",
                    )
                )
            for kind in ("html", "pdf"):
                if kind in entry.files:
                    links.append(
                        files.link(
                            entry.files[kind],
                            f"{kind.upper()} ↓",
                            css=f"cb-reports-download-{kind}",
                            filename=f"{stem}.{kind}",
                            title=f"Download the {kind.upper()} file",
                        )
                    )
            failed = (
                '<div class="cb-reports-error">the last run failed; this is the previous report'
                "</div>"
                if entry.failed and entry.files
                else ('<div class="cb-reports-error">the run failed</div>' if entry.failed else "")
            )
            rows.append(
                f'<tr class="cb-reports-report" data-folder="{e(group)}/{e(entry.label)}">'
                f"<td><b>{e(entry.period_title)}</b>"
                f"<div class='cb-reports-note'>{e(entry.label)}</div></td>"
                f"<td>{e(entry.title)}{failed}</td>"
                f"<td class='cb-num'>{e(entry.generated_at)}</td>"
                f"<td class='cb-reports-files'>{''.join(links) or '—'}</td></tr>"
            )
        out.append(_table("cb-reports-library", ["Period", "Title", "Generated", ""], rows, ""))
    return "".join(out)


class ReportsApp:
    """Header, the run form beside the report library, then schedules and run history.

    ``url``: the store (default: configured); ``schedules_file`` (default
    ``<home>/schedules.yml``), ``reports_dir``, ``notebooks_dir`` (default: configured);
    ``runner``: ``run_report`` or a stand-in (tests); ``runs_limit``: history rows shown.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        schedules_file: Path | None = None,
        reports_dir: Path | None = None,
        notebooks_dir: Path | None = None,
        runner: Callable[..., Any] | None = None,
        runs_limit: int = 25,
        today: dt.date | None = None,
    ) -> None:
        settings = get_settings()
        self.url = url or settings.database_url
        self.schedules_file = Path(schedules_file or settings.home / "schedules.yml")
        self.reports_dir = Path(reports_dir or settings.reports_dir).resolve()
        self.notebooks_dir = Path(notebooks_dir or settings.notebooks_dir)
        self.tz = ZoneInfo(settings.timezone)
        self.runs_limit = runs_limit
        self._refreshing = threading.Lock()
        if runner is None:
            from commbook.reports.runner import run_report

            runner = run_report
        self.files = FileServer(self.reports_dir)
        self.form = RunForm(
            report_notebooks(self.notebooks_dir),
            url=self.url,
            reports_dir=self.reports_dir,
            timezone=settings.timezone,
            files=self.files,
            runner=runner,
            on_finished=lambda _result: self.refresh(),
            today=today,
        )
        self._build()
        self.refresh()

    def _build(self) -> None:
        header = w.HTML(
            "<h1>Reports</h1><p>Open or download stakeholder reports, run one for any "
            "period, and see when the scheduled ones run next.</p>"
        )
        header.add_class("cb-app-header")
        style = w.HTML(f"<style>{CSS}</style>", layout=w.Layout(display="none"))
        self.library = w.HTML()
        self.library.add_class("cb-reports-library")
        self.schedules = w.HTML()
        self.schedules.add_class("cb-reports-schedules")
        self.runs = w.HTML()
        self.runs.add_class("cb-reports-runs")
        self.updated = w.HTML()
        self.updated.add_class("cb-muted")
        self.refresh_button = w.Button(description="Refresh", icon="rotate-right")
        self.refresh_button.add_class("cb-reports-refresh")
        self.refresh_button.layout.width = "auto"
        self.refresh_button.on_click(lambda _: self.refresh())

        library = card(
            row(
                w.HTML(
                    "<h2>Reports</h2><p class='cb-muted'>Every report made so far, newest "
                    "period first. Open shows it in a new tab.</p>"
                ),
                w.Box(layout=w.Layout(flex="1")),
                self.updated,
                self.refresh_button,
                gap="12px",
            ),
            self.library,
            flex="1 1 0%",
            min_width="0",
        )
        library.children[0].add_class("cb-reports-toolbar")
        form = card(self.form.widget, width="340px", flex="0 0 340px")
        schedules = card(
            w.HTML(
                "<h2>Schedules</h2><p class='cb-muted'>From "
                f"{html.escape(self.schedules_file.name)}; times are each schedule's own.</p>"
            ),
            self.schedules,
        )
        runs = card(
            w.HTML(
                "<h2>Recent runs</h2><p class='cb-muted'>Scheduled and manual runs, newest "
                f"first; times in {html.escape(str(self.tz))}.</p>"
            ),
            self.runs,
        )
        self.widget = w.VBox(
            [
                stylesheet(),
                style,
                self.files,
                header,
                row(form, library, align_items="flex-start"),
                schedules,
                runs,
            ],
            layout=w.Layout(grid_gap="16px", padding="0 2px 16px"),
        )
        self.widget.add_class("cb-app")
        self.widget.add_class("cb-reports")

    def refresh(self) -> None:
        """Re-read the schedules, the run history and the report folders."""
        with self._refreshing:
            now = dt.datetime.now(dt.UTC)
            self.library.value = library_html(report_index.scan(self.reports_dir), self.files)
            self.schedules.value = schedules_html(
                read_schedules(self.schedules_file, self.url, now), now
            )
            self.runs.value = runs_html(recent_runs(self.url, self.runs_limit), self.tz)
            self.updated.value = f"Updated {now.astimezone(self.tz):%H:%M:%S}"


def reports_app(url: str | None = None) -> w.VBox:
    """The reports app's top-level widget, on the store at ``url`` (default: configured)."""
    return ReportsApp(url=url).widget
