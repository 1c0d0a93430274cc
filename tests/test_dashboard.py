"""Dashboard data (commbook.dashboard), survey waves and the response loaders on small,
hand-checkable frames."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pandas as pd
import pytest
from conftest import ROOT, copy_sample_db

from commbook import dashboard as d
from commbook import frames
from commbook.errors import NotFound, ValidationError
from commbook.feedback import waves
from commbook.reports.periods import resolve_period
from commbook.store import Member, Survey, SurveyResponse, session_scope


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def event_frame(rows: list[tuple]) -> pd.DataFrame:
    """(source_id, kind, when, member_id, channel, thread_id) → an events frame."""
    frame = pd.DataFrame(
        rows, columns=["source_id", "kind", "occurred_at", "member_id", "channel", "thread_id"]
    )
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["member_id"] = frame["member_id"].astype("Int64")
    frame["parent_id"] = frame["thread_id"]
    for column in ("source", "category"):
        frame[column] = None
    frame["is_accepted"] = False
    return frame


MEMBERS = pd.DataFrame(
    {
        "member_id": pd.array([1, 2, 3], dtype="Int64"),
        "joined_at": pd.to_datetime(["2026-01-10", "2026-10-20", "2025-06-01"], utc=True),
        "left_at": pd.to_datetime([None, None, None], utc=True),
        "region": ["EU", "NA", "EU"],
        "role": ["member", "member", "staff"],
        "age_band": ["25-34", None, "35-44"],
        "language": ["de", "en", "en"],
    }
)

EVENTS = event_frame(
    [
        ("s1", "post", "2026-09-10 10:00", 1, "forum", "s1"),
        ("s2", "reply", "2026-09-10 12:00", 3, "forum", "s1"),
        ("o1", "post", "2026-10-05 09:00", 1, "forum", "o1"),
        ("o2", "reply", "2026-10-05 11:00", 2, "forum", "o1"),  # NA member answers EU's post
        ("o3", "reaction", "2026-10-06 09:00", 3, "chat", None),
        ("o4", "post", "2026-10-21 09:00", 2, "forum", "o4"),
        ("o5", "reply", "2026-10-21 13:00", 1, "forum", "o4"),
    ]
)

CONTENT = pd.DataFrame(
    {
        "content_id": [1, 2, 3, 4],
        "title": ["Poll", "=HYPERLINK(1)", "Video", "Old"],
        "content_type": ["poll", "article", "video", "poll"],
        "channel": ["forum", "forum", "social", "forum"],
        "published_at": pd.to_datetime(
            ["2026-10-02", "2026-10-03", "2026-10-04", "2026-09-04"], utc=True
        ),
        "reach": pd.array([100, None, 200, 100], dtype="Int64"),
        "views": pd.array([None, None, None, None], dtype="Int64"),
        "likes": pd.array([10, 5, 4, 1], dtype="Int64"),
        "comments": pd.array([5, 0, 0, 0], dtype="Int64"),
        "shares": pd.array([0, 0, 0, 1], dtype="Int64"),
    }
)


def october() -> d.PeriodFrames:
    period = resolve_period("2026-10")
    titles = pd.DataFrame({"thread_id": ["o1", "o4"], "title": ["Help with my kit", "Hello"]})
    return d.PeriodFrames(period, ts("2026-09-01"), EVENTS, MEMBERS, CONTENT, titles)


# --- periods ---------------------------------------------------------------------------------


def test_presets_resolve_against_today_and_custom_ranges_are_checked() -> None:
    today = dt.date(2026, 11, 26)
    assert d.period_for("last_month", today=today).label == "2026-10"
    thirty = d.period_for("last_30_days", today=today)
    assert (thirty.first_day, thirty.last_day) == (dt.date(2026, 10, 28), today)
    custom = d.period_for("custom", first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 15))
    assert custom.label == "2026-10-01_2026-10-15"
    with pytest.raises(ValidationError, match="before it starts"):
        d.period_for("custom", first=dt.date(2026, 10, 15), last=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError, match="unknown period preset"):
        d.period_for("yesterday")


def test_history_start_is_twelve_calendar_months() -> None:
    assert d.history_start(resolve_period("2026-10")) == ts("2025-11-01")


# --- segments and filters ----------------------------------------------------------------------


def test_segments_select_members_by_attribute_and_tenure() -> None:
    end = ts("2026-11-01")
    assert d.segment_mask(MEMBERS, "region:EU", end).tolist() == [True, False, True]
    assert d.segment_mask(MEMBERS, "tenure:new", end).tolist() == [False, True, False]
    assert d.segment_mask(MEMBERS, "tenure:established", end).tolist() == [True, False, True]
    assert d.segment_mask(MEMBERS, "age_band:25-34", end).tolist() == [True, False, False]
    with pytest.raises(ValidationError, match="unknown segment attribute 'shoe'"):
        d.segment_mask(MEMBERS, "shoe:42", end)
    with pytest.raises(ValidationError, match="looks like"):
        d.segment_mask(MEMBERS, "EU", end)
    options = d.segment_options(MEMBERS)
    assert options[0] == ("All members", "")
    assert ("Region: EU", "region:EU") in options
    assert options.index(("Region: EU", "region:EU")) < options.index(("Region: NA", "region:NA"))


def test_a_segment_keeps_its_members_activity_and_every_answer_to_their_threads() -> None:
    view = d.apply_filters(october(), d.Filters(segment="region:EU"))
    assert set(view.events["source_id"]) == {"s1", "s2", "o1", "o3", "o5"}
    # o2 (by an NA member) answers o1 (by an EU member): it counts for response times;
    # o4 was started by the NA member, so neither it nor its answer o5 is a segment thread
    assert set(view.conversations["source_id"]) == {"s1", "s2", "o1", "o2"}
    assert view.members["member_id"].tolist() == [1, 3]


def test_channel_and_content_type_filters() -> None:
    view = d.apply_filters(october(), d.Filters(channel="forum", content_type="poll"))
    assert "o3" not in set(view.events["source_id"])
    assert view.content["title"].tolist() == ["Poll", "Old"]
    assert view.filters.describe() == "channel forum · all members · poll content"


# --- KPIs ------------------------------------------------------------------------------------


def test_kpis_compare_with_the_previous_month() -> None:
    tiles = {k.key: k for k in d.kpis(d.apply_filters(october(), d.Filters()))}
    active = tiles["active_members"]
    # October: members 1, 2, 3 active; September: 1 and 3
    assert (active.value, active.previous) == (3, 2)
    assert (active.delta_text, active.verdict, active.partial) == ("▲ +50%", "better", False)
    # threads: o1 and o4 in October, answered after 2 h and 4 h; s1 in September after 2 h
    assert tiles["threads"].value == 2
    assert tiles["median_first_response_hours"].value == 3.0
    assert tiles["median_first_response_hours"].value_text == "3.0 h"
    assert tiles["median_first_response_hours"].verdict == "worse"  # 3 h vs 2 h
    # engagement: (15 + 4) / (100 + 200) in October (the article has no reach or views,
    # so it is not in the rate); September: 2 / 100
    assert tiles["engagement_rate"].value == pytest.approx(100 * 19 / 300)
    assert tiles["engagement_rate"].delta_text == "▲ +4.3 pts"  # 6.3% vs 2.0%
    assert tiles["new_members"].value == 1  # member 2 joined on 20 Oct
    assert tiles["new_members"].delta_text == "▲ +1"  # nobody joined in September


def test_a_running_period_is_compared_over_the_same_elapsed_time() -> None:
    now = ts("2026-10-10 00:00")
    tiles = {k.key: k for k in d.kpis(d.apply_filters(october(), d.Filters()), as_of=now)}
    # 1 Oct – 10 Oct 00:00: members 1, 2, 3 (o1, o2, o3); 1 Sep – 10 Sep 00:00: nobody
    # (s1 and s2 came on 10 Sep, after the same elapsed time)
    assert (tiles["active_members"].value, tiles["active_members"].previous) == (3, 0)
    assert tiles["active_members"].delta_text == "▲ +3"  # from 0
    assert tiles["threads"].value == 1  # o4 (21 Oct) is after "now"
    assert all(k.partial for k in tiles.values())
    note = d.comparison_note(october(), now)
    assert note.startswith("Period in progress: 1 Oct 2026 – 9 Oct 2026 so far")
    assert "same 9 days of the previous period (1 Sep 2026 – 9 Sep 2026)" in note
    with pytest.raises(ValidationError, match="has not started"):
        d.kpis(d.apply_filters(october(), d.Filters()), as_of=ts("2026-09-15"))


def test_kpi_texts_for_unknown_and_unchanged_values() -> None:
    base = dict(key="k", label="K", unit="%", description="", direction="higher is better")
    unknown = d.Kpi(**base, value=float("nan"), previous=10.0, change=float("nan"),
                    change_pct=float("nan"), verdict=None, partial=False)  # fmt: skip
    same = d.Kpi(**base, value=10.0, previous=10.0, change=0.0, change_pct=0.0,
                 verdict="same", partial=False)  # fmt: skip
    assert (unknown.value_text, unknown.delta_text, unknown.arrow) == ("—", "—", "")
    assert same.delta_text == "▬ no change"
    frame = d.kpi_frame([same])
    assert frame.iloc[0].tolist() == ["K", "10.0%", "10.0%", "▬ no change", "same"]


# --- drill-down and export ----------------------------------------------------------------------


def test_content_table_ranks_the_period_items_best_rate_first() -> None:
    table = d.content_table(d.apply_filters(october(), d.Filters()))
    assert table["title"].tolist() == ["Poll", "Video", "=HYPERLINK(1)"]  # unknown rate last
    assert table["engagement_rate"].tolist()[:2] == [0.15, 0.02]
    assert table["published"].tolist()[0] == "2026-10-02"


def test_thread_table_names_threads_and_sorts_by_replies() -> None:
    table = d.thread_table(d.apply_filters(october(), d.Filters()))
    assert table["title"].tolist() == ["Hello", "Help with my kit"]  # same replies: newest first
    assert table["first_response_hours"].tolist() == [4.0, 2.0]
    posts = pd.DataFrame({"title": [None, "Kit"], "body": ["word " * 30, "x"]})
    titles = d.thread_titles(posts, length=20).tolist()
    assert titles == ["word word word word…", "Kit"]


def test_paginate_clips_the_page_and_counts_rows() -> None:
    frame = pd.DataFrame({"n": range(23)})
    page = d.paginate(frame, 3, size=10)
    assert (page.page, page.pages, page.first, page.last) == (3, 3, 21, 23)
    assert d.paginate(frame, 99, size=10).page == 3
    empty = d.paginate(frame.iloc[0:0], 1)
    assert (empty.pages, empty.first, empty.last) == (1, 0, 0)


def test_csv_export_is_a_formula_safe_data_uri() -> None:
    table = d.content_table(d.apply_filters(october(), d.Filters()))
    frame = d.export_frame(table, d.CONTENT_TABLE)
    uri = d.csv_data_uri(frame)
    assert uri.startswith("data:text/csv;charset=utf-8;base64,")
    text = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "Title,Type,Channel,Published,Reached,Interactions,Engagement rate"
    assert lines[3].startswith("'=HYPERLINK(1),article,forum,2026-10-03")
    name = d.export_name("content", resolve_period("2026-10"), d.Filters("forum", "region:EU"))
    assert name == "commbook-content-2026-10-forum-region_EU.csv"


# --- survey waves -------------------------------------------------------------------------------

SURVEYS = pd.DataFrame(
    {
        "survey": ["nps1", "csat", "nps2"],
        "name": ["Wave 1", "Support", "Wave 2"],
        "kind": ["nps", "csat", "nps"],
        "opened_at": pd.to_datetime(["2026-02-01", "2026-01-01", "2026-08-01"], utc=True),
    }
)


def test_pick_survey_by_key_or_latest_of_a_kind() -> None:
    assert waves.pick_survey(SURVEYS)["survey"] == "nps2"
    assert waves.pick_survey(SURVEYS, before=ts("2026-05-01"))["survey"] == "nps1"
    assert waves.pick_survey(SURVEYS, "csat")["name"] == "Support"
    with pytest.raises(NotFound, match="no survey 'nps9' \\(surveys: nps1, csat, nps2\\)"):
        waves.pick_survey(SURVEYS, "nps9")
    with pytest.raises(NotFound, match="no nps survey opened before 2026-01-15"):
        waves.pick_survey(SURVEYS, before=ts("2026-01-15"))


def test_respondents_get_their_attributes_and_tenure_when_answering() -> None:
    responses = pd.DataFrame(
        {
            "member_id": pd.array([1, 2, None], dtype="Int64"),
            "submitted_at": pd.to_datetime(["2026-03-01", "2026-10-25", "2026-10-25"], utc=True),
            "score": [9.0, 3.0, 10.0],
        }
    )
    out = waves.with_member_attributes(responses, MEMBERS)
    assert out["tenure"].tolist() == ["newcomer", "newcomer", "(unknown)"]  # 50 and 5 days
    assert out["region"].tolist() == ["EU", "NA", "(unknown)"]
    assert out["age_band"].tolist() == ["25-34", "(unknown)", "(unknown)"]


def test_by_wave_orders_waves_by_opening_and_counts_sentiment() -> None:
    responses = pd.DataFrame(
        {
            "survey": ["nps2", "nps2", "nps1", "nps1"],
            "score": [10.0, 9.0, 0.0, 10.0],
            "comment": ["I love it, great help", None, "Terrible, awful support", "it is a forum"],
        }
    )
    table = waves.by_wave(responses, SURVEYS)
    assert table["survey"].tolist() == ["nps1", "nps2"]
    assert table["score"].tolist() == [0.0, 100.0]
    assert table["name"].tolist() == ["Wave 1", "Wave 2"]
    counts = waves.sentiment_counts(responses, "survey")
    assert counts.values.tolist() == [
        ["nps2", "positive", 1],
        ["nps1", "negative", 1],
        ["nps1", "neutral", 1],
    ]


# --- loaders ------------------------------------------------------------------------------------


def test_load_responses_joins_the_survey_and_filters(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as s:
        member = Member(source="t", source_id="m1")
        nps = Survey(source="t", source_id="nps1", name="Wave 1", kind="nps")
        csat = Survey(source="t", source_id="csat", name="Support", kind="csat",
                      scale_min=1, scale_max=5)  # fmt: skip
        s.add_all([member, nps, csat])
        s.flush()
        s.add_all(
            [
                SurveyResponse(survey_id=nps.id, source_id="r1", member_id=member.id,
                               submitted_at=ts("2026-10-02"), score=9, comment="Great"),
                SurveyResponse(survey_id=nps.id, source_id="r2",
                               submitted_at=ts("2026-11-02"), score=None),
                SurveyResponse(survey_id=csat.id, source_id="r3",
                               submitted_at=ts("2026-10-03"), score=4),
            ]
        )  # fmt: skip
    every = frames.load_responses(sqlite_url)
    assert every["survey"].tolist() == ["nps1", "csat", "nps1"]
    assert str(every["score"].dtype) == "float64" and pd.isna(every["score"].iloc[2])
    october_nps = frames.load_responses(
        sqlite_url, "2026-10-01", "2026-11-01", columns=("source_id", "survey_kind", "comment"),
        kinds=("nps",),
    )  # fmt: skip
    assert october_nps.values.tolist() == [["r1", "nps", "Great"]]
    assert frames.load_responses(sqlite_url, surveys="csat")["source_id"].tolist() == ["r3"]
    surveys = frames.load_surveys(sqlite_url, columns=("survey", "kind", "scale_max"))
    assert surveys.values.tolist() == [["nps1", "nps", 10], ["csat", "csat", 5]]
    with pytest.raises(ValidationError, match="unknown column 'mood'"):
        frames.load_responses(sqlite_url, columns=("mood",))


# --- community workflow tiles -------------------------------------------------------------------

TRIAGE = pd.DataFrame(
    {
        "category": ["support", "support", "feedback", "abuse"],
        "urgency": ["normal", "normal", "low", "high"],
        "channel": ["forum", "forum", "chat", "forum"],
        "member_id": pd.array([1, 2, 1, 3], dtype="Int64"),
        "received_at": pd.to_datetime(["2026-10-02 09:00", "2026-10-20 09:00",
                                       "2026-09-10 09:00", "2026-09-20 09:00"], utc=True),
        "first_response_at": pd.to_datetime(["2026-10-02 10:00", "2026-10-22 09:00",
                                             "2026-09-10 12:00", None], utc=True),
        "resolved_at": pd.to_datetime(["2026-10-03 09:00", None, "2026-09-12 09:00", None],
                                      utc=True),
        "escalation_level": [None, "team_lead", None, None],
        "closed_loop": pd.array([True, False, False, False], dtype="boolean"),
    }
)  # fmt: skip
MODERATION = pd.DataFrame(
    {
        "at": pd.to_datetime(["2026-09-15 10:00", "2026-10-05 10:00", "2026-10-21 10:00"],
                             utc=True),
        "action": ["hide", "hide", "warn"],
        "channel": ["forum", "forum", "chat"],
        "member_id": pd.array([2, 2, 1], dtype="Int64"),
    }
)  # fmt: skip


def october_workflow() -> d.PeriodFrames:
    events = EVENTS.copy()
    events.loc[events["kind"] == "post", "category"] = "question"
    base = october()
    return d.PeriodFrames(base.period, base.previous_start, events, MEMBERS, CONTENT,
                          base.titles, TRIAGE, MODERATION)  # fmt: skip


def test_workflow_tiles_equal_the_workflow_metrics() -> None:
    from commbook.metrics import workflow
    from commbook.triage.sla import parse_sla

    policy = parse_sla({"defaults": {"normal": {"first_response": "4h", "resolution": "1d"}}})
    data = october_workflow()
    view = d.apply_filters(data, d.Filters())
    tiles = {k.key: k for k in d.workflow_kpis(view, policy=policy)}
    assert list(tiles) == list(d.WORKFLOW_KPIS)
    start, end = ts("2026-10-01"), ts("2026-11-01")
    received = TRIAGE[(TRIAGE["received_at"] >= start) & (TRIAGE["received_at"] < end)]
    times = workflow.response_times(received, end, policy).set_index("category").loc["all"]
    resolved = TRIAGE[(TRIAGE["resolved_at"] >= start) & (TRIAGE["resolved_at"] < end)]
    in_october = EVENTS[(EVENTS["occurred_at"] >= start) & (EVENTS["occurred_at"] < end)]
    actions = MODERATION[MODERATION["at"] >= start]
    assert tiles["sla_first_response_within"].value == 100 * times["first_response_within_sla"]
    assert tiles["triage_first_response_hours"].value == times["first_response_median_h"]
    assert tiles["open_backlog"].value == workflow.backlog_size(TRIAGE, end)
    assert tiles["stale_backlog"].value == workflow.stale_backlog_size(TRIAGE, end)
    assert tiles["closed_loop_rate"].value == 100 * workflow.closed_loop_rate(resolved)
    assert tiles["moderation_per_1000_posts"].value == workflow.moderation_per_1000_posts(
        actions, in_october
    )
    # by hand: items received in October: 1 h (met the 4 h target) and 48 h (breached)
    assert (tiles["sla_first_response_within"].value_text, tiles["triage_first_response_hours"]
            .value_text) == ("50.0%", "24.5 h")  # fmt: skip
    # open on 1 Nov: the escalated October item and September's abuse report, both > 7 days;
    # on 1 Oct only the abuse report was open (the feedback item was resolved on 12 Sep)
    assert (tiles["open_backlog"].value, tiles["open_backlog"].previous) == (2, 1)
    assert tiles["open_backlog"].verdict == "worse"  # lower is better
    assert (tiles["stale_backlog"].value, tiles["escalations"].value) == (2, 1)
    assert (tiles["closed_loop_rate"].value, tiles["closed_loop_rate"].previous) == (100, 0)
    # 2 actions over 4 posts and replies in October (the reaction is not a post); 1 over 2
    # in September
    assert tiles["moderation_per_1000_posts"].value_text == "500"
    assert tiles["moderation_per_1000_posts"].delta_text == "▬ no change"
    # o1 and o4 first answered by members (2 and 1); September's s1 by staff (member 3)
    assert (tiles["community_answer_share"].value, tiles["community_answer_share"].previous) == (
        100.0, 0.0)  # fmt: skip

    forum = {k.key: k for k in d.workflow_kpis(d.apply_filters(data, d.Filters(channel="forum")),
                                               policy=policy)}  # fmt: skip
    assert forum["moderation_per_1000_posts"].value == 250.0  # the warn was in chat
    eu = d.apply_filters(data, d.Filters(segment="region:EU"))  # members 1 and 3
    assert eu.triage["member_id"].tolist() == [1, 1, 3]
    assert eu.moderation["member_id"].tolist() == [1]
    assert d.workflow_kpis(d.apply_filters(october(), d.Filters())) == []  # nothing loaded


def test_workflow_tiles_html_shows_the_section() -> None:
    from commbook.widgets.dashboard_view import workflow_html

    tiles = d.workflow_kpis(d.apply_filters(october_workflow(), d.Filters()))
    page = workflow_html(tiles)
    assert page.startswith("<h2>Community workflow</h2>")
    assert page.count("data-metric=") == len(d.WORKFLOW_KPIS)
    assert 'data-metric="moderation_per_1000_posts"' in page
    assert workflow_html([]) == ""


# --- one truth with the report: where the data stops, how changes read --------------------------

TODAY = dt.date(2026, 12, 4)
DATA_ENDS = dt.date(2026, 12, 3)  # the sample community moved to end the day before


@pytest.fixture(scope="module")
def december_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample community with its dates moved so the data ends on 3 Dec 2026."""
    from commbook.samples import load_samples
    from commbook.store import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('december') / 'commbook.db'}"
    upgrade(url)
    load_samples(ROOT / "data" / "samples", url, ends=DATA_ENDS)
    return url


@pytest.fixture
def on_4_december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMBOOK_TODAY", TODAY.isoformat())
    monkeypatch.setenv("COMMBOOK_TIMEZONE", "UTC")


def test_series_stop_on_the_data_s_last_day_not_at_the_period_end() -> None:
    view = d.apply_filters(october(), d.Filters())
    whole = d.activity_series(view)
    assert len(whole) == 31  # a complete period: every day
    cut = d.activity_series(view, ts("2026-10-22"))  # the data stops after 21 Oct
    assert cut["day"].iloc[-1] == ts("2026-10-21") and len(cut) == 21
    assert cut["dau"].tolist() == whole["dau"].tolist()[:21]
    assert d.activity_series(view, ts("2026-11-15")).equals(whole)  # later than the end
    assert d.activity_series(view, ts("2026-10-01")).empty


def test_this_quarter_chart_stops_where_the_data_does(december_url: str, on_4_december) -> None:
    from commbook.widgets.dashboard import DashboardApp

    app = DashboardApp(december_url)
    app.preset.value = "this_quarter"
    daily = d.activity_series(app.filtered, app._as_of())
    assert (daily["day"].iloc[0].date(), daily["day"].iloc[-1].date()) == (
        dt.date(2026, 10, 1),
        DATA_ENDS,
    )
    assert daily["dau"].iloc[-1] > 0  # the last day drawn has data
    # the chart's accessible description names the days it draws: up to 3 Dec, not 31 Dec
    assert "to 3 Dec 2026." in app.activity_chart.value
    assert "31 Dec 2026" not in app.activity_chart.value
    # this month: three days drawn, one tick each (not hours repeating "01 Dec")
    app.preset.value = "this_month"
    ticks = re.findall(r">(\d\d \w{3})</text>", app.activity_chart.value)
    assert ticks == ["01 Dec", "02 Dec", "03 Dec"]


def test_changes_read_as_in_the_report(december_url: str, on_4_december) -> None:
    from commbook.reports.data import load_report_data
    from commbook.reports.sections import comparison
    from commbook.reports.sections._common import format_change
    from commbook.widgets.dashboard import DashboardApp

    app = DashboardApp(december_url)  # last month: November 2026
    tiles = {k.key: k for k in d.kpis(app.filtered, as_of=app._as_of())}
    data = load_report_data("2026-11", url=december_url, tz="UTC", today=TODAY)
    report = comparison(data).set_index("metric")
    for key, tile in tiles.items():
        row = report.loc[key]
        assert f"{tile.change_words} vs October 2026" == format_change(row, "October 2026"), key
    answered = tiles["answered_rate"]
    assert answered.change_words.endswith(" pts")  # a rate moves in points, not in %
    assert answered.delta_text == f"{answered.arrow} {answered.change_words}"
    assert tiles["active_members"].change_words.endswith("%")  # counts keep their %

    base = dict(key="k", label="K", description="", verdict="worse", partial=False)
    rate = d.Kpi(**base, unit="%", direction="higher is better", value=81.7, previous=84.0,
                 change=-2.3, change_pct=-2.738)  # fmt: skip
    assert rate.delta_text == "▼ -2.3 pts"
    nps = d.Kpi(**base, unit="points", direction="higher is better", value=12.0, previous=15.0,
                change=-3.0, change_pct=-20.0)  # fmt: skip
    assert nps.delta_text == "▼ -3 pts"
    count = d.Kpi(**base, unit="members", direction="higher is better", value=0.0, previous=4.0,
                  change=-4.0, change_pct=-100.0)  # fmt: skip
    assert count.delta_text == "▼ -100%"
    tiny = d.Kpi(**base, unit="%", direction="higher is better", value=50.01, previous=50.0,
                 change=0.01, change_pct=0.02)  # fmt: skip
    assert (tiny.delta_text, tiny.tone) == ("▬ ±0.0 pts", "")  # neither green nor red


def test_this_month_notes_say_each_thing_once_in_whole_days(
    december_url: str, on_4_december
) -> None:
    from commbook.widgets.dashboard import DashboardApp

    app = DashboardApp(december_url)
    app.preset.value = "this_month"
    notes = d.context_notes(app.choice, app.data, app._as_of())
    assert notes == [
        "Data ends 3 Dec 2026 — the last import: figures for December 2026 cover "
        "1 Dec 2026 – 3 Dec 2026 only, compared with the same 3 days of the previous period "
        "(1 Nov 2026 – 3 Nov 2026).",
        "Answers to the period's threads count until 30 Jan 2027 (30 days after it); the "
        "data ends 3 Dec 2026, so the answered rate and first reply count the answers so far.",
    ]
    context = app.context.value
    assert context.count("Data ends") == 1 and ".0 days" not in context
    assert "answers so far" in context
    app.preset.value = "this_quarter"
    assert "the same 64 days of the previous period" in app.context.value
    # a period with its answers all in: no "so far"
    app.preset.value = "custom"
    app.first.value, app.last.value = dt.date(2026, 9, 1), dt.date(2026, 9, 30)
    assert "so far" not in app.context.value
    assert d.day_count(1.0) == "1 day" and d.day_count(3.5) == "3.5 days"


def test_last_30_days_on_a_stale_store_says_it_moved(
    sample_db, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = copy_sample_db(sample_db, tmp_path / "store")  # the data ends 31 Oct 2026
    monkeypatch.setenv("COMMBOOK_TODAY", TODAY.isoformat())
    choice = d.choose_period("last_30_days", "UTC", url=url)
    assert (choice.period.first_day, choice.period.last_day) == (
        dt.date(2026, 10, 2),
        dt.date(2026, 10, 31),
    )
    assert choice.moved and choice.has_data
    assert choice.notes == [
        "The last 30 days have no data yet, so this shows the 30 days to 31 Oct 2026."
    ]
    from commbook.widgets.dashboard import DashboardApp

    app = DashboardApp(url)
    app.preset.value = "last_30_days"
    assert "The last 30 days have no data yet, so this shows the 30 days to 31 Oct 2026." in (
        app.context.value
    )
    # data that ends within the last 30 days: the window ends with it, and says so
    late = d.choose_period("last_30_days", "UTC", today=dt.date(2026, 11, 10), url=url)
    assert late.notes == ["The data ends 31 Oct 2026, so this shows the 30 days to 31 Oct 2026."]
    fresh = d.choose_period("last_30_days", "UTC", today=dt.date(2026, 10, 31), url=url)
    assert not fresh.moved and fresh.notes == []


def test_triage_tiles_are_named_apart_from_the_threads_and_say_no_file_paths() -> None:
    tiles = d.kpis(d.apply_filters(october_workflow(), d.Filters()))
    tiles += d.workflow_kpis(d.apply_filters(october_workflow(), d.Filters()))
    labels = {k.key: k.label for k in tiles}
    assert labels["median_first_response_hours"] == "Median first reply"
    assert labels["triage_first_response_hours"] == "Triage: median first response"
    assert all(labels[key].startswith("Triage: ") for key in d.TRIAGE_KPIS)
    assert len(set(labels.values())) == len(labels)
    for k in tiles:
        assert not re.search(r"\w+/\w+\.(yml|yaml|md|py)", k.description), k.key
    docs = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")
    for key in d.TRIAGE_KPIS:
        assert f"| {labels[key]} |" in docs, key


def test_the_notebook_only_starts_the_app() -> None:
    import json

    notebook = json.loads((ROOT / "notebooks" / "dashboard.ipynb").read_text(encoding="utf-8"))
    shown = [c for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert shown == []  # the app's banner is the title; no path on the page
    assert all(not c.get("outputs") for c in notebook["cells"])


def test_the_screenshot_caption_is_the_month_docs_screenshots_draws() -> None:
    script = (ROOT / "docs" / "screenshots.py").read_text(encoding="utf-8")
    today = re.search(r'"--today", default="(\d{4}-\d\d-\d\d)"', script)
    assert today is not None
    month = d.period_for("last_month", today=dt.date.fromisoformat(today[1])).title
    docs = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")
    caption = re.search(r"!\[([^\]]*)\]\(img/dashboard\.png\)", docs)
    assert caption is not None and caption[1].endswith(month), caption
    # docs/screenshots.py is the one writer of docs/img/dashboard.png
    browser = (ROOT / "tests" / "test_browser_dashboard.py").read_text(encoding="utf-8")
    assert '"dashboard.png"' not in browser
