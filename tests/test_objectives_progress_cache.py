"""The objectives form judges only what changed after its own save or delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from commbook import planning, progress
from commbook.widgets import objectives
from commbook.widgets.objectives import ObjectiveForm


def _data(title: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": title,
        "metric": "manual",
        "direction": "increase",
        "baseline": 0,
        "target": 10,
        "current_value": 5,
        "start_date": dt.date(2026, 1, 1),
        "due_date": dt.date(2026, 12, 31),
        "owner": "ana",
        "status": "active",
    }
    values.update(changes)
    return values


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The titles of the objectives passed to each ``current_values`` call."""
    calls: list[list[str]] = []
    real = progress.current_values

    def spy(objs: Any, url: Any = None, as_of: Any = None) -> list[float | None]:
        objs = list(objs)
        calls.append(sorted(o.title for o in objs))
        return real(objs, url, as_of)

    monkeypatch.setattr(objectives.progress, "current_values", spy)
    return calls


def test_save_and_delete_rejudge_only_what_changed(sqlite_url: str, judged: list) -> None:
    for title in ("A", "B", "C"):
        planning.save_objective(_data(title), url=sqlite_url)
    form = ObjectiveForm(url=sqlite_url, as_of=dt.date(2026, 7, 1))
    assert judged == [["A", "B", "C"]]
    before = dict(form.progress)

    a = next(o for o in planning.list_objectives(url=sqlite_url) if o.title == "A")
    form.open(a.id)
    form.fields["current_value"].widget.value = "9"
    form.save()
    assert "Saved" in form.message.value
    assert judged[-1] == ["A"]
    assert form.progress[a.id].value == 9.0
    assert all(form.progress[i] == p for i, p in before.items() if i != a.id)
    assert "9" in form.progress_box.value

    # someone else changes C meanwhile: it is judged again with the next own save
    c = next(o for o in planning.list_objectives(url=sqlite_url) if o.title == "C")
    planning.save_objective(_data("C", current_value=1), id=c.id, version=c.version, url=sqlite_url)
    form.new()
    form.fields["title"].widget.value = "D"
    form.fields["owner"].widget.value = "bo"
    form.fields["baseline"].widget.value = 0.0
    form.fields["target"].widget.value = 10.0
    form.save()
    assert judged[-1] == ["C", "D"]
    assert form.progress[c.id].value == 1.0

    form.delete()
    assert "Deleted" in form.message.value
    assert judged[-1] == []
    assert len(form.progress) == 3

    form.refresh()  # an explicit refresh judges everything again
    assert judged[-1] == ["A", "B", "C"]
