"""The dashboard app in a real browser: Voilà serving notebooks/, Chromium via Playwright.

One Voilà server for the module on a store loaded with the bundled sample community. The
numbers on the page are checked against ``commbook.metrics`` computed here, from frames
loaded independently of ``commbook.dashboard``. Every browser context fails its test if
the page requests anything off this machine.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from voila_harness import ROOT, Store, new_store, open_app, voila_server

from commbook import frames, metrics
from commbook.metrics.catalog import CONVERSATION_COLUMNS
from commbook.samples import load_samples

pytestmark = pytest.mark.browser

APP = "dashboard.ipynb"
START = pd.Timestamp("2026-10-01", tz="UTC")
END = pd.Timestamp("2026-11-01", tz="UTC")
UPDATE_MS = 30_000


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    made = new_store(tmp_path_factory.mktemp("dashboard-app"))
    load_samples(ROOT / "data" / "samples", made.url)
    return made


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[str]:
    env = {**store.env, "COMMBOOK_TIMEZONE": "UTC", "COMMBOOK_TODAY": "2026-12-04"}
    with voila_server(env=env) as base_url:
        yield base_url


def expected(url: str, channel: str | None = None) -> dict[str, str]:
    """Tile texts for October 2026 computed straight from commbook.metrics."""
    events = frames.load_events(url, START, None, columns=CONVERSATION_COLUMNS)
    content = frames.load_content(url, START, END)
    if channel:
        events = events[events["channel"] == channel]
        content = content[content["channel"] == channel]
    in_october = events[events["occurred_at"] < END]
    talk = metrics.conversation_summary(metrics.threads(events, START, END))
    members = frames.load_members(url)
    items = metrics.engagement_items(content)
    known = items["audience"] > 0
    rate = items.loc[known, "interactions"].sum() / items.loc[known, "audience"].sum()
    return {
        "active_members": f"{metrics.active_members(in_october):,}",
        "new_members": f"{metrics.new_members(members, START, END):,}",
        "contribution_rate": f"{100 * metrics.contribution_rate(events, START, END):.1f}%",
        "threads": f"{metrics.event_count(in_october, 'post'):,}",
        "answered_rate": f"{100 * talk['answered_rate']:.1f}%",
        "median_first_response_hours": f"{talk['median_first_response_hours']:.1f} h",
        "engagement_rate": f"{100 * rate:.1f}%",
    }


def expected_workflow(url: str) -> dict[str, str]:
    """The community workflow tiles for October 2026, from commbook.metrics.workflow."""
    from commbook.metrics import workflow
    from commbook.triage.sla import load_sla

    triage = frames.load_triage(url, START, END, columns=frames.TRIAGE_COLUMNS)
    received = triage[(triage["received_at"] >= START) & (triage["received_at"] < END)]
    resolved = triage[(triage["resolved_at"] >= START) & (triage["resolved_at"] < END)]
    times = workflow.response_times(received, END, load_sla()).set_index("category").loc["all"]
    events = frames.load_events(url, START, None, columns=CONVERSATION_COLUMNS)
    late_posts = (events["kind"] == "post") & (events["occurred_at"] >= END)
    answers = workflow.community_answer_share(
        events[~late_posts],
        frames.load_members(url, columns=("member_id", "role")),
        question_categories=workflow.QUESTION_CATEGORIES,
    )
    return {
        "sla_first_response_within": f"{100 * times['first_response_within_sla']:.1f}%",
        "triage_first_response_hours": f"{times['first_response_median_h']:.1f} h",
        "open_backlog": f"{workflow.backlog_size(triage, END):,}",
        "stale_backlog": f"{workflow.stale_backlog_size(triage, END):,}",
        "escalations": f"{received['escalation_level'].notna().sum():,}",
        "closed_loop_rate": f"{100 * workflow.closed_loop_rate(resolved):.1f}%",
        "moderation_per_1000_posts": "0",  # the sample community has no moderation actions
        "community_answer_share": f"{100 * answers.community_share:.1f}%",
    }


def tile(page: Page, key: str):
    return page.locator(f'.cb-kpi[data-metric="{key}"] .cb-kpi-value')


def choose_october(page: Page) -> None:
    page.locator(".cb-dash-period select").select_option(label="Custom range")
    page.locator(".cb-dash-from input").fill("2026-10-01")
    page.locator(".cb-dash-to input").fill("2026-10-31")
    expect(page.locator(".cb-dash-context")).to_contain_text(
        "1 Oct 2026 – 31 Oct 2026", timeout=UPDATE_MS
    )


def test_tiles_match_the_metrics_and_follow_the_channel_filter(
    server: str, store: Store, app_page: Page
) -> None:
    page = open_app(app_page, server, APP)
    choose_october(page)
    for key, text in expected(store.url).items():
        expect(tile(page, key)).to_have_text(text, timeout=UPDATE_MS)
    expect(page.locator(".cb-dash-context")).to_contain_text(
        "previous period: 1 Sep 2026 – 30 Sep 2026"
    )
    active = page.locator('.cb-kpi[data-metric="active_members"]')
    expect(active.locator(".cb-kpi-delta")).to_have_text("▲ +6%")  # 164 vs 154
    expect(active).to_have_class("cb-kpi cb-kpi-better")
    # a rate moves in points, as the report writes it (commbook.formatting.change_text)
    answered = page.locator('.cb-kpi[data-metric="answered_rate"] .cb-kpi-delta')
    expect(answered).to_have_text(re.compile(r"^(▲ \+|▼ -)\d+\.\d pts$|^▬ "))
    # the charts are drawn (inline SVG with their description as accessible name)
    figure = page.locator(".cb-dash-chart-activity figure[role=img]")
    expect(figure.locator("svg")).to_have_count(1)
    expect(figure).to_have_attribute("aria-label", re.compile("^Line chart of active"))
    expect(page.locator(".cb-dash-chart-content svg")).to_have_count(1)
    # the community workflow section: triage, moderation and who answers, from the metrics
    workflow = page.locator(".cb-dash-workflow")
    expect(workflow.locator("h2")).to_have_text("Community workflow")
    triage = workflow.locator('.cb-kpi[data-metric="triage_first_response_hours"]')
    expect(triage.locator(".cb-kpi-label")).to_have_text("Triage: median first response")
    for key, text in expected_workflow(store.url).items():
        expect(workflow.locator(f'.cb-kpi[data-metric="{key}"] .cb-kpi-value')).to_have_text(text)

    page.locator(".cb-dash-channel select").select_option(label="forum")
    forum = expected(store.url, channel="forum")
    assert forum["active_members"] != expected(store.url)["active_members"]
    for key, text in forum.items():
        expect(tile(page, key)).to_have_text(text, timeout=UPDATE_MS)
    expect(page.locator(".cb-dash-context")).to_contain_text("channel forum")


def test_drill_down_pages_and_exports_the_rows_as_csv(
    server: str, store: Store, app_page: Page, tmp_path: Path
) -> None:
    page = open_app(app_page, server, APP)
    choose_october(page)
    content = frames.load_content(store.url, START, END)
    expect(page.locator(".cb-dash-page")).to_contain_text(
        f"Rows 1–10 of {len(content)}", timeout=UPDATE_MS
    )
    expect(page.locator(".cb-dash-row")).to_have_count(10)
    page.locator(".cb-dash-next").click()
    expect(page.locator(".cb-dash-page")).to_contain_text(f"Rows 11–{len(content)}")

    with page.expect_download() as info:
        page.locator(".cb-dash-download").click()
    download = info.value
    assert download.suggested_filename == "commbook-content-2026-10-01_2026-10-31.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "Title", "Type", "Channel", "Published", "Reached", "Interactions", "Engagement rate",
    ]  # fmt: skip
    assert len(rows) - 1 == len(content)
    assert {r[0] for r in rows[1:]} == set(content["title"])

    page.locator(".cb-dash-drill button", has_text="Threads").click()
    posts = frames.load_events(store.url, START, END, columns=("kind",), kinds=("post",))
    expect(page.locator(".cb-dash-page")).to_contain_text(f"of {len(posts)}", timeout=UPDATE_MS)
    expect(page.locator(".cb-dash-download")).to_contain_text(f"{len(posts)} rows")
