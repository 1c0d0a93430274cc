"""The objectives editor: a list of objectives, a form to create/edit one, an overview table
with each objective's progress (bar + status badge, from ``commbook.progress``).

The form links an objective to audience segments (a multi-select) and lists, read-only, the
calendar items linked to it (the link itself is set on the item, in the Calendar tab).

No rules live here: Save calls ``commbook.planning.save_objective`` and shows the message of
the error it raises next to the field it names, keeping what the user typed (the shared
record-form behaviour is ``commbook.widgets.forms.RecordForm``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from collections.abc import Iterator
from typing import Any

import ipywidgets as w

from commbook import planning, progress
from commbook.calendar import model as calendar
from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.store import Objective
from commbook.widgets.background import in_background, in_kernel, when_shown
from commbook.widgets.forms import RecordCalls, RecordForm
from commbook.widgets.theme import Field, alert, card, progress_bar, row


def _options(choices: dict[str, str]) -> list[tuple[str, str]]:
    return [(label, key) for key, label in choices.items()]


def _number(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:g}"


class ObjectiveForm(RecordForm):
    """Create, edit and delete objectives. ``ObjectiveForm(url).widget`` is what to display.

    ``url``: the store (default: the configured one); ``actor``: who is recorded in the audit
    log (default: the configured user).
    """

    calls = RecordCalls(
        planning.get_objective,
        planning.save_objective,
        planning.delete_objective,
        planning.objective_values,
    )
    new_heading = "New objective"
    form_prompt = (
        "Pick an objective in the list to see its progress and edit it, or click New objective."
    )

    def __init__(
        self,
        url: str | None = None,
        actor: str | None = None,
        as_of: dt.date | None = None,
        *,
        judge_in_background: bool = False,
    ) -> None:
        self.url = url
        self.actor = actor
        self.as_of = as_of
        self.progress: dict[int, progress.Progress] = {}
        # what ``self.progress`` was computed from: objective id → version, and the day
        self._judged: dict[int, int] = {}
        self._judged_as_of: dt.date | None = None
        # being judged on a worker thread (``judge_in_background``): id → version
        self._pending: dict[int, int] = {}
        self._objectives: list[Objective] = []
        self._background = judge_in_background
        self._shown = False  # judging in the background waits until the page shows the form
        self._waiting: tuple[list[Objective], dt.date] | None = None
        self._generation = 0  # of the judging started last: older results are dropped
        self._reuse = False
        self.widget = self._page(
            "cb-objective",
            "Your objectives",
            "New objective",
            self._form_slot("cb-objective", flex="1 1 0%"),
        )
        if judge_in_background:
            when_shown(self.widget, self.start_judging)
        self.refresh()
        if not self._objectives:
            self.new()  # nothing to pick yet: the form for the first one

    # --- layout -------------------------------------------------------------------------

    def _build_form(self) -> w.Widget:
        metric = planning.METRICS
        self.fields: dict[str, Field] = {
            "title": Field(
                "Title",
                w.Text(placeholder="e.g. Grow weekly active members", continuous_update=True),
                required=True,
                css="cb-objective-title",
            ),
            "description": Field(
                "Description",
                w.Textarea(placeholder="Why it matters and how you will get there", rows=3),
                css="cb-objective-description",
            ),
            "metric": Field(
                "Metric",
                w.Dropdown(options=[(m.label, k) for k, m in metric.items()]),
                css="cb-objective-metric",
            ),
            "direction": Field(
                "Goal",
                w.Dropdown(options=_options(planning.DIRECTIONS)),
                css="cb-objective-direction",
            ),
            "baseline": Field(
                "Baseline",
                w.FloatText(continuous_update=True),
                required=True,
                hint="Where you are today",
                css="cb-objective-baseline",
            ),
            "target": Field(
                "Target",
                w.FloatText(continuous_update=True),
                required=True,
                hint="Where you want to be by the due date",
                css="cb-objective-target",
            ),
            "unit": Field(
                "Unit",
                w.Text(placeholder="e.g. members", continuous_update=True),
                css="cb-objective-unit",
            ),
            "current_value": Field(
                "Current value",
                w.Text(placeholder="e.g. 4", continuous_update=True),
                hint="Manual metric: the latest value you measured (leave empty if unknown)",
                css="cb-objective-current-value",
            ),
            "start_date": Field(
                "Start date", w.DatePicker(), required=True, css="cb-objective-start-date"
            ),
            "due_date": Field(
                "Due date", w.DatePicker(), required=True, css="cb-objective-due-date"
            ),
            "owner": Field(
                "Owner",
                w.Text(placeholder="Who is accountable", continuous_update=True),
                required=True,
                css="cb-objective-owner",
            ),
            "status": Field(
                "Status", w.Dropdown(options=_options(planning.STATUSES)), css="cb-objective-status"
            ),
            "segment_ids": Field(
                "Audience segments",
                w.SelectMultiple(options=[], rows=4),
                hint="Who this objective is about — Ctrl/⌘-click to pick several",
                css="cb-objective-segments",
            ),
        }
        self.fields["metric"].widget.observe(self._metric_changed, "value")
        f = {name: field.box for name, field in self.fields.items()}

        self.progress_box = w.HTML(layout=w.Layout(display="none"))
        self.progress_box.add_class("cb-objective-progress")
        self.content_list = w.HTML()
        self.content_list.add_class("cb-objective-content")
        self._build_controls("cb-objective", "objective")

        return card(
            w.VBox([self.heading, self.stamp]),
            self.progress_box,
            self.message_area,
            f["title"],
            f["description"],
            row(f["metric"], f["direction"]),
            row(f["baseline"], f["target"], f["unit"]),
            f["current_value"],
            row(f["start_date"], f["due_date"]),
            row(f["owner"], f["status"]),
            f["segment_ids"],
            row(self.save_button, w.Box(layout=w.Layout(flex="1")), self.delete_button),
            self.confirm,
            w.HTML("<h3>Linked content</h3>"),
            self.content_list,
            css="cb-objective-form",
            flex="1 1 0%",
            min_width="0",
        )

    @property
    def objective_id(self) -> int | None:
        """The objective being edited (``None``: a new one)."""
        return self.record_id

    # --- reading and showing values -----------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the form holds now, keyed like ``planning.FIELDS``."""
        values = {name: field.widget.value for name, field in self.fields.items()}
        values["segment_ids"] = list(values["segment_ids"])
        return values

    def _fill(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            metric = self.fields["metric"].widget
            known = {key for _, key in metric.options}
            if values.get("metric") not in known:  # imported with a metric not in the catalog
                label = f"{values['metric']} (not in the metric catalog)"
                metric.options = [*metric.options, (label, values["metric"])]
            self._segment_options()
            known_segments = {i for _, i in self.fields["segment_ids"].widget.options}
            for name, value in values.items():
                if name == "current_value":
                    value = "" if value is None else f"{value:g}"
                if name == "segment_ids":
                    value = tuple(i for i in value if i in known_segments)
                self.fields[name].widget.value = value
            self._show_current_value()
        finally:
            self._loading = False

    def _metric_changed(self, change: dict[str, Any]) -> None:
        metrics = planning.METRICS
        new, old = metrics.get(change["new"]), metrics.get(change["old"])
        self.fields["metric"].set_hint(new.description if new else "")
        self._show_current_value()
        unit = self.fields["unit"].widget
        if not self._loading and new and (not unit.value or (old and unit.value == old.unit)):
            unit.value = new.unit

    def _show_current_value(self) -> None:
        manual = self.fields["metric"].widget.value == "manual"
        self.fields["current_value"].box.layout.display = "" if manual else "none"

    def _segment_options(self) -> None:
        """Offer the segments stored now, keeping the ones picked that still exist."""
        picker = self.fields["segment_ids"].widget
        options = [(name, i) for i, name in planning.segment_choices(self.url)]
        if list(picker.options) == options:
            return
        kept = tuple(v for v in picker.value if v in {i for _, i in options})
        picker.options = options
        picker.value = kept

    def _show_editing(self, objective: Objective | None) -> None:
        super()._show_editing(objective)
        linked = planning.linked_content(objective.id, self.url) if objective else []
        self.content_list.value = _content_html(linked)
        self._show_progress(objective)

    def _show_progress(self, objective: Objective | None) -> None:
        """The progress panel of the objective being edited (hidden until it is judged)."""
        judged = self.progress.get(objective.id) if objective else None
        self.progress_box.value = _progress_panel(objective, judged) if objective and judged else ""
        self.progress_box.layout.display = "" if judged else "none"

    def _blank(self) -> dict[str, Any]:
        return planning.blank_objective()

    # --- the list and the table ---------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list and the overview from the store.

        Every objective's progress is recomputed, except right after this form saved or
        deleted one: then only objectives new or changed since the last refresh are judged
        again and the others keep their values (the activity data has not changed).

        With ``judge_in_background`` (the app, in a kernel), a full refresh lists the
        objectives at once, marked "Measuring…", and judges them on a worker thread once the
        page shows the form; the table and the open objective's panel fill in when the
        values arrive (``commbook.widgets.background``).
        """
        objectives = planning.list_objectives(url=self.url)
        as_of = self._judged_on()
        stale = objectives
        if self._reuse and as_of == self._judged_as_of:
            stale = [
                o
                for o in objectives
                if o.version not in (self._judged.get(o.id), self._pending.get(o.id))
            ]
        if not self._reuse:
            self._judged, self.progress = {}, {}
        listed = {o.id for o in objectives}  # forget deleted objectives
        self.progress = {i: p for i, p in self.progress.items() if i in listed}
        self._judged = {i: v for i, v in self._judged.items() if i in listed}
        self._pending = {i: v for i, v in self._pending.items() if i in listed}
        self._judged_as_of = as_of
        self._objectives = objectives
        if self._background and not self._reuse and stale and in_kernel():
            self._pending = {o.id: o.version for o in stale}
            self._waiting = (stale, as_of)
            if self._shown:
                self._judge_waiting()
        else:
            self._record(stale, _values_or_none(stale, self.url, as_of), as_of)
        self._show_overview()

    def start_judging(self) -> None:
        """The page shows the form: judge what waits (not before — the worker thread would
        slow the kernel's answers while the browser builds the page)."""
        if not self._shown:
            self._shown = True
            self._judge_waiting()

    def _judge_waiting(self) -> None:
        if self._waiting is None:
            return
        stale, as_of = self._waiting
        self._waiting = None
        self._generation += 1
        generation, url = self._generation, self.url
        started = in_background(
            lambda: _values_or_none(stale, url, as_of),
            lambda values: self._judged_later(stale, values, as_of, generation),
            lambda error: self._judging_failed(error, generation),
            name="commbook-objective-progress",
        )
        if not started:  # the loop is gone: judge here
            values = _values_or_none(stale, url, as_of)
            self._judged_later(stale, values, as_of, generation)

    def _record(self, judged: list[Objective], values: list, as_of: dt.date) -> None:
        for o, value in zip(judged, values, strict=True):
            self.progress[o.id] = progress.objective_progress(o, value, as_of)
            self._judged[o.id] = o.version
            self._pending.pop(o.id, None)

    def _judged_later(
        self, judged: list[Objective], values: list, as_of: dt.date, generation: int
    ) -> None:
        """Values from the worker thread (on the kernel's thread): keep those still current
        — same judging, objective still listed at the same version and still waiting."""
        if generation != self._generation or as_of != self._judged_as_of:
            return  # a full refresh since has started its own judging
        listed = {o.id: o.version for o in self._objectives}
        current = [
            (o, v)
            for o, v in zip(judged, values, strict=True)
            if self._pending.get(o.id) == o.version == listed.get(o.id)
        ]
        self._record([o for o, _ in current], [v for _, v in current], as_of)
        self._show_overview()
        if self.record_id is not None and any(o.id == self.record_id for o, _ in current):
            self._show_progress(next(o for o, _ in current if o.id == self.record_id))

    def _judging_failed(self, error: BaseException, generation: int) -> None:
        if generation != self._generation:
            return
        self._pending = {}
        self._show_overview()
        problem = f"Could not measure progress: {error}"
        if self.form_built:
            self._show_message("error", problem)
        else:  # not a reason to open a form nobody asked for
            self.as_of_note.value = alert("error", problem)

    def _show_overview(self) -> None:
        """The list, the count, the note and the table, from what is known now."""
        objectives, as_of = self._objectives, self._judged_as_of or _today()
        self.as_of_note.value = (
            f"Every objective, soonest due first. Progress as of {as_of:%-d %b %Y}"
            + (" (the latest data in the store)." if as_of < _today() else ".")
        )
        self._list([(o.title, o.id) for o in objectives])
        n = len(objectives)
        self.count_label.value = f"{n} objective{'s' if n != 1 else ''}" if n else "None yet"
        self.table.value = _table(objectives, self.progress, set(self._pending))
        if not self.form_built:
            self.prompt.value = _at_a_glance(self.progress, len(self._pending), self.form_prompt)

    @contextlib.contextmanager
    def _reusing(self) -> Iterator[None]:
        """Refreshes inside reuse the progress of objectives that did not change."""
        self._reuse = True
        try:
            yield
        finally:
            self._reuse = False

    def _saved(self, record: Any) -> None:
        with self._reusing():
            super()._saved(record)

    def delete(self, _: Any = None) -> None:
        """Delete the objective being edited (if nobody changed it meanwhile)."""
        with self._reusing():
            super().delete(_)

    def _judged_on(self) -> dt.date:
        """``as_of`` if given, else today — or the day of the latest data if earlier."""
        if self.as_of is not None:
            return self.as_of
        latest = progress.data_as_of(self.url)
        return min(_today(), latest) if latest else _today()


def _content_html(items: list[planning.LinkedItem]) -> str:
    """The calendar items linked to an objective, soonest first (or how to link some)."""
    if not items:
        return (
            '<p class="cb-muted">No content linked yet — link items from the Calendar tab '
            "(the item's “Objective” field).</p>"
        )
    e = html.escape
    tz = get_settings().tz
    rows = []
    for i in items:
        when = "not scheduled"
        if i.when is not None:
            when = f"{'published' if i.published else 'scheduled'} {i.when.astimezone(tz):%d %b %Y}"
        rows.append(
            "<tr>"
            f"<td><b>{e(i.title)}</b></td>"
            f"<td>{e(calendar.CONTENT_TYPES.get(i.content_type, i.content_type))}</td>"
            f"<td>{e(i.channel or '—')}</td>"
            f"<td>{e(when)}</td>"
            f'<td><span class="cb-badge cb-badge-{e(i.status)}">'
            f"{e(calendar.STATUSES.get(i.status, i.status))}</span></td>"
            "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("Title", "Type", "Channel", "Date", "Status"))
    return (
        f'<table class="cb-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _at_a_glance(judged: dict[int, progress.Progress], measuring: int, prompt: str) -> str:
    """How many objectives are in each status, as badges — shown until the form opens."""
    counts = {status: 0 for status in progress.STATUSES}
    for p in judged.values():
        counts[p.status] += 1
    badges = "".join(
        f'<span class="cb-badge cb-status-{status.replace("_", "-")}">{n} {label.lower()}</span> '
        for status, label in progress.STATUSES.items()
        if (n := counts[status])
    )
    if measuring:
        badges += f'<span class="cb-muted cb-progress-pending">Measuring {measuring}…</span>'
    head = f'<div class="cb-glance"><h3>At a glance</h3><p>{badges}</p></div>' if badges else ""
    return f'{head}<p class="cb-muted">{html.escape(prompt)}</p>'


def _today() -> dt.date:
    from commbook import clock

    return clock.today()


def _values_or_none(objectives: list[Objective], url: str | None, as_of: dt.date) -> list:
    """Current values; a metric that cannot be computed shows as "no data", not a crash."""
    try:
        return progress.current_values(objectives, url, as_of)
    except CommbookError:
        return [o.current_value if o.metric == "manual" else None for o in objectives]


def _value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{_number(round(value, 2))}{' ' + html.escape(unit) if unit else ''}"


def _progress_cell(o: Objective, p: progress.Progress) -> str:
    """Bar + badge + one line of numbers, for the table and the form."""
    badge = f'<span class="cb-badge cb-status-{p.status.replace("_", "-")}">{p.label}</span>'
    if p.percent is not None:
        caption = f"{p.percent:.0f} % of the way · expected {p.expected:.0f} %"
    elif o.direction == "maintain" and p.value is not None:
        caption = f"target {_number(o.target)} ± {progress.MAINTAIN_TOLERANCE:.0%}"
    else:
        caption = (
            "no value yet"
            if o.metric == "manual"
            else "no data in the window"
            if o.metric in planning.METRICS
            else "metric not in the catalog"
        )
    bar = progress_bar(p.percent, p.expected, p.status) if p.percent is not None else ""
    return (
        f'<div class="cb-progress-cell">{bar}<div class="cb-progress-line">{badge}'
        f'<span class="cb-muted">{caption}</span></div></div>'
    )


def _progress_panel(o: Objective, p: progress.Progress) -> str:
    now = _value_text(p.value, o.unit)
    expected = _value_text(p.expected_value, o.unit)
    return (
        f'<div class="cb-progress-panel"><div class="cb-progress-figures">'
        f"<span>Now <b>{now}</b></span><span>Expected by {p.today:%-d %b} <b>{expected}</b>"
        f"</span><span>Target <b>{_value_text(o.target, o.unit)}</b></span></div>"
        f"{_progress_cell(o, p)}</div>"
    )


_MEASURING = '<span class="cb-muted cb-progress-pending">Measuring…</span>'


def _table(
    objectives: list[Objective],
    judged: dict[int, progress.Progress] | None = None,
    pending: set[int] = frozenset(),
) -> str:
    """The overview as an HTML table; every user value is escaped. Objectives in
    ``pending`` are being measured."""
    if not objectives:
        return (
            '<div class="cb-empty">No objectives yet: fill in the form to create the first '
            "one.</div>"
        )
    e = html.escape
    rows = []
    for o in objectives:
        p = (judged or {}).get(o.id)
        metric = planning.METRICS.get(o.metric)
        unit = f" {e(o.unit)}" if o.unit else ""
        arrow = {"increase": "↗", "decrease": "↘"}.get(o.direction, "→")
        rows.append(
            "<tr>"
            f"<td><b>{e(o.title)}</b></td>"
            f"<td>{e(metric.label if metric else o.metric)}</td>"
            f'<td class="cb-num">{_number(o.baseline)} {arrow} {_number(o.target)}{unit}</td>'
            f'<td class="cb-num">{o.start_date:%d %b %Y} – {o.due_date:%d %b %Y}</td>'
            f"<td>{e(o.owner)}</td>"
            f'<td><span class="cb-badge cb-badge-{e(o.status)}">'
            f"{e(planning.STATUSES.get(o.status, o.status))}</span></td>"
            f'<td class="cb-num">{_value_text(p.value if p else None, o.unit)}</td>'
            f"<td>{_progress_cell(o, p) if p else _MEASURING if o.id in pending else ''}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "Objective",
            "Metric",
            "Baseline → target",
            "Period",
            "Owner",
            "Status",
            "Now",
            "Progress",
        )
    )
    body = "".join(rows)
    return f'<table class="cb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
