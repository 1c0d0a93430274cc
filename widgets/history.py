"""The History tab: the audit log as a readable, filterable, paginated table (newest first).

Reads ``commbook.history``; every value shown is escaped. Pass ``tabs`` (the app's ``Tab``)
and the table refreshes each time its tab is opened, so a change just made shows up.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from commbook import history
from commbook.config import get_settings
from commbook.widgets.theme import button, card, row

#: Changes listed per entry before the rest fold into "N more fields".
SHOWN = 4


class HistoryView:
    """Who changed what, when. ``HistoryView(url).widget`` is what to display."""

    def __init__(
        self, url: str | None = None, *, tabs: w.Tab | None = None, per_page: int = history.PER_PAGE
    ) -> None:
        self.url = url
        self.per_page = per_page
        self.page = 1
        self._loading = False
        self.entity = w.Dropdown(options=[("Everything", "")], layout=w.Layout(width="230px"))
        self.entity.add_class("cb-history-entity")
        self.actor = w.Dropdown(options=[("Everyone", "")], layout=w.Layout(width="200px"))
        self.actor.add_class("cb-history-actor")
        for picker in (self.entity, self.actor):
            picker.observe(self._filtered, "value")
        self.refresh_button = button("Refresh", "cb-history-refresh", "rotate-right")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.prev_button = button("Newer", "cb-history-prev", "chevron-left")
        self.prev_button.on_click(lambda _: self.go(self.page - 1))
        self.next_button = button("Older", "cb-history-next", "chevron-right")
        self.next_button.on_click(lambda _: self.go(self.page + 1))
        self.status = w.HTML()
        self.status.add_class("cb-muted")
        self.status.add_class("cb-history-status")
        self.table = w.HTML()
        self.table.add_class("cb-history-table")

        def labelled(text: str, widget: w.Widget) -> w.VBox:
            label = w.HTML(f'<span class="cb-field-label">{html.escape(text)}</span>')
            return w.VBox([label, widget], layout=w.Layout(grid_gap="3px"))

        filters = row(
            labelled("What", self.entity),
            labelled("Who", self.actor),
            w.Box(layout=w.Layout(flex="1")),
            self.refresh_button,
            align_items="flex-end",
        )
        pager = row(
            self.status,
            w.Box(layout=w.Layout(flex="1")),
            self.prev_button,
            self.next_button,
            gap="8px",
        )
        pager.add_class("cb-pager")
        intro = w.HTML(
            "<h3>Change history</h3><p class='cb-muted'>Every change to objectives, segments "
            "and the calendar: who made it, when, and what changed (old → new). Newest "
            "first.</p>"
        )
        self.widget = w.VBox(
            [card(intro, filters, self.table, pager)],
            layout=w.Layout(padding="12px 2px"),
        )
        self.widget.add_class("cb-history")
        if tabs is not None:
            tabs.observe(lambda change: self._tab_opened(tabs, change), "selected_index")
        self.refresh()

    def _tab_opened(self, tabs: w.Tab, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is not None and tabs.children[index] is self.widget:
            self.refresh()

    def _filtered(self, _: Any) -> None:
        if not self._loading:
            self.page = 1
            self._show()

    def go(self, page: int) -> None:
        """Show page ``page`` (1 = newest)."""
        self.page = page
        self._show()

    def refresh(self) -> None:
        """Reload the filter choices and the current page from the store."""
        self._loading = True
        try:
            entities = history.entity_types(self.url)
            self.entity.options = [
                ("Everything", ""),
                *((history.entity_label(e) + "s", e) for e in entities),
            ]
            self.actor.options = [("Everyone", ""), *((a, a) for a in history.actors(self.url))]
        finally:
            self._loading = False
        self._show()

    def _show(self) -> None:
        page = history.history(
            self.url,
            entity=self.entity.value or None,
            actor=self.actor.value or None,
            page=self.page,
            per_page=self.per_page,
        )
        self.page = page.page
        self.table.value = table_html(page.entries)
        noun = "change" if page.total == 1 else "changes"
        self.status.value = f"Page {page.page} of {page.pages} · {page.total:,} {noun}"
        self.prev_button.disabled = page.page <= 1
        self.next_button.disabled = page.page >= page.pages


def _old(entry: history.HistoryEntry, change: history.Change) -> str:
    if entry.action == "create":
        return ""
    return f"<span class='cb-old'>{html.escape(change.old)}</span> → "


def table_html(entries: list[history.HistoryEntry]) -> str:
    """The entries as an HTML table; every value is escaped."""
    if not entries:
        return '<div class="cb-empty">No changes recorded yet.</div>'
    e = html.escape
    tz = get_settings().tz
    rows = []
    for entry in entries:
        when = entry.at.astimezone(tz)
        lines = [
            f"<li><b>{e(c.label)}</b>: {_old(entry, c)}<span class='cb-new'>{e(c.new)}</span></li>"
            for c in entry.changes
        ]
        changes = "".join(lines[:SHOWN])
        if len(lines) > SHOWN:
            more = len(lines) - SHOWN
            changes += (
                f"<li><details><summary class='cb-muted'>{more} more field"
                f"{'s' if more != 1 else ''}</summary><ul class='cb-change'>"
                f"{''.join(lines[SHOWN:])}</ul></details></li>"
            )
        if entry.action == "delete":
            changes = "<li class='cb-muted'>record removed</li>"
        rows.append(
            "<tr>"
            f'<td class="cb-num">{when:%-d %b %Y}<div class="cb-muted">{when:%H:%M}</div></td>'
            f"<td>{e(entry.actor)}</td>"
            f'<td><span class="cb-badge cb-action-{e(entry.action)}">{e(entry.action_label)}'
            f"</span> <span class='cb-muted'>{e(entry.entity_label)}</span>"
            f"<div><b>{e(entry.name)}</b></div></td>"
            f'<td><ul class="cb-change">{changes}</ul></td>'
            "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("When", "Who", "What", "Changes"))
    return (
        f'<table class="cb-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
