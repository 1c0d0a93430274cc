"""Surfaces tell one truth: the report, the dashboard, the planning app and ``commbook
metrics`` show the same number for the same window and definition, on generated
communities of many shapes (``tests/communities.py``), and no generated sentence fires
without the data it needs.

Each (community, period) is computed once per module (:func:`views`): the stakeholder
report (``load_report_data`` + ``build_report``), the dashboard tiles (``period_for`` →
``load_period`` → ``apply_filters`` → ``kpis``), ``commbook metrics --format json``
through click's runner with ``COMMBOOK_DATABASE_URL`` / ``COMMBOOK_TODAY``, and the
catalog on frames loaded whole (the library). Rates are fractions in the CLI and percent
in the catalog; answers count until 30 days after the window on every surface.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from communities import EMPTY_SEGMENT, Community, Shape, build

from commbook import clock, dashboard, formatting, frames, metrics, progress
from commbook.cli import main
from commbook.metrics.catalog import CATALOG, CONVERSATION_COLUMNS, Inputs
from commbook.reports.data import ReportData, load_report_data
from commbook.reports.sections import Report, build_report, comparison

SHAPES = {
    # the data ends 31 Oct, today is 4 Dec: "last month" is October, November has no data
    "ended": Shape(
        "ended", dt.date(2025, 11, 1), dt.date(2026, 10, 31), dt.date(2026, 12, 4),
        tz="Europe/Paris", members=36,
    ),
    # anonymous posts and replies, a month where no author is known, an empty month in the
    # middle, and data that ends mid-September (today 16 Sep)
    "anonymous": Shape(
        "anonymous", dt.date(2026, 1, 1), dt.date(2026, 9, 15), dt.date(2026, 9, 16),
        members=30, anonymous_share=0.25, anonymous_months=("2026-06",),
        empty_months=("2026-04",),
    ),
    "one_type": Shape(
        "one_type", dt.date(2026, 3, 1), dt.date(2026, 8, 31), dt.date(2026, 9, 10),
        members=25, content_types=("article",), items_per_type_per_month=4,
    ),
    # two content types with exactly the same items: identical engagement
    "tie": Shape(
        "tie", dt.date(2026, 3, 1), dt.date(2026, 8, 31), dt.date(2026, 9, 10),
        members=25, content_types=("video", "poll"), tie=True,
    ),
}  # fmt: skip

#: (shape, period spec) pairs every cross-surface check runs on.
PERIODS = [
    ("ended", "last_month"),
    ("ended", "2026-Q3"),
    ("ended", "2026"),
    ("anonymous", "2026-09"),
    ("anonymous", "2026-Q3"),
    ("anonymous", "2026-05"),
    ("anonymous", "2026-06"),
    ("one_type", "2026-08"),
    ("tie", "2026-07"),
]
#: Periods with no data at all (the data ends before they start).
NO_DATA = [("ended", "2026-11")]
ALL = PERIODS + NO_DATA


# --- building and reading the surfaces -------------------------------------------------------


@pytest.fixture(scope="module")
def communities(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Community]:
    root = tmp_path_factory.mktemp("communities")
    return {name: build(shape, root / name) for name, shape in SHAPES.items()}


@dataclass
class Views:
    """Everything one (community, period) shows."""

    community: Community
    data: ReportData
    report: Report
    compared: pd.DataFrame
    windows: dict[str, pd.Timestamp]  # current_start/end, previous_start/end of the report
    dashboard: dict[str, dashboard.Kpi]
    inputs: Inputs  # the whole store, for the library's values

    @property
    def tz(self) -> dt.tzinfo:
        return self.data.tz

    def cli(self, lo: pd.Timestamp, hi: pd.Timestamp) -> dict[str, Any]:
        """``commbook metrics`` for the local days of ``[lo, hi)``."""
        return run_cli(self.community, _day(lo, self.tz), _day(hi, self.tz, last=True))

    def library(self, key: str, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
        return CATALOG[key].value(self.inputs, lo, hi, self.tz)

    def text(self, section: str) -> str:
        """The HTML a section shows (its blocks; charts left out)."""
        parts = self.report.section(section).parts
        return "\n".join(str(getattr(p, "data", "")) for p in parts if isinstance(p.data, str))


def _day(ts: pd.Timestamp, tz: dt.tzinfo, last: bool = False) -> str:
    if last:
        ts = ts - pd.Timedelta(microseconds=1)
    return f"{ts.tz_convert(tz):%Y-%m-%d}"


_CLI: dict[tuple[str, str, str], dict[str, Any]] = {}


def run_cli(community: Community, first: str, last: str) -> dict[str, Any]:
    key = (community.url, first, last)
    if key not in _CLI:
        result = CliRunner().invoke(
            main,
            ["metrics", "--from", first, "--to", last, "--format", "json"],
            env=community.env,
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        _CLI[key] = json.loads(result.output)
    return _CLI[key]


_VIEWS: dict[tuple[str, str], Views] = {}


@pytest.fixture(scope="module")
def views(communities: dict[str, Community]):
    def get(shape: str, spec: str) -> Views:
        if (shape, spec) not in _VIEWS:
            _VIEWS[shape, spec] = _build_views(communities[shape], spec)
        return _VIEWS[shape, spec]

    yield get
    _VIEWS.clear()
    _CLI.clear()


def _build_views(community: Community, spec: str) -> Views:
    shape = community.shape
    with pytest.MonkeyPatch.context() as mp:
        for key, value in community.env.items():
            mp.setenv(key, value)
        data = load_report_data(spec, url=community.url, tz=shape.tz, today=shape.today)
        report = build_report(data)
        compared = comparison(data)
        row = compared.iloc[0]
        windows = {k: row[k] for k in ("current_start", "current_end", "previous_start",
                                       "previous_end")}  # fmt: skip
        # the dashboard on the same period, "now" being noon today (as the app's clock),
        # cut where the data ends and knowing where it starts, as the app does
        choice = dashboard.choose_period(
            "custom", shape.tz, first=data.period.first_day, last=data.period.last_day,
            url=community.url,
        )  # fmt: skip
        loaded = dashboard.load_period(community.url, choice.period)
        tiles = []  # a period the data does not reach shows a note, not tiles (the app)
        if choice.has_data:
            tiles = dashboard.kpis(
                dashboard.apply_filters(loaded, dashboard.Filters()),
                as_of=dashboard.compare_as_of(choice, now(shape)),
                data_start=clock.start_of(choice.data_starts, shape.tz),
            )
        events = frames.load_events(community.url, columns=CONVERSATION_COLUMNS)
        inputs = Inputs(
            events=metrics.prepare_events(events),
            members=frames.load_members(community.url, columns=("member_id", "joined_at",
                                                                "left_at")),
            content=frames.load_content(community.url),
        )  # fmt: skip
    return Views(community, data, report, compared, windows, {k.key: k for k in tiles}, inputs)


def now(shape: Shape) -> pd.Timestamp:
    """Noon today in the community's timezone: the instant a surface is looked at."""
    return pd.Timestamp(dt.datetime.combine(shape.today, dt.time(12))).tz_localize(shape.tz)


def before_the_data(v: Views, key: str) -> bool:
    """The documented rule: a previous window that needs events or content from before
    the data's first day is unknown ("no data"), not zeros."""
    entry = CATALOG[key]
    first = clock.start_of(v.data.data_starts, v.data.tz)
    need_from = v.windows["previous_start"] - pd.Timedelta(days=entry.lookback_days)
    return bool({"events", "content"} & set(entry.needs)) and need_from < pd.Timestamp(first)


def pct(fraction: float | None) -> float:
    return math.nan if fraction is None else 100 * fraction


def same(a: Any, b: Any) -> bool:
    """Equal numbers, or both unknown (``None`` / NaN)."""
    if formatting.missing(a) or formatting.missing(b):
        return formatting.missing(a) and formatting.missing(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


#: Catalog key → (CLI key, CLI value → catalog units) for the headline numbers.
CLI_KEYS = {
    "members": ("members", float),
    "active_members": ("active_members", float),
    "daily_active_members": ("dau", float),
    "monthly_active_members": ("mau", float),
    "stickiness": ("stickiness", pct),
    "contribution_rate": ("contribution_rate", pct),
    "threads": ("threads", float),
    "answered_rate": ("answered_rate", pct),
    "median_first_response_hours": ("median_first_response_hours", float),
}


def cli_value(numbers: dict[str, Any], key: str) -> float:
    name, convert = CLI_KEYS[key]
    value = numbers[name]
    return math.nan if value is None else convert(value)


# --- the report's headline numbers against the CLI and the library ---------------------------


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_report_summary_tiles_equal_cli_and_library(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    lo, hi = v.windows["current_start"], v.windows["current_end"]
    cli = v.cli(lo, hi)
    kpis = v.report.section("summary").facts["kpis"]
    assert kpis["Members"] == formatting.value_text(cli["members"], "members")
    assert kpis["Active members"] == formatting.value_text(cli["active_members"], "members")
    assert kpis["Threads answered"] == formatting.value_text(pct(cli["answered_rate"]), "%")
    assert kpis["Median first reply"] == formatting.value_text(
        cli["median_first_response_hours"], "hours"
    )
    assert kpis["New members"] == formatting.value_text(v.library("new_members", lo, hi), "members")
    assert kpis["Content engagement"] == formatting.value_text(
        v.library("engagement_rate", lo, hi), "%"
    )


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_report_comparison_equals_cli_for_both_windows(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    by_key = v.compared.set_index("metric")
    current = v.cli(v.windows["current_start"], v.windows["current_end"])
    previous = v.cli(v.windows["previous_start"], v.windows["previous_end"])
    for key in CLI_KEYS:
        assert same(by_key.loc[key, "current"], cli_value(current, key)), key
        expected = math.nan if before_the_data(v, key) else cli_value(previous, key)
        assert same(by_key.loc[key, "previous"], expected), key
    for key in ("new_members", "churned_members", "engagement_rate", "unanswered_rate"):
        for side, (lo, hi) in (
            ("current", (v.windows["current_start"], v.windows["current_end"])),
            ("previous", (v.windows["previous_start"], v.windows["previous_end"])),
        ):
            unknown = side == "previous" and before_the_data(v, key)
            expected = math.nan if unknown else v.library(key, lo, hi)
            assert same(by_key.loc[key, side], expected), (key, side)
    # the engagement section shows the same compared values
    facts = v.report.section("engagement").facts
    for key in CLI_KEYS:
        assert same(facts[key], by_key.loc[key, "current"]), key


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_answers_cut_off_is_the_same_everywhere(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    full = v.cli(v.data.start, v.data.end)
    until = v.report.section("summary").facts["answers_until"]
    assert until.isoformat() == full["answers_counted_until"]
    assert until == v.data.period.last_day + dt.timedelta(days=metrics.FOLLOW_UP_DAYS)
    definitions = v.text("summary")
    assert f"answers counted until {until.day} {until:%b %Y}" in definitions


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_partial_coverage_cuts_both_windows_to_the_days_known(views, shape: str, spec: str):
    v = views(shape, spec)
    ends = v.data.data_ends
    cut = v.windows["current_end"]
    if ends is not None and ends < v.data.period.last_day:
        assert bool(v.compared["partial"].iloc[0])
        assert _day(cut, v.tz, last=True) == ends.isoformat()
        # the figures over the days known are the figures of the whole period: nothing
        # after the data's end is counted, and nothing is invented
        whole = v.cli(v.data.start, v.data.end)
        known = v.cli(v.data.start, cut)
        for key in ("active_members", "threads", "answered_rate", "members"):
            assert whole[key] == known[key], key
        assert any("Data ends" in note for note in v.data.notes)
    else:
        assert not bool(v.compared["partial"].iloc[0])
        assert cut == v.data.end


# --- the dashboard against the same numbers --------------------------------------------------


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_dashboard_tiles_equal_cli_and_the_report(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    tiles = v.dashboard
    lo, hi = v.data.start, v.data.end
    cli = v.cli(lo, hi)
    # counts and shares of threads do not depend on where a partly covered period is cut
    for key in ("active_members", "contribution_rate", "threads", "answered_rate",
                "median_first_response_hours"):  # fmt: skip
        assert same(tiles[key].value, cli_value(cli, key)), key
    for key in ("new_members", "engagement_rate"):
        assert same(tiles[key].value, v.library(key, lo, hi)), key
    # same text as the report's tiles
    kpis = v.report.section("summary").facts["kpis"]
    assert tiles["active_members"].value_text == kpis["Active members"]
    assert tiles["answered_rate"].value_text == kpis["Threads answered"]
    assert tiles["median_first_response_hours"].value_text == kpis["Median first reply"]
    assert tiles["new_members"].value_text == kpis["New members"]
    assert tiles["engagement_rate"].value_text == kpis["Content engagement"]
    if v.data.known_until is None:  # a partly covered period: stickiness of the days known
        assert same(tiles["stickiness"].value, cli_value(cli, "stickiness"))
    # and the same previous period as the report
    by_key = v.compared.set_index("metric")
    for key in ("active_members", "new_members", "threads", "answered_rate", "stickiness",
                "contribution_rate", "median_first_response_hours", "engagement_rate"):  # fmt: skip
        assert same(tiles[key].previous, by_key.loc[key, "previous"]), key


# --- trends: each month is the month's figure ------------------------------------------------


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_trend_months_equal_cli_and_gaps_only_without_data(views, shape: str, spec: str):
    v = views(shape, spec)
    months = v.report.section("trends").facts["months"]
    assert len(months)
    for month in months.drop_duplicates("month").itertuples():
        cli = v.cli(month.month, month.end)
        rows = months[months["month"] == month.month].set_index("metric")["value"]
        for key in ("active_members", "answered_rate", "median_first_response_hours"):
            expected = cli_value(cli, key)
            if math.isnan(rows[key]):  # a gap: only a month without data for it
                assert expected == 0 or math.isnan(expected), (month.month, key)
            else:
                assert same(rows[key], expected), (month.month, key)
        for key in ("new_members", "engagement_rate"):
            if not math.isnan(rows[key]):
                assert same(rows[key], v.library(key, month.month, month.end)), key
        assert month.month >= pd.Timestamp(v.community.shape.first_day).tz_localize(v.tz) - (
            pd.Timedelta(days=31)
        ), "a month before the data starts is drawn"


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_year_over_year_current_is_the_period_figure(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    yoy = v.report.section("trends").facts["year_over_year"].set_index("metric")
    cli = v.cli(v.data.start, v.data.end)
    for key in ("active_members", "answered_rate", "median_first_response_hours"):
        assert same(yoy.loc[key, "current"], cli_value(cli, key)), key
    for key in ("new_members", "engagement_rate"):
        assert same(yoy.loc[key, "current"], v.library(key, v.data.start, v.data.end)), key


# --- objectives: the report and the planning app judge alike ---------------------------------


@pytest.mark.parametrize(("shape", "spec"), ALL)
def test_objective_status_equals_planning_progress(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    data = v.data
    assert data.objectives, "the generated community has objectives"
    with pytest.MonkeyPatch.context() as mp:
        for key, value in v.community.env.items():
            mp.setenv(key, value)
        values = progress.current_values(data.objectives, v.community.url, data.as_of)
        planning_day = clock.as_of(v.community.url, on=v.community.shape.today)
    assert data.as_of == min(data.period.last_day, planning_day)
    for mine, theirs in zip(data.objective_values, values, strict=True):
        assert same(mine, theirs)
    expected = [
        (o.title, progress.objective_progress(o, value, data.as_of).status)
        for o, value in zip(data.objectives, values, strict=True)
    ]
    assert v.report.section("summary").facts["objectives"] == expected
    paths = v.report.section("trends").facts["objectives"]
    assert [(p.title, p.status) for p in paths] == expected
    for path, value in zip(paths, values, strict=True):
        assert same(path.current, value), path.title


def test_last_month_moves_to_the_data_and_objectives_are_judged_on_its_last_day(views):
    v = views("ended", "last_month")
    assert v.data.period.label == "2026-10"
    assert v.data.notes[0] == "November 2026 has no data yet, so this shows October 2026."
    assert v.data.as_of == dt.date(2026, 10, 31)
    assert clock.choose_period("last_month", v.community.url, on=dt.date(2026, 12, 4),
                               tz="Europe/Paris").period.label == "2026-10"  # fmt: skip


# --- generated sentences need their data -----------------------------------------------------


@pytest.mark.parametrize(("shape", "spec"), NO_DATA)
def test_a_period_without_data_has_no_figure_and_no_lesson(views, shape: str, spec: str):
    v = views(shape, spec)
    assert not v.data.has_data
    kpis = v.report.section("summary").facts["kpis"]
    for label in ("Members", "Active members", "New members", "Threads answered",
                  "Median first reply", "Content engagement"):  # fmt: skip
        assert kpis[label] == "—", label
    lessons = v.report.section("lessons").facts["lessons"]
    assert {x.area for x in lessons} <= {"Objectives"}
    assert v.compared["current"].isna().all()
    months = v.report.section("trends").facts["months"]
    in_period = months[months["in_period"]]
    assert in_period["value"].isna().all()
    assert "nothing is known yet about November 2026" in v.text("summary")


@pytest.mark.parametrize(("shape", "spec"), ALL)
def test_no_lesson_or_tile_says_fell_by_100_percent(views, shape: str, spec: str) -> None:
    v = views(shape, spec)
    for lesson in v.report.section("lessons").facts["lessons"]:
        assert not re.search(r"by 100%", lesson.finding), lesson.finding
    if not v.data.has_data or v.data.known_until is not None:
        # a drop to zero because the data stops is no drop (an anonymous-only month does
        # show 0 active members: its notice says why)
        text = v.text("summary") + v.text("engagement")
        assert "-100%" not in text


@pytest.mark.parametrize(("shape", "spec"), ALL)
def test_lessons_need_their_minimum_sample(views, shape: str, spec: str) -> None:
    from commbook.reports import lessons as rules

    v = views(shape, spec)
    by_key = v.compared.set_index("metric")
    found = v.report.section("lessons").facts["lessons"]
    for lesson in found:
        if lesson.finding.startswith("Active members"):
            assert by_key.loc["active_members", "current"] >= rules.MIN_ACTIVE
            assert by_key.loc["active_members", "previous"] >= rules.MIN_ACTIVE
        if "got no reply or comment" in lesson.finding:
            assert by_key.loc["threads", "current"] >= rules.MIN_THREADS
    content = v.report.section("content").facts
    if content["items"] == 0:
        assert not [x for x in found if x.area == "Content"]


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_no_clear_difference_only_when_the_intervals_overlap(views, shape: str, spec: str):
    v = views(shape, spec)
    facts = v.report.section("content").facts
    lo, hi = facts["ranking_window"]
    window = v.data.content[
        ((v.data.content["published_at"] >= lo) & (v.data.content["published_at"] < hi)).to_numpy(
            dtype=bool, na_value=False
        )
    ]
    for rec in facts["recommendations"]:
        if rec.kind == "insufficient":
            continue
        table = metrics.rank(window, "content_type", rec.metric, v.tz).set_index("content_type")
        best, base = table.loc[rec.best], table.loc[rec.baseline]
        overlap = best["low"] <= base["high"] and base["low"] <= best["high"]
        if "No clear difference" in rec.text:
            assert overlap or math.isclose(best["estimate"], base["estimate"]), rec.text
        if rec.kind in ("difference", "small_difference"):
            assert not overlap, rec.text
    ranking = facts["ranking"]
    if len(ranking):
        assert ranking["estimate"].equals(
            metrics.rank(window, "content_type", "engagement_rate", v.tz)["estimate"]
        )


def test_tied_content_types_share_a_rank_and_get_no_difference(views) -> None:
    v = views("tie", "2026-07")
    facts = v.report.section("content").facts
    ranking = facts["ranking"].set_index("content_type")
    assert ranking.loc["video", "estimate"] == ranking.loc["poll", "estimate"]
    assert ranking.loc["video", "rank"] == ranking.loc["poll", "rank"] == 1
    for rec in facts["recommendations"]:
        assert rec.kind == "no_difference", rec.text
    assert not [x for x in v.report.section("lessons").facts["lessons"] if x.area == "Content"]
    by_type = facts["engagement_by_type"].set_index("content_type")
    assert by_type.loc["video", "engagement_rate"] == by_type.loc["poll", "engagement_rate"]


def test_one_content_type_is_not_ranked_against_itself(views) -> None:
    v = views("one_type", "2026-08")
    facts = v.report.section("content").facts
    assert list(facts["ranking"]["content_type"]) == ["article"]
    assert {r.kind for r in facts["recommendations"]} == {"insufficient"}
    assert not [x for x in v.report.section("lessons").facts["lessons"] if x.area == "Content"]
    cli = v.cli(v.data.start, v.data.end)
    assert [row["content_type"] for row in cli["engagement_by_type"]] == ["article"]
    row = facts["engagement_by_type"].iloc[0]
    assert row["items"] == cli["engagement_by_type"][0]["items"]
    assert same(row["engagement_rate"], cli["engagement_by_type"][0]["engagement_rate"])


@pytest.mark.parametrize(("shape", "spec"), PERIODS)
def test_a_segment_without_members_has_no_share_and_no_lesson(views, shape: str, spec: str):
    v = views(shape, spec)
    assert v.data.segment_sizes[EMPTY_SEGMENT] == 0
    table = v.report.section("audience").facts["segments"].set_index("segment")
    assert table.loc[EMPTY_SEGMENT, "members"] == 0
    assert table.loc[EMPTY_SEGMENT, "active"] == 0
    assert math.isnan(table.loc[EMPTY_SEGMENT, "share_active"])
    for lesson in v.report.section("lessons").facts["lessons"]:
        assert EMPTY_SEGMENT not in lesson.finding + lesson.evidence


def test_a_report_on_a_segment_without_members_claims_nothing_about_members(views) -> None:
    community = views("ended", "last_month").community
    with pytest.MonkeyPatch.context() as mp:
        for key, value in community.env.items():
            mp.setenv(key, value)
        data = load_report_data(
            "2026-10", url=community.url, tz=community.shape.tz, segment=EMPTY_SEGMENT,
            today=community.shape.today,
        )  # fmt: skip
        report = build_report(data)
    kpis = report.section("summary").facts["kpis"]
    assert kpis["Members"] == "0"
    assert kpis["Active members"] == "0"
    assert kpis["Threads answered"] == "—"
    areas = {x.area for x in report.section("lessons").facts["lessons"]}
    assert not areas & {"Engagement", "Audience"}


def test_anonymous_only_posts_are_activity_not_an_empty_month(views) -> None:
    v = views("anonymous", "2026-06")
    cli = v.cli(v.data.start, v.data.end)
    assert cli["active_members"] == 0
    assert cli["threads"] > 0
    by_key = v.compared.set_index("metric")
    assert by_key.loc["threads", "current"] == cli["threads"]
    summary = v.text("summary")
    assert "No activity or content was recorded" not in summary
    assert "have no known author" in summary
    assert v.report.section("summary").facts["kpis"]["Threads answered"] != "—"


def test_an_empty_month_in_the_middle_is_zero_activity_and_a_gap_in_trends(views) -> None:
    v = views("anonymous", "2026-05")
    april = pd.Timestamp("2026-04-01").tz_localize(v.tz)
    cli = v.cli(april, pd.Timestamp("2026-05-01").tz_localize(v.tz))
    assert cli["active_members"] == 0 and cli["threads"] == 0
    months = v.report.section("trends").facts["months"]
    april_rows = months[months["month"] == april].set_index("metric")["value"]
    for key in ("active_members", "answered_rate", "median_first_response_hours"):
        assert math.isnan(april_rows[key]), key
    assert april_rows["new_members"] == v.library(
        "new_members", april, april + pd.DateOffset(months=1)
    )
    # May is compared with an empty April: no lesson, no percentage from zero
    by_key = v.compared.set_index("metric")
    assert by_key.loc["active_members", "previous"] == 0
    assert math.isnan(by_key.loc["active_members", "change_pct"])
    assert not [x for x in v.report.section("lessons").facts["lessons"] if x.area == "Engagement"]


@pytest.mark.parametrize(("spec", "label"), [("2026", "2026"), ("2026-Q3", "2026-Q3")])
def test_year_and_quarter_reports_cover_their_whole_window(views, spec: str, label: str):
    v = views("ended", spec)
    assert v.data.period.label == label
    first, last = v.data.period.first_day, v.data.period.last_day
    cli = run_cli(v.community, first.isoformat(), min(last, v.data.data_ends).isoformat())
    assert cli["from"] == first.isoformat()
    kpis = v.report.section("summary").facts["kpis"]
    assert kpis["Active members"] == formatting.value_text(cli["active_members"], "members")
    previous = v.windows["previous_start"]
    expected = {"2026": "2025-01-01", "2026-Q3": "2026-04-01"}[spec]
    assert _day(previous, v.tz) == expected


def test_the_generated_communities_have_the_shapes_they_claim(communities) -> None:
    for name, community in communities.items():
        shape = community.shape
        assert clock.data_ends(community.url, shape.tz) == shape.last_day, name
    anonymous = communities["anonymous"]
    june = [e for e in anonymous.events if e["occurred_at"].startswith("2026-06")]
    assert june and not [e for e in june if e["member_id"]]
    assert not [e for e in anonymous.events if e["occurred_at"].startswith("2026-04")]
    assert Path(anonymous.url.removeprefix("sqlite:///")).exists()


# --- found by this suite, fixed: the dashboard, trends and CLI agree with the report -------


def test_dashboard_last_month_moves_to_the_data_like_the_report(views) -> None:
    v = views("ended", "last_month")  # the report shows October 2026
    choice = dashboard.choose_period(
        "last_month", "Europe/Paris", today=dt.date(2026, 12, 4), url=v.community.url
    )
    assert choice.period.label == v.data.period.label
    loaded = dashboard.load_period(v.community.url, choice.period)
    tiles = dashboard.kpis(
        dashboard.apply_filters(loaded, dashboard.Filters()),
        as_of=dashboard.compare_as_of(choice, now(v.community.shape)),
        data_start=clock.start_of(choice.data_starts, "Europe/Paris"),
    )
    # October has data: activity is not shown as a fall to nothing (new members may be a
    # real 0 in a small community, so they are left out)
    activity = ("active_members", "threads", "stickiness", "answered_rate")
    assert not [t.key for t in tiles if t.key in activity and "-100%" in t.delta_text]
    assert {t.key: t.value for t in tiles}["active_members"] > 0


def test_year_on_a_period_without_data_is_no_data_not_zero(views) -> None:
    v = views("ended", "2026-11")
    yoy = v.report.section("trends").facts["year_over_year"]
    assert yoy["current"].isna().all(), yoy[["metric", "current", "year_before"]]
    assert "-100%" not in v.text("trends")


def test_a_previous_window_before_the_data_starts_is_no_data(views) -> None:
    v = views("ended", "2026")  # data starts 1 Nov 2025; compared with 1 Jan - 31 Oct 2025
    by_key = v.compared.set_index("metric")
    for key in ("active_members", "threads", "engagement_rate"):
        assert math.isnan(by_key.loc[key, "previous"]), key
    assert by_key.loc["new_members", "previous"] >= 0  # joins are known from the members


def test_cli_default_to_is_the_clock_or_where_the_data_ends(communities) -> None:
    community = communities["anonymous"]  # COMMBOOK_TODAY=2026-09-16, data ends 15 Sep
    result = CliRunner().invoke(
        main, ["metrics", "--from", "2026-09-01", "--format", "json"], env=community.env
    )
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output)
    assert (numbers["to"], numbers["data_ends"]) == ("2026-09-15", "2026-09-15")
    later = CliRunner().invoke(
        main, ["metrics", "--from", "2026-09-01", "--to", "2026-09-16", "--format", "json"],
        env=community.env,
    )  # fmt: skip
    assert json.loads(later.output)["to"] == "2026-09-16"  # asked for: as asked
