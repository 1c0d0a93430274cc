"""Objective progress: every status and direction, hand-computed; current values from the store."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pytest

from commbook import planning, progress
from commbook.progress import objective_progress
from commbook.store import ActivityEvent, Member, Survey, SurveyResponse, session_scope

START, DUE = dt.date(2026, 1, 1), dt.date(2026, 12, 31)  # 364 days
HALFWAY = dt.date(2026, 7, 2)  # day 182 of 364: 50 % of the time has passed


@dataclass
class Obj:
    baseline: float
    target: float
    direction: str = "increase"
    metric: str = "manual"
    start_date: dt.date = START
    due_date: dt.date = DUE
    current_value: float | None = None


@pytest.mark.parametrize(
    ("value", "status", "percent"),
    [
        (150, "on_track", 50),  # exactly on the line
        (141, "on_track", 41),  # 9 points behind: within 10
        (139, "at_risk", 39),  # 11 points behind
        (126, "at_risk", 26),  # 24 points behind: within 25
        (124, "off_track", 24),  # 26 points behind
        (90, "off_track", -10),  # worse than the baseline
        (200, "achieved", 100),
        (230, "achieved", 130),
    ],
)
def test_increase_halfway(value: float, status: str, percent: float) -> None:
    p = objective_progress(Obj(100, 200), value, HALFWAY)
    assert p.status == status
    assert p.percent == pytest.approx(percent)
    assert (p.expected, p.expected_value) == (pytest.approx(50), pytest.approx(150))


@pytest.mark.parametrize(
    ("value", "status", "percent"),
    [
        (15, "on_track", 50),  # 20 → 10: halfway down
        (17, "at_risk", 30),  # 20 points behind
        (18, "off_track", 20),  # 30 points behind
        (10, "achieved", 100),
        (8, "achieved", 120),
    ],
)
def test_decrease_halfway(value: float, status: str, percent: float) -> None:
    p = objective_progress(Obj(20, 10, "decrease"), value, HALFWAY)
    assert (p.status, p.percent) == (status, pytest.approx(percent))
    assert p.expected_value == pytest.approx(15)


def test_missed_when_past_due_and_not_reached_achieved_when_reached() -> None:
    after = dt.date(2027, 1, 5)
    assert objective_progress(Obj(100, 200), 199, after).status == "missed"
    assert objective_progress(Obj(100, 200), 200, after).status == "achieved"
    assert objective_progress(Obj(20, 10, "decrease"), 11, after).status == "missed"
    # on the due day itself it is not missed yet, but 100 % is expected
    on_due = objective_progress(Obj(100, 200), 180, DUE)
    assert (on_due.status, on_due.expected) == ("at_risk", 100)


@pytest.mark.parametrize(
    ("value", "today", "status"),
    [
        (50, HALFWAY, "on_track"),
        (52.5, HALFWAY, "on_track"),  # band: 5 % of 50 = 2.5
        (46, HALFWAY, "at_risk"),  # 4 off: within twice the band
        (55.1, HALFWAY, "off_track"),
        (51, DUE, "achieved"),
        (53, dt.date(2027, 2, 1), "missed"),
    ],
)
def test_maintain_uses_a_tolerance_band(value: float, today: dt.date, status: str) -> None:
    p = objective_progress(Obj(50, 50, "maintain"), value, today)
    assert p.status == status and p.percent is None and p.expected_value == 50


def test_no_value_is_no_data_and_before_the_start_nothing_is_expected() -> None:
    assert objective_progress(Obj(100, 200), None, HALFWAY).status == "no_data"
    assert objective_progress(Obj(100, 200), math.nan, HALFWAY).label == "No data"
    early = objective_progress(Obj(100, 200), 100, dt.date(2025, 12, 1))
    assert (early.status, early.expected, early.percent) == ("on_track", 0, 0)


def test_recent_window_is_the_last_28_days_or_91_for_nps() -> None:
    obj = Obj(1, 2, metric="new_members")
    assert progress.recent_window(obj, dt.date(2026, 3, 31)) == (
        dt.date(2026, 3, 4),
        dt.date(2026, 3, 31),
    )
    assert progress.recent_window(obj, dt.date(2026, 1, 10)) == (START, dt.date(2026, 1, 10))
    assert progress.recent_window(obj, dt.date(2027, 3, 1))[1] == DUE  # stops at the due date
    assert progress.recent_window(obj, dt.date(2025, 12, 1)) is None
    nps = progress.recent_window(Obj(1, 2, metric="nps"), dt.date(2026, 6, 30))
    assert nps == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


def test_current_values_come_from_the_catalog_or_the_form(sqlite_url: str) -> None:
    def at(day: str) -> dt.datetime:
        return dt.datetime.fromisoformat(f"{day}T10:00:00+00:00")

    with session_scope(sqlite_url) as s:
        for i, day in enumerate(["2026-02-01", "2026-03-05", "2026-03-20"]):
            s.add(Member(source="t", source_id=str(i), joined_at=at(day)))
        survey = Survey(source="t", source_id="n", name="NPS", kind="nps")
        other = Survey(source="t", source_id="c", name="CSAT", kind="csat", scale_max=5)
        s.add_all([survey, other])
        s.flush()
        scores = [(survey, 10), (survey, 9), (survey, 3), (survey, 7), (other, 1)]
        for i, (sv, score) in enumerate(scores):
            s.add(
                SurveyResponse(
                    survey_id=sv.id, source_id=str(i), submitted_at=at("2026-03-10"), score=score
                )
            )
    objectives = [
        Obj(0, 5, metric="new_members"),  # joined 03-04 … 03-31: two members
        Obj(0, 50, metric="nps"),  # 2 promoters, 1 detractor of 4: +25 (CSAT ignored)
        Obj(0, 6, metric="manual", current_value=4),
        Obj(0, 6, metric="manual"),
        Obj(0, 80, metric="karma_points"),  # not in the catalog (e.g. an old import)
        Obj(0, 5, metric="new_members", start_date=dt.date(2026, 6, 1)),  # not started
    ]
    as_of = dt.date(2026, 3, 31)
    # without activity data reaching the window, nothing counts as measured
    before = progress.current_values(objectives, sqlite_url, as_of)
    assert before == [None, None, 4, None, None, None]
    with session_scope(sqlite_url) as s:
        s.add(ActivityEvent(source="t", source_id="e", kind="view", occurred_at=at("2026-03-30")))
    values = progress.current_values(objectives, sqlite_url, as_of)
    assert values == [2, pytest.approx(25), 4, None, None, None]


def test_planning_metrics_are_the_catalog_plus_manual() -> None:
    from commbook.metrics.catalog import CATALOG

    assert list(planning.METRICS) == ["manual", *CATALOG]
    assert planning.METRICS["nps"].minimum == -100


def test_sample_objectives_use_catalog_metrics() -> None:
    import csv

    from commbook.config import PROJECT_ROOT
    from commbook.metrics.catalog import CATALOG

    with (PROJECT_ROOT / "data" / "samples" / "objectives.csv").open() as f:
        metrics = {row["metric"] for row in csv.DictReader(f)}
    assert sorted(metrics - set(CATALOG)) == []
