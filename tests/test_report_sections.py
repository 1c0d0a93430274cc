"""The stakeholder report's logic without a kernel: lessons rules, formatting, section
assembly on small hand-made frames, and the report notes store."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from commbook.errors import ConflictError, ValidationError
from commbook.metrics.effectiveness import Recommendation
from commbook.reports import lessons, notes, sections
from commbook.reports.data import ReportData, next_window
from commbook.reports.periods import resolve_period
from commbook.triage.sla import parse_sla

PARIS = ZoneInfo("Europe/Paris")
POLICY = parse_sla({"version": 1})  # the built-in targets: support normal = 1 day


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --- lessons rules ------------------------------------------------------------------------


def test_first_response_p90_above_target_with_slow_weekends_proposes_weekend_cover() -> None:
    lesson = lessons.first_response_p90_rule("support", 30.0, 20.0, 24.0, 40.0, 6.0)
    assert lesson is not None and lesson.area == "Workflow"
    assert lesson.finding == (
        "First response p90 in support is 30.0 h, up from 20.0 h, above the 24.0 h target."
    )
    assert "weekend support queue" in lesson.adjustment
    assert "40.0 h at weekends vs 6.0 h on weekdays" in lesson.evidence


def test_first_response_p90_above_target_on_weekdays_proposes_capacity() -> None:
    lesson = lessons.first_response_p90_rule("abuse", 8.0, None, 4.0, 5.0, 4.0)
    assert lesson is not None
    assert "up from" not in lesson.finding  # no previous value: no trend claimed
    assert lesson.adjustment.startswith("Add first-line capacity to the abuse queue")


def test_first_response_p90_needs_enough_items() -> None:
    assert lessons.first_response_p90_rule("support", 30.0, None, 24.0, items=9) is None
    assert lessons.first_response_p90_rule("support", 30.0, None, 24.0, items=10) is not None


def test_rules_on_members_and_threads_need_a_minimum_sample() -> None:
    assert lessons.active_members_rule(10.0, 19.0) is None  # 19 active before: too few
    fell = lessons.active_members_rule(20.0, 40.0, "the same days of November 2026")
    assert fell is not None
    assert fell.finding == "Active members fell by 50% against the same days of November 2026."
    assert lessons.unanswered_rule(0.5, 9) is None
    so_far = lessons.unanswered_rule(0.5, 10, so_far="3 Dec 2026")
    assert so_far is not None and so_far.finding.endswith("from anyone else by 3 Dec 2026.")


@pytest.mark.parametrize("p90", [24.0, 10.0, None, math.nan])
def test_first_response_p90_within_target_or_unknown_says_nothing(p90: float | None) -> None:
    assert lessons.first_response_p90_rule("support", p90, 5.0, 24.0) is None


def test_sla_compliance_rule_needs_enough_items_and_a_low_share() -> None:
    lesson = lessons.sla_compliance_rule("support", 0.75, 40)
    assert lesson is not None and "Only 75% of support items" in lesson.finding
    assert lessons.sla_compliance_rule("support", 0.95, 40) is None
    assert lessons.sla_compliance_rule("support", 0.5, 9) is None  # too few to judge
    assert lessons.sla_compliance_rule("support", math.nan, 40) is None


def test_backlog_rule_on_growth_or_stale_items() -> None:
    grew = lessons.backlog_rule(open_now=20, open_before=10, stale=0)
    assert grew is not None and "grew from 10 to 20" in grew.finding
    stale = lessons.backlog_rule(open_now=10, open_before=10, stale=4)
    assert stale is not None and "4 open items are older than 7 days" in stale.finding
    assert lessons.backlog_rule(open_now=11, open_before=10, stale=0) is None  # +1 is noise
    assert lessons.backlog_rule(open_now=5, open_before=10, stale=0) is None


def test_closed_loop_rule() -> None:
    lesson = lessons.closed_loop_rule(0.4, 50)
    assert lesson is not None and "only 40% of resolved items" in lesson.finding
    assert lessons.closed_loop_rule(0.8, 50) is None
    assert lessons.closed_loop_rule(math.nan, 0) is None


def test_unanswered_rule() -> None:
    lesson = lessons.unanswered_rule(0.25, 200)
    assert lesson is not None and lesson.evidence == "50 of 200 threads started in the period."
    assert lessons.unanswered_rule(0.1, 200) is None
    assert lessons.unanswered_rule(0.9, 5) is None
    assert lessons.unanswered_rule(None, 200) is None


def test_active_members_rule_both_ways() -> None:
    down = lessons.active_members_rule(80, 100)
    assert down is not None and down.severity == "warning" and "fell by 20%" in down.finding
    up = lessons.active_members_rule(130, 100)
    assert up is not None and up.severity == "good" and "rose by 30%" in up.finding
    assert lessons.active_members_rule(105, 100) is None
    assert lessons.active_members_rule(10, 0) is None
    assert lessons.active_members_rule(math.nan, 100) is None


def _difference(**changes: object) -> Recommendation:
    clear = Recommendation(
        "difference", "Polls get 2.0× the comments of articles (…).", "comments",
        ("content_type",), "poll", "article", 2.0, 6, 8, 3.1, best_audience=1200,
        baseline_audience=1600, best_estimate=10.0, baseline_estimate=5.0,
        window="1 May – 31 Oct 2026", period_items=12,
    )  # fmt: skip
    return replace(clear, **changes)


def test_content_rules_only_turn_clear_differences_into_lessons() -> None:
    vague = Recommendation("no_difference", "No clear difference …", "shares", ("content_type",))
    small = _difference(kind="small_difference", ratio=1.05)
    (found,) = lessons.content_rules([_difference(), vague, small])
    assert found.finding == "Over 1 May – 31 Oct 2026, polls got 2.0× the comments of articles."
    assert found.adjustment.startswith("Plan more poll content")
    assert found.evidence == (
        "Estimated 10.0 vs 5.0 (90% intervals do not overlap); 6 vs 8 items reaching 1,200 vs "
        "1,600 people."
    )
    assert found.severity == "good"
    rate = _difference(
        best="AMA", metric="engagement_rate", best_estimate=0.072, baseline_estimate=0.032
    )
    ama = lessons.content_rules([rate])
    assert ama[0].finding.startswith("Over 1 May – 31 Oct 2026, AMAs got 2.0× the engagement")
    assert ama[0].evidence.startswith("Estimated 7.2% vs 3.2%")


@pytest.mark.parametrize(
    "changes",
    [
        {"period_items": 0},  # the period published nothing: no lesson about it
        {"best_items": 4},
        {"baseline_items": 3},
        {"best_audience": 499.0},  # too few people reached to judge
        {"baseline_audience": 10.0},
    ],
)
def test_content_rules_need_a_sample_and_a_period_with_content(changes: dict) -> None:
    assert lessons.content_rules([_difference(**changes)]) == []


def _ranking(**columns: list) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "content_type": ["poll", "video", "newsletter", "meme"],
            "items": [10, 12, 8, 2],
            "audience": [5000.0, 6000.0, 4000.0, 100.0],
            "estimate": [0.10, 0.07, 0.02, 0.5],
            "low": [0.08, 0.05, 0.01, 0.0],
            "high": [0.12, 0.09, 0.03, 1.0],
            "enough_data": [True, True, True, False],
            "rank": pd.array([1, 2, 3, None], dtype="Int64"),
            "window": "1 May – 31 Oct 2026",
            "period_items": [3, 2, 1, 0],
        }
    )
    return frame.assign(**columns)


def test_weakest_content_rule() -> None:
    lesson = lessons.weakest_content_rule(_ranking())
    assert lesson is not None
    assert lesson.finding == (
        "Over 1 May – 31 Oct 2026, newsletters engaged least: an estimated 2.0% engagement "
        "rate against 10.0% for polls."
    )
    assert lesson.adjustment.startswith("Rethink newsletter content")
    assert lesson.evidence == "Intervals do not overlap (1.0%–3.0% vs 8.0%–12.0%); 8 vs 10 items."
    assert lessons.weakest_content_rule(_ranking().head(1)) is None
    assert lessons.weakest_content_rule(pd.DataFrame()) is None


@pytest.mark.parametrize(
    "columns",
    [
        {"estimate": [0.10, 0.07, 0.06, 0.5]},  # more than half the best: nothing to say
        {"high": [0.12, 0.09, 0.085, 1.0]},  # overlaps the best's interval: not clear
        {"items": [10, 12, 4, 2], "enough_data": [True, True, True, False]},
        {"audience": [5000.0, 6000.0, 300.0, 100.0]},  # reached too few people
        {"period_items": [0, 0, 0, 0]},  # the period published nothing
    ],
)
def test_weakest_content_rule_says_nothing_without_clear_numbers(columns: dict) -> None:
    assert lessons.weakest_content_rule(_ranking(**columns)) is None


def test_weakest_content_rule_names_types_that_share_the_last_rank() -> None:
    ranking = _ranking(
        estimate=[0.10, 0.02, 0.02, 0.5], low=[0.08, 0.01, 0.01, 0], high=[0.12, 0.03, 0.03, 1]
    )
    lesson = lessons.weakest_content_rule(ranking)
    assert lesson is not None and "videos and newsletters engaged least" in lesson.finding


def test_retention_rule() -> None:
    frame = pd.DataFrame(
        {"cohort": ["2026-06", "2026-07", "2026-08", "2026-09"], "members": [20, 20, 20, 20],
         0: [0.9, 0.9, 0.9, 0.9], 1: [0.6, 0.6, 0.6, 0.3]}
    )  # fmt: skip
    lesson = lessons.retention_rule(frame)
    assert lesson is not None and "Only 30% of members who joined in 2026-09" in lesson.finding
    frame.loc[3, 1] = 0.55
    assert lessons.retention_rule(frame) is None
    assert lessons.retention_rule(frame.head(2)) is None


def test_nps_rule_claims_a_change_only_when_intervals_do_not_overlap() -> None:
    waves = pd.DataFrame(
        {"label": ["May 2026", "Aug 2026"], "score": [30.0, 5.0], "ci_low": [22.0, -3.0],
         "ci_high": [38.0, 13.0]}
    )  # fmt: skip
    fell = lessons.nps_rule(waves)
    assert fell is not None and fell.finding == "NPS fell clearly, to +5."
    rose = lessons.nps_rule(waves.iloc[::-1].reset_index(drop=True))
    assert rose is not None and rose.severity == "good"
    waves.loc[1, "ci_high"] = 25.0  # overlap
    assert lessons.nps_rule(waves) is None


def test_objectives_rule() -> None:
    lesson = lessons.objectives_rule(
        [("Grow", "off_track"), ("NPS", "on_track"), ("SLA", "missed")]
    )
    assert lesson is not None and lesson.finding == "2 objectives are behind plan: Grow; SLA."
    assert lessons.objectives_rule([("Grow", "achieved")]) is None


# --- formatting and windows -------------------------------------------------------------


def test_values_and_changes_read_like_a_document() -> None:
    assert sections.format_value(1234.0, "members") == "1,234"
    assert sections.format_value(12.345, "%") == "12.3%"
    assert sections.format_value(2.25, "hours") == "2.2 h"
    assert sections.format_value(50, "hours") == "2.1 days"
    assert sections.format_value(-3.0, "points") == "-3"
    assert sections.format_value(math.nan, "%") == "—"
    row = {"unit": "members", "current": 120, "previous": 100, "change": 20, "change_pct": 20.0}
    assert sections.format_change(row, "September 2026") == "+20% vs September 2026"
    rate = {"unit": "%", "current": 50.0, "previous": 52.5, "change": -2.5, "change_pct": -4.8}
    assert sections.format_change(rate, "W41") == "-2.5 pts vs W41"
    unknown = {"unit": "%", "current": 50.0, "previous": math.nan, "change": math.nan,
               "change_pct": math.nan}  # fmt: skip
    assert sections.format_change(unknown, "W41") == "no data for W41"


def test_period_names_and_next_window() -> None:
    p = resolve_period("2026-10", tz="Europe/Paris")
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    assert sections.period_name(start, end, PARIS) == "October 2026"
    nxt = next_window(start, end, PARIS)
    assert sections.period_name(*nxt, PARIS) == "November 2026"
    assert nxt[1] == pd.Timestamp("2026-12-01", tz=PARIS)
    week = resolve_period("2026-W43", tz="Europe/Paris")  # 19–25 Oct, DST ends on the 25th
    ws, we = next_window(pd.Timestamp(week.start), pd.Timestamp(week.end), PARIS)
    assert sections.period_name(ws, we, PARIS) == "26 Oct – 1 Nov 2026"
    assert we.tz_convert(PARIS).hour == 0
    assert sections.plural(1, "poll") == "1 poll" and sections.plural(3, "AMA") == "3 AMAs"


def test_tone_labels() -> None:
    assert [sections.tone(x) for x in (0.4, -0.2, 0.0, math.nan)] == [
        "positive", "negative", "mixed", "—"
    ]  # fmt: skip


# --- objectives through commbook.progress -----------------------------------------------


@dataclass
class Obj:
    title: str
    metric: str
    baseline: float
    target: float
    direction: str = "increase"
    unit: str = "members"
    owner: str = "Ada"
    start_date: dt.date = dt.date(2026, 1, 1)
    due_date: dt.date = dt.date(2026, 12, 31)


def test_objective_rows_judge_values_with_progress() -> None:
    rows = sections.objective_rows(
        [Obj("Grow", "active_members", 100, 200), Obj("Faster", "x", 10, 5, "decrease", "hours")],
        [150.0, None],
        dt.date(2026, 7, 2),
    )
    assert [(r.status, r.label) for r in rows] == [("on_track", "On track"), ("no_data", "No data")]
    assert rows[0].percent == pytest.approx(50)
    html = sections.objectives_table(rows).data
    assert "cb-badge on_track" in html and "150" in html and "—" in html


# --- section assembly on small frames --------------------------------------------------


def _frame(columns: dict[str, str], rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    for name, dtype in columns.items():
        if dtype == "ts":
            frame[name] = pd.to_datetime(frame[name], utc=True)
        else:
            frame[name] = frame[name].astype(dtype)
    return frame


EVENTS = {"member_id": "Int64", "kind": "str", "occurred_at": "ts", "channel": "str"}
CONV = {
    **EVENTS,
    "source": "str",
    "source_id": "str",
    "thread_id": "str",
    "parent_id": "str",
    "is_accepted": "boolean",
    "category": "str",
}
MEMBERS = {"member_id": "Int64", "joined_at": "ts", "left_at": "ts", "role": "str"}
CONTENT = {
    "content_id": "Int64", "title": "str", "content_type": "str", "channel": "str",
    "published_at": "ts", "reach": "Int64", "views": "Int64", "likes": "Int64",
    "comments": "Int64", "shares": "Int64",
}  # fmt: skip
UPCOMING = {
    "scheduled_at": "ts", "title": "object", "content_type": "object", "channel": "object",
    "status": "object", "owner": "object", "campaign": "object",
}  # fmt: skip
RESPONSES = {"submitted_at": "ts", "member_id": "Int64", "score": "float64",
             "comment": "object", "survey_kind": "object", "survey": "object"}  # fmt: skip
TRIAGE = {"item_id": "int64", "category": "object", "urgency": "object", "status": "object",
          "channel": "object", "member_id": "Int64", "received_at": "ts",
          "first_response_at": "ts", "resolved_at": "ts", "escalation_level": "object",
          "closed_loop": "boolean"}  # fmt: skip


def _data(**frames: pd.DataFrame) -> ReportData:
    p = resolve_period("2026-10", tz="UTC")
    start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
    empty = {
        "activity": _frame(EVENTS, []),
        "conversations": _frame(CONV, []),
        "members": _frame(MEMBERS, []),
        "content": _frame(CONTENT, []),
        "upcoming": _frame(UPCOMING, []),
        "responses": _frame(RESPONSES, []),
        "triage": _frame(TRIAGE, []),
    }
    return ReportData(
        period=p,
        previous=(pd.Timestamp("2026-09-01", tz="UTC"), start),
        next=next_window(start, end, p.tz),
        **(empty | frames),
    )


def _text(section: sections.Section) -> str:
    return " ".join(getattr(part, "data", "") or "" for part in section.parts)


def test_an_empty_store_gives_sentences_not_numbers() -> None:
    report = sections.build_report(_data(), policy=POLICY)
    assert list(report.sections) == list(sections.SECTIONS)
    summary = _text(report.section("summary"))
    assert "No activity or content was recorded for October 2026" in summary
    assert "No active objectives are recorded" in summary
    assert "No member was active in October 2026." in _text(report.section("engagement"))
    assert "No content was published in October 2026." in _text(report.section("content"))
    assert "No survey answers were recorded" in _text(report.section("feedback"))
    assert "No triage items were recorded for October 2026." in _text(report.section("workflow"))
    assert "Nothing is scheduled yet for November 2026." in _text(report.section("calendar"))
    assert "The team recorded no notes" in _text(report.section("lessons"))
    # no chart is drawn without data
    for section in report.sections.values():
        assert all(hasattr(part, "data") for part in section.parts), section.key


def test_sections_show_the_numbers_of_small_frames() -> None:
    members = _frame(MEMBERS, [(1, "2026-01-01", None, "member"), (2, "2026-10-03", None,
                                "member"), (3, "2026-01-01", "2026-10-20", "staff")])  # fmt: skip
    activity = _frame(
        EVENTS,
        [(1, "post", "2026-09-10", "forum"), (1, "post", "2026-10-05", "forum"),
         (2, "reaction", "2026-10-06", "forum"), (3, "view", "2026-10-07", "forum")],
    )  # fmt: skip
    upcoming = _frame(
        UPCOMING,
        [("2026-11-03 09:00", "<b>Launch</b> & party", "ama", "events", "scheduled", "Ada", None)],
    )
    triage = _frame(
        TRIAGE,
        [
            (1, "support", "normal", "closed", "forum", 1, "2026-10-02 09:00",
             "2026-10-03 21:00", "2026-10-04 09:00", None, True),
            (2, "support", "normal", "open", "forum", 2, "2026-10-10 09:00", None, None,
             "team_lead", False),
        ],
    )  # fmt: skip
    data = _data(members=members, activity=activity, upcoming=upcoming, triage=triage)
    report = sections.build_report(data, notes=[("Ada", "Great <month>!")], policy=POLICY)

    engagement = report.section("engagement").facts
    assert engagement["active_members"] == 2  # a view alone does not count
    assert engagement["new_members"] == 1 and engagement["churned_members"] == 1
    assert report.section("summary").facts["kpis"]["Active members"] == "2"

    workflow = report.section("workflow").facts
    assert workflow["received"] == 2 and workflow["escalated"] == 1
    assert workflow["closed_loop"] == 1.0 and workflow["open_end"] == 1
    support = workflow["times"].set_index("category").loc["support"]
    assert support["first_response_median_h"] == 36.0  # 1 Oct 09:00 → 3 Oct 21:00
    found = report.section("lessons").facts["lessons"]
    # a p90 of two items is noise: no lesson, though the 36 h median is above the target
    assert not [x for x in found if x.finding.startswith("First response p90")]
    assert any("open items are older than 7 days" in x.finding for x in found)

    calendar = _text(report.section("calendar"))
    assert "1 item in the calendar: 1 AMA (1 scheduled)." in calendar
    assert "&lt;b&gt;Launch&lt;/b&gt; &amp; party" in calendar and "<b>Launch" not in calendar
    assert "Tue 3 Nov, 09:00" in calendar
    lessons_html = _text(report.section("lessons"))
    assert "Great &lt;month&gt;!" in lessons_html


def test_segment_activity_counts_each_member_in_their_first_segment() -> None:
    member_segments = pd.Series({1: "Core", 2: "Newcomers", 3: "Core"})
    events = _frame(EVENTS, [(1, "post", "2026-10-05", "forum"), (2, "view", "2026-10-05", "x")])
    table = sections.segment_activity({"Core": 2, "Newcomers": 1, "Lurkers": 0}, member_segments,
                                      events)  # fmt: skip
    assert table.to_dict("records") == [
        {"segment": "Core", "members": 2, "active": 1, "share_active": 0.5},
        {"segment": "Newcomers", "members": 1, "active": 0, "share_active": 0.0},
        {"segment": "Lurkers", "members": 0, "active": 0, "share_active": pytest.approx(math.nan,
                                                                                        nan_ok=True)},
    ]  # fmt: skip


def test_nps_waves_and_latest_score() -> None:
    rows = [("2026-05-02", "nps2", s) for s in (10, 10, 9, 3)]
    rows += [("2026-08-03", "nps3", s) for s in (10, 6, 6, 6)]
    rows += [("2026-08-04", "csat", 5)]
    responses = _frame(
        RESPONSES,
        [(t, None, float(s), None, "csat" if n == "csat" else "nps", n) for t, n, s in rows],
    )
    waves = sections.nps_waves(responses, PARIS)
    assert waves[["survey", "label", "n", "score"]].to_dict("records") == [
        {"survey": "nps2", "label": "May 2026", "n": 4, "score": 50.0},
        {"survey": "nps3", "label": "Aug 2026", "n": 4, "score": -50.0},
    ]
    latest = sections.latest_nps(waves)
    assert latest == {"score": -50.0, "label": "Aug 2026", "delta": "-100 pts vs May 2026"}
    assert sections.latest_nps(waves.head(0)) is None


def test_weekend_medians_use_local_days() -> None:
    items = _frame(
        TRIAGE,
        [
            # Saturday 23:30 UTC is Sunday in Paris; Sunday 23:30 UTC is Monday there
            (1, "support", "normal", "closed", None, 1, "2026-10-10 23:30", "2026-10-11 09:30",
             None, None, False),
            (2, "support", "normal", "closed", None, 1, "2026-10-11 23:30", "2026-10-12 01:30",
             None, None, False),
        ],
    )  # fmt: skip
    table = sections.weekend_medians(items, PARIS).set_index("category")
    assert table.loc["support", "weekend"] == 10.0 and table.loc["support", "weekday"] == 2.0


def test_detail_must_be_summary_or_full() -> None:
    data = _data()
    assert "full team report" in sections.scope(data, "full").data
    assert "executive summary" in sections.scope(data, "summary").data
    with pytest.raises(ValidationError) as err:
        sections.scope(data, "everything")
    assert err.value.field == "detail"


# --- report notes ------------------------------------------------------------------------


def test_report_notes_are_saved_per_period_and_audited(sqlite_url: str) -> None:
    from sqlalchemy import select

    from commbook.store import AuditEntry, session_scope

    note = notes.add_note("2026-10", "  Launch week went well  ", author="Ada", url=sqlite_url)
    notes.add_note("2026-09", "Older", author="Bo", url=sqlite_url)
    assert notes.notes_for("2026-10", sqlite_url) == [("Ada", "Launch week went well")]
    with pytest.raises(ValidationError) as err:
        notes.add_note("2026-10", "   ", url=sqlite_url)
    assert err.value.field == "body"
    with pytest.raises(ConflictError):
        notes.delete_note(note.id, note.version + 1, url=sqlite_url)
    notes.delete_note(note.id, note.version, url=sqlite_url, actor="Ada")
    assert notes.notes_for("2026-10", sqlite_url) == []
    with session_scope(sqlite_url) as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(
            AuditEntry.entity == "report_notes"))]  # fmt: skip
    assert actions == ["create", "create", "delete"]


# --- the fast readers return exactly what commbook.frames returns --------------------------


def test_frames_loaders_keep_microseconds_kinds_and_membership(store_url: str) -> None:
    from commbook import frames
    from commbook.store import ActivityEvent, Channel, Member, session_scope

    with session_scope(store_url) as s:
        forum = Channel(key="forum", name="Forum")
        s.add(forum)
        s.flush()
        people = [
            Member(source="t", source_id="a", joined_at=ts("2026-01-01"), role="staff"),
            Member(source="t", source_id="b", joined_at=None, region="EU"),
            Member(source="t", source_id="c", joined_at=ts("2026-12-01")),  # after the end
        ]
        s.add_all(people)
        s.flush()
        for n, (who, kind, when, accepted) in enumerate(
            [(0, "post", "2026-10-01 08:00:00.123456", False), (1, "reply", "2026-10-02", True),
             (None, "view", "2026-10-03", False), (1, "reaction", "2026-11-02", False)]
        ):  # fmt: skip
            s.add(
                ActivityEvent(
                    source="t", source_id=f"e{n}", kind=kind, occurred_at=ts(when),
                    member_id=None if who is None else people[who].id,
                    channel_id=forum.id if n % 2 == 0 else None, thread_id="t1",
                    is_accepted=accepted,
                )
            )  # fmt: skip
    lo, hi = ts("2026-09-01"), ts("2026-11-01")
    columns = ("member_id", "kind", "occurred_at", "channel", "thread_id", "is_accepted")
    kinds = ("post", "reply", "view", "reaction")
    events = frames.load_events(store_url, lo, hi, columns=columns, kinds=kinds)
    assert len(events) == 3 and events["occurred_at"].iloc[0] == ts("2026-10-01 08:00:00.123456")
    member_columns = ("member_id", "joined_at", "left_at", "region", "role")
    members = frames.load_members(store_url, None, ts("2026-11-01"), columns=member_columns)
    assert len(members) == 2


# --- loading: channel and segment filters, relative periods ------------------------------


def test_load_report_data_filters_by_channel_and_segment(sqlite_url: str) -> None:
    from commbook.errors import NotFound
    from commbook.reports.data import load_report_data
    from commbook.segments import save_segment
    from commbook.store import ActivityEvent, Channel, Member, session_scope

    with session_scope(sqlite_url) as s:
        forum, chat = Channel(key="forum", name="Forum"), Channel(key="chat", name="Chat")
        s.add_all([forum, chat])
        s.flush()
        eu = Member(source="t", source_id="eu", joined_at=ts("2026-01-01"), region="EU")
        na = Member(source="t", source_id="na", joined_at=ts("2026-01-01"), region="NA")
        s.add_all([eu, na])
        s.flush()
        for n, (who, channel, when) in enumerate(
            [(eu, forum, "2026-10-05"), (na, forum, "2026-10-06"), (na, chat, "2026-10-07"),
             (eu, chat, "2026-09-20")]
        ):  # fmt: skip
            s.add(
                ActivityEvent(
                    source="t", source_id=f"e{n}", kind="post", occurred_at=ts(when),
                    member_id=who.id, channel_id=channel.id, thread_id=f"t{n}",
                )
            )  # fmt: skip
    save_segment(
        {"name": "Europe", "description": "EU members", "rule": {"regions": ["EU"]}},
        url=sqlite_url,
    )
    everyone = load_report_data("last_month", url=sqlite_url, tz="UTC", today=dt.date(2026, 11, 3))
    assert everyone.period.label == "2026-10"  # relative periods resolve against today
    assert everyone.segment_sizes == {"Europe": 1}
    in_october = sections.metrics_in(everyone.activity["occurred_at"], everyone.start, everyone.end)
    assert in_october.sum() == 3

    forum_only = load_report_data("2026-10", url=sqlite_url, tz="UTC", channel="forum")
    assert set(forum_only.activity["channel"]) == {"forum"}
    assert len(forum_only.conversations) == 2

    europe = load_report_data("2026-10", url=sqlite_url, tz="UTC", segment="Europe")
    assert europe.members["member_id"].tolist() == [1]
    assert set(europe.activity["member_id"]) == {1}
    assert set(europe.conversations["member_id"]) == {1}

    with pytest.raises(NotFound, match="unknown channel 'web'"):
        load_report_data("2026-10", url=sqlite_url, tz="UTC", channel="web")
    with pytest.raises(NotFound, match="known: Europe"):
        load_report_data("2026-10", url=sqlite_url, tz="UTC", segment="Asia")


def test_report_comparison_equals_metrics_compare_for_every_key() -> None:
    from commbook import metrics
    from commbook.metrics.catalog import Inputs

    members = _frame(MEMBERS, [(1, "2026-01-01", None, "member"), (2, "2026-09-03", None,
                                "member"), (3, "2026-01-01", "2026-10-20", "staff")])  # fmt: skip
    rows = [
        (1, "post", "2026-09-10 10:00", "forum", "t", "p1", "p1", None, False, "question"),
        (2, "reply", "2026-09-10 13:00", "forum", "t", "r1", "p1", "p1", True, None),
        (1, "post", "2026-10-05 10:00", "forum", "t", "p2", "p2", None, False, "question"),
        (3, "reply", "2026-10-05 11:30", "forum", "t", "r2", "p2", "p2", False, None),
        (2, "post", "2026-10-08 10:00", "forum", "t", "p3", "p3", None, False, "question"),
        (2, "reaction", "2026-10-09 10:00", "forum", "t", "x1", None, None, False, None),
    ]
    conversations = _frame(CONV, rows)
    activity = conversations[list(EVENTS)]
    content = _frame(
        CONTENT,
        [(1, "a", "poll", "forum", "2026-10-02", 100, None, 5, 2, 1),
         (2, "b", "video", "forum", "2026-09-02", None, 50, 1, 0, 0)],
    )  # fmt: skip
    data = _data(members=members, activity=activity, conversations=conversations, content=content)
    ours = sections.comparison(data).set_index("metric")
    keys = sections.ACTIVITY_KEYS + sections.CONVERSATION_KEYS + sections.CONTENT_KEYS
    assert list(ours.index) == list(keys)
    for frame, subset in (
        (Inputs(events=activity, members=members), sections.ACTIVITY_KEYS),
        (Inputs(events=conversations), sections.CONVERSATION_KEYS),
        (Inputs(content=content), sections.CONTENT_KEYS),
    ):
        theirs = metrics.compare(subset, frame, data.start, data.end, data.tz).set_index("metric")
        pd.testing.assert_frame_equal(ours.loc[list(subset)], theirs, check_dtype=False)
    assert ours.loc["answered_rate", "current"] == 50.0  # p2 answered, p3 not


def test_objective_values_from_loaded_frames_equal_progress(sqlite_url: str) -> None:
    from commbook import progress
    from commbook.planning import save_objective
    from commbook.reports.data import load_report_data
    from commbook.store import ActivityEvent, Member, session_scope

    with session_scope(sqlite_url) as s:
        people = [
            Member(source="t", source_id=f"m{i}", joined_at=ts("2026-01-01")) for i in range(4)
        ]
        s.add_all(people)
        s.flush()
        for n, day in enumerate(range(1, 29, 3)):
            s.add(ActivityEvent(source="t", source_id=f"e{n}", kind="post", thread_id=f"t{n}",
                                occurred_at=ts(f"2026-10-{day:02d} 10:00"),
                                member_id=people[n % 4].id))  # fmt: skip
    common = {"description": "", "start_date": dt.date(2026, 9, 1), "owner": "Ada",
              "due_date": dt.date(2026, 12, 31), "status": "active"}  # fmt: skip
    save_objective({**common, "title": "Actives", "metric": "weekly_active_members",
                    "baseline": 1, "target": 4, "direction": "increase", "unit": "members"},
                   url=sqlite_url)  # fmt: skip
    threads = {"title": "Threads", "metric": "threads", "baseline": 1, "target": 20,
               "direction": "increase", "unit": "threads"}  # fmt: skip
    save_objective({**common, **threads}, url=sqlite_url)
    data = load_report_data("2026-10", url=sqlite_url, tz="UTC", today=dt.date(2026, 12, 4))
    # judged on the day the data ends (the last event, 28 Oct), as the planning app does
    assert data.as_of == data.data_ends == dt.date(2026, 10, 28)
    expected = progress.current_values(data.objectives, sqlite_url, data.as_of)
    assert data.objective_values == pytest.approx(expected)
    assert all(v is not None for v in data.objective_values)


def test_workflow_section_shows_moderation_per_1000_posts_and_who_answers() -> None:
    members = _frame(MEMBERS, [(1, "2026-01-01", None, "member"), (2, "2026-01-01", None,
                                "member")])  # fmt: skip
    roles = pd.DataFrame({"member_id": [1, 2, 3], "role": ["member", "member", "staff"]})
    rows = [  # member, kind, when, channel, source, id, thread, parent, accepted, category
        (1, "post", "2026-10-02 10:00", "forum", "t", "q1", "q1", None, False, "question"),
        (2, "reply", "2026-10-02 11:00", "forum", "t", "r1", "q1", "q1", False, None),
        (2, "post", "2026-10-03 10:00", "forum", "t", "q2", "q2", None, False, "support"),
        (3, "reply", "2026-11-04 10:00", "forum", "t", "r2", "q2", "q2", False, None),
        (1, "post", "2026-10-05 10:00", "forum", "t", "d1", "d1", None, False, "discussion"),
        (2, "post", "2026-10-06 10:00", "forum", "t", "q3", "q3", None, False, "question"),
        (1, "post", "2026-09-06 10:00", "forum", "t", "q0", "q0", None, False, "question"),
    ]
    conversations = _frame(CONV, rows)
    activity = conversations[list(EVENTS)]
    triage = _frame(TRIAGE, [(1, "abuse", "high", "closed", "forum", 2, "2026-10-02 12:00",
                              "2026-10-02 12:30", "2026-10-02 13:00", None, True)])  # fmt: skip
    moderation = pd.DataFrame(
        {
            "at": pd.to_datetime(["2026-10-02 12:30", "2026-10-02 12:31", "2026-09-20 10:00"],
                                 utc=True),
            "action": ["warn", "hide", "ban"],
            "channel": ["forum"] * 3,
            "member_id": pd.array([2, 2, 2], dtype="Int64"),
        }
    )  # fmt: skip
    data = _data(members=members, activity=activity, conversations=conversations,
                 triage=triage, moderation=moderation, member_roles=roles)  # fmt: skip
    s = sections.workflow_section(data, POLICY)
    # October: 2 actions (the ban was in September) over 5 posts and replies written in
    # October (q1, r1, q2, d1, q3; r2 came in November) → 400 per 1,000
    assert (s.facts["moderation"], s.facts["posts"]) == (2, 5)
    assert s.facts["moderation_rate"] == pytest.approx(400.0)
    assert s.facts["by_action"].to_dict() == {"hide": 1, "warn": 1}
    # questions asked in October: q1 (answered by member 2), q2 (answered by staff 3 in
    # November — the role comes from member_roles, 3 is not in the members frame), q3
    # (unanswered); d1 is a discussion, q0 was in September
    answers = s.facts["answers"]
    assert (answers.questions, answers.answered, answers.by_community, answers.by_staff) == (
        3, 2, 1, 1)  # fmt: skip
    text = " ".join(p.data for p in s.parts if isinstance(getattr(p, "data", None), str))
    assert "Moderation per 1,000 posts" in text and "400.0" in text
    assert "2 moderation actions in the period: 1 hide, 1 warn." in text
    assert (
        "Of the 3 threads asking a question, 2 got an answer from a known member: 1 first from "
        "community members, 1 from staff" in text
    )
    assert "Answered by the community" in text and "50%" in text
    # without member_roles, members decide: 3 is unknown there, so counted as community
    plain = sections.workflow_section(replace(data, member_roles=None), POLICY)
    assert plain.facts["answers"].by_community == 2


def test_csat_is_a_share_only_with_enough_answers() -> None:
    from commbook.feedback import csat
    from commbook.reports.sections.feedback import csat_sentence

    few = csat_sentence(csat([5, 4, 2, 1, 3]), "November 2026")
    assert few == (
        "Support satisfaction (CSAT) in November 2026: 2 of 5 answers were satisfied — too "
        "few answers (under 10) for a percentage."
    )
    enough = csat_sentence(csat([5] * 8 + [1, 2]), "November 2026")
    assert enough.startswith("Support satisfaction (CSAT) in November 2026: 80% satisfied")
    assert "10 answers" in enough


def test_closed_loop_rule_needs_enough_resolved_items() -> None:
    assert lessons.closed_loop_rule(0.2, 9) is None
    assert lessons.closed_loop_rule(0.2, 10) is not None


def test_escalation_levels_read_as_words() -> None:
    from commbook.reports.sections.workflow import escalation_name

    assert [escalation_name(x) for x in ("pr", "team_lead", "legal", "new_level")] == [
        "PR", "the team lead", "legal", "new level"]  # fmt: skip


def test_segments_without_a_rule_are_named_and_the_way_to_size_them_said() -> None:
    from commbook.reports.sections.audience import unsized_sentence

    assert unsized_sentence([]).startswith("No audience segment is defined yet")
    text = unsized_sentence(["Newcomers", "Core contributors", "EU makers", "Lurkers", "Staff"])
    assert text.startswith(
        "5 audience segments are described (Newcomers, Core contributors, EU makers, Lurkers "
        "and 1 more), but they have no member rule yet"
    )
    assert "1 audience segment is described (Newcomers), but it has" in unsized_sentence(
        ["Newcomers"]
    )


def test_period_names_for_a_day_and_across_years() -> None:
    utc = dt.UTC
    assert sections.period_name(ts("2026-12-03"), ts("2026-12-04"), utc) == "3 Dec 2026"
    assert (
        sections.period_name(ts("2025-08-01"), ts("2026-02-01"), utc) == "1 Aug 2025 – 31 Jan 2026"
    )
    assert sections.period_name(ts("2026-09-01"), ts("2026-10-01"), utc) == "September 2026"
