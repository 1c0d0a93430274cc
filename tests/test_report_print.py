"""The stakeholder report on paper: the PDF really printed by Chromium, read back with
pdftotext/pdfinfo/pdftoppm — nothing cut, no ``nan``, no near-blank page — and the
"Coming up" calendar with recurring items expanded, missing owners in words and times in
the named timezone."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from conftest import copy_sample_db, sample_env
from sqlalchemy import select

from commbook.calendar import service
from commbook.reports import blocks
from commbook.reports.data import ReportData, _upcoming, next_window
from commbook.reports.periods import resolve_period
from commbook.reports.runner import run_report
from commbook.reports.sections.calendar import calendar_section, expand_upcoming
from commbook.store import Channel, ContentItem, session_scope

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
PARIS = ZoneInfo("Europe/Paris")
LONG_TITLE = "Soldering-iron-tips-" * 6 + "explained"  # one 129-character word
MISSING = re.compile(r"\b(nan|NaN|None|NaT|<NA>)\b")


def _add_calendar(url: str) -> None:
    """A weekly series (one Monday skipped) that began before November, and a one-off
    item with no owner and no channel."""
    with session_scope(url) as s:
        forum = s.scalar(select(Channel).where(Channel.key == "forum"))
        if forum is None:
            forum = Channel(key="forum", name="Forum")
            s.add(forum)
            s.flush()
        s.add(
            ContentItem(
                source_id="weekly-1", title="Monday build log", content_type="article",
                channel_id=forum.id, owner="Ada", status="scheduled", timezone="Europe/Paris",
                scheduled_at=dt.datetime(2026, 10, 5, 9, 0, tzinfo=PARIS),
                rrule="FREQ=WEEKLY;BYDAY=MO\nEXDATE:20261116",
            )
        )  # fmt: skip
        s.add(
            ContentItem(
                source_id="orphan-1", title=LONG_TITLE, content_type="video", channel_id=None,
                owner=None, status="idea", timezone="UTC",
                scheduled_at=dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC),
            )
        )  # fmt: skip


def _report_data(upcoming: pd.DataFrame) -> ReportData:
    p = resolve_period("2026-10", tz="Europe/Paris")
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    empty = pd.DataFrame()
    return ReportData(
        period=p, previous=(pd.Timestamp("2026-09-01", tz=PARIS), start),
        next=next_window(start, end, p.tz), activity=empty, conversations=empty,
        members=empty, content=empty, upcoming=upcoming, responses=empty, triage=empty,
    )  # fmt: skip


def test_recurring_items_are_listed_on_each_date_like_the_planning_calendar(
    sqlite_url: str,
) -> None:
    _add_calendar(sqlite_url)
    lo, hi = next_window(*[pd.Timestamp(x) for x in _window()], PARIS)
    upcoming = _upcoming(sqlite_url, lo, hi)
    expanded = expand_upcoming(upcoming, lo, hi)
    planned = service.occurrences(lo.to_pydatetime(), hi.to_pydatetime(), url=sqlite_url)
    assert [pd.Timestamp(o.start) for o in planned] == list(expanded["scheduled_at"])
    weekly = expanded[expanded["title"] == "Monday build log"]
    # Mondays of November 2026 at 09:00 Paris, 16 November skipped
    assert [f"{t.tz_convert(PARIS):%d %H:%M}" for t in weekly["scheduled_at"]] == [
        "02 09:00", "09 09:00", "23 09:00", "30 09:00"
    ]  # fmt: skip
    assert set(weekly["repeats"]) == {"Every week on Mon"}

    section = calendar_section(_report_data(upcoming))
    html = " ".join(p.data for p in section.parts)
    assert section.facts["upcoming"] == 5
    assert (
        "5 items in the calendar: 4 articles, 1 video (4 scheduled, 1 idea). 4 dates come from "
        "1 recurring item." in html
    )
    assert html.count("Monday build log (every week on Mon)") == 4
    assert "Mon 2 Nov, 09:00" in html and "Fri 20 Nov, 17:00" in html  # Paris time
    assert "Times in Europe/Paris." in html and "Times are local" not in html
    assert "Unassigned" in html and not MISSING.search(html)


def _window() -> tuple[dt.datetime, dt.datetime]:
    p = resolve_period("2026-10", tz="Europe/Paris")
    return p.start, p.end


def test_missing_owner_channel_and_status_are_words_not_nan() -> None:
    upcoming = pd.DataFrame(
        {
            "scheduled_at": pd.to_datetime(["2026-11-03 08:00", "2026-11-04 08:00"], utc=True),
            "title": ["Poll", float("nan")],
            "content_type": ["poll", None],
            "channel": [float("nan"), pd.NA],
            "status": ["draft", None],
            "owner": [float("nan"), None],
            "campaign": [None, float("nan")],
        }
    ).astype({"title": "object", "channel": "object", "owner": "object"})
    section = calendar_section(_report_data(upcoming))
    html = " ".join(p.data for p in section.parts)
    assert html.count("Unassigned") == 2 and not MISSING.search(html)


def test_tables_wrap_to_the_page_and_small_ones_stay_whole() -> None:
    fixed = blocks.rich_table(["A", "B"], [["x", "1"]], numeric=(1,), widths=(3, 1)).data
    assert "class='cb-table cb-wide cb-fixed cb-small'" in fixed  # short: kept whole
    assert "<col style='width: 75.0%'>" in fixed
    long = blocks.rich_table(["A"], [[str(i)] for i in range(blocks.SMALL_TABLE_ROWS + 1)]).data
    assert "class='cb-table cb-wide'>" in long
    css = (ROOT / "commbook/reports/templates/commbook_report/report.css").read_text()
    assert "overflow: visible" in css and "break-inside: avoid" in css


# --- the PDF, really printed -------------------------------------------------------------


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> dict:
    home = tmp_path_factory.mktemp("print-home")
    url = copy_sample_db(sample_db, home)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in sample_env(home, url, "Europe/Paris").items():
            mp.setenv(key, value)
        _add_calendar(url)
        result = run_report(NOTEBOOK, period="2026-10", formats=("html", "pdf"), url=url)
    pdf = result.outputs["pdf"]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return {"pdf": pdf, "html": result.outputs["html"], "text": text, "tmp": home}


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))


@pytest.mark.notebook
def test_pdf_has_no_missing_value_markers_and_names_the_timezone(printed: dict) -> None:
    text = printed["text"]
    assert not MISSING.search(text), MISSING.search(text)
    flat = " ".join(text.split())
    assert "Times in Europe/Paris." in flat and "Times are local" not in flat
    assert "Trends over twelve months" in flat and "A year on" in flat
    assert "Objectives over time" in flat
    assert "Unassigned" in flat


@pytest.mark.notebook
def test_pdf_text_stays_inside_the_page(printed: dict) -> None:
    """Every word pdftotext finds lies inside the printable width: no table is cut at
    the right and the long title wrapped."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(printed["pdf"]), "-"], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    right = [
        float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', out)
    ]
    assert right and max(right) <= width - 30  # 14 mm margins ≈ 40 pt
    # the 129-character title is printed whole, over several lines
    assert "Soldering-iron-tips" in printed["text"]
    assert "explained" in printed["text"]


@pytest.mark.notebook
def test_pdf_has_a_sane_page_count_and_no_near_blank_page(printed: dict) -> None:
    pages = _pages(printed["pdf"])
    assert 5 <= pages <= 14
    folder = printed["tmp"] / "pgm"
    folder.mkdir()
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "30", str(printed["pdf"]), str(folder / "p")], check=True
    )
    for image in sorted(folder.glob("p*.pgm"))[:-1]:  # the last page may be short
        assert _inked_to(image) > 0.5, f"{image.name} is more than half blank"


def _inked_to(pgm: Path) -> float:
    """How far down the page (0–1) its last non-white row is."""
    raw = pgm.read_bytes()
    magic, size, depth, pixels = raw.split(b"\n", 3)
    assert magic == b"P5" and depth == b"255"
    width, height = map(int, size.split())
    last = 0
    for y in range(height):
        if min(pixels[y * width : (y + 1) * width]) < 200:
            last = y
    return last / height


@pytest.mark.notebook
def test_printed_layout_has_no_scrolled_or_cut_block(printed: dict) -> None:
    """In print media at the A4 text width, no output block scrolls or overflows, and
    every chart has a description."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 680, "height": 1000})
            page.emulate_media(media="print")
            page.goto(printed["html"].as_uri())
            overflowing = page.evaluate(
                """() => [...document.querySelectorAll('.jp-OutputArea-output, table')]
                     .filter(e => e.scrollWidth > e.clientWidth + 1)
                     .map(e => e.className + ': ' + e.textContent.slice(0, 60))"""
            )
            overflow = page.evaluate(
                """() => [...document.querySelectorAll('.jp-OutputArea-output')]
                     .map(e => getComputedStyle(e).overflowX)"""
            )
            alts = page.evaluate("() => [...document.querySelectorAll('img')].map(i => i.alt)")
        finally:
            browser.close()
    assert overflowing == []
    assert set(overflow) == {"visible"}
    assert len(alts) >= 7 and all(len(a) > 40 and "No description" not in a for a in alts)
