"""The planning app builds the Audience, Calendar and History tabs on first selection."""

from __future__ import annotations

from commbook import planning
from commbook.widgets.planning import PlanningApp


def _classes(widget) -> set[str]:
    return set(widget._dom_classes)


def test_tabs_are_built_when_first_picked_and_history_rereads(sqlite_url: str) -> None:
    app = PlanningApp(url=sqlite_url)
    tabs = app.tabs
    assert [tabs.get_title(i) for i in range(4)] == [
        "Objectives",
        "Audience",
        "Calendar",
        "History",
    ]
    assert "cb-objective" in " ".join(_classes(tabs.children[0]))
    for i in (1, 2, 3):  # placeholders only
        (content,) = tabs.children[i].children
        assert "cb-tab-loading" in _classes(content)

    tabs.selected_index = 2
    (calendar,) = tabs.children[2].children
    assert "cb-tab-loading" not in _classes(calendar)
    assert "cb-tab-loading" in _classes(tabs.children[1].children[0])

    tabs.selected_index = 3
    assert "cb-history" in _classes(tabs.children[3].children[0])
    assert "Grow" not in app.history.table.value

    tabs.selected_index = 0
    app.objectives.fields["title"].widget.value = "Grow"
    app.objectives.fields["owner"].widget.value = "ana"
    app.objectives.fields["target"].widget.value = 10.0
    app.objectives.save()
    assert planning.list_objectives(url=sqlite_url)
    tabs.selected_index = 3  # opened again: re-read, built once
    assert "Grow" in app.history.table.value
    tabs.selected_index = 1
    assert "cb-segment-form" in " ".join(
        " ".join(_classes(c)) for c in [tabs.children[1].children[0], *_walk(tabs.children[1])]
    )


def _walk(widget):
    for child in getattr(widget, "children", ()):
        yield child
        yield from _walk(child)


def test_calendar_is_built_once_the_page_shows_the_app(sqlite_url: str) -> None:
    app = PlanningApp(url=sqlite_url)
    assert "cb-tab-loading" in _classes(app.tabs.children[2].children[0])
    app.widget._view_count = 1  # what the browser reports when it shows the app
    assert "cb-calendar" in _classes(app.tabs.children[2].children[0])
    assert "cb-tab-loading" in _classes(app.tabs.children[1].children[0])  # only the calendar
    app.tabs.selected_index = 2  # picking it later keeps what was built
    assert "cb-calendar" in _classes(app.tabs.children[2].children[0])
