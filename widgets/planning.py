"""The planning app: Objectives, Audience, Calendar, History and the notes for the report.

Only the Objectives tab is built with the app — its progress measured after the page is up
(``ObjectiveForm(judge_in_background=True)``); the other tabs are built, and their modules
imported, the first time their tab is picked (a light "Loading…" placeholder until then), so
the page is interactive sooner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from commbook.widgets.background import when_shown
from commbook.widgets.objectives import ObjectiveForm
from commbook.widgets.theme import stylesheet

if TYPE_CHECKING:
    from commbook.widgets.calendar import CalendarTab
    from commbook.widgets.history import HistoryView


class PlanningApp:
    """Header + tabs. ``PlanningApp(url).widget`` is what the Voilà app displays.

    Add an area with ``self.add_tab("Audience", SegmentForm(url).widget)``, or built on first
    selection with ``self.add_lazy_tab("Audience", lambda: SegmentForm(url).widget)``.
    """

    def __init__(self, url: str | None = None, actor: str | None = None) -> None:
        self.objectives = ObjectiveForm(url=url, actor=actor, judge_in_background=True)
        self.history: HistoryView | None = None
        self._history_index = self._calendar_index = -1
        self.tabs = w.Tab()
        self.tabs.add_class("cb-planning-tabs")
        self._pending: dict[int, Callable[[], w.Widget]] = {}
        self.tabs.observe(self._tab_picked, "selected_index")
        self.add_tab("Objectives", self.objectives.widget)
        self.add_lazy_tab("Audience", lambda: _segments(url, actor))
        self.calendar: CalendarTab | None = None
        self.add_lazy_tab("Calendar", lambda: self._calendar(url, actor))
        self._calendar_index = len(self.tabs.children) - 1
        self.add_lazy_tab("History", lambda: self._history(url))
        self._history_index = len(self.tabs.children) - 1
        self.add_lazy_tab("Report notes", lambda: _notes(url, actor))
        header = w.HTML(
            "<h1>Community plan</h1>"
            "<p>Set measurable objectives for your community and track who owns them.</p>"
        )
        header.add_class("cb-app-header")
        self.widget = w.VBox([stylesheet(), header, self.tabs])
        self.widget.add_class("cb-app")
        # once the page shows the app, build the Calendar tab while the manager reads the
        # objectives (their progress starts being measured then too: ObjectiveForm)
        when_shown(self.widget, self._shown)

    def add_tab(self, title: str, content: w.Widget) -> None:
        """Add a tab showing ``content``."""
        self.tabs.children = [*self.tabs.children, content]
        self.tabs.set_title(len(self.tabs.children) - 1, title)

    def add_lazy_tab(self, title: str, build: Callable[[], w.Widget]) -> None:
        """Add a tab whose content ``build()`` makes the first time the tab is picked."""
        placeholder = w.HTML('<p class="cb-muted">Loading…</p>')
        placeholder.add_class("cb-tab-loading")
        box = w.VBox([placeholder])
        self.add_tab(title, box)
        self._pending[len(self.tabs.children) - 1] = build
        if self.tabs.selected_index == len(self.tabs.children) - 1:
            self._open(self.tabs.selected_index)

    def _shown(self) -> None:
        self.objectives.start_judging()  # what the manager looks at first
        if self._calendar_index in self._pending:
            self._open(self._calendar_index)

    def _tab_picked(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index is None:
            return
        if index in self._pending:
            self._open(index)
        elif index == self._history_index and self.history is not None:
            self.history.refresh()  # the history is re-read each time its tab is opened
        elif index == self._calendar_index and self.calendar is not None:
            # built when the page showed: offer objectives and segments created since
            self.calendar.refresh_choices()

    def _open(self, index: int) -> None:
        self.tabs.children[index].children = [self._pending[index]()]
        del self._pending[index]

    def _calendar(self, url: str | None, actor: str | None) -> w.Widget:
        from commbook.widgets.calendar import CalendarTab

        self.calendar = CalendarTab(url=url, actor=actor)
        return self.calendar.widget

    def _history(self, url: str | None) -> w.Widget:
        from commbook.widgets.history import HistoryView

        self.history = HistoryView(url)
        return self.history.widget


# The other tabs' modules are imported when their tab is first opened (pandas, icalendar, …
# stay off the page's first load).


def _segments(url: str | None, actor: str | None) -> w.Widget:
    from commbook.widgets.segments import SegmentForm

    return SegmentForm(url=url, actor=actor).widget


def _notes(url: str | None, actor: str | None) -> w.Widget:
    from commbook.widgets.notes import NotesForm

    return NotesForm(url=url, actor=actor).widget


def planning_app(url: str | None = None, actor: str | None = None) -> w.VBox:
    """The planning app's top-level widget, on the store at ``url`` (default: configured)."""
    return PlanningApp(url=url, actor=actor).widget
