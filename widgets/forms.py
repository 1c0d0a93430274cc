"""What every planning form does the same way: load a record, save it, delete it, say so.

``RecordForm`` is the controller the objectives, audience and calendar forms share. Save
sends the values to a ``commbook`` function and shows the problems it raises under the
fields they name, keeping what the user typed; a lost race shows the conflict with a
Reload button; a record someone else deleted is forgotten (the values stay, to save again);
Delete asks first. No rules live here either: ``commbook`` decides, the form reports.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from commbook.config import get_settings
from commbook.errors import CommbookError, ConflictError, NotFound, ValidationError
from commbook.validation import InvalidValues
from commbook.widgets.theme import Field, alert, button, card, row


@dataclass(frozen=True)
class RecordCalls:
    """The ``commbook`` functions a form calls for its kind of record.

    ``get(id, url=)``, ``save(values, id=, version=, url=, actor=)``,
    ``delete(id, version, url=, actor=)`` and ``values(record)`` (the form's values).
    """

    get: Callable[..., Any]
    save: Callable[..., Any]
    delete: Callable[..., None]
    values: Callable[[Any], dict[str, Any]]


class RecordForm:
    """Base of a form editing one stored record at a time.

    A subclass sets ``calls`` and ``new_heading`` and implements ``_build_form`` — it builds
    ``self.fields`` (``Field`` by name), calls ``_build_controls`` and places ``heading``,
    ``stamp``, ``message_area``, ``save_button``, ``delete_button`` and ``confirm`` in the
    form it returns — as well as ``values``, ``_fill``, ``_blank`` and ``refresh``. Its page
    shows ``form_slot`` where the form goes (``_page`` lays out a list beside it).

    The form is built the first time it is needed — ``new()``, ``open()``, a message — not
    with the page: a page listing many records appears sooner without a form nobody has
    opened yet (an editor form is a few hundred widget models for the browser to create).
    ``record_id``/``version``: the record being edited (``None``: a new one).
    """

    calls: RecordCalls
    name_field = "title"  # the field that names a record in messages
    new_heading = "New record"
    new_intro = "Fill in the form and save. Fields marked * are required."
    button_min_width = "96px"

    #: Shown where the form goes until it is first needed.
    form_prompt = "Pick one in the list to see it and edit it, or click New."

    url: str | None = None
    actor: str | None = None
    record_id: int | None = None
    version: int | None = None
    fields: dict[str, Field]
    picker: w.Select
    form_slot: w.Box
    _form: w.Widget | None = None
    _loading = False

    # --- to implement -------------------------------------------------------------------

    def _build_form(self) -> w.Widget:
        """Make ``self.fields`` and the controls (``_build_controls``); return the form."""
        raise NotImplementedError

    def _form_ready(self) -> None:
        """Called once the form is built (e.g. to fill its lists)."""

    def values(self) -> dict[str, Any]:
        """What the form holds now, as the ``save`` function takes it."""
        raise NotImplementedError

    def _fill(self, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def _blank(self) -> dict[str, Any]:
        raise NotImplementedError

    def refresh(self) -> None:
        """Re-read what the page lists from the store."""
        raise NotImplementedError

    # --- layout -------------------------------------------------------------------------

    def _button(self, text: str, css: str, icon: str = "", style: str = "") -> w.Button:
        return button(text, css, icon, style, min_width=self.button_min_width)

    def _build_controls(self, css: str, noun: str, *, stacked: bool = False) -> None:
        """Make the widgets every record form shows; the subclass places them.

        ``css`` prefixes their classes (``cb-objective`` → ``cb-objective-save`` …),
        ``noun`` names the record on buttons; ``stacked`` puts the delete confirmation's
        buttons under its text (for a narrow form).
        """
        self.heading = w.HTML()
        self.stamp = w.HTML()
        self.stamp.add_class("cb-muted")
        self.message = w.HTML(layout=w.Layout(display="none"))
        self.message.add_class("cb-message")
        self.message.add_class(f"{css}-message")
        self.reload_button = self._button("Reload", f"{css}-reload", "rotate-right", "warning")
        self.reload_button.tooltip = "Replace the form with the version saved by someone else"
        self.reload_button.on_click(self.reload)
        self.reload_button.layout.align_self = "flex-start"
        self.message_area = w.VBox([self.message], layout=w.Layout(grid_gap="6px"))

        self.save_button = self._button(f"Save {noun}", f"{css}-save", "check", "primary")
        self.save_button.on_click(self.save)
        self.delete_button = self._button("Delete", f"{css}-delete", "trash")
        self.delete_button.on_click(self._ask_delete)
        self.confirm_text = w.HTML()
        yes = self._button(f"Delete {noun}", f"{css}-delete-confirm", "trash", "danger")
        yes.on_click(self.delete)
        keep = self._button("Keep it", f"{css}-delete-cancel")
        keep.on_click(lambda _: self._show_confirm(False))
        if stacked:
            self.confirm = w.VBox([self.confirm_text, row(yes, keep, gap="8px")])
        else:
            self.confirm = row(self.confirm_text, yes, keep, gap="10px", align_items="center")
        self.confirm.add_class("cb-alert")
        self.confirm.add_class("cb-alert-warning")
        self.confirm.layout.display = "none"

    def _form_slot(self, css: str, **layout: str) -> w.Box:
        """Where the form goes (``layout``: the form's own flex/width), with a short prompt
        until ``_ensure_form`` puts the form there."""
        self.prompt = w.HTML(f'<p class="cb-muted">{html.escape(self.form_prompt)}</p>')
        waiting = card(self.prompt, css=f"{css}-form-prompt", flex="1 1 0%", min_width="0")
        self.form_slot = w.Box([waiting], layout=w.Layout(min_width="0", **layout))
        return self.form_slot

    def _ensure_form(self) -> None:
        """Build the form and show it in ``form_slot`` (once)."""
        if self._form is None:
            self._form = self._build_form()
            self.form_slot.children = [self._form]
            self._form_ready()
            # a proper blank form even if what is opened next turns out to be gone
            self._fill(self._blank())
            self._show_editing(None)

    @property
    def form_built(self) -> bool:
        return self._form is not None

    def _page(self, css: str, title: str, new_text: str, form: w.Widget) -> w.VBox:
        """The records listed beside ``form``, an overview card under both.

        Makes ``new_button``, ``picker`` and ``count_label`` (the list), ``as_of_note`` and
        ``table`` (the overview, class ``<css>s-table``); the page has class ``<css>s``.
        """
        self.new_button = self._button(new_text, f"{css}-new", "plus")
        self.new_button.on_click(lambda _: self.new())
        self.new_button.layout.width = "100%"
        self.picker = w.Select(options=[], rows=14, layout=w.Layout(width="100%"))
        self.picker.add_class(f"{css}-picker")
        self.picker.observe(self._picked, "value")
        self.count_label = w.HTML()
        self.count_label.add_class("cb-muted")
        side = card(
            w.HTML(f"<h3>{html.escape(title)}</h3>"),
            self.count_label,
            self.new_button,
            self.picker,
            css="cb-list",
            width="320px",
            flex="0 0 320px",
        )
        self.table = w.HTML()
        self.table.add_class(f"{css}s-table")
        self.as_of_note = w.HTML()
        self.as_of_note.add_class("cb-muted")
        overview = card(w.HTML("<h3>Overview</h3>"), self.as_of_note, self.table)
        page = w.VBox(
            [row(side, form, align_items="flex-start"), overview],
            layout=w.Layout(grid_gap="16px", padding="12px 2px"),
        )
        page.add_class(f"{css}s")
        return page

    # --- feedback -----------------------------------------------------------------------

    def _show_message(self, kind: str, text: str, details: list[str] | None = None) -> None:
        """An alert above the form; a warning (a conflict) offers Reload under it."""
        self._ensure_form()
        self.message.value = alert(kind, text, details)
        self.message.layout.display = ""
        self.message_area.children = (
            [self.message, self.reload_button] if kind == "warning" else [self.message]
        )

    def _clear_feedback(self) -> None:
        if not self.form_built:
            return
        self.message.layout.display = "none"
        self.message_area.children = [self.message]
        self._show_confirm(False)
        for field in self.fields.values():
            field.set_error("")

    def _show_field_errors(self, problems: list[ValidationError]) -> None:
        for problem in problems:
            if problem.field in self.fields:
                self.fields[problem.field].set_error(problem.reason)

    def _show_problems(self, problems: list[ValidationError]) -> None:
        self._show_field_errors(problems)
        noun = "problem" if len(problems) == 1 else f"{len(problems)} problems"
        self._show_message(
            "error", f"Not saved yet — please fix the {noun} below:", [p.reason for p in problems]
        )

    def _show_editing(self, record: Any | None) -> None:
        """Heading, version stamp and Delete for ``record`` (``None``: a new one)."""
        self.delete_button.layout.display = "none" if record is None else ""
        if record is None:
            self.record_id, self.version = None, None
            self.heading.value = f"<h2>{html.escape(self.new_heading)}</h2>"
            self.stamp.value = self.new_intro
            return
        self.record_id, self.version = record.id, record.version
        updated = record.updated_at.astimezone(get_settings().tz).strftime("%d %b %Y, %H:%M %Z")
        self.heading.value = f"<h2>{html.escape(getattr(record, self.name_field))}</h2>"
        self.stamp.value = html.escape(f"Version {record.version} · last saved {updated}")

    # --- actions ------------------------------------------------------------------------

    def new(self) -> None:
        """Empty the form for a new record."""
        self._ensure_form()
        self._clear_feedback()
        self.record_id = None
        self._fill(self._blank())
        self._show_editing(None)
        self._select(None)

    def open(self, record_id: int) -> None:
        """Load record ``record_id`` from the store into the form."""
        record = self._fetch(record_id)
        if record is not None:
            self._load(record)

    def _fetch(self, record_id: int) -> Any | None:
        """Record ``record_id`` as stored, or ``None`` after saying it is gone."""
        self._ensure_form()
        self._clear_feedback()
        try:
            return self.calls.get(record_id, url=self.url)
        except NotFound as exc:
            self._show_message("error", str(exc))
            self.refresh()
            return None

    def _load(self, record: Any) -> None:
        self.record_id = record.id
        self._fill(self.calls.values(record))
        self._show_editing(record)
        self._select(record.id)

    def save(self, _: Any = None) -> None:
        """Validate and save what the form holds; show the outcome."""
        self._ensure_form()
        self._clear_feedback()
        try:
            saved = self.calls.save(
                self.values(),
                id=self.record_id,
                version=self.version,
                url=self.url,
                actor=self.actor,
            )
        except InvalidValues as exc:
            self._show_problems(exc.problems)
        except ValidationError as exc:
            self._show_problems([exc])
        except ConflictError as exc:
            self._show_message("warning", str(exc))
        except NotFound as exc:
            self._forget_deleted(exc)
        except CommbookError as exc:
            self._show_message("error", str(exc))
        else:
            self._saved(saved)
            self._show_message("success", f"Saved “{getattr(saved, self.name_field)}”.")

    def _saved(self, record: Any) -> None:
        """After a change in the store: list it and show ``record`` in the form."""
        self.refresh()
        self._load(record)

    def _forget_deleted(self, exc: NotFound) -> None:
        self._show_editing(None)
        self.refresh()
        self._show_message(
            "error", f"{exc}. Your values are still in the form: save to create it again."
        )

    def reload(self, _: Any = None) -> None:
        """After a conflict: show the version saved by someone else."""
        if self.record_id is None:
            return
        record_id = self.record_id
        self.refresh()
        self._reopen(record_id)
        if self.record_id == record_id:
            self._show_message("success", "Reloaded the latest saved version.")

    def _reopen(self, record_id: int) -> None:
        self.open(record_id)

    def _ask_delete(self, _: Any = None) -> None:
        name = html.escape(self.fields[self.name_field].widget.value)
        self.confirm_text.value = f"<b>Delete “{name}”?</b> {self._delete_consequence()}"
        self._show_confirm(True)

    def _delete_consequence(self) -> str:
        return "This cannot be undone."

    def _show_confirm(self, show: bool) -> None:
        self.confirm.layout.display = "" if show else "none"

    def delete(self, _: Any = None) -> None:
        """Delete the record being edited (if nobody changed it meanwhile)."""
        if self.record_id is None or self.version is None:
            return
        name = self.fields[self.name_field].widget.value
        self._clear_feedback()
        try:
            self.calls.delete(self.record_id, self.version, url=self.url, actor=self.actor)
        except ConflictError as exc:
            self._show_message("warning", str(exc))
            return
        except NotFound as exc:
            self._forget_deleted(exc)
            return
        self.new()
        self.refresh()
        self._show_message("success", f"Deleted “{name}”.")

    # --- the list -----------------------------------------------------------------------

    def _list(self, options: list[tuple[str, int]]) -> None:
        """Fill the list, keeping the record being edited picked."""
        self._loading = True
        try:
            self.picker.options = options
        finally:
            self._loading = False
        self._select(self.record_id)

    def _select(self, record_id: int | None) -> None:
        """Show ``record_id`` as picked in the list (nothing picked if it is not listed)."""
        self._loading = True
        try:
            ids = {value for _, value in self.picker.options}
            self.picker.value = record_id if record_id in ids else None
        finally:
            self._loading = False

    def _picked(self, change: dict[str, Any]) -> None:
        if not self._loading and change["new"] is not None:
            self.open(change["new"])
