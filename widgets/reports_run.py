"""The "Run a report now" form: report, period, formats, Run — in a background thread.

The period picker builds a spec and checks it with ``commbook.reports.periods.resolve_period``;
its message is shown under the picker. A run takes the store lock ``report/<name>/<period>``
(the scheduler's ``commbook.schedules.locks``), so the same report and period never run
twice at once, even from two browser pages (two kernels); the Run button stays disabled
while this page's run is going.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from commbook import clock
from commbook.errors import CommbookError, ValidationError
from commbook.reports.periods import Period
from commbook.schedules import locks
from commbook.widgets.reports_data import MONTHS, PERIOD_KINDS, ReportNotebook, period_spec
from commbook.widgets.reports_files import FileServer
from commbook.widgets.theme import Field, alert, row

Runner = Callable[..., Any]
DEFAULT_NOTEBOOK = "report"  # the stakeholder report, preselected when it exists


def lock_name(report: str, period: Period) -> str:
    """The job lock a run of ``report`` for ``period`` holds."""
    return f"report/{report}/{period.label}"


class RunForm:
    """Pick a report notebook, a period and formats; Run starts it in a background thread.

    ``runner`` is ``commbook.reports.runner.run_report`` (or a stand-in with its signature);
    ``on_finished(result_or_None)`` is called from the worker thread after each run.
    """

    def __init__(
        self,
        notebooks: list[ReportNotebook],
        *,
        url: str,
        reports_dir: Path,
        timezone: str,
        files: FileServer,
        runner: Runner,
        on_finished: Callable[[Any], None] | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.notebooks = {nb.name: nb for nb in notebooks}
        self.url = url
        self.reports_dir = reports_dir
        self.timezone = timezone
        self.files = files
        self.runner = runner
        self.on_finished = on_finished
        self.today = today
        self.thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self._running: set[str] = set()
        self._build()
        self._notebook_changed()
        self.preview()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        today = self._today()
        years = list(range(today.year, today.year - 6, -1))

        self.notebook = Field(
            "Report",
            w.Dropdown(options=[(n, n) for n in self.notebooks] or [("no report notebook", "")]),
            css="cb-reports-notebook",
        )
        if DEFAULT_NOTEBOOK in self.notebooks:
            self.notebook.widget.value = DEFAULT_NOTEBOOK
        self.kind = w.Dropdown(options=[(label, key) for key, label in PERIOD_KINDS.items()])
        self.kind.value = "last_month"
        self.kind.add_class("cb-reports-period-kind")
        self.month = w.Dropdown(options=[(m, i + 1) for i, m in enumerate(MONTHS)])
        self.month.add_class("cb-reports-month")
        self.quarter = w.Dropdown(options=[(f"Q{q}", q) for q in range(1, 5)])
        self.quarter.add_class("cb-reports-quarter")
        self.year = w.Dropdown(options=[(str(y), y) for y in years])
        self.year.add_class("cb-reports-year")
        self._kind_changed()
        self.start = w.DatePicker(description="From")
        self.start.add_class("cb-reports-start")
        self.end = w.DatePicker(description="To")
        self.end.add_class("cb-reports-end")
        for picker in (self.start, self.end):
            picker.style.description_width = "40px"
        self.details = w.HBox(
            [self.month, self.quarter, self.year, self.start, self.end],
            layout=w.Layout(grid_gap="8px", width="100%", flex_flow="row wrap"),
        )
        self.details.add_class("cb-reports-details")
        self.period = Field("Period", w.VBox([self.kind, self.details]), css="cb-reports-period")
        self.period.widget.layout.grid_gap = "6px"
        self.period.hint.add_class("cb-reports-period-hint")
        self.kind.layout.width = "100%"

        self.title = Field(
            "Title",
            w.Text(continuous_update=True),
            hint="Shown at the top of the report",
            css="cb-reports-title",
        )
        self.html = w.Checkbox(value=True, description="HTML", indent=False)
        self.html.add_class("cb-reports-format-html")
        self.pdf = w.Checkbox(value=False, description="PDF", indent=False)
        self.pdf.add_class("cb-reports-format-pdf")
        for box in (self.html, self.pdf):
            box.layout.width = "auto"
        self.formats = Field(
            "Formats", row(self.html, self.pdf, gap="18px"), css="cb-reports-formats"
        )

        self.button = w.Button(description="Run report", icon="play", button_style="primary")
        self.button.add_class("cb-reports-run")
        self.button.layout.width = "100%"
        self.button.layout.margin = "4px 0 0"  # no side margins: they would overflow the card
        self.button.on_click(lambda _: self.start_run())
        self.status = w.HTML(layout=w.Layout(display="none"))
        self.status.layout.margin = "0"
        self.status.add_class("cb-reports-status")

        self.kind.observe(lambda _: self._kind_changed(), "value")
        for widget in (self.kind, self.month, self.quarter, self.year, self.start, self.end):
            widget.observe(lambda _: self.preview(), "value")
        self.notebook.widget.observe(lambda _: self._notebook_changed(), "value")

        self.widget = w.VBox(
            [
                w.HTML(
                    "<h2>Run a report now</h2><p class='cb-muted'>Pick a report and a period; "
                    "it runs on the server while you keep working.</p>"
                ),
                self.notebook.box,
                self.period.box,
                self.title.box,
                self.formats.box,
                self.button,
                self.status,
            ],
            layout=w.Layout(grid_gap="12px"),
        )
        self.widget.add_class("cb-reports-run-form")

    def _today(self) -> dt.date:
        return self.today or clock.today(self.timezone)

    def _kind_changed(self) -> None:
        """Start a month or quarter picker on the last complete one."""
        today = self._today()
        if self.kind.value == "month":
            last = today.replace(day=1) - dt.timedelta(days=1)
            self.month.value, self.year.value = last.month, last.year
        elif self.kind.value == "quarter":
            first = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            last = first - dt.timedelta(days=1)
            self.quarter.value, self.year.value = (last.month - 1) // 3 + 1, last.year

    def _notebook_changed(self) -> None:
        nb = self.notebooks.get(self.notebook.widget.value)
        has_title = nb is not None and "title" in nb.parameters
        self.title.box.layout.display = "" if has_title else "none"
        self.title.widget.value = nb.default_title if nb is not None else ""
        self.button.disabled = nb is None or self.busy

    # --- the period ---------------------------------------------------------------------

    def period_spec(self) -> str:
        """The spec the picker names (``ValidationError`` when a piece is missing)."""
        return period_spec(
            self.kind.value,
            year=self.year.value,
            month=self.month.value,
            quarter=self.quarter.value,
            start=self.start.value,
            end=self.end.value,
        )

    def resolve(self) -> Period:
        """The chosen period, checked by ``resolve_period`` (raises ``ValidationError``) and
        resolved against the data as the runner will (``commbook.clock.choose_period``)."""
        return self.choose().period

    def choose(self) -> clock.PeriodChoice:
        """The period the run will cover, with what to say about the data."""
        return clock.choose_period(self.period_spec(), self.url, on=self._today(), tz=self.timezone)

    def preview(self, strict: bool = False) -> Period | None:
        """Show what the period is (or what is wrong with it) under the picker.

        A range not picked yet is a hint while the user is still choosing; ``strict``
        (on Run) makes it an error.
        """
        kind = self.kind.value
        visible = {
            "month": {self.month, self.year},
            "quarter": {self.quarter, self.year},
            "range": {self.start, self.end},
        }.get(kind, set())
        for widget in self.details.children:
            widget.layout.display = "" if widget in visible else "none"
        self.details.layout.display = "" if visible else "none"
        try:
            choice = self.choose()
        except ValidationError as exc:
            unpicked = kind == "range" and None in (self.start.value, self.end.value)
            if unpicked and not strict:
                self.period.set_error("")
                self.period.set_hint(_sentence(exc.reason))
            else:
                self.period.set_hint("")
                self.period.set_error(_sentence(exc.reason))
            return None
        self.period.set_error("")
        period = choice.period
        first, last = period.first_day, period.last_day
        span = f"{first:%-d %b %Y}" if first == last else f"{first:%-d %b %Y} – {last:%-d %b %Y}"
        hint = f"{period.title} · {span}" if period.title != span else span
        self.period.set_hint(" · ".join([hint, *choice.notes]))
        return period

    # --- running ------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def start_run(self) -> bool:
        """Check the form and start the run in a background thread; False if refused."""
        nb = self.notebooks.get(self.notebook.widget.value)
        if nb is None:
            self._show(alert("error", "There is no report notebook to run."))
            return False
        period = self.preview(strict=True)
        if period is None:
            self._show(alert("error", "Nothing was run: please fix the period."))
            return False
        formats = tuple(f for f, box in (("html", self.html), ("pdf", self.pdf)) if box.value)
        if not formats:
            self.formats.set_error("Pick at least one format")
            self._show(alert("error", "Nothing was run: please pick HTML, PDF or both."))
            return False
        self.formats.set_error("")
        name = lock_name(nb.name, period)
        with self._guard:
            if self._running:
                self._show(alert("warning", "A report is running already; wait for it to finish."))
                return False
            lock = locks.acquire(name, self.url)
            if isinstance(lock, locks.LockState):
                self._show(
                    alert(
                        "warning",
                        f"“{nb.name}” for {period.title} is being made already "
                        f"({lock.describe()}); nothing new was started.",
                    )
                )
                return False
            self._running.add(name)
        self.button.disabled = True
        params: dict[str, Any] = {}
        if "title" in nb.parameters and self.title.widget.value.strip():
            params["title"] = self.title.widget.value.strip()
        self.thread = threading.Thread(
            target=self._work,
            args=(nb, period, params, formats, lock, name),
            name=f"report-{name}",
            daemon=True,
        )
        self._show(self._running_html(nb, period, 0))
        self.thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the current run to finish (tests, scripts)."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _work(
        self,
        nb: ReportNotebook,
        period: Period,
        params: dict[str, Any],
        formats: tuple[str, ...],
        lock: locks.Lock,
        name: str,
    ) -> None:
        done = threading.Event()
        started = time.monotonic()

        def tick() -> None:
            while not done.wait(1.0):
                self._show(self._running_html(nb, period, time.monotonic() - started))

        threading.Thread(target=tick, name=f"tick-{name}", daemon=True).start()
        lock.keep_alive()
        result, message = None, ""
        try:
            result = self.runner(
                nb.path,
                period=period.label,
                params=params,
                formats=formats,
                out_dir=self.reports_dir,
                url=self.url if "database_url" in nb.parameters else None,
                run_info={"trigger": "manual"},
            )
        except CommbookError as exc:
            message = str(exc)
        except Exception as exc:  # a bug or a broken environment: say what it was
            message = f"{type(exc).__name__}: {exc}"
        finally:
            done.set()
            lock.release()
        seconds = time.monotonic() - started
        if self.on_finished is not None:
            try:
                self.on_finished(result)
            except Exception as exc:  # the run itself is done; show that first
                message = message or f"the run finished but the page could not refresh: {exc}"
        self._show(self._result_html(nb, period, result, message, seconds))
        with self._guard:
            self._running.discard(name)
        self.button.disabled = False

    def _running_html(self, nb: ReportNotebook, period: Period, seconds: float) -> str:
        return (
            '<div class="cb-alert cb-reports-running" role="status">'
            '<span class="cb-reports-spinner"></span>'
            f"Running “{html.escape(nb.name)}” for {html.escape(period.title)}… "
            f'<span class="cb-reports-elapsed">{seconds:.0f} s</span></div>'
        )

    def _result_html(
        self, nb: ReportNotebook, period: Period, result: Any, message: str, seconds: float
    ) -> str:
        if result is None:
            return (
                '<div class="cb-alert cb-alert-error cb-reports-failed" role="alert">'
                f"<b>The report for {html.escape(period.title)} failed.</b> "
                f"{html.escape(_sentence(message))}<br><span class='cb-muted'>The previous report, "
                "if any, was kept.</span></div>"
            )
        outputs = getattr(result, "outputs", {}) or {}
        links = []
        if "html" in outputs:
            links.append(
                self.files.link(
                    outputs["html"], "Open report", mode="open", css="cb-reports-result-open"
                )
            )
        for kind in ("html", "pdf"):
            if kind in outputs:
                links.append(
                    self.files.link(
                        outputs[kind], f"Download {kind.upper()}", css=f"cb-reports-result-{kind}"
                    )
                )
        return (
            '<div class="cb-alert cb-alert-success cb-reports-done" role="status">'
            f"<b>Report ready:</b> {html.escape(nb.name)} for {html.escape(period.title)} "
            f"<span class='cb-muted'>({seconds:.0f} s)</span>"
            f"<div class='cb-reports-links'>{' '.join(links)}</div></div>"
        )

    def _show(self, text: str) -> None:
        self.status.value = text
        self.status.layout.display = "" if text else "none"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
