"""Any day: the clock, the data's last day, default periods, and a sample set that moves
with today — so no surface shows an empty month as a 100 % drop."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, copy_sample_db
from sqlalchemy import select

from commbook import clock, metrics
from commbook.cli import main
from commbook.config import Settings
from commbook.errors import CommbookError
from commbook.metrics.catalog import Inputs
from commbook.reports import sections
from commbook.reports.data import load_report_data
from commbook.reports.sections.comparison import compared_names
from commbook.samples import load_samples

SAMPLES = ROOT / "data" / "samples"
SAMPLE_END = dt.date(2026, 10, 31)  # the committed files' last event day
TODAY = dt.date(2026, 12, 4)


@pytest.fixture
def sample_url(sample_db: Path, tmp_path: Path) -> str:
    return copy_sample_db(sample_db, tmp_path / "store")


# --- the clock -----------------------------------------------------------------------------


def test_commbook_today_fixes_the_clock_and_a_bad_value_is_one_clear_line() -> None:
    settings = Settings.from_env({"COMMBOOK_HOME": "/tmp", "COMMBOOK_TODAY": "2031-02-28"})
    assert settings.today == dt.date(2031, 2, 28)
    assert Settings.from_env({"COMMBOOK_HOME": "/tmp"}).today is None
    with pytest.raises(CommbookError, match="COMMBOOK_TODAY: '28/02/2031' is not a date"):
        Settings.from_env({"COMMBOOK_HOME": "/tmp", "COMMBOOK_TODAY": "28/02/2031"})


def test_a_relative_period_without_data_moves_back_to_the_data_and_says_so() -> None:
    moved = clock.choose_period("last_month", on=TODAY, tz="UTC", ends=SAMPLE_END)
    assert (moved.asked.label, moved.period.label, moved.moved) == ("2026-11", "2026-10", True)
    assert moved.notes == ["November 2026 has no data yet, so this shows October 2026."]
    # an absolute period is what was asked for, with the data's end said at the top
    asked = clock.choose_period("2026-11", on=TODAY, tz="UTC", ends=SAMPLE_END)
    assert (asked.period.label, asked.moved) == ("2026-11", False)
    assert asked.notes == [
        "Data ends 31 Oct 2026 — the last import: nothing is known yet about November 2026."
    ]
    # covered in part: stays, and the note says which days the figures cover
    part = clock.choose_period("this_quarter", on=TODAY, tz="UTC", ends=SAMPLE_END)
    assert part.period.label == "2026-Q4" and not part.moved
    assert "cover 1 Oct 2026 – 31 Oct 2026 only" in part.notes[0]
    # data up to date: nothing to say
    fine = clock.choose_period("last_month", on=TODAY, tz="UTC", ends=dt.date(2026, 12, 3))
    assert (fine.period.label, fine.notes) == ("2026-11", [])


def test_data_ends_is_the_latest_event_day_in_the_timezone(sample_url: str) -> None:
    assert clock.data_ends(sample_url, "UTC") == SAMPLE_END
    assert clock.as_of(sample_url, on=TODAY, tz="UTC") == SAMPLE_END
    assert clock.as_of(sample_url, on=dt.date(2026, 10, 2), tz="UTC") == dt.date(2026, 10, 2)


# --- the sample set moves with today -------------------------------------------------------


def _triage_delays(url: str) -> pd.Series:
    from commbook.store import TriageItem, session_scope

    with session_scope(url) as s:
        rows = s.execute(
            select(TriageItem.source_id, TriageItem.received_at, TriageItem.first_response_at)
        ).all()
    frame = pd.DataFrame(rows, columns=["id", "received", "first"]).set_index("id").sort_index()
    return frame["first"] - frame["received"]


def test_samples_load_moves_every_date_so_the_data_ends_on_the_day_asked(
    sample_url: str, sqlite_url: str
) -> None:
    from commbook.store import Objective, Survey, session_scope

    ends = dt.date(2027, 3, 15)
    results = load_samples(SAMPLES, sqlite_url, ends=ends)
    assert clock.data_ends(sqlite_url, "UTC") == ends
    shift = (ends - SAMPLE_END).days
    # durations, ids and counts are the committed set's
    pd.testing.assert_series_equal(_triage_delays(sqlite_url), _triage_delays(sample_url))
    assert {r.kind: r.inserted for r in results}["events"] == 30_219
    with session_scope(sqlite_url) as s:
        names = dict(s.execute(select(Survey.source_id, Survey.name)).all())
        due = s.scalars(select(Objective.due_date).order_by(Objective.title)).all()
    with session_scope(sample_url) as s:
        due_before = s.scalars(select(Objective.due_date).order_by(Objective.title)).all()
    assert names["nps1"] == "Quarterly NPS 2026-03"  # opened 15 Nov 2025 + 135 days: 30 Mar
    assert [d - b for d, b in zip(due, due_before, strict=True)] == [dt.timedelta(shift)] * 4
    # the same day again changes nothing
    again = load_samples(SAMPLES, sqlite_url, ends=ends)
    assert all(r.inserted == r.updated == 0 for r in again)


def test_cli_samples_load_ends_yesterday_by_default_or_as_is(cb_env: dict[str, str]) -> None:
    runner = CliRunner()
    env = {"COMMBOOK_TODAY": "2027-01-10"}
    out = runner.invoke(main, ["samples", "load", str(SAMPLES)], env=env)
    assert out.exit_code == 0, out.output
    assert "sample dates moved 70 days later, so the data ends on 9 Jan 2027" in out.output
    url = cb_env["COMMBOOK_DATABASE_URL"]
    assert clock.data_ends(url, "UTC") == dt.date(2027, 1, 9)
    skipped = runner.invoke(main, ["samples", "load", "--if-empty"], env=env)
    assert "its data ends on 9 Jan 2027" in skipped.output
    out = runner.invoke(main, ["samples", "load", str(SAMPLES), "--as-is"], env=env)
    assert out.exit_code == 0 and clock.data_ends(url, "UTC") == SAMPLE_END
    both = runner.invoke(main, ["samples", "load", "--as-is", "--ends", "2027-01-01"])
    assert both.exit_code == 1 and "choose --ends or --as-is, not both" in both.output


# --- the report on a store whose data stops before today -----------------------------------


def _text(report: sections.Report, key: str) -> str:
    """The words a reader sees in a section (markup and styles left out)."""
    page = " ".join(getattr(p, "data", "") or "" for p in report.section(key).parts)
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_report_on_an_empty_month_says_the_data_ends_and_claims_no_drop(sample_url: str) -> None:
    data = load_report_data("2026-11", url=sample_url, tz="UTC", today=TODAY)
    assert (data.has_data, data.data_ends, data.as_of) == (False, SAMPLE_END, SAMPLE_END)
    report = sections.build_report(data)
    summary = _text(report, "summary")
    assert "Data ends 31 Oct 2026 — the last import" in summary
    assert "100%" not in summary and "fell by" not in summary
    compared = sections.comparison(data)
    assert compared["current"].isna().all() and compared["verdict"].isna().all()
    # no lesson about a period without data: only what the objectives say
    assert {x.area for x in report.section("lessons").facts["lessons"]} <= {"Objectives"}
    assert "Objectives judged on 31 Oct 2026" in summary
    # no section states a zero it cannot know
    for key in ("engagement", "content", "audience", "workflow"):
        words = _text(report, key)
        assert "Nothing is known yet about November 2026" in words, key
        for claim in ("No member was active", "No content was published", "Items received"):
            assert claim not in words, (key, claim)


def test_default_report_period_is_the_last_month_with_data(sample_url: str) -> None:
    data = load_report_data("last_month", url=sample_url, tz="UTC", today=TODAY)
    assert data.period.label == "2026-10" and data.has_data and data.known_until is None
    assert data.notes == ("November 2026 has no data yet, so this shows October 2026.",)


def test_a_partly_covered_period_compares_the_same_days(sample_url: str) -> None:
    data = load_report_data("2026-Q4", url=sample_url, tz="UTC", today=TODAY)
    cut = pd.Timestamp("2026-11-01", tz="UTC")
    assert data.known_until == cut
    ours = sections.comparison(data).set_index("metric")
    assert ours["partial"].all()
    for frame, keys in (
        (Inputs(events=data.activity, members=data.members), sections.ACTIVITY_KEYS),
        (Inputs(events=data.conversations), sections.CONVERSATION_KEYS),
        (Inputs(content=data.content), sections.CONTENT_KEYS),
    ):
        theirs = metrics.compare(keys, frame, data.start, data.end, data.tz, as_of=cut)
        pd.testing.assert_frame_equal(
            ours.loc[list(keys)], theirs.set_index("metric"), check_dtype=False
        )
    names = compared_names(data, sections.comparison(data))
    assert names == ("October 2026", "July 2026")  # the same 31 days of each quarter
    retention = sections.build_report(data).section("audience").facts["complete_retention"]
    october = retention[retention["cohort"] == "2026-10"].iloc[0]
    assert not math.isnan(october[0]) and math.isnan(october[1])  # November is not known


def test_this_month_without_data_moves_to_the_month_the_data_ends_in() -> None:
    moved = clock.choose_period("this_month", on=TODAY, tz="UTC", ends=dt.date(2026, 10, 20))
    assert moved.period.label == "2026-10"
    assert "cover 1 Oct 2026 – 20 Oct 2026 only" in moved.notes[1]


# --- the dashboard on the same store ------------------------------------------------------


def test_dashboard_opens_on_the_data_and_compares_the_days_it_covers(
    sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commbook import dashboard
    from commbook.widgets.dashboard import DashboardApp

    monkeypatch.setenv("COMMBOOK_TODAY", TODAY.isoformat())
    monkeypatch.setenv("COMMBOOK_TIMEZONE", "UTC")
    choice = dashboard.choose_period("last_month", "UTC", url=sample_url)
    assert (choice.period.label, choice.moved) == ("2026-10", True)
    last30 = dashboard.choose_period("last_30_days", "UTC", url=sample_url)
    assert (last30.period.first_day, last30.period.last_day) == (
        dt.date(2026, 10, 2),
        SAMPLE_END,
    )
    app = DashboardApp(sample_url)
    context = app.context.value
    assert "October 2026" in context and "November 2026 has no data yet" in context
    assert "Answers to the period&#x27;s threads count until 30 Nov 2026" in context
    assert "100" not in app.tiles.value.split("Active members")[1][:200]  # no −100 % drop
    # the quarter the data ends in: compared over the same days, with the library's numbers
    app.preset.value = "this_quarter"
    assert "2026" in app.context.value and "Data ends 31 Oct 2026" in app.context.value
    partial = dashboard.kpis(app.filtered, as_of=app._as_of())
    data = load_report_data("2026-Q4", url=sample_url, tz="UTC", today=TODAY)
    report = sections.comparison(data).set_index("metric")
    shared = [tile for tile in partial if tile.key in report.index]
    assert len(shared) >= 6 and all(tile.partial for tile in shared)
    for tile in shared:
        row = report.loc[tile.key]
        assert (tile.value, tile.previous) == pytest.approx(
            (row["current"], row["previous"]), nan_ok=True
        ), tile.key


def test_weeks_the_period_covers_in_part_are_drawn_lighter_with_their_days() -> None:
    from commbook import charts
    from commbook.reports.sections._common import week_days

    weekly = pd.DataFrame(
        {
            "week_start": pd.to_datetime(["2026-10-26", "2026-11-02", "2026-11-30"]).tz_localize(
                "UTC"
            ),
            "active_members": [39, 113, 52],
        }
    )
    days = week_days(
        weekly["week_start"],
        pd.Timestamp("2026-11-01", tz="UTC"),
        pd.Timestamp("2026-12-01", tz="UTC"),
    )
    assert days == [1, 7, 1]
    spec = charts.weekly_active_chart(weekly, days).to_dict()
    labels = [row["week"] for row in next(iter(spec["datasets"].values()))]
    assert labels == ["26 Oct (1 d)", "2 Nov", "30 Nov (1 d)"]
    assert "2 of the weeks are covered in part" in spec["description"]


def test_every_default_today_is_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from commbook.calendar.model import blank_item
    from commbook.planning import blank_objective
    from commbook.reports.periods import resolve_period

    monkeypatch.setenv("COMMBOOK_TODAY", "2031-03-15")
    assert clock.today() == dt.date(2031, 3, 15)
    assert clock.now("UTC") == dt.datetime(2031, 3, 15, 12, tzinfo=dt.UTC)
    assert resolve_period("last_month").label == "2031-02"
    assert blank_objective()["start_date"] == dt.date(2031, 3, 15)
    assert blank_item()["scheduled_date"] == dt.date(2031, 3, 16)  # tomorrow


@pytest.mark.parametrize(("spec", "today"), [("this_year", "2027-03-15"), ("2027", "2027-12-20"),
                                             ("2027-06", "2027-07-20")])  # fmt: skip
def test_a_period_long_after_the_data_builds_every_section(
    sample_url: str, spec: str, today: str
) -> None:
    """Data ends 31 Oct 2026: a report for a period months later says so, and never fails."""
    data = load_report_data(spec, url=sample_url, tz="UTC", today=dt.date.fromisoformat(today))
    report = sections.build_report(data)
    assert "Data ends 31 Oct 2026" in _text(report, "summary")
    retention = report.section("audience").facts["retention"]
    assert list(retention["cohort"])[-1] == "2026-10"  # the last months the data knows


def test_unanswered_lesson_says_so_far_only_while_answers_can_still_come(sample_url: str) -> None:
    def unanswered(spec: str) -> list[str]:
        data = load_report_data(spec, url=sample_url, tz="UTC", today=TODAY)
        found = sections.build_report(data).section("lessons").facts["lessons"]
        return [x.finding for x in found if "got no reply" in x.finding]

    settled = unanswered("2025-12")  # answers counted until 30 Jan 2026: long passed
    assert settled and not any(" by " in f for f in settled)
    recent = unanswered("2026-10")  # cut-off 30 Nov, data ends 31 Oct: answers so far
    assert all(f.endswith("by 31 Oct 2026.") for f in recent)


def test_samples_end_yesterday_in_the_teams_timezone(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files' last event is 23:54 UTC: in Paris that is already the next day, so the
    shift is counted on Paris days (else the data would end today there)."""
    monkeypatch.setenv("COMMBOOK_TIMEZONE", "Europe/Paris")
    load_samples(SAMPLES, sqlite_url, ends=dt.date(2027, 3, 15))
    assert clock.data_ends(sqlite_url, "Europe/Paris") == dt.date(2027, 3, 15)


def test_a_note_for_last_month_lands_on_the_report_last_month_shows(
    sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commbook.reports import notes

    monkeypatch.setenv("COMMBOOK_TODAY", TODAY.isoformat())
    monkeypatch.setenv("COMMBOOK_TIMEZONE", "UTC")
    note = notes.add_note("last_month", "Hackathon week", author="Ada", url=sample_url)
    assert note.period == "2026-10"  # November has no data yet: the report shows October
    data = load_report_data("last_month", url=sample_url, tz="UTC", today=TODAY)
    assert ("Ada", "Hackathon week") in notes.notes_for(data.period.label, sample_url)


def test_triage_that_goes_on_after_the_posts_is_shown_and_post_counts_are_unknown(
    sample_url: str,
) -> None:
    from commbook.store import TriageItem, session_scope

    with session_scope(sample_url) as s:
        s.add(TriageItem(source="t", source_id="late-1", category="support", summary="Help",
                         received_at=dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC)))  # fmt: skip
    data = load_report_data("2026-11", url=sample_url, tz="UTC", today=TODAY)
    workflow = sections.build_report(data).section("workflow")
    assert workflow.facts["received"] == 1
    words = _text(sections.build_report(data), "workflow")
    assert "posts are known until 31 Oct 2026" in words
    assert "0 actions, 0 posts" not in words and "answered questions" not in words


def test_data_ending_on_the_first_day_names_one_day() -> None:
    one = clock.choose_period("2026-12", on=TODAY, tz="UTC", ends=dt.date(2026, 12, 1))
    assert "cover 1 Dec 2026 only" in one.notes[0]


def test_an_nps_wave_that_began_before_the_window_is_read_whole(sqlite_url: str) -> None:
    from commbook.store import Survey, SurveyResponse, session_scope

    load_samples(SAMPLES, sqlite_url, ends=dt.date(2026, 3, 14))  # a wave spans New Year
    data = load_report_data(
        "this_year", url=sqlite_url, tz="UTC", today=dt.date(2026, 3, 15)
    )  # twelve months of responses from 1 Jan 2026
    waves = sections.build_report(data).section("feedback").facts["nps_waves"]
    first = waves.iloc[0]
    with session_scope(sqlite_url) as s:
        answers = s.query(SurveyResponse).join(Survey).filter(Survey.name == first["survey"])
        scored = answers.filter(SurveyResponse.score.is_not(None)).count()
    assert first["label"] == "Dec 2025"  # it began before the window…
    assert first["n"] == scored  # …and is read whole, not only its part after 1 Jan
    assert data.responses["submitted_at"].min() >= pd.Timestamp("2026-01-01", tz="UTC")
