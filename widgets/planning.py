"""The planning app: one tab per planning area — Objectives, Audience, Calendar, History."""

from __future__ import annotations

import ipywidgets as w

from commbook.widgets.calendar import CalendarTab
from commbook.widgets.history import HistoryView
from commbook.widgets.objectives import ObjectiveForm
from commbook.widgets.segments import SegmentForm
from commbook.widgets.theme import stylesheet


class PlanningApp:
    """Header + tabs. ``PlanningApp(url).widget`` is what the Voilà app displays.

    Add an area with ``self.add_tab("Audience", SegmentForm(url).widget)``.
    """

    def __init__(self, url: str | None = None, actor: str | None = None) -> None:
        self.objectives = ObjectiveForm(url=url, actor=actor)
        self.tabs = w.Tab()
        self.tabs.add_class("cb-planning-tabs")
        self.add_tab("Objectives", self.objectives.widget)
        self.add_tab("Audience", SegmentForm(url=url, actor=actor).widget)
        self.add_tab("Calendar", CalendarTab(url=url, actor=actor).widget)
        self.add_tab("History", HistoryView(url, tabs=self.tabs).widget)
        header = w.HTML(
            "<h1>Community plan</h1>"
            "<p>Set measurable objectives for your community and track who owns them.</p>"
        )
        header.add_class("cb-app-header")
        self.widget = w.VBox([stylesheet(), header, self.tabs])
        self.widget.add_class("cb-app")

    def add_tab(self, title: str, content: w.Widget) -> None:
        self.tabs.children = [*self.tabs.children, content]
        self.tabs.set_title(len(self.tabs.children) - 1, title)


def planning_app(url: str | None = None, actor: str | None = None) -> w.VBox:
    """The planning app's top-level widget, on the store at ``url`` (default: configured)."""
    return PlanningApp(url=url, actor=actor).widget
