"""The triage app in a real browser: Voilà serving notebooks/, Chromium driven by Playwright,
on a store holding the sample community plus a few fresh posts turned into items.

One manager server for the module; the role test starts its own moderator server.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from voila_harness import ROOT, Store, new_store, open_app, voila_server

from commbook.feedback.ideas import theme_key
from commbook.samples.load import load_samples
from commbook.store import (
    ActivityEvent,
    AuditEntry,
    Channel,
    ContentItem,
    Member,
    TriageItem,
    TriageResponse,
    session_scope,
)
from commbook.triage.model import OPEN_STATUSES
from commbook.triage.service import TriageService

pytestmark = pytest.mark.browser

APP = "triage.ipynb"
SCREENSHOT = ROOT / "docs" / "img" / "triage.png"
FRESH = [  # (minutes ago, author, title, body, replies)
    (25, "m00229", "Soldering station smoking after firmware update",
     "Since the 2.1 update my station smells burnt and there is smoke. Is it safe to use?",
     [("m00008", "Unplug it right away and don't use it until staff answers.")]),
    (70, "m00121", "Refund for a kit that arrived broken",
     "My robot arm kit arrived with a cracked base plate. I'd like a refund or a replacement.",
     []),
    (150, "m00122", "Idea: dark mode for the parts catalogue",
     "Would love a dark mode, the white pages are hard on the eyes at night.", []),
    (200, "m00300", "Can't log in after password reset",
     "I reset my password twice and still get 'invalid credentials'. Order #5521 is stuck.",
     [("m00123", "Same here since yesterday evening.")]),
    (320, "m00412", "Show and tell: weather station v2",
     "Finally finished the solar-powered version, pics inside!", []),
]  # fmt: skip


def _add_fresh_posts(url: str) -> None:
    """Recent forum posts (as an import would add them), then the queue is filled from
    them by the real service."""
    now = dt.datetime.now(dt.UTC)
    with session_scope(url, actor="import") as s:
        forum = s.scalar(select(Channel).where(Channel.key == "forum"))
        ids = {m.source_id: m.id for m in s.scalars(select(Member))}
        for n, (minutes, who, title, body, replies) in enumerate(FRESH):
            sid = f"fresh{n}"
            when = now - dt.timedelta(minutes=minutes)
            s.add(
                ActivityEvent(source="forum-export", source_id=sid, kind="post", occurred_at=when,
                              member_id=ids[who], channel_id=forum.id, thread_id=sid,
                              title=title, body=body)
            )  # fmt: skip
            for k, (author, text) in enumerate(replies):
                s.add(
                    ActivityEvent(source="forum-export", source_id=f"{sid}r{k}", kind="reply",
                                  occurred_at=when + dt.timedelta(minutes=5 + k), thread_id=sid,
                                  parent_id=sid, member_id=ids[author], channel_id=forum.id,
                                  body=text)
                )  # fmt: skip
    TriageService(url, actor="importer", role="manager").create_from_events(
        since=now - dt.timedelta(hours=12)
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = new_store(tmp_path_factory.mktemp("triage-app"))
    load_samples(ROOT / "data" / "samples", store.url, actor="samples")
    _add_fresh_posts(store.url)
    return store


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[str]:
    with voila_server(env={**store.env, "COMMBOOK_ROLE": "manager"}) as base_url:
        yield base_url


def _item(store: Store, item_id: int) -> TriageItem:
    with session_scope(store.url) as s:
        return s.get(TriageItem, item_id)


def _open_first(page: Page) -> int:
    page.locator(".cb-triage-row:visible .cb-triage-open").first.click()
    header = page.locator(".cb-triage-item-header .cb-triage-id")
    expect(header).to_be_visible()
    return int(header.inner_text().lstrip("#"))


def _tab(page: Page, name: str) -> None:
    page.locator(".cb-triage-actions button", has_text=name).click()


def test_triage_loop_end_to_end(server: str, store: Store, app_page: Page, tmp_path: Path) -> None:
    page = open_app(app_page, server, APP, ready=".cb-triage-row")
    expect(page.locator(".cb-triage-whoami")).to_contain_text("manager")
    page.locator(".cb-triage-filter-status select").select_option(label="Triaged")
    expect(page.locator(".cb-triage-page")).to_contain_text("of 12 ")  # the sample's triaged
    item_id = _open_first(page)
    assert _item(store, item_id).status == "triaged"
    expect(page.locator(".cb-triage-thread")).to_be_visible()  # the post and its replies

    page.locator(".cb-triage-assign-owner input").fill("Bea K.")
    page.locator(".cb-triage-assign-save").click()
    message = page.locator(".cb-triage-message")
    expect(message).to_contain_text("Assigned to Bea K.")

    _tab(page, "Respond")
    page.locator(".cb-triage-response-text textarea").fill("Thanks! A new board ships today.")
    page.locator(".cb-triage-response-status select").select_option(label="set in progress")
    page.locator(".cb-triage-respond-save").click()
    expect(message).to_contain_text("Response recorded. Status set to in progress.")

    _tab(page, "Status")
    page.locator(".cb-triage-status-to select").select_option(label="resolved")
    page.locator(".cb-triage-status-save").click()
    expect(message).to_contain_text("Status set to resolved.")

    _tab(page, "Close loop")
    page.locator(".cb-triage-loop-note textarea").fill("Told the member the board shipped.")
    page.locator(".cb-triage-loop-save").click()
    expect(message).to_contain_text("Loop closed")
    expect(page.locator(".cb-triage-history")).to_contain_text("told the member the outcome")

    item = _item(store, item_id)
    assert (item.status, item.owner, item.closed_loop) == ("closed", "Bea K.", True)
    assert item.closed_loop_note == "Told the member the board shipped."
    assert item.first_response_at is not None and item.resolved_at is not None
    with session_scope(store.url) as s:
        responses = s.scalars(select(TriageResponse).where(TriageResponse.item_id == item_id))
        assert [(r.actor, r.body) for r in responses] == [
            ("browser-tester", "Thanks! A new board ships today.")
        ]
        audit = s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "triage_items", AuditEntry.entity_id == str(item_id)
            )
        ).all()
    mine = [a for a in audit if a.actor == "browser-tester"]
    assert len(mine) == 4  # assign, respond, resolve, close the loop
    expect(page.locator(".cb-triage-page")).to_contain_text("of 11 ")  # it left the filter

    # The picture in the docs: the fresh posts, newest first, one open with a reply typed.
    page.locator(".cb-triage-filter-status select").select_option(label="All open")
    page.locator(".cb-triage-sort select").select_option(label="Newest first")
    expect(page.locator(".cb-triage-row").first).to_contain_text("Soldering station smoking")
    reset = page.locator(".cb-triage-row", has_text="after password reset")
    expect(reset).to_have_count(1)  # rows are refilled one by one after the sort changes
    reset.locator(".cb-triage-open").click()
    expect(page.locator(".cb-triage-item-header")).to_contain_text("Can't log in")
    _tab(page, "Respond")
    page.locator(".cb-triage-response-text textarea").fill(
        "Sorry about that! I've reset your session; could you try logging in again?"
    )
    page.set_viewport_size({"width": 1480, "height": 1500})
    update = os.environ.get("COMMBOOK_UPDATE_SCREENSHOTS") == "1"
    path = SCREENSHOT if update else tmp_path / SCREENSHOT.name
    page.locator(".cb-app").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 20_000

    # Content ideas from feedback: a theme members keep raising becomes a calendar idea.
    service = TriageService(store.url, actor="importer", role="manager")
    now = dt.datetime.now(dt.UTC)
    for hours, text in ((50, "Please add a dark mode to the parts catalogue"),
                        (26, "Dark mode for the parts catalogue, my eyes hurt at night"),
                        (2, "Any plans for a dark mode in the parts catalogue?")):  # fmt: skip
        service.create_item(summary=text, category="feedback", channel="forum",
                            received_at=now - dt.timedelta(hours=hours))  # fmt: skip
    page.locator(".cb-triage-ideas-load").click()
    ideas = page.locator(".cb-triage-idea")
    expect(ideas.first).to_be_visible(timeout=30_000)
    expect(page.locator(".cb-triage-ideas-summary")).to_contain_text("recurring themes")
    first = ideas.first
    label = first.locator(".cb-triage-idea-label").inner_text()
    first.locator(".cb-triage-idea-add").click()
    expect(page.locator(".cb-triage-ideas-message")).to_contain_text(
        "Added to the calendar as idea #"
    )
    expect(ideas.first.locator(".cb-triage-idea-done")).to_contain_text("In the calendar")
    with session_scope(store.url) as s:
        made = s.scalars(select(ContentItem).where(ContentItem.campaign == "from-feedback")).all()
        assert [(c.status, c.scheduled_at) for c in made] == [("idea", None)]
        assert f"[feedback-theme:{theme_key(label)}]" in made[0].notes


def test_bulk_assign_selected_items(server: str, store: Store, app_page: Page) -> None:
    page = open_app(app_page, server, APP, ready=".cb-triage-row")
    with session_scope(store.url) as s:
        unassigned = s.scalars(
            select(TriageItem.id).where(
                TriageItem.owner.is_(None), TriageItem.status.in_(sorted(OPEN_STATUSES))
            )
        ).all()
    assert len(unassigned) >= 2
    page.locator(".cb-triage-filter-owner select").select_option(label="(unassigned)")
    expect(page.locator(".cb-triage-page")).to_contain_text(f"of {len(unassigned)} ")
    rows = page.locator(".cb-triage-row:visible")
    chosen = []
    for i in range(2):
        rows.nth(i).locator(".cb-triage-select input").check()
        chosen.append(int(rows.nth(i).locator("[data-item]").get_attribute("data-item")))
    expect(page.locator(".cb-triage-bulk")).to_contain_text("2 selected")
    page.locator(".cb-triage-bulk-owner input").fill("Omar F.")
    page.locator(".cb-triage-bulk-assign").click()
    expect(page.locator(".cb-triage-queue-message")).to_contain_text(
        "2 item(s) assigned to Omar F."
    )
    assert set(chosen) <= set(unassigned)
    assert [_item(store, i).owner for i in chosen] == ["Omar F.", "Omar F."]
    assert all(_item(store, i).status != "new" for i in chosen)  # assigned → triaged


def test_moderator_is_not_offered_bans_or_specialist_escalations(
    store: Store, app_page: Page
) -> None:
    env = {**store.env, "COMMBOOK_ROLE": "moderator", "COMMBOOK_USER": "mo"}
    with voila_server(env=env) as base_url:
        page = open_app(app_page, base_url, APP, ready=".cb-triage-row")
        expect(page.locator(".cb-triage-whoami")).to_contain_text("moderator")
        _open_first(page)
        _tab(page, "Moderate")
        actions = page.locator(".cb-triage-moderate-action select option").all_inner_texts()
        assert actions == ["Approve", "Edit", "Hide", "Remove", "Warn"]
        _tab(page, "Escalate")
        levels = page.locator(".cb-triage-escalate-level select option").all_inner_texts()
        assert [level.replace("\xa0", " ") for level in levels] == ["Team lead"]
        buttons = page.locator(".cb-triage-actions button").all_inner_texts()
        assert [b.strip() for b in buttons] == [
            "Assign", "Status", "Respond", "Moderate", "Escalate", "Close loop", "Triage"
        ]  # fmt: skip
        _tab(page, "Moderate")
        page.locator(".cb-triage-moderate-save").click()  # no reason given
        expect(page.locator(".cb-error-triage-moderate-reason")).to_contain_text(
            "a reason is required"
        )


def test_viewer_sees_the_queue_but_no_actions(store: Store, app_page: Page) -> None:
    env = {**store.env, "COMMBOOK_ROLE": "viewer"}
    with voila_server(env=env) as base_url:
        page = open_app(app_page, base_url, APP, ready=".cb-triage-row")
        _open_first(page)
        expect(page.locator(".cb-triage-readonly-note")).to_contain_text("role: viewer")
        expect(page.locator(".cb-triage-actions")).to_have_count(0)
        expect(page.locator(".cb-triage-bulk")).to_be_hidden()
        expect(page.locator(".cb-triage-select").first).to_be_hidden()
