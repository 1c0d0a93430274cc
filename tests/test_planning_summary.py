"""The planning summary: coverage and workload by hand, and the notebook on the sample data."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import papermill
import pytest
from conftest import copy_sample_db, sample_env

from commbook import planning, progress
from commbook import planning_summary as summary
from commbook.config import PROJECT_ROOT
from commbook.reports.runner import resolve_notebook, run_report

NOTEBOOK = PROJECT_ROOT / "notebooks" / "planning_summary.ipynb"


def _items() -> pd.DataFrame:
    """Five occurrences: Mon 5 Oct, Wed 7 Oct, Sun 11 Oct, Mon 12 Oct (cancelled), Tue 13 Oct."""
    return pd.DataFrame(
        {
            "item_id": [1, 2, 3, 4, 5],
            "title": list("abcde"),
            "content_type": ["article", "video", "article", "poll", "article"],
            "channel": ["forum", "social", "forum", "social", "newsletter"],
            "owner": ["Ana", "Ana", "Bo", "Bo", "Ana"],
            "status": ["scheduled", "draft", "published", "cancelled", "idea"],
            "start": pd.to_datetime(
                [
                    "2026-10-05T09:00Z",
                    "2026-10-07T09:00Z",
                    "2026-10-11T22:30Z",  # Monday 12 Oct 00:30 in Paris
                    "2026-10-12T09:00Z",
                    "2026-10-13T09:00Z",
                ],
                utc=True,
            ),
            "segments": [("EU makers",), ("EU makers", "Newcomers"), (), ("Newcomers",), ()],
        }
    )


def test_coverage_counts_live_items_by_channel_type_and_segment() -> None:
    items = _items()
    by_channel = summary.coverage(items, "channel")
    assert by_channel[["channel", "items"]].values.tolist() == [
        ["forum", 2],
        ["newsletter", 1],
        ["social", 1],
    ]
    assert by_channel["share"].tolist() == pytest.approx([0.5, 0.25, 0.25])
    by_type = summary.coverage(items, "content_type")
    assert dict(zip(by_type["content_type"], by_type["items"], strict=True)) == {
        "article": 3,
        "video": 1,
    }
    by_segment = summary.coverage(items, "segment")
    assert dict(zip(by_segment["segment"], by_segment["items"], strict=True)) == {
        "EU makers": 2,
        summary.NO_SEGMENT: 2,
        "Newcomers": 1,  # the cancelled poll does not count
    }


def test_workload_is_items_per_owner_per_local_week() -> None:
    utc = summary.workload(_items())
    assert utc.values.tolist() == [
        ["Ana", dt.date(2026, 10, 5), 2],
        ["Bo", dt.date(2026, 10, 5), 1],
        ["Ana", dt.date(2026, 10, 12), 1],
    ]
    paris = summary.workload(_items(), tz="Europe/Paris")
    assert paris.values.tolist() == [
        ["Ana", dt.date(2026, 10, 5), 2],
        ["Ana", dt.date(2026, 10, 12), 1],
        ["Bo", dt.date(2026, 10, 12), 1],
    ]


def test_empty_calendar_gives_empty_tables() -> None:
    empty = _items().iloc[0:0]
    assert summary.coverage(empty, "segment").empty
    assert summary.workload(empty).empty


def test_parameters_cell_is_typed_and_has_no_equals_in_comments() -> None:
    params = papermill.inspect_notebook(str(NOTEBOOK))
    assert {k: v["inferred_type_name"] for k, v in params.items()} == {
        "period": "str",
        "database_url": "str",
        "title": "str",
    }
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    for line in cell.source.splitlines():
        assert "=" not in line.partition("#")[2], line
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert resolve_notebook("planning_summary") == NOTEBOOK


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Iterator[dict]:
    home = tmp_path_factory.mktemp("summary")
    url = copy_sample_db(sample_db, home)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in sample_env(home, url).items():
            mp.setenv(key, value)
        yield {"url": url, "home": home}


def _text(path: Path) -> str:
    """The report's visible text, whitespace collapsed."""
    page = path.read_text()
    page = re.sub(r"<style.*?</style>|<script.*?</script>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.notebook
def test_summary_notebook_on_the_sample_data(sample_store: dict) -> None:
    url = sample_store["url"]
    result = run_report(NOTEBOOK, period="2026-10", formats=("html",), url=url)
    text = _text(result.outputs["html"])
    assert "Planning summary" in text and "October 2026" in text

    as_of = dt.date(2026, 10, 31)  # the period's last day is also the last day of data
    objectives = [o for o in planning.list_objectives(url) if o.status != "cancelled"]
    table = summary.objectives_frame(
        objectives, progress.current_values(objectives, url, as_of), as_of
    )
    assert len(table) == 4
    assert "OBJECTIVES 4 judged on 31 Oct 2026" in text.replace("Objectives 4", "OBJECTIVES 4")
    for row in table.itertuples():
        assert row.title in text and row.status_label in text
        if row.value is not None and pd.notna(row.value):
            assert summary.number(row.value) in text
    # every sample objective tracks a catalog metric: each has a value, none says "No data"
    assert table["value"].notna().all() and "No data" not in text

    items = summary.load_calendar(
        url, dt.datetime(2026, 10, 1, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    )
    assert len(items) > 0
    for by in ("channel", "content_type"):
        top = summary.coverage(items, by).iloc[0]
        assert f"{top[by]} {top['items']} {top['share']:.1%}" in text
    load = summary.workload(items).groupby("owner")["items"].sum().sort_values(ascending=False)
    owner, n = next(iter(load.items()))
    assert f"{owner} {n}" in text
    assert "data:image/svg+xml" in result.outputs["html"].read_text()  # charts drawn offline
    assert "<script>" not in text
