"""Change history: readable audit entries, filters, pages, names after delete, escaping."""

from __future__ import annotations

import datetime as dt

from commbook import history, planning, segments
from commbook.widgets.history import HistoryView, table_html


def _objective(**changes: object) -> dict:
    values = {
        **planning.blank_objective(dt.date(2026, 1, 1)),
        "title": "Grow weekly active members",
        "metric": "weekly_active_members",
        "baseline": 120,
        "target": 150,
        "owner": "Ana",
    }
    values.update(changes)
    return values


def _make_changes(url: str) -> None:
    obj = planning.save_objective(_objective(), url=url, actor="ana")
    planning.save_objective(
        _objective(target=160, title="Grow WAM"), id=obj.id, version=1, url=url, actor="bob"
    )
    seg = segments.save_segment(
        {"name": "EU makers", "demographics": {"regions": "EU, NA"}}, url=url, actor="bob"
    )
    segments.delete_segment(seg.id, 1, url=url, actor="ana")


def test_entries_are_newest_first_and_readable(store_url: str) -> None:
    _make_changes(store_url)
    page = history.history(store_url)
    assert page.total == 4 and page.pages == 1
    assert [(e.actor, e.action, e.entity) for e in page.entries] == [
        ("ana", "delete", "audience_segments"),
        ("bob", "create", "audience_segments"),
        ("bob", "update", "objectives"),
        ("ana", "create", "objectives"),
    ]
    deleted, created, updated, _ = page.entries
    assert deleted.name == "EU makers"  # the name survives the delete
    assert deleted.action_label == "Deleted" and deleted.entity_label == "Audience segment"
    assert ("Demographics", "", "regions: EU, NA") in [
        (c.label, c.old, c.new) for c in created.changes
    ]
    assert updated.name == "Grow WAM"
    assert sorted((c.label, c.old, c.new) for c in updated.changes) == [
        ("Target", "150", "160"),
        ("Title", "Grow weekly active members", "Grow WAM"),
    ]


def test_filters_and_pages(sqlite_url: str) -> None:
    _make_changes(sqlite_url)
    assert [e.action for e in history.history(sqlite_url, entity="objectives").entries] == [
        "update",
        "create",
    ]
    assert {e.actor for e in history.history(sqlite_url, actor="bob").entries} == {"bob"}
    first = history.history(sqlite_url, per_page=3)
    second = history.history(sqlite_url, page=2, per_page=3)
    assert (first.pages, len(first.entries), len(second.entries)) == (2, 3, 1)
    assert second.entries[0].action == "create" and second.entries[0].entity == "objectives"
    assert history.history(sqlite_url, page=99, per_page=3).page == 2  # clamped
    assert history.actors(sqlite_url) == ["ana", "bob"]
    assert history.entity_types(sqlite_url) == ["objectives", "audience_segments"]


def test_values_are_described_in_words() -> None:
    assert history.describe(None) == "—"
    assert history.describe(["EU", "NA"]) == "EU, NA"
    assert history.describe({"active_within_days": 30}) == "active within days: 30"
    assert history.describe(True) == "yes"
    assert history.describe("x" * 200).endswith("…") and len(history.describe("x" * 200)) == 90


def test_view_escapes_text_filters_and_pages(sqlite_url: str) -> None:
    planning.save_objective(_objective(title="<img src=x onerror=alert(1)>"), url=sqlite_url)
    _make_changes(sqlite_url)
    view = HistoryView(sqlite_url, per_page=2)
    assert view.status.value == "Page 1 of 3 · 5 changes"
    assert view.prev_button.disabled and not view.next_button.disabled
    view.go(3)
    assert "Page 3 of 3" in view.status.value and view.next_button.disabled
    assert "<img" not in view.table.value and "&lt;img src=x" in view.table.value
    view.actor.value = "bob"
    assert view.page == 1 and view.status.value == "Page 1 of 1 · 2 changes"
    assert "EU makers" in view.table.value and "150</span> → <span class='cb-new'>160" in (
        view.table.value
    )
    assert "No changes recorded yet" in table_html([])
