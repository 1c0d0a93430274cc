"""The triage queue: filters, sort, one page of items, selection and bulk actions.

Rows are a fixed pool of ``page_size`` widgets refilled on each refresh (no widget churn),
so paging through thousands of items stays quick. Clicking a row calls ``on_open(item_id)``.
The bulk bar calls ``TriageService.bulk_assign`` / ``bulk_status``; it is hidden for roles
that may not assign or respond (the service checks anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from commbook.config import get_settings
from commbook.errors import CommbookError
from commbook.triage.model import STATUSES, URGENCIES
from commbook.triage.queue import (
    PAGE_SIZE,
    SORTS,
    STATUS_GROUPS,
    UNASSIGNED,
    QueueFilter,
    QueuePage,
    filter_options,
    queue_page,
)
from commbook.triage.service import TriageService
from commbook.widgets.theme import alert, card, row
from commbook.widgets.triage_format import badge, due_cell, e, label, when

ANY = "(any)"


def _dropdown(description: str, options: list, css: str, width: str = "150px") -> w.Dropdown:
    widget = w.Dropdown(
        options=options,
        description=description,
        style={"description_width": "initial"},
        layout=w.Layout(width=width),
    )
    widget.add_class(css)
    return widget


class _Row:
    """One reusable queue row: a selection box and a clickable summary."""

    def __init__(self, on_open: Callable[[int], None], on_select: Callable[[], None]) -> None:
        self.item_id: int | None = None
        self.version: int | None = None
        self.check = w.Checkbox(value=False, indent=False, layout=w.Layout(width="28px"))
        self.check.add_class("cb-triage-select")
        self.check.observe(lambda _: on_select(), "value")
        self.html = w.HTML()
        self.button = w.Button(description="Open", tooltip="Open this item")
        self.button.add_class("cb-triage-open")
        self.button.on_click(lambda _: self.item_id is not None and on_open(self.item_id))
        body = w.Box([self.html, self.button])
        body.add_class("cb-triage-rowbody")
        self.box = w.HBox([self.check, body], layout=w.Layout(width="100%"))
        self.box.add_class("cb-triage-row")

    def show(self, item: Any, tz: dt.tzinfo, now: dt.datetime, current: bool) -> None:
        self.item_id, self.version = int(item["id"]), int(item["version"])
        meta = [e(item["member"]) or "anonymous", e(item["channel"]) or "manual"]
        meta.append(when(item["received_at"], tz, "%d %b %Y"))
        if e(item["queue"]):
            meta.append(f"queue {e(item['queue'])}")
        if e(item["escalation_level"]):
            meta.append(f"escalated: {e(label(item['escalation_level']))}")
        owner = (
            f'<span class="cb-triage-owner">{e(item["owner"])}</span>'
            if e(item["owner"])
            else '<span class="cb-triage-owner cb-triage-unassigned">unassigned</span>'
        )
        self.html.value = (
            f'<div class="cb-triage-grid" data-item="{self.item_id}">'
            f'<div style="min-width:0"><div class="cb-triage-summary">'
            f'<span class="cb-triage-id">#{self.item_id}</span>{e(item["summary"])}</div>'
            f'<div class="cb-triage-meta">{" · ".join(meta)}</div></div>'
            f"<div>{badge('cat', item['category'])}</div>"
            f"<div>{badge('urg', item['urgency'])}</div>"
            f"<div>{badge('st', item['status'])}</div>"
            f"<div>{owner}</div>"
            f"{due_cell(item, now)}</div>"
        )
        self.box.layout.display = ""
        if current:
            self.box.add_class("cb-triage-current")
        else:
            self.box.remove_class("cb-triage-current")

    def hide(self) -> None:
        self.item_id = self.version = None
        self.box.layout.display = "none"


class QueueView:
    """Filters + paginated rows + bulk bar. ``refresh()`` reloads from the store."""

    def __init__(
        self,
        service: TriageService,
        on_open: Callable[[int], None],
        on_stats: Callable[[QueuePage], None] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.service = service
        self.on_open = on_open
        self.on_stats = on_stats
        self.page_size = page_size
        self.page = 1
        self.current: int | None = None
        self.last: QueuePage | None = None
        self._quiet = False
        self._build()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        statuses = [(text, key) for key, text in STATUS_GROUPS.items()]
        statuses += [(label(s).capitalize(), s) for s in STATUSES]
        self.status = _dropdown("Status", statuses, "cb-triage-filter-status", "190px")
        self.category = _dropdown("Category", [ANY], "cb-triage-filter-category")
        self.urgency = _dropdown("Urgency", [ANY, *URGENCIES], "cb-triage-filter-urgency")
        self.owner = _dropdown("Owner", [ANY], "cb-triage-filter-owner", "190px")
        self.channel = _dropdown("Channel", [ANY], "cb-triage-filter-channel")
        self.sort = _dropdown(
            "Sort", [(text, key) for key, text in SORTS.items()], "cb-triage-sort", "230px"
        )
        self.search = w.Text(placeholder="Search summaries…", layout=w.Layout(width="180px"))
        self.search.add_class("cb-triage-search")
        for widget in (self.status, self.category, self.urgency, self.owner, self.channel):
            widget.observe(self._filters_changed, "value")
        self.sort.observe(self._filters_changed, "value")
        self.search.observe(self._filters_changed, "value")
        filters = w.HBox(
            [self.status, self.category, self.urgency, self.owner, self.channel, self.sort,
             self.search],
            layout=w.Layout(flex_flow="row wrap", grid_gap="8px 14px", width="100%"),
        )  # fmt: skip
        filters.add_class("cb-triage-filters")

        self.select_all = w.Checkbox(value=False, indent=False, layout=w.Layout(width="28px"))
        self.select_all.add_class("cb-triage-select-all")
        self.select_all.observe(self._select_all, "value")
        self.selected_text = w.HTML("No item selected")
        self.bulk_owner = w.Combobox(
            placeholder="Owner", ensure_option=False, layout=w.Layout(width="170px")
        )
        self.bulk_owner.add_class("cb-triage-bulk-owner")
        self.bulk_assign_button = self._button("Assign selected", "cb-triage-bulk-assign", "user")
        self.bulk_assign_button.on_click(self.bulk_assign)
        self.bulk_status = w.Dropdown(
            options=[(label(s), s) for s in STATUSES if s not in ("new", "escalated")],
            layout=w.Layout(width="160px"),
        )
        self.bulk_status.add_class("cb-triage-bulk-status")
        self.bulk_status_button = self._button("Set status", "cb-triage-bulk-set-status", "")
        self.bulk_status_button.on_click(self.bulk_change_status)
        can_assign, can_respond = self.service.can("assign"), self.service.can("respond")
        bulk_parts: list[w.Widget] = [
            self.select_all,
            self.selected_text,
            w.Box(layout=w.Layout(flex="1")),
        ]
        if can_assign:
            bulk_parts += [self.bulk_owner, self.bulk_assign_button]
        if can_respond:
            bulk_parts += [self.bulk_status, self.bulk_status_button]
        self.bulk = row(*bulk_parts, gap="8px")
        self.bulk.add_class("cb-triage-bulk")
        if not (can_assign or can_respond):
            self.bulk.layout.display = "none"

        head = w.HTML(
            '<div class="cb-triage-grid cb-triage-head"><div>Item</div><div>Category</div>'
            "<div>Urgency</div><div>Status</div><div>Owner</div><div>SLA</div></div>",
            layout=w.Layout(margin="0 0 0 36px"),
        )
        self.rows = [_Row(self._open, self._selection_changed) for _ in range(self.page_size)]
        if not (can_assign or can_respond):
            for r in self.rows:
                r.check.layout.visibility = "hidden"
        self.empty = w.HTML(
            '<div class="cb-empty">No items match these filters.</div>',
            layout=w.Layout(display="none"),
        )
        self.message = w.HTML(layout=w.Layout(display="none"))
        self.message.add_class("cb-triage-queue-message")

        self.prev_button = self._button("Previous", "cb-triage-prev", "chevron-left")
        self.next_button = self._button("Next", "cb-triage-next", "chevron-right")
        self.prev_button.on_click(lambda _: self.go(self.page - 1))
        self.next_button.on_click(lambda _: self.go(self.page + 1))
        self.page_text = w.HTML()
        self.page_text.add_class("cb-triage-page")
        pager = row(self.prev_button, self.page_text, self.next_button, gap="4px")
        pager.add_class("cb-triage-pager")
        pager.layout.justify_content = "flex-end"

        self.widget = card(
            filters,
            self.bulk,
            self.message,
            head,
            w.VBox([r.box for r in self.rows], layout=w.Layout(grid_gap="0")),
            self.empty,
            pager,
            css="cb-triage-queue",
            flex="1 1 0%",
            min_width="0",
        )

    @staticmethod
    def _button(text: str, css: str, icon: str) -> w.Button:
        button = w.Button(description=text, icon=icon, layout=w.Layout(width="auto"))
        button.add_class(css)
        return button

    # --- reading ------------------------------------------------------------------------

    def filter(self) -> QueueFilter:
        """The filter the controls describe."""

        def value(widget: w.Dropdown) -> str | None:
            return None if widget.value == ANY else widget.value

        return QueueFilter(
            status=self.status.value,
            category=value(self.category),
            urgency=value(self.urgency),
            owner=value(self.owner),
            channel=value(self.channel),
            search=self.search.value,
        )

    def refresh_options(self) -> None:
        """Fill the drop-downs with the owners, channels and categories in the store."""
        options = filter_options(self.service.url)
        categories = list(dict.fromkeys([*self.service.categories, *options.categories]))
        self._quiet = True
        try:
            self._set_options(self.category, [ANY, *categories])
            self._set_options(self.owner, [ANY, UNASSIGNED, *options.owners])
            self._set_options(self.channel, [ANY, *options.channels])
            self.bulk_owner.options = options.owners
        finally:
            self._quiet = False
        self.owners = options.owners

    @staticmethod
    def _set_options(widget: w.Dropdown, options: list[str]) -> None:
        keep = widget.value
        widget.options = options
        widget.value = keep if keep in options else options[0]

    def refresh(self, keep_selection: bool = False) -> None:
        """Reload the current page from the store."""
        selected = self.selected_ids() if keep_selection else set()
        now = self.service.clock()
        try:
            page = queue_page(
                self.service.url,
                self.filter(),
                sort=self.sort.value,
                page=self.page,
                page_size=self.page_size,
                now=now,
            )
        except CommbookError as exc:
            self.show_message("error", str(exc))
            return
        self.last, self.page = page, page.page
        tz = get_settings().tz
        self._quiet = True
        try:
            for i, slot in enumerate(self.rows):
                if i < len(page.rows):
                    item = page.rows.iloc[i]
                    slot.show(item, tz, now, current=int(item["id"]) == self.current)
                    slot.check.value = slot.item_id in selected
                else:
                    slot.hide()
                    slot.check.value = False
            self.select_all.value = False
        finally:
            self._quiet = False
        self.empty.layout.display = "" if page.total == 0 else "none"
        first = (page.page - 1) * page.page_size + 1 if page.total else 0
        last = min(page.total, page.page * page.page_size)
        self.page_text.value = (
            f"{first:,}–{last:,} of {page.total:,} · page {page.page} of {page.pages}"
        )
        self.prev_button.disabled = page.page <= 1
        self.next_button.disabled = page.page >= page.pages
        self._selection_changed()
        if self.on_stats:
            self.on_stats(page)

    def go(self, page: int) -> None:
        self.page = page
        self.refresh()

    def _filters_changed(self, _: Any = None) -> None:
        if not self._quiet:
            self.page = 1
            self.refresh()

    def _open(self, item_id: int) -> None:
        self.current = item_id
        for slot in self.rows:
            if slot.item_id == item_id:
                slot.box.add_class("cb-triage-current")
            else:
                slot.box.remove_class("cb-triage-current")
        self.on_open(item_id)

    # --- selection and bulk actions -----------------------------------------------------

    def selected(self) -> list[tuple[int, int]]:
        """``(item_id, version)`` of the ticked rows on this page."""
        return [
            (r.item_id, r.version)
            for r in self.rows
            if r.check.value and r.item_id is not None and r.version is not None
        ]

    def selected_ids(self) -> set[int]:
        return {item_id for item_id, _ in self.selected()}

    def _selection_changed(self) -> None:
        n = len(self.selected())
        self.selected_text.value = f"{n} selected" if n else "Select items for bulk actions"
        self.bulk_assign_button.disabled = n == 0
        self.bulk_status_button.disabled = n == 0

    def _select_all(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._quiet = True
        try:
            for slot in self.rows:
                if slot.item_id is not None:
                    slot.check.value = bool(change["new"])
        finally:
            self._quiet = False
        self._selection_changed()

    def show_message(self, kind: str, text: str) -> None:
        self.message.value = alert(kind, text)
        self.message.layout.display = ""

    def _after_bulk(self, result: Any, verb: str) -> None:
        kind = "success" if not result.failed else ("warning" if result.done else "error")
        self.refresh_options()
        self.refresh()
        self.show_message(kind, result.summary(verb))
        if self.current in result.done:
            self.on_open(self.current)

    def bulk_assign(self, _: Any = None) -> None:
        """Assign the ticked items to the owner typed in the bulk bar."""
        owner = self.bulk_owner.value.strip()
        if not owner:
            self.show_message("error", "Type or pick an owner to assign the selected items to.")
            return
        try:
            result = self.service.bulk_assign(self.selected(), owner)
        except CommbookError as exc:
            self.show_message("error", str(exc))
            return
        self._after_bulk(result, f"assigned to {owner}")

    def bulk_change_status(self, _: Any = None) -> None:
        """Move the ticked items to the status chosen in the bulk bar."""
        status = self.bulk_status.value
        try:
            result = self.service.bulk_status(self.selected(), status)
        except CommbookError as exc:
            self.show_message("error", str(exc))
            return
        self._after_bulk(result, f"moved to {label(status)}")
