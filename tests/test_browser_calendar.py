"""The Calendar tab of the planning app in a real browser (Voilà + Chromium via Playwright).

One Voilà server for the module on its own SQLite store; every browser context fails the
test if the page requests anything off this machine.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import Page, expect
from voila_harness import ROOT, Store, new_store, open_app

from commbook import calendar as cal
from commbook.calendar import service

pytestmark = pytest.mark.browser

APP = "planning.ipynb"
SCREENSHOT = ROOT / "docs" / "img" / "planning-calendar.png"
TODAY = dt.date.today()  # the app opens on the current month (server timezone: UTC)


def _day(n: int) -> dt.date:
    """Day ``n`` of the current month (clamped to 28)."""
    return TODAY.replace(day=min(n, 28))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return new_store(tmp_path_factory.mktemp("calendar-app"))


def _seed(store: Store, title: str, **changes: object) -> cal.ItemInput:
    values = {
        **cal.blank_item(TODAY, "UTC"),
        "title": title,
        "content_type": "article",
        "channel": "Blog",
        "owner": "Ana",
        "status": "draft",
        "scheduled_date": _day(10),
        **changes,
    }
    return cal.save_item(values, url=store.url, actor="seed")


def _open_calendar(page: Page, server: str) -> Page:
    open_app(page, server, APP)
    page.get_by_role("tab", name="Calendar").click()
    page.locator(".cb-cal-month").wait_for(state="visible", timeout=30_000)
    return page


def _new_item(page: Page) -> None:
    """The editor is built when first needed: here for a new item."""
    page.locator(".cb-calendar-new").click()
    expect(_field(page, "title")).to_have_value("")


def _field(page: Page, name: str, tag: str = "input"):
    return page.locator(f".cb-calendar-{name} {tag}").first


def _pick(page: Page, title: str) -> None:
    option = page.locator(".cb-calendar-picker option", has_text=title).first
    page.locator(".cb-calendar-picker select").select_option(label=option.inner_text())
    expect(_field(page, "title")).to_have_value(title)


def _titles(store: Store) -> list[str]:
    items = service.items_in_range(None, None, url=store.url, include_unscheduled=True)
    return sorted(i.title for i in items)


def test_create_edit_delete_an_item_and_reload_shows_it(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    _seed(store, "Weekly newsletter", content_type="newsletter", channel="Email",
          status="scheduled", scheduled_date=_day(1), rrule="FREQ=WEEKLY",
          tags="onboarding")  # fmt: skip
    _seed(store, "Moderator guide", scheduled_date=_day(10), scheduled_time="14:00")
    _seed(store, "Community poll", content_type="poll", channel="Forum", owner="Bea",
          status="review", scheduled_date=_day(18), tags="spring-launch")  # fmt: skip
    _seed(store, "Old recap", status="approved", scheduled_date=_day(1) - dt.timedelta(days=20))
    page = _open_calendar(app_page, server)
    expect(page.locator(".cb-calendar-period")).to_have_text(f"{TODAY:%B %Y}")
    expect(page.locator(".cb-cal-month")).to_contain_text("Weekly newsletter")
    expect(page.locator(".cb-calendar-warnings")).to_contain_text("Old recap")

    _new_item(page)
    _field(page, "title").fill("Spring AMA with the founders")
    _field(page, "type", "select").select_option(label="AMA")
    _field(page, "channel").fill("Forum")
    _field(page, "owner").fill("Bea")
    _field(page, "date").fill(_day(12).isoformat())
    _field(page, "time").fill("18:00")
    _field(page, "tags").fill("spring-launch, ama")
    _field(page, "notes", "textarea").fill("Collect questions a week before.")
    page.locator(".cb-calendar-save").click()
    expect(page.locator(".cb-calendar-message")).to_contain_text(
        "Saved “Spring AMA with the founders”"
    )
    expect(page.locator(".cb-cal-month")).to_contain_text("Spring AMA with the founders")
    stored = {i.title: i for i in service.items_in_range(None, None, url=store.url)}
    ama = stored["Spring AMA with the founders"]
    assert (ama.content_type, ama.channel.key, ama.owner, ama.campaign) == (
        "ama",
        "forum",
        "Bea",
        "spring-launch, ama",
    )
    assert ama.scheduled_at == dt.datetime.combine(_day(12), dt.time(18), tzinfo=dt.UTC)

    # edit: move it along the workflow and change the time
    _field(page, "status", "select").select_option(label="Draft")
    _field(page, "time").fill("17:30")
    page.locator(".cb-calendar-save").click()
    expect(page.locator(".cb-calendar-form")).to_contain_text("Version 2")
    again = service.get_item(ama.id, store.url)
    assert (again.status, again.version, again.scheduled_at.hour) == ("draft", 2, 17)

    # reload: the data is still there, and opens in the form
    page.reload()
    page.locator(".cb-app").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Calendar").click()
    expect(page.locator(".cb-cal-month")).to_contain_text("17:30 Spring AMA with the founders")
    _pick(page, "Spring AMA with the founders")
    expect(_field(page, "notes", "textarea")).to_have_value("Collect questions a week before.")
    expect(_field(page, "time")).to_have_value("17:30")

    page.set_viewport_size({"width": 1360, "height": 1700})
    update = os.environ.get("COMMBOOK_UPDATE_SCREENSHOTS") == "1"
    path = SCREENSHOT if update else tmp_path / SCREENSHOT.name
    page.locator(".cb-app").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 20_000
    page.locator(".cb-calendar-view").get_by_role("button", name="Agenda").click()
    expect(page.locator(".cb-cal-agenda")).to_contain_text("Spring AMA with the founders")
    agenda = path.with_name("planning-calendar-agenda.png")
    page.locator(".cb-calendar-main").screenshot(path=str(agenda), animations="disabled")

    # delete asks first
    page.locator(".cb-calendar-delete").click()
    expect(page.locator(".cb-calendar-delete-confirm")).to_be_visible()
    assert "Spring AMA with the founders" in _titles(store)
    page.locator(".cb-calendar-delete-confirm").click()
    expect(page.locator(".cb-calendar-message")).to_contain_text(
        "Deleted “Spring AMA with the founders”"
    )
    expect(page.locator(".cb-cal-agenda")).not_to_contain_text("Spring AMA")
    assert "Spring AMA with the founders" not in _titles(store)


def test_invalid_input_is_explained_kept_and_nothing_is_saved(
    server: str, store: Store, app_page: Page
) -> None:
    before = _titles(store)
    page = _open_calendar(app_page, server)
    _new_item(page)
    _field(page, "title").fill("   ")
    _field(page, "channel").fill("Blog")
    _field(page, "time").fill("25:61")
    _field(page, "url").fill("not a link")
    page.locator(".cb-calendar-save").click()
    expect(page.locator(".cb-error-calendar-title")).to_have_text("Title is required")
    expect(page.locator(".cb-error-calendar-time")).to_have_text(
        "Time must be like 09:30 (24-hour clock)"
    )
    expect(page.locator(".cb-error-calendar-url")).to_contain_text("must be a web address")
    expect(page.locator(".cb-calendar-message")).to_contain_text("please fix the 3 problems")
    expect(_field(page, "time")).to_have_value("25:61")
    expect(_field(page, "url")).to_have_value("not a link")
    assert _titles(store) == before

    _field(page, "title").fill("Fixed title")
    _field(page, "time").fill("10:15")
    _field(page, "url").fill("")
    page.locator(".cb-calendar-save").click()
    expect(page.locator(".cb-calendar-message")).to_contain_text("Saved “Fixed title”")
    expect(page.locator(".cb-error-calendar-time")).to_be_hidden()
    assert _titles(store) == sorted([*before, "Fixed title"])


def test_second_manager_gets_a_conflict_and_can_reload(
    server: str, store: Store, browser_contexts
) -> None:
    seeded = _seed(store, "Release notes", scheduled_date=_day(20))
    ana, bob = (_open_calendar(browser_contexts().new_page(), server) for _ in "ab")
    for page in (ana, bob):
        _pick(page, "Release notes")
    _field(ana, "owner").fill("Carla")
    ana.locator(".cb-calendar-save").click()
    expect(ana.locator(".cb-calendar-message")).to_contain_text("Saved “Release notes”")

    _field(bob, "owner").fill("Dan")
    bob.locator(".cb-calendar-save").click()
    expect(bob.locator(".cb-calendar-message")).to_contain_text("Someone else changed this item")
    expect(_field(bob, "owner")).to_have_value("Dan")  # bob's typing is kept
    assert service.get_item(seeded.id, store.url).owner == "Carla"
    bob.locator(".cb-calendar-reload").click()
    expect(_field(bob, "owner")).to_have_value("Carla")
    expect(bob.locator(".cb-calendar-message")).to_contain_text("Reloaded")


def test_ics_export_downloads_a_calendar_that_parses(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    _seed(store, "Monthly town hall", content_type="event", status="approved",
          scheduled_date=_day(5), rrule="FREQ=MONTHLY")  # fmt: skip
    page = _open_calendar(app_page, server)
    page.locator(".cb-calendar-export-ics").click()
    link = page.locator("a.cb-calendar-download-ics")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.fullmatch(r"commbook-calendar-\d{8}\.ics", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    parsed = icalendar.Calendar.from_ical(target.read_bytes())
    assert parsed.get_missing_tzids() == set()
    summaries = {str(e["summary"]) for e in parsed.events}
    assert "Monthly town hall" in summaries
    town_hall = next(e for e in parsed.events if e["summary"] == "Monthly town hall")
    assert town_hall["rrule"]["FREQ"] == ["MONTHLY"]
