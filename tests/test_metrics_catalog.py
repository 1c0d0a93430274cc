"""The metric catalog, period-over-period comparison and the headline dictionary."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_metrics_conversations import EVENTS as FORUM

from commbook import metrics
from commbook.errors import ValidationError
from commbook.metrics.catalog import HIGHER, LOWER, Inputs, value


def events(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": pd.array([r[0] for r in rows], dtype="Int64"),
            "kind": [r[1] for r in rows],
            "occurred_at": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )


def test_catalog_lists_what_planning_needs_with_directions() -> None:
    for key in (
        "weekly_active_members",
        "median_first_response_hours",
        "nps",
        "stickiness",
        "contribution_rate",
        "answered_rate",
    ):
        entry = metrics.CATALOG[key]
        assert entry.key == key and entry.label and entry.unit and entry.description
    assert metrics.CATALOG["median_first_response_hours"].direction == LOWER
    assert metrics.CATALOG["answered_rate"].direction == HIGHER
    assert (metrics.CATALOG["nps"].minimum, metrics.CATALOG["nps"].maximum) == (-100, 100)
    assert all(m.direction in (HIGHER, LOWER) for m in metrics.CATALOG.values())


def test_catalog_values_for_a_window() -> None:
    inputs = Inputs(
        events=FORUM,
        responses=pd.DataFrame(
            {
                "submitted_at": pd.to_datetime(
                    ["2026-10-02T10:00Z"] * 4 + ["2026-09-01T10:00Z"], utc=True
                ),
                "score": [10, 9, 0, 7, 0],
                "survey_kind": ["nps"] * 4 + ["nps"],
            }
        ),
    )
    window = ("2026-10-01", "2026-10-08")
    assert value("answered_rate", inputs, *window) == pytest.approx(50.0)  # percent
    assert value("median_first_response_hours", inputs, *window) == pytest.approx(6.5)
    assert value("threads", inputs, *window) == 4
    # 2 promoters, 1 detractor of 4 (the September 0 is outside the window)
    assert value("nps", inputs, *window) == pytest.approx(25.0)
    # active in the window: members 1, 2, 3, 4, 5 (post p4), 6 (reaction) → contributors 1..5
    assert value("contribution_rate", inputs, *window) == pytest.approx(100 * 5 / 6)
    with pytest.raises(ValidationError, match="needs the members frame"):
        value("members", inputs, *window)
    with pytest.raises(ValidationError, match="unknown metric"):
        value("karma", inputs, *window)


def test_weekly_active_members_value_is_the_average_trailing_week() -> None:
    frame = events([(1, "post", "2026-10-01T10:00Z"), (2, "post", "2026-10-02T10:00Z")])
    # 1 Oct: {1}; 2 Oct: {1, 2}
    got = value("weekly_active_members", Inputs(events=frame), "2026-10-01", "2026-10-03")
    assert got == pytest.approx(1.5)


def test_previous_window_steps_back_by_calendar_units() -> None:
    prev = metrics.previous_window("2026-10-01", "2026-11-01", "Europe/Paris")
    assert [str(t) for t in prev] == ["2026-09-01 00:00:00+02:00", "2026-10-01 00:00:00+02:00"]
    q3 = metrics.previous_window("2026-10-01", "2027-01-01", "UTC")
    assert q3[0] == pd.Timestamp("2026-07-01", tz="UTC")
    # the week after the DST change in Paris steps back 7 local days, not 168 hours
    week = metrics.previous_window("2026-10-26", "2026-11-02", "Europe/Paris")
    assert str(week[0]) == "2026-10-19 00:00:00+02:00"


COMPARE = events(
    [
        (1, "post", "2026-09-03T10:00Z"),
        (2, "post", "2026-09-20T10:00Z"),  # after 15 Sep noon: outside the elapsed window
        (1, "post", "2026-10-02T10:00Z"),
        (3, "post", "2026-10-05T10:00Z"),
        (4, "post", "2026-10-20T10:00Z"),  # after "now"
    ]
)


def test_compare_partial_period_uses_the_same_elapsed_time() -> None:
    inputs = Inputs(events=COMPARE)
    out = metrics.compare(
        ["active_members"], inputs, "2026-10-01", "2026-11-01", as_of="2026-10-15T12:00"
    )
    row = out.iloc[0]
    assert bool(row["partial"]) is True
    assert str(row["previous_start"]) == "2026-09-01 00:00:00+00:00"
    assert str(row["previous_end"]) == "2026-09-15 12:00:00+00:00"
    assert str(row["current_end"]) == "2026-10-15 12:00:00+00:00"
    assert (row["current"], row["previous"]) == (2, 1)  # {1, 3} vs {1}
    assert (row["change"], row["change_pct"], row["verdict"]) == (1, 100.0, "better")
    assert row["current_days"] == row["previous_days"] == 14.5


def test_compare_whole_periods_and_lower_is_better() -> None:
    out = metrics.compare(["active_members"], Inputs(events=COMPARE), "2026-10-01", "2026-11-01")
    assert (out.iloc[0]["current"], out.iloc[0]["previous"]) == (3, 2)
    assert not out.iloc[0]["partial"]
    assert (out.iloc[0]["current_days"], out.iloc[0]["previous_days"]) == (31, 30)
    forum = Inputs(events=FORUM)
    slower = metrics.compare(["median_first_response_hours"], forum, "2026-10-01", "2026-10-08")
    # previous week (24 Sep – 1 Oct): thread p0 (30 Sep 08:00) first answered 1 Oct 08:00,
    # 24 h; this week's median is 6.5 h: faster, which is better
    assert slower.iloc[0]["previous"] == pytest.approx(24.0)
    assert slower.iloc[0]["verdict"] == "better"
    with pytest.raises(ValidationError, match="as_of"):
        metrics.compare(["threads"], forum, "2026-10-01", "2026-10-08", as_of="2026-09-01")


def test_headline_keys_and_values() -> None:
    people = pd.DataFrame(
        {
            "member_id": pd.array([1, 2, 3], dtype="Int64"),
            "joined_at": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-10-20"], utc=True),
            "left_at": pd.to_datetime([None, None, None], utc=True),
        }
    )
    content = pd.DataFrame(
        {
            "content_type": ["poll", "poll"],
            "published_at": pd.to_datetime(["2026-10-02T10:00Z", "2026-11-02T10:00Z"], utc=True),
            "reach": [100, 100],
            "views": [None, None],
            "likes": [5, 50],
            "comments": [5, 50],
            "shares": [0, 0],
        }
    )
    out = metrics.headline(FORUM, people, content, "2026-10-01", "2026-10-08")
    assert list(out) == _KEYS
    assert out["members"] == 2  # member 3 joins later
    assert out["active_members"] == 6
    assert out["threads"] == 4
    assert out["answered_rate"] == pytest.approx(0.5)
    assert out["accepted_rate"] == pytest.approx(0.25)
    assert out["median_first_response_hours"] == pytest.approx(6.5)
    assert out["p90_first_response_hours"] == pytest.approx(9.3)
    assert out["contribution_rate"] == pytest.approx(5 / 6)
    assert out["engagement_by_type"] == [
        {
            "content_type": "poll",
            "items": 1,
            "reach": 100,
            "interactions": 10,
            "engagement_rate": 0.1,
        }
    ]
    empty = metrics.headline(FORUM, people, content, "2027-01-01", "2027-01-02")
    assert empty["answered_rate"] is None and empty["stickiness"] is None
    daily = metrics.daily_active(FORUM, "2026-10-01", "2026-10-08")
    assert math.isclose(out["dau"] * 7, daily["dau"].sum())


_KEYS = [
    "members",
    "active_members",
    "dau",
    "wau",
    "mau",
    "stickiness",
    "contribution_rate",
    "threads",
    "answered_rate",
    "accepted_rate",
    "median_first_response_hours",
    "p90_first_response_hours",
    "engagement_by_type",
]
