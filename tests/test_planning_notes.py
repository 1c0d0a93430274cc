"""The Report notes tab: the team's notes that the stakeholder report shows for a period."""

from __future__ import annotations

from commbook.reports import notes
from commbook.widgets.notes import NotesForm
from commbook.widgets.planning import PlanningApp


def test_notes_tab_is_last_in_the_planning_app(sqlite_url: str) -> None:
    tabs = PlanningApp(url=sqlite_url).tabs
    assert tabs.get_title(len(tabs.children) - 1) == "Report notes"
    tabs.selected_index = len(tabs.children) - 1
    assert "cb-notes" in tabs.children[-1].children[0]._dom_classes


def test_add_list_and_delete_a_note_for_a_period(sqlite_url: str) -> None:
    form = NotesForm(url=sqlite_url, actor="rosa")
    form.period.widget.value = "2026-10"
    form.body.widget.value = "Build night moved online <b>because</b> of the venue."
    form.save()
    saved = notes.list_notes("2026-10", url=sqlite_url)
    assert [(n.author, n.body) for n in saved] == [
        ("rosa", "Build night moved online <b>because</b> of the venue.")
    ]
    assert "1 note for 2026-10" in form.heading.value
    assert "&lt;b&gt;because&lt;/b&gt;" in form.listing.children[0].children[0].value
    assert form.body.widget.value == ""

    form.period.widget.value = "2026-09"  # another period: its own (empty) list
    assert form.listing.children == ()
    form.period.widget.value = "2026-10"
    delete = form.listing.children[0].children[1]
    delete.click()
    assert notes.list_notes("2026-10", url=sqlite_url) == []
    assert "Note deleted" in form.message.value


def test_empty_note_or_bad_period_is_explained_and_nothing_is_saved(sqlite_url: str) -> None:
    form = NotesForm(url=sqlite_url)
    form.period.widget.value = "2026-10"
    form.body.widget.value = "   "
    form.save()
    assert "needs some text" in form.body.error.value
    form.period.widget.value = "October"
    form.body.widget.value = "Kept while the period is fixed"
    form.save()
    assert form.period.error.value
    assert form.body.widget.value == "Kept while the period is fixed"
    assert notes.list_notes("2026-10", url=sqlite_url) == []
