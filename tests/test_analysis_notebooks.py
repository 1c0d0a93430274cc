"""The analyst notebooks (monitoring, feedback) run end to end on the sample community.

Each notebook is executed once (``run_report``: Papermill + offline HTML) for October
2026 on a store loaded with ``data/samples``; the tests read the numbers off the executed
notebook and compare them with what ``commbook`` computes directly, then load the HTML in
Chromium and fail on any request that leaves the machine.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import copy_sample_db

from commbook import feedback, frames, metrics
from commbook.feedback import waves
from commbook.metrics.catalog import CONVERSATION_COLUMNS
from commbook.reports.parameters import declared_parameters
from commbook.reports.runner import RunResult, run_report

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
START = pd.Timestamp("2026-10-01", tz="UTC")
END = pd.Timestamp("2026-11-01", tz="UTC")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("analysis")
    url = copy_sample_db(sample_db, folder)
    return {"url": url, "folder": str(folder)}


@pytest.fixture(scope="module")
def runs(store: dict[str, str]) -> dict[str, RunResult]:
    """Both notebooks executed once for October 2026 (UTC)."""
    env = {
        "COMMBOOK_DATABASE_URL": store["url"],
        "COMMBOOK_HOME": store["folder"],
        "COMMBOOK_REPORTS_DIR": str(Path(store["folder"]) / "reports"),
        "COMMBOOK_TIMEZONE": "UTC",
        "COMMBOOK_TODAY": "2026-12-04",  # the data ends 31 Oct: October is complete
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        with ThreadPoolExecutor(max_workers=2) as pool:  # two kernels, two cores
            futures = {
                name: pool.submit(
                    run_report, NOTEBOOKS / f"{name}.ipynb", period="2026-10", url=store["url"]
                )
                for name in ("monitoring", "feedback")
            }
            return {name: future.result() for name, future in futures.items()}


def html_outputs(result: RunResult) -> str:
    nb = nbformat.read(result.outputs["ipynb"], as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert not errors
    return "\n".join(
        o.data["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "data" in o and "text/html" in o.data
    )


def tiles(html: str) -> dict[str, list[str]]:
    """Tile label → values shown (a label may appear in several sections)."""
    found: dict[str, list[str]] = {}
    pattern = r"<p class='cb-label'>(.*?)</p><p class='cb-value'>(.*?)</p>"
    for label, value in re.findall(pattern, html):
        found.setdefault(unescape(label), []).append(unescape(value))
    return found


def test_notebooks_declare_typed_parameters_without_equals_in_comments() -> None:
    for name, extra in (("monitoring", {"channel"}), ("feedback", {"survey"})):
        declared = declared_parameters(NOTEBOOKS / f"{name}.ipynb")
        assert {"period", "segment", "tz", "database_url"} | extra <= set(declared)
        assert declared["period"].default == "last_month"
        assert all(p.type is not None for p in declared.values())
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        comments = [line.partition("#")[2] for line in cell.source.splitlines()]
        assert not any("=" in comment for comment in comments)


def test_monitoring_numbers_match_the_metrics(store: dict[str, str], runs) -> None:
    html = html_outputs(runs["monitoring"])
    shown = tiles(html)
    url = store["url"]
    events = frames.load_events(url, START, None, columns=CONVERSATION_COLUMNS)
    october = events[events["occurred_at"] < END]
    members = frames.load_members(url)
    talk = metrics.conversation_summary(metrics.threads(events, START, END))
    assert shown["Active members"] == [f"{metrics.active_members(october):,}"]
    assert shown["Threads started"] == [f"{metrics.event_count(october, 'post'):,}"]
    assert shown["Threads"] == [f"{metrics.event_count(october, 'post'):,}"]
    assert shown["Answered"] == [f"{talk['answered_rate']:.1%}"]
    assert shown["Members"] == [f"{metrics.member_count(members, END):,}"]
    assert shown["Contribution rate"][-1] == f"{metrics.contribution_rate(events, START, END):.1%}"
    inequality = metrics.participation_inequality(events, START, END)
    assert shown["Top 10 % share"] == [f"{inequality['top_10pct_share']:.1%}"]
    assert "Changes compare with the previous period: 1 Sep 2026 – 30 Sep 2026." in html
    # the plain-language recommendations of the content ranking are in the report
    year = frames.load_content(url, pd.Timestamp("2025-11-01", tz="UTC"), END)
    for finding in metrics.recommendations(year[year["published_at"].notna()]):
        assert finding.text in unescape(html)
    assert '<table class="dataframe"' not in html and "Traceback" not in html


def test_feedback_numbers_match_the_scores(store: dict[str, str], runs) -> None:
    html = html_outputs(runs["feedback"])
    shown = tiles(html)
    url = store["url"]
    wave = frames.load_responses(url, surveys=["nps4"])
    score = feedback.nps(wave["score"].dropna())
    assert shown["NPS"] == [f"{score.score:+.0f}"]
    assert shown["Answers"] == [f"{score.n:,}"]
    csat = frames.load_responses(url, START, END, kinds=("csat",))
    assert shown["CSAT this period"] == [f"{feedback.csat(csat['score'].dropna()).score:.0f}%"]
    assert "NPS wave: Quarterly NPS 2026-08 (nps4)" in unescape(html)
    # the breakdown flags small groups
    members = frames.load_members(url)
    regions = feedback.breakdown(waves.with_member_attributes(wave, members), by="region")
    assert regions["small"].any()
    assert html.count("small group") >= int(regions["small"].sum())
    assert "What members wrote" in html and "Detractors wrote" in html
    assert '<table class="dataframe"' not in html and "Traceback" not in html


@pytest.mark.browser
def test_reports_load_nothing_from_the_network(runs, chromium) -> None:
    from voila_harness import RequestLog

    for result in runs.values():
        text = result.outputs["html"].read_text(encoding="utf-8")
        assert 'alt="No description' not in text
        context = chromium.new_context()
        log = RequestLog().attach(context)
        page = context.new_page()
        page.goto(result.outputs["html"].as_uri())
        page.wait_for_load_state("networkidle")
        images = page.locator("img[src^='data:image/svg+xml']")
        assert images.count() >= 6
        assert all(images.nth(i).get_attribute("alt") for i in range(images.count()))
        context.close()
        offsite = [u for u in log.external if not u.startswith("file:")]
        assert offsite == [], os.fspath(result.outputs["html"])


@pytest.mark.notebook
def test_monitoring_a_month_the_data_does_not_reach_says_so(
    store: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "COMMBOOK_DATABASE_URL": store["url"],
        "COMMBOOK_HOME": store["folder"],
        "COMMBOOK_REPORTS_DIR": str(Path(store["folder"]) / "reports"),
        "COMMBOOK_TIMEZONE": "UTC",
        "COMMBOOK_TODAY": "2026-12-04",
    }.items():
        monkeypatch.setenv(key, value)  # fmt: skip
    result = run_report(NOTEBOOKS / "monitoring.ipynb", period="2026-11", url=store["url"])
    html = html_outputs(result)  # no error in any cell
    assert "Data ends 31 Oct 2026" in html and "Average DAU" not in html
