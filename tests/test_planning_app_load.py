"""The planning app's first load: progress measured after the page is up, forms built on use."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import threading
from typing import Any

import pytest

from commbook import planning, progress
from commbook.widgets import objectives
from commbook.widgets.background import app_when_ready, in_background
from commbook.widgets.calendar import CalendarTab
from commbook.widgets.objectives import ObjectiveForm
from commbook.widgets.segments import SegmentForm

AS_OF = dt.date(2026, 7, 1)


def _save(url: str, title: str, value: float) -> planning.Objective:
    return planning.save_objective(
        {
            **planning.blank_objective(dt.date(2026, 1, 1)),
            "title": title,
            "metric": "manual",
            "baseline": 0,
            "target": 10,
            "current_value": value,
            "due_date": dt.date(2026, 12, 31),
            "owner": "Ana",
        },
        url=url,
    )


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold every ``current_values`` call until the event is set; record their threads."""
    release = threading.Event()
    real = progress.current_values

    def held(objs: Any, url: Any = None, as_of: Any = None) -> list[float | None]:
        objs = list(objs)
        held.threads.append(threading.current_thread().name)
        if threading.current_thread() is not threading.main_thread():
            assert release.wait(10), "the test never released the worker"
        return real(objs, url, as_of)

    held.threads = []
    monkeypatch.setattr(objectives.progress, "current_values", held)
    release.threads = held.threads
    return release


async def _until(condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def test_in_background_needs_a_running_loop() -> None:
    assert in_background(lambda: 1, lambda _: None, lambda _: None) is False

    async def scenario() -> tuple[int, str]:
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        started = in_background(
            lambda: threading.current_thread().name,
            lambda name: done.set_result((name, threading.current_thread().name)),
            done.set_exception,
            name="worker-x",
        )
        assert started
        return await asyncio.wait_for(done, 10)

    worker, callback = asyncio.run(scenario())
    assert worker == "worker-x"  # the work ran on the worker thread …
    assert callback == threading.main_thread().name  # … its result came back on the loop's


def test_in_background_reports_failures_on_the_loop() -> None:
    def boom() -> int:
        raise RuntimeError("store unreachable")

    async def scenario() -> BaseException:
        failed: asyncio.Future = asyncio.get_running_loop().create_future()
        in_background(boom, lambda _: None, failed.set_result)
        return await asyncio.wait_for(failed, 10)

    assert "store unreachable" in str(asyncio.run(scenario()))


def test_objectives_are_listed_first_and_judged_on_a_worker(
    sqlite_url: str, gate: threading.Event
) -> None:
    a, b = _save(sqlite_url, "Host meetups", 5), _save(sqlite_url, "Grow the wiki", 9)

    async def scenario() -> ObjectiveForm:
        form = ObjectiveForm(url=sqlite_url, as_of=AS_OF, judge_in_background=True)
        # the page can be shown now: every objective listed, progress still being measured
        listed = sorted(label for label, _ in form.picker.options)
        assert listed == ["Grow the wiki", "Host meetups"]
        assert form.table.value.count("Measuring…") == 2
        assert "Measuring 2…" in form.prompt.value  # the "at a glance" card
        await asyncio.sleep(0.05)
        assert gate.threads == [], "judging started before the page showed the form"
        form.widget._view_count = 1  # what the browser reports when it shows the form
        assert form.progress == {}
        gate.set()
        await _until(lambda: form.progress.keys() == {a.id, b.id})
        return form

    form = asyncio.run(scenario())
    assert gate.threads == ["commbook-objective-progress"]
    assert "Measuring…" not in form.table.value
    assert form.progress[a.id].value == 5.0 and form.progress[b.id].value == 9.0
    assert "50 % of the way" in form.table.value and "90 % of the way" in form.table.value
    assert "2 on track" in form.prompt.value and "Measuring" not in form.prompt.value


def test_a_save_while_measuring_is_not_overwritten_by_the_late_result(
    sqlite_url: str, gate: threading.Event
) -> None:
    a, b = _save(sqlite_url, "Host meetups", 5), _save(sqlite_url, "Grow the wiki", 9)

    async def scenario() -> ObjectiveForm:
        form = ObjectiveForm(url=sqlite_url, as_of=AS_OF, judge_in_background=True)
        form.widget._view_count = 1  # shown
        form.open(a.id)  # the form is built when it is first needed
        assert form.form_built and not form.progress_box.value
        form.fields["current_value"].widget.value = "7"
        form.save()  # judged now, on the kernel's thread: the new value
        assert "Saved" in form.message.value
        assert form.progress[a.id].value == 7.0
        gate.set()  # the worker's values (from version 1 of A) arrive afterwards
        await _until(lambda: b.id in form.progress)
        return form

    form = asyncio.run(scenario())
    assert form.progress[a.id].value == 7.0, "the late value of the old version was kept"
    assert form.progress[b.id].value == 9.0
    assert "7" in form.progress_box.value  # the open objective's panel shows the new value


def test_forms_are_built_when_first_needed(sqlite_url: str) -> None:
    empty = ObjectiveForm(url=sqlite_url, as_of=AS_OF)
    assert empty.form_built  # nothing to pick: the form for the first objective, at once

    _save(sqlite_url, "Host meetups", 5)
    form = ObjectiveForm(url=sqlite_url, as_of=AS_OF)
    assert not form.form_built
    assert "Pick an objective" in form.form_slot.children[0].children[0].value
    form.new()
    assert form.form_built and form.form_slot.children[0] is form._form
    assert form.fields["title"].widget.value == ""

    calendar = CalendarTab(url=sqlite_url, today=AS_OF)
    assert not calendar.form_built
    calendar.new()
    assert calendar.form_built
    assert calendar.fields["objective_id"].widget.options[1] == ("Host meetups", 1)

    assert SegmentForm(url=sqlite_url).form_built  # no segments yet


def _app_module(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> str:
    (tmp_path / f"{name}.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


APP_MODULE = """
import time
import ipywidgets as w
time.sleep(0.2)  # a slow import: what pandas and SQLAlchemy are to the real apps
def make(title):
    box = w.HTML(title)
    box.add_class("cb-app")
    return box
"""


def test_app_shows_loading_then_the_app_once_imported(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _app_module(tmp_path, monkeypatch, "slow_app_ok", APP_MODULE)

    async def scenario() -> Any:
        shown = app_when_ready(name, "make", loading="Loading the plan…", title="Plan")
        assert "Loading the plan…" in shown.children[-1].value  # returned before the import
        await _until(lambda: hasattr(sys.modules.get(name), "make"))  # imported
        await asyncio.sleep(0.1)  # and its callback run on the loop
        assert "Loading the plan…" in shown.children[-1].value, "built before the page showed"
        shown._view_count = 1  # what the browser reports when it shows the message
        assert "cb-app" in shown.children[0]._dom_classes
        return shown

    shown = asyncio.run(scenario())
    assert shown.children[0].value == "Plan"
    # imported now: built at once (a kernel Voilà heated, or outside a kernel)
    assert app_when_ready(name, "make", title="Again").value == "Again"


def test_app_that_fails_to_build_says_so_on_the_page(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _app_module(tmp_path, monkeypatch, "slow_app_broken", APP_MODULE)

    async def scenario() -> Any:
        shown = app_when_ready(name, "make", wrong="argument")
        shown._view_count = 1
        await _until(lambda: "could not start" in shown.children[-1].value)
        return shown

    assert "unexpected keyword argument" in asyncio.run(scenario()).children[-1].value


# --- found in review: records gone, ids reused, failures, choices made since ---------------


def test_opening_a_record_deleted_elsewhere_leaves_a_blank_new_form(sqlite_url: str) -> None:
    from commbook.calendar import model, service

    _save(sqlite_url, "Host meetups", 5)
    gone = _save(sqlite_url, "Grow the wiki", 9)
    form = ObjectiveForm(url=sqlite_url, as_of=AS_OF)
    planning.delete_objective(gone.id, gone.version, url=sqlite_url)  # another manager
    form.open(gone.id)  # picked in a list that was stale
    assert "Grow the wiki" not in [label for label, _ in form.picker.options]
    assert form.heading.value == "<h2>New objective</h2>"
    assert form.delete_button.layout.display == "none"

    item = service.save_item(
        {**model.blank_item(AS_OF, "UTC"), "title": "Post", "channel": "Blog"}, url=sqlite_url
    )
    calendar = CalendarTab(url=sqlite_url, today=AS_OF)
    service.delete_item(item.id, item.version, url=sqlite_url)
    calendar.open(item.id)
    assert calendar.heading.value == "<h2>New calendar item</h2>"
    assert calendar.fields["status"].widget.options  # a usable form: statuses offered
    assert calendar.fields["timezone"].widget.value


def test_late_progress_of_a_deleted_objective_is_not_given_to_one_reusing_its_id(
    sqlite_url: str, gate: threading.Event
) -> None:
    _save(sqlite_url, "Host meetups", 5)
    gone = _save(sqlite_url, "Grow the wiki", 9)

    async def scenario() -> ObjectiveForm:
        form = ObjectiveForm(url=sqlite_url, as_of=AS_OF, judge_in_background=True)
        form.widget._view_count = 1  # judging starts, held by the gate
        form.open(gone.id)
        form.delete()
        reused = _save(sqlite_url, "Brand new", 1)  # SQLite hands out the freed id again
        assert (reused.id, reused.version) == (gone.id, gone.version)
        form.refresh()
        gate.set()
        await _until(lambda: not form._pending)
        return form

    form = asyncio.run(scenario())
    assert form.progress[gone.id].value == 1.0, "the deleted objective's value was shown"


def test_a_progress_failure_is_said_without_opening_a_form(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _save(sqlite_url, "Host meetups", 5)

    def locked(*_: Any, **__: Any) -> Any:
        raise RuntimeError("database is locked")

    async def scenario() -> ObjectiveForm:
        form = ObjectiveForm(url=sqlite_url, as_of=AS_OF, judge_in_background=True)
        monkeypatch.setattr(objectives.progress, "current_values", locked)
        form.widget._view_count = 1
        await _until(lambda: "database is locked" in form.as_of_note.value)
        return form

    form = asyncio.run(scenario())
    assert not form.form_built
    assert "Measuring" not in form.table.value


def test_calendar_built_early_offers_objectives_created_before_it_is_opened(
    sqlite_url: str,
) -> None:
    from commbook.widgets.planning import PlanningApp

    _save(sqlite_url, "Host meetups", 5)
    app = PlanningApp(url=sqlite_url)
    app.widget._view_count = 1  # the page shows the app: the Calendar is built now
    assert app.calendar is not None
    app.calendar.new()
    app.calendar.fields["objective_id"].widget.value = 1  # being filled in…
    _save(sqlite_url, "Launch the forum", 2)  # …while an objective is created
    app.tabs.selected_index = 2
    offered = [label for label, _ in app.calendar.fields["objective_id"].widget.options]
    assert "Launch the forum" in offered
    assert app.calendar.fields["objective_id"].widget.value == 1  # what was picked stays
