"""The report's trends section: every number drawn is the library's for the same window."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import copy_sample_db

from commbook import charts, frames, progress
from commbook.cli import main
from commbook.metrics.catalog import CATALOG, Inputs
from commbook.reports.data import ReportData, load_report_data, next_window
from commbook.reports.periods import resolve_period
from commbook.reports.sections import trends

TZ = "Europe/Paris"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> dict:
    home = tmp_path_factory.mktemp("trends-home")
    url = copy_sample_db(sample_db, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMMBOOK_HOME", str(home))
        mp.setenv("COMMBOOK_DATABASE_URL", url)
        mp.setenv("COMMBOOK_TIMEZONE", TZ)
        data = load_report_data("2026-10", url=url, tz=TZ, today=dt.date(2026, 11, 24))
        section = trends.trends_section(data)
    return {"url": url, "data": data, "section": section, "home": home}


def _html(section: Any) -> str:
    return " ".join(p.data for p in section.parts if isinstance(getattr(p, "data", None), str))


def _store_inputs(url: str) -> dict[str, Inputs]:
    """The frames straight from the store, whole (not the report's loaded ranges)."""
    events = frames.load_events(url, columns=tuple(frames.EVENT_COLUMNS))
    return {
        "activity": Inputs(events=events),
        "members": Inputs(members=frames.load_members(url)),
        "content": Inputs(content=frames.load_content(url)),
    }


def test_monthly_values_equal_the_catalog_on_the_whole_store(sample: dict) -> None:
    months = sample["section"].facts["months"]
    inputs = _store_inputs(sample["url"])
    drawn = months.drop_duplicates("month")["month"].tolist()
    # twelve months up to October 2026; the sample starts in November 2025
    assert [f"{m.tz_convert(TZ):%Y-%m}" for m in drawn][:1] == ["2025-11"]
    assert f"{drawn[-1].tz_convert(TZ):%Y-%m}" == "2026-10" and len(drawn) == 12
    assert months.loc[months["in_period"], "month"].nunique() == 1
    which = {"active_members": "activity", "answered_rate": "activity",
             "median_first_response_hours": "activity", "new_members": "members",
             "engagement_rate": "content"}  # fmt: skip
    for row in months.itertuples():
        expected = CATALOG[row.metric].value(inputs[which[row.metric]], row.month, row.end, TZ)
        if math.isnan(expected):
            assert math.isnan(row.value), (row.metric, row.month)
        else:
            assert row.value == pytest.approx(expected), (row.metric, row.month)


@pytest.mark.parametrize("month", ["2026-03", "2026-10"])
def test_a_month_equals_what_commbook_metrics_prints(sample: dict, month: str) -> None:
    months = sample["section"].facts["months"]
    p = resolve_period(month, tz=TZ)
    env = {"COMMBOOK_DATABASE_URL": sample["url"], "COMMBOOK_TIMEZONE": TZ,
           "COMMBOOK_HOME": str(sample["home"])}  # fmt: skip
    out = CliRunner().invoke(
        main,
        ["metrics", "--from", f"{p.first_day}", "--to", f"{p.last_day}", "--format", "json"],
        env=env,
    )
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    row = months[months["month"] == pd.Timestamp(p.start)].set_index("metric")["value"]
    assert row["active_members"] == printed["active_members"]
    assert row["answered_rate"] == pytest.approx(100 * printed["answered_rate"])
    assert row["median_first_response_hours"] == pytest.approx(
        printed["median_first_response_hours"]
    )


def test_year_on_says_no_data_before_the_data_starts(sample: dict) -> None:
    yoy = sample["section"].facts["year_over_year"].set_index("metric")
    compared = {  # the period's own figures are the ones the engagement section shows
        "active_members": CATALOG["active_members"].value(
            Inputs(events=sample["data"].activity), sample["data"].start, sample["data"].end, TZ
        )
    }
    assert yoy.loc["active_members", "current"] == compared["active_members"]
    # October 2025: no event was recorded yet, so no figure (not a zero)
    assert math.isnan(yoy.loc["active_members", "year_before"])
    assert math.isnan(yoy.loc["answered_rate", "year_before"])
    html = _html(sample["section"])
    assert "October 2025" in html and "There is no data for October 2025" in html
    assert not re.search(r"\b(nan|None|NaT)\b", html)


def test_each_objectives_last_point_is_its_current_value(sample: dict) -> None:
    data: ReportData = sample["data"]
    paths = sample["section"].facts["objectives"]
    assert [p.title for p in paths] == [o.title for o in data.objectives]
    as_of = trends.judged_on(data)
    for path, objective, value in zip(paths, data.objectives, data.objective_values, strict=True):
        assert len(path.points) >= 2, path.title
        assert path.current == pytest.approx(value), path.title
        assert path.points["day"].iloc[-1] == min(as_of, objective.due_date)
        # every point uses the objective's own definition on its day
        first = path.points.iloc[0]
        window = progress.recent_window(objective, first["day"])
        assert window is not None and window[1] == first["day"]
        days = list(path.points["day"])
        assert all((b - a).days % trends.STEP_DAYS == 0 for a, b in itertools.pairwise(days))
        assert path.baseline == float(objective.baseline)
        assert path.target == float(objective.target)


# --- hand-made frames: gaps and the data start ---------------------------------------------


def _frames(activity_days: list[str]) -> ReportData:
    p = resolve_period("2026-10", tz="UTC")
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    activity = pd.DataFrame(
        {
            "member_id": pd.array(range(1, len(activity_days) + 1), dtype="Int64"),
            "kind": "post",
            "occurred_at": pd.to_datetime(activity_days, utc=True),
            "channel": "forum",
        }
    )
    conversations = activity.assign(
        source="forum", source_id=[f"p{i}" for i in range(len(activity))],
        thread_id=[f"t{i}" for i in range(len(activity))], parent_id=None, is_accepted=False,
        category="support",
    )  # fmt: skip
    members = pd.DataFrame(
        {
            "member_id": pd.array([1], dtype="Int64"),
            "joined_at": pd.to_datetime(["2026-05-02"], utc=True),
            "left_at": pd.to_datetime([None], utc=True),
            "role": "member",
        }
    )
    content = pd.DataFrame(
        {"published_at": pd.to_datetime([], utc=True), "reach": [], "views": [], "likes": [],
         "comments": [], "shares": [], "content_type": [], "channel": []}
    )  # fmt: skip
    empty = pd.DataFrame()
    return ReportData(
        period=p,
        previous=(pd.Timestamp("2026-09-01", tz="UTC"), start),
        next=next_window(start, end, p.tz),
        activity=activity,
        conversations=conversations,
        members=members,
        content=content,
        upcoming=empty,
        responses=pd.DataFrame({"submitted_at": pd.to_datetime([], utc=True), "score": []}),
        triage=empty,
    )


def test_months_without_data_are_gaps_and_months_before_the_data_are_not_drawn() -> None:
    data = _frames(["2026-06-10", "2026-08-03", "2026-08-04", "2026-10-05"])
    section = trends.trends_section(data)
    months = section.facts["months"]
    active = months[months["metric"] == "active_members"]
    assert [f"{m:%Y-%m}" for m in active["month"]] == [
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"
    ]  # fmt: skip
    values = dict(zip(active["month"].dt.strftime("%m"), active["value"], strict=True))
    assert values["06"] == 1 and values["08"] == 2 and values["10"] == 1
    assert math.isnan(values["07"]) and math.isnan(values["09"])  # gaps, not zeros
    # nobody joined in August, and the community was active: a real zero
    new = months[months["metric"] == "new_members"]
    new = new.set_index(new["month"].dt.month)
    assert new.loc[8, "value"] == 0 and math.isnan(new.loc[7, "value"])
    # the chart breaks its line at each gap and names the months without data
    chart = charts.monthly_trends_chart(months)
    spec = chart.to_dict()
    assert "Jul 2026 no data" in spec["description"]
    assert "http" not in json.dumps(spec["datasets"])


def test_no_data_at_all_says_so() -> None:
    data = _frames([])
    section = trends.trends_section(data)
    html = _html(section)
    assert "There is no data for the twelve months up to this period yet." in html
    assert "No active objectives are recorded" in html
    assert all(isinstance(getattr(p, "data", None), str) for p in section.parts)  # no chart


def test_runs_break_lines_at_gaps() -> None:
    runs = charts._runs(pd.Series([1.0, math.nan, 2.0, 3.0, math.nan, math.nan, 4.0]))
    assert runs == [1, 0, 2, 2, 0, 0, 3]
