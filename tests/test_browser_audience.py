"""The Audience and History tabs in a real browser: Voilà serving notebooks/, Chromium.

One Voilà server for the module, on a store holding the sample community (so rules have
members to count); each test opens the app in fresh browser contexts, which also fail the
test if the page requests anything off this machine.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from conftest import copy_sample_db
from playwright.sync_api import Page, expect
from voila_harness import ROOT, Store, new_store, open_app, open_apps

from commbook import progress, segments

pytestmark = pytest.mark.browser

APP = "planning.ipynb"
IMAGES = ROOT / "docs" / "img"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Store:
    folder = tmp_path_factory.mktemp("audience-app")
    copy_sample_db(sample_db, folder)
    return new_store(folder)  # migrates the copy (a no-op) and gives the server's env


def _tab(page: Page, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).click()


def _audience(page: Page) -> Page:
    _tab(page, "Audience")
    expect(page.locator(".cb-segments")).to_be_visible()
    return page


def _new_segment(page: Page) -> Page:
    """The form is built when first needed: here for a new segment."""
    page.locator(".cb-segment-new").click()
    expect(page.locator(".cb-segment-form")).to_be_visible()
    return page


def _input(page: Page, path: str, tag: str = "input"):
    return page.locator(f".{_css(path)} {tag}")


def _css(path: str) -> str:
    return "cb-segment-" + path.replace(".", "-").replace("_", "-")


def _names(store: Store) -> list[str]:
    return [s.name for s in segments.list_segments(store.url)]


def _pick(page: Page, name: str) -> None:
    page.locator(".cb-segment-picker select").select_option(label=name)
    expect(_input(page, "name")).to_have_value(name)


def _sized_as_of(store: Store) -> dt.datetime:
    """When the app sizes rules: the end of the last day with data (the samples end earlier)."""
    latest = progress.data_as_of(store.url)
    assert latest is not None and latest < dt.date.today()
    return dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), dt.UTC)


def _screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """Write docs/img/<name> when COMMBOOK_UPDATE_SCREENSHOTS=1 (else a temp file)."""
    page.set_viewport_size({"width": 1360, "height": 1200})
    height = page.locator(".cb-app").bounding_box()["height"]
    page.set_viewport_size({"width": 1360, "height": int(height) + 60})  # all of it rendered
    update = os.environ.get("COMMBOOK_UPDATE_SCREENSHOTS") == "1"
    path = IMAGES / name if update else tmp_path / name
    page.locator(".cb-app").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 20_000


def test_create_edit_delete_a_segment_and_reload(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    page = _audience(open_app(app_page, server, APP))
    expect(page.locator(".cb-segments-table")).to_contain_text("LATAM builders")  # samples
    expect(page.locator(".cb-segment-form-prompt")).to_contain_text("Pick a segment")
    _new_segment(page)
    _input(page, "name").fill("Portuguese newcomers")
    _input(page, "description", "textarea").fill("Brazilian members in their first 90 days.")
    _input(page, "demographics.regions").fill("LATAM")
    _input(page, "demographics.languages").fill("pt-BR")
    _input(page, "needs", "textarea").fill("Docs in Portuguese; a warm welcome.")
    _input(page, "preferences.channels").fill("discord, social")
    _input(page, "preferences.times_of_day").fill("evening")
    _input(page, "behaviours.activity_level", "select").select_option(label="Low")
    _input(page, "rule_on").check()
    _input(page, "rule.languages").fill("pt-BR")
    _input(page, "rule.tenure_max_days").fill("180")
    page.locator(".cb-segment-save").click()
    expect(page.locator(".cb-segment-message")).to_contain_text("Saved “Portuguese newcomers”")

    stored = next(s for s in segments.list_segments(store.url) if s.name.startswith("Portug"))
    assert stored.demographics == {"regions": ["LATAM"], "languages": ["pt-BR"]}
    assert stored.preferences == {"channels": ["discord", "social"], "times_of_day": ["evening"]}
    assert stored.rule == {"languages": ["pt-BR"], "tenure_max_days": 180}
    rule = segments.validate_rule(stored.rule)
    expected = segments.size_segments({1: rule}, store.url, _sized_as_of(store))[1]
    assert expected.count > 0
    expect(page.locator(".cb-segment-size")).to_contain_text(f"{expected.count:,}")
    expect(page.locator(".cb-segment-size")).to_contain_text("members match")

    page.reload()
    page.locator(".cb-app").wait_for(timeout=30_000)
    _audience(page)
    _pick(page, "Portuguese newcomers")
    expect(_input(page, "needs", "textarea")).to_have_value("Docs in Portuguese; a warm welcome.")
    expect(_input(page, "preferences.channels")).to_have_value("discord, social")
    expect(_input(page, "rule.tenure_max_days")).to_have_value("180")
    expect(page.locator(".cb-segment-size")).to_contain_text(f"{expected.count:,}")

    _input(page, "needs", "textarea").fill("Docs in Portuguese.")
    page.locator(".cb-segment-save").click()
    expect(page.locator(".cb-segment-message")).to_contain_text("Saved “Portuguese newcomers”")
    edited = segments.get_segment(stored.id, url=store.url)
    assert (edited.needs, edited.version) == ("Docs in Portuguese.", 2)

    _screenshot(page, "planning-audience.png", tmp_path)

    page.locator(".cb-segment-delete").click()
    expect(page.locator(".cb-segment-delete-confirm")).to_be_visible()
    assert "Portuguese newcomers" in _names(store)  # nothing deleted before confirming
    page.locator(".cb-segment-delete-confirm").click()
    expect(page.locator(".cb-segment-message")).to_contain_text("Deleted “Portuguese newcomers”")
    expect(page.locator(".cb-segments-table")).not_to_contain_text("Portuguese newcomers")
    assert "Portuguese newcomers" not in _names(store)


def test_invalid_input_is_explained_kept_and_not_saved(
    server: str, store: Store, app_page: Page
) -> None:
    before = _names(store)
    page = _new_segment(_audience(open_app(app_page, server, APP)))
    _input(page, "name").fill("Night owls")
    _input(page, "demographics.age_bands").fill("17-20")
    _input(page, "rule_on").check()
    _input(page, "rule.active_within_days").fill("thirty")
    page.locator(".cb-segment-save").click()

    message = page.locator(".cb-segment-message")
    expect(message).to_contain_text("please fix the 2 problems")
    expect(page.locator(".cb-error-segment-demographics-age-bands")).to_contain_text(
        "'17-20' not one of 18-24"
    )
    expect(page.locator(".cb-error-segment-rule-active-within-days")).to_have_text(
        "Active in the last … days must be a whole number"
    )
    expect(_input(page, "demographics.age_bands")).to_have_value("17-20")
    expect(_input(page, "rule.active_within_days")).to_have_value("thirty")
    expect(_input(page, "name")).to_have_value("Night owls")
    assert _names(store) == before

    # a duplicate name is refused on the name field
    _input(page, "name").fill("Newcomers")
    _input(page, "demographics.age_bands").fill("18-24")
    _input(page, "rule.active_within_days").fill("30")
    page.locator(".cb-segment-save").click()
    expect(page.locator(".cb-error-segment-name")).to_have_text(
        "A segment named “Newcomers” already exists"
    )
    assert _names(store) == before


def test_a_rule_shows_its_member_count(server: str, store: Store, app_page: Page) -> None:
    page = _new_segment(_audience(open_app(app_page, server, APP)))
    _input(page, "rule_on").check()
    _input(page, "rule.regions").fill("EU")
    _input(page, "rule.active_within_days").fill("30")
    page.locator(".cb-segment-count").click()
    rule = segments.validate_rule({"regions": ["EU"], "active_within_days": 30})
    size = segments.size_segments({1: rule}, store.url, _sized_as_of(store))[1]
    assert 0 < size.count < size.total
    count = page.locator(".cb-segment-size")
    expect(count).to_contain_text(f"{size.count:,}members match")
    expect(count).to_contain_text(f"of {size.total:,} members")
    expect(count).to_contain_text(f"EU {size.count:,}")  # the breakdown by region


def test_second_manager_gets_a_conflict_and_can_reload(
    server: str, store: Store, browser_contexts
) -> None:
    seeded = segments.save_segment(
        {"name": "Young tinkerers 2", "needs": "Short videos"}, url=store.url, actor="seed"
    )
    ana, bob = open_apps([browser_contexts().new_page() for _ in "ab"], server, APP)
    for page in (ana, bob):
        _audience(page)
        _pick(page, "Young tinkerers 2")

    _input(ana, "needs", "textarea").fill("Short videos, contests")
    ana.locator(".cb-segment-save").click()
    expect(ana.locator(".cb-segment-message")).to_contain_text("Saved “Young tinkerers 2”")

    _input(bob, "needs", "textarea").fill("Cheap projects")
    bob.locator(".cb-segment-save").click()
    expect(bob.locator(".cb-segment-message")).to_contain_text("Someone else changed this segment")
    expect(_input(bob, "needs", "textarea")).to_have_value("Cheap projects")
    assert segments.get_segment(seeded.id, url=store.url).needs == "Short videos, contests"

    bob.locator(".cb-segment-reload").click()
    expect(_input(bob, "needs", "textarea")).to_have_value("Short videos, contests")
    expect(bob.locator(".cb-segment-message")).to_contain_text("Reloaded")


def test_history_tab_shows_the_change_just_made(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    page = _audience(open_app(app_page, server, APP))
    _pick(page, "EU makers")
    _input(page, "needs", "textarea").fill("Events at European times <b>and</b> EU shipping.")
    page.locator(".cb-segment-save").click()
    expect(page.locator(".cb-segment-message")).to_contain_text("Saved “EU makers”")

    _tab(page, "History")
    first = page.locator(".cb-history-table tbody tr").first
    expect(first).to_contain_text("browser-tester")
    expect(first).to_contain_text("Changed")
    expect(first).to_contain_text("EU makers")
    expect(first).to_contain_text("Needs")
    expect(first).to_contain_text("Events at European times <b>and</b> EU shipping.")  # escaped

    page.locator(".cb-history-actor select").select_option(label="browser-tester")
    expect(page.locator(".cb-history-status")).to_contain_text("Page 1 of 1")
    expect(page.locator(".cb-history-table")).not_to_contain_text("samples")
    page.locator(".cb-history-actor select").select_option(label="Everyone")
    expect(page.locator(".cb-history-status")).not_to_contain_text("Page 1 of 1 ")
    page.locator(".cb-history-next").click()
    expect(page.locator(".cb-history-status")).to_contain_text("Page 2 of")
    page.locator(".cb-history-prev").click()
    expect(page.locator(".cb-history-status")).to_contain_text("Page 1 of")
    _screenshot(page, "planning-history.png", tmp_path)
