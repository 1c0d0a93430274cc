"""The planning app in a real browser: Voilà serving notebooks/, Chromium driven by Playwright.

One Voilà server for the module (on its own SQLite store); each test opens the app in fresh
browser contexts, which also fail the test if the page requests anything off this machine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from voila_harness import ROOT, Store, new_store, open_app, open_apps

from commbook import planning
from commbook.store import AudienceSegment, AuditEntry, session_scope

pytestmark = pytest.mark.browser

APP = "planning.ipynb"
SCREENSHOT = ROOT / "docs" / "img" / "planning-objectives.png"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return new_store(tmp_path_factory.mktemp("planning-app"))


def _seed(store: Store, title: str, **changes: object) -> planning.Objective:
    values = {
        **planning.blank_objective(dt.date(2026, 1, 1)),
        "title": title,
        "metric": "weekly_active_members",
        "baseline": 120,
        "target": 150,
        "due_date": dt.date(2026, 6, 30),
        "owner": "Ana",
        **changes,
    }
    return planning.save_objective(values, url=store.url, actor="seed")


def _field(page: Page, name: str, tag: str = "input"):
    return page.locator(f".cb-objective-{name} {tag}")


def _titles(store: Store) -> list[str]:
    return sorted(o.title for o in planning.list_objectives(url=store.url))


def test_saved_objective_is_still_listed_after_reload(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    _seed(
        store,
        "Cut first response time",
        metric="median_first_response_hours",
        direction="decrease",
        baseline=20,
        target=6,
        due_date=dt.date(2026, 3, 31),
        owner="Bea",
    )
    _seed(
        store,
        "Host 6 meetups",
        metric="manual",
        baseline=2,
        target=6,
        unit="meetups",
        status="draft",
    )
    with session_scope(store.url, actor="seed") as s:
        s.add_all([AudienceSegment(name="Newcomers"), AudienceSegment(name="Regulars")])
    page = open_app(app_page, server, APP)
    # objectives are listed; the form opens with "New objective" (or by picking one)
    expect(page.locator(".cb-objective-form-prompt")).to_contain_text("Pick an objective")
    page.locator(".cb-objective-new").click()
    _field(page, "title").fill("Grow weekly active members")
    _field(page, "description", "textarea").fill("More regulars answering in the forum.")
    _field(page, "metric", "select").select_option(label="Weekly active members")
    expect(_field(page, "unit")).to_have_value("members")  # the metric's unit, filled in
    _field(page, "baseline").fill("120")
    _field(page, "target").fill("150")
    _field(page, "start-date").fill("2026-01-01")
    _field(page, "due-date").fill("2026-06-30")
    _field(page, "owner").fill("Ana")
    _field(page, "segments", "select").select_option(label="Regulars")
    expect(page.locator(".cb-objective-content")).to_contain_text("No content linked yet")
    page.locator(".cb-objective-save").click()

    message = page.locator(".cb-objective-message")
    expect(message).to_contain_text("Saved “Grow weekly active members”")
    saved = [o for o in planning.list_objectives(url=store.url) if o.description]
    assert [(o.title, o.target, o.unit, o.due_date) for o in saved] == [
        ("Grow weekly active members", 150, "members", dt.date(2026, 6, 30))
    ]
    assert [s.name for s in saved[0].segments] == ["Regulars"]
    with session_scope(store.url) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == str(saved[0].id))).one()
    assert (entry.actor, entry.action) == ("browser-tester", "create")

    page.reload()
    page.locator(".cb-app").wait_for(timeout=30_000)
    expect(page.locator(".cb-objectives-table")).to_contain_text("Grow weekly active members")
    expect(page.locator(".cb-objectives-table")).to_contain_text("120 ↗ 150 members")
    page.locator(".cb-objective-picker select").select_option(label="Grow weekly active members")
    expect(_field(page, "target")).to_have_value("150")
    expect(_field(page, "description", "textarea")).to_have_value(
        "More regulars answering in the forum."
    )
    picked = _field(page, "segments", "select").locator("option:checked")
    expect(picked).to_have_text(["Regulars"])  # still selected after a reload
    icons = page.evaluate(
        """async () => (await document.fonts.load('900 14px "Font Awesome 5 Free"', '\\uf0c7'))
           .filter(f => f.status === 'loaded').length"""
    )
    assert icons > 0, "button icons need Voilà's bundled Font Awesome (served locally)"

    # The picture in the docs is the app as this test leaves it (rewritten on request only,
    # so that git does not see a new PNG after every run).
    page.set_viewport_size({"width": 1360, "height": 1200})
    height = page.locator(".cb-app").bounding_box()["height"]
    page.set_viewport_size({"width": 1360, "height": int(height) + 60})  # all of it rendered
    update = os.environ.get("COMMBOOK_UPDATE_SCREENSHOTS") == "1"
    path = SCREENSHOT if update else tmp_path / SCREENSHOT.name
    page.locator(".cb-app").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 20_000


def test_invalid_values_are_explained_kept_and_not_saved(
    server: str, store: Store, app_page: Page
) -> None:
    before = _titles(store)
    page = open_app(app_page, server, APP)
    page.locator(".cb-objective-new").click()
    _field(page, "title").fill("   ")
    _field(page, "baseline").fill("120")
    _field(page, "target").fill("100")
    _field(page, "owner").fill("Bea")
    page.locator(".cb-objective-save").click()

    expect(page.locator(".cb-error-objective-target")).to_have_text(
        "Target must be above the baseline when the goal is to increase"
    )
    expect(page.locator(".cb-error-objective-title")).to_have_text("Title is required")
    expect(page.locator(".cb-objective-message")).to_contain_text("please fix the 2 problems")
    expect(page.locator(".cb-error-objective-owner")).to_be_hidden()
    expect(_field(page, "target")).to_have_value("100")
    expect(_field(page, "baseline")).to_have_value("120")
    expect(_field(page, "owner")).to_have_value("Bea")
    assert _titles(store) == before

    _field(page, "title").fill("Answer faster")
    _field(page, "direction", "select").select_option(label="Decrease")
    page.locator(".cb-objective-save").click()
    expect(page.locator(".cb-objective-message")).to_contain_text("Saved “Answer faster”")
    expect(page.locator(".cb-error-objective-target")).to_be_hidden()
    assert _titles(store) == sorted([*before, "Answer faster"])


def test_second_manager_gets_a_conflict_and_can_reload(
    server: str, store: Store, browser_contexts
) -> None:
    seeded = _seed(store, "Raise NPS", metric="nps", baseline=32, target=45, unit="points")
    ana, bob = open_apps([browser_contexts().new_page() for _ in "ab"], server, APP)
    for page in (ana, bob):
        page.locator(".cb-objective-picker select").select_option(label="Raise NPS")
        expect(_field(page, "target")).to_have_value("45")

    _field(ana, "target").fill("50")
    ana.locator(".cb-objective-save").click()
    expect(ana.locator(".cb-objective-message")).to_contain_text("Saved “Raise NPS”")

    _field(bob, "target").fill("60")
    bob.locator(".cb-objective-save").click()
    expect(bob.locator(".cb-objective-message")).to_contain_text(
        "Someone else changed this objective"
    )
    expect(_field(bob, "target")).to_have_value("60")  # bob's typing is not thrown away
    assert planning.get_objective(seeded.id, url=store.url).target == 50

    bob.locator(".cb-objective-reload").click()
    expect(_field(bob, "target")).to_have_value("50")
    expect(bob.locator(".cb-objective-message")).to_contain_text("Reloaded")
    _field(bob, "target").fill("55")
    bob.locator(".cb-objective-save").click()
    expect(bob.locator(".cb-objective-message")).to_contain_text("Saved “Raise NPS”")
    stored = planning.get_objective(seeded.id, url=store.url)
    assert (stored.target, stored.version) == (55, 3)


def test_delete_asks_first_then_removes_the_objective(
    server: str, store: Store, app_page: Page
) -> None:
    _seed(store, "Old pilot programme", status="cancelled")
    page = open_app(app_page, server, APP)
    page.locator(".cb-objective-picker select").select_option(label="Old pilot programme")
    expect(_field(page, "title")).to_have_value("Old pilot programme")
    page.locator(".cb-objective-delete").click()
    confirm = page.locator(".cb-objective-delete-confirm")
    expect(confirm).to_be_visible()
    assert "Old pilot programme" in _titles(store)
    confirm.click()
    expect(page.locator(".cb-objective-message")).to_contain_text("Deleted “Old pilot programme”")
    expect(page.locator(".cb-objectives-table")).not_to_contain_text("Old pilot programme")
    assert "Old pilot programme" not in _titles(store)


def test_list_of_apps_loads_without_internet(server: str, app_page: Page) -> None:
    """Voilà's tree page uses its own page template; ours drops its CDN stylesheet too."""
    app_page.goto(f"{server}/")
    card = app_page.locator("a.cb-app-card", has_text="Planning")
    expect(card).to_be_visible(timeout=30_000)
    assert card.get_attribute("href").endswith("/voila/render/planning.ipynb")
