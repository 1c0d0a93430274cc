"""Report notes: what the team wants the stakeholder report to say about a period.

The notes appear in the report's "Lessons learned and proposed adjustments" section.
Business rules (text required, length, period resolution) live in ``commbook.reports.notes``.
"""

from __future__ import annotations

import html

import ipywidgets as w

from commbook import clock
from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.reports import notes
from commbook.widgets.theme import Field, alert, button, card, row


class NotesForm:
    """Pick a period, read its notes, add one or delete one. ``.widget`` is the tab."""

    def __init__(self, url: str | None = None, actor: str | None = None) -> None:
        self.url = url
        self.actor = actor
        self.period = Field(
            "Period",
            w.Text(value="last_month"),
            hint="e.g. 2026-10, 2026-Q3, last_month — the period of the report",
            css="cb-notes-period",
        )
        self.body = Field(
            "Note",
            w.Textarea(placeholder="What happened, what the numbers don't show, what we changed"),
            required=True,
            css="cb-notes-body",
        )
        self.add = button("Add note", "cb-notes-add", icon="plus", style="primary")
        self.message = w.HTML()
        self.message.add_class("cb-notes-message")
        self.listing = w.VBox()
        self.listing.add_class("cb-notes-list")
        self.heading = w.HTML()
        self.add.on_click(lambda _: self.save())
        self.period.widget.observe(lambda _: self.refresh(), "value")
        intro = w.HTML(
            "<h3>Notes for the report</h3><p class='cb-muted'>They appear in the stakeholder "
            "report of that period, under lessons learned and proposed adjustments.</p>"
        )
        self.widget = card(
            intro,
            row(self.period.box, self.body.box),
            row(self.add, self.message),
            self.heading,
            self.listing,
            css="cb-notes",
        )
        self.refresh()

    def _label(self) -> str | None:
        """The period label of what is typed, or None (with the error shown)."""
        try:
            spec, tz = self.period.widget.value, get_settings().timezone
            period = clock.choose_period(spec, self.url, tz=tz).period  # as a report would
        except CommbookError as exc:
            self.period.set_error(str(exc))
            return None
        self.period.set_error("")
        return period.label

    def refresh(self) -> None:
        label = self._label()
        if label is None:
            self.heading.value, self.listing.children = "", []
            return
        rows = notes.list_notes(label, url=self.url)
        self.heading.value = (
            f"<b>{len(rows)} note{'s' if len(rows) != 1 else ''} for {html.escape(label)}</b>"
        )
        self.listing.children = [self._row(note) for note in rows]

    def _row(self, note) -> w.Widget:
        text = w.HTML(
            f"<div class='cb-note'>“{html.escape(note.body)}”<br>"
            f"<span class='cb-muted'>{html.escape(note.author)}</span></div>",
            layout=w.Layout(flex="1 1 auto"),
        )
        delete = button("Delete", "cb-notes-delete", icon="trash")
        delete.on_click(lambda _, n=note: self.delete(n.id, n.version))
        return row(text, delete)

    def save(self) -> None:
        label = self._label()
        if label is None:
            return
        try:
            notes.add_note(label, self.body.widget.value, author=self.actor, url=self.url)
        except CommbookError as exc:
            self.body.set_error(getattr(exc, "reason", str(exc)))
            self.message.value = ""
            return
        self.body.set_error("")
        self.body.widget.value = ""
        self.message.value = alert("success", f"Note added to {label}")
        self.refresh()

    def delete(self, note_id: int, version: int) -> None:
        try:
            notes.delete_note(note_id, version, url=self.url, actor=self.actor)
        except CommbookError as exc:
            self.message.value = alert("error", str(exc))
        else:
            self.message.value = alert("success", "Note deleted")
        self.refresh()
