"""The triage app: the queue on the left, the open item on the right, counts on top, and
content ideas from recurring feedback below.

``triage_app(url, actor, role)`` is what ``notebooks/triage.ipynb`` displays. The role
(default ``COMMBOOK_ROLE``) decides which actions are offered; the service enforces it.
Real authentication belongs to JupyterHub in front of Voilà (see ``docs/triage.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import ipywidgets as w

from commbook.triage.queue import PAGE_SIZE, QueuePage
from commbook.triage.service import TriageService
from commbook.widgets.theme import row
from commbook.widgets.theme import stylesheet as base_stylesheet
from commbook.widgets.triage_detail import ItemPanel
from commbook.widgets.triage_format import e
from commbook.widgets.triage_format import stylesheet as triage_stylesheet
from commbook.widgets.triage_ideas import IdeasPanel
from commbook.widgets.triage_queue import QueueView


class TriageApp:
    """Header with counts, the queue and the item panel, wired together."""

    def __init__(
        self,
        url: str | None = None,
        actor: str | None = None,
        role: str | None = None,
        *,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.service = TriageService(url, actor, role, clock=clock)
        self.panel = ItemPanel(self.service, on_change=self._changed)
        self.queue = QueueView(
            self.service, on_open=self.panel.show, on_stats=self._stats, page_size=page_size
        )
        header = w.HTML(
            '<div class="cb-triage-header"><div><h1>Triage queue</h1>'
            "<p>Answer, moderate and escalate what members raise — and close the loop.</p>"
            '</div><div class="cb-triage-whoami">Signed in as '
            f"<b>{e(self.service.actor)}</b>"
            f'<span class="cb-triage-role cb-triage-role-{e(self.service.role)}">'
            f"{e(self.service.role)}</span></div></div>"
        )
        header.add_class("cb-app-header")
        self.stats = w.HTML()
        self.stats.add_class("cb-triage-stats-box")
        self.ideas = IdeasPanel(self.service)
        self.widget = w.VBox(
            [
                base_stylesheet(),
                triage_stylesheet(),
                header,
                self.stats,
                row(self.queue.widget, self.panel.widget, align_items="flex-start"),
                self.ideas.widget,
            ],
            layout=w.Layout(grid_gap="14px"),
        )
        self.widget.add_class("cb-app")
        self.widget.add_class("cb-triage")
        self.refresh()

    def refresh(self) -> None:
        """Reload the drop-downs and the queue."""
        self.queue.refresh_options()
        self.panel.owners = self.queue.owners
        self.queue.refresh(keep_selection=True)

    def _changed(self, _item_id: int) -> None:
        self.queue.refresh_options()
        self.panel.owners = self.queue.owners
        self.queue.refresh(keep_selection=True)

    def _stats(self, page: QueuePage) -> None:
        tiles = [
            ("Matching items", page.total, ""),
            ("SLA breached", page.breached, "cb-triage-stat-breached"),
            ("Breach soon", page.breach_soon, "cb-triage-stat-soon"),
            ("Open and unassigned", page.unassigned, ""),
        ]
        self.stats.value = (
            '<div class="cb-triage-stats">'
            + "".join(
                f'<div class="cb-triage-stat {css}"><div class="cb-triage-stat-value">{n:,}</div>'
                f'<div class="cb-triage-stat-label">{text}</div></div>'
                for text, n, css in tiles
            )
            + "</div>"
        )


def triage_app(url: str | None = None, actor: str | None = None, role: str | None = None) -> w.VBox:
    """The triage app's top-level widget on the store at ``url`` (default: configured)."""
    return TriageApp(url=url, actor=actor, role=role).widget
