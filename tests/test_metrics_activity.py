"""Activity, participation, retention and growth metrics against hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from commbook import metrics
from commbook.errors import ValidationError


def events(rows: list[tuple[int | None, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": pd.array([r[0] for r in rows], dtype="Int64"),
            "kind": [r[1] for r in rows],
            "occurred_at": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )


def members(rows: list[tuple[int, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": pd.array([r[0] for r in rows], dtype="Int64"),
            "joined_at": pd.to_datetime([r[1] for r in rows], utc=True),
            "left_at": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )


DAILY = events(
    [
        (3, "post", "2026-09-25T12:00Z"),  # before the window: only in trailing windows
        (1, "reply", "2026-10-01T09:00Z"),
        (1, "reaction", "2026-10-03T09:00Z"),
        (2, "comment", "2026-10-03T18:00Z"),
        (2, "share", "2026-10-03T19:00Z"),  # same member, same day: once
        (4, "view", "2026-10-04T10:00Z"),  # a view does not make anyone active
        (None, "post", "2026-10-04T10:00Z"),  # anonymous: never counted
        (5, "post", "2026-10-06T00:30Z"),  # after the end
    ]
)


def test_daily_active_counts_trailing_windows_by_hand() -> None:
    daily = metrics.daily_active(DAILY, "2026-10-01", "2026-10-06")
    assert list(daily.columns) == ["day", "dau", "wau", "mau", "stickiness"]
    assert daily["day"].dt.strftime("%m-%d").tolist() == [
        "10-01",
        "10-02",
        "10-03",
        "10-04",
        "10-05",
    ]
    # DAU: 1 Oct {1} · 3 Oct {1, 2}
    assert daily["dau"].tolist() == [1, 0, 2, 0, 0]
    # 7 days ending 1 Oct = 25 Sep..1 Oct: {3, 1}; ending 2 Oct: 26 Sep..: {1}; then {1, 2}
    assert daily["wau"].tolist() == [2, 1, 2, 2, 2]
    # 30 days: member 3 stays in the window all along
    assert daily["mau"].tolist() == [2, 2, 3, 3, 3]
    assert daily["stickiness"].tolist() == pytest.approx([0.5, 0, 2 / 3, 0, 0])


def test_activity_summary_averages_the_days() -> None:
    summary = metrics.activity_summary(DAILY, "2026-10-01", "2026-10-06")
    assert summary["active_members"] == 2  # members 1 and 2 inside the window
    assert summary["dau"] == pytest.approx(3 / 5)
    assert summary["wau"] == pytest.approx(9 / 5)
    assert summary["mau"] == pytest.approx(13 / 5)
    assert summary["stickiness"] == pytest.approx(3 / 13)


def test_daily_active_uses_local_days() -> None:
    late = events([(1, "post", "2026-10-01T22:30Z")])  # 2 Oct 00:30 in Paris (CEST)
    paris = metrics.daily_active(late, "2026-10-01", "2026-10-03", "Europe/Paris")
    assert paris["dau"].tolist() == [0, 1]
    assert str(paris["day"].iloc[1]) == "2026-10-02 00:00:00+02:00"
    utc = metrics.daily_active(late, "2026-10-01", "2026-10-03", "UTC")
    assert utc["dau"].tolist() == [1, 0]


def test_daily_active_matches_a_naive_count_on_random_data() -> None:
    rng = np.random.default_rng(3)
    n = 600
    frame = pd.DataFrame(
        {
            "member_id": pd.array(rng.integers(0, 40, n), dtype="Int64"),
            "kind": rng.choice(["post", "reply", "view", "reaction"], n),
            "occurred_at": pd.Timestamp("2026-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 90 * 24 * 60, n), unit="min"),
        }
    )
    daily = metrics.daily_active(frame, "2026-02-01", "2026-04-01", "America/New_York")
    local = frame.assign(day=frame["occurred_at"].dt.tz_convert("America/New_York").dt.date)
    active = local[local["kind"] != "view"]
    for row in daily.itertuples():
        day = row.day.date()
        for width, got in ((1, row.dau), (7, row.wau), (30, row.mau)):
            first = day - pd.Timedelta(days=width - 1)
            seen = active[(active["day"] >= first) & (active["day"] <= day)]
            assert got == seen["member_id"].nunique(), (day, width)


def test_daily_active_without_data_or_bounds_is_empty() -> None:
    assert metrics.daily_active(DAILY.iloc[:0]).empty
    assert metrics.daily_active(DAILY.iloc[:0], "2026-10-01", "2026-10-03")["dau"].tolist() == [
        0,
        0,
    ]


def test_new_vs_returning_by_join_week() -> None:
    frame = events(
        [
            (1, "post", "2026-10-01T10:00Z"),
            (2, "reply", "2026-10-03T10:00Z"),
            (2, "reply", "2026-10-06T10:00Z"),
            (5, "reaction", "2026-10-07T10:00Z"),  # not in the members frame: returning
        ]
    )
    people = members([(1, "2026-09-10T00:00Z", None), (2, "2026-10-02T00:00Z", None)])
    out = metrics.new_vs_returning(frame, people, "2026-09-28", "2026-10-12", freq="week")
    assert out["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2026-09-28", "2026-10-05"]
    assert out["active_members"].tolist() == [2, 2]
    assert out["new"].tolist() == [1, 0]  # member 2 joined in the week of 28 Sep
    assert out["returning"].tolist() == [1, 2]
    monthly = metrics.new_vs_returning(frame, people, "2026-10-01", "2026-11-01", freq="month")
    assert (monthly["new"].tolist(), monthly["returning"].tolist()) == ([1], [2])
    with pytest.raises(ValidationError, match="freq"):
        metrics.new_vs_returning(frame, people, freq="fortnight")


PARTICIPATION = events(
    [(1, "post", "2026-10-01T10:00Z")] * 6
    + [(1, "reply", "2026-10-02T10:00Z")] * 5  # member 1: 11 contributions on 2 days
    + [(m, "comment", "2026-10-03T10:00Z") for m in range(2, 11)]  # 9 members, one each
    + [(11, "reaction", "2026-10-04T10:00Z"), (11, "reaction", "2026-10-05T10:00Z")]
    + [(12, "share", "2026-10-04T10:00Z"), (13, "view", "2026-10-04T10:00Z")]
)


def test_contribution_rate_inequality_and_repeat_participation() -> None:
    # active: members 1..12 (13 only viewed); contributors: 1..10
    assert metrics.contribution_rate(PARTICIPATION) == pytest.approx(10 / 12)
    out = metrics.participation_inequality(PARTICIPATION)
    assert (out["contributors"], out["contributions"]) == (10, 20)
    # top 1 % and top 10 % of 10 contributors are both the single most active: 11 / 20
    assert out["top_1pct_share"] == pytest.approx(0.55)
    assert out["top_10pct_share"] == pytest.approx(0.55)
    # x ascending = [1]*9 + [11]: Σ(2i − 11)·x = −9 + 99 = 90; 90 / (10 · 20)
    assert out["gini"] == pytest.approx(0.45)
    # members 1 and 11 were active on two days, out of 12 active members
    assert metrics.repeat_participation(PARTICIPATION) == pytest.approx(2 / 12)
    assert metrics.contributions_per_member(PARTICIPATION).iloc[0] == 11


def test_participation_without_contributions_is_nan() -> None:
    quiet = PARTICIPATION[PARTICIPATION["kind"] == "view"]
    assert math.isnan(metrics.contribution_rate(quiet))
    out = metrics.participation_inequality(quiet)
    assert out["contributors"] == 0 and math.isnan(out["gini"])
    assert metrics.gini([5, 5, 5, 5]) == 0


def test_cohort_retention_by_join_month() -> None:
    people = members(
        [
            (1, "2026-01-15T10:00Z", None),
            (2, "2026-01-20T10:00Z", None),
            (3, "2026-02-03T10:00Z", None),
            (4, "2026-03-31T23:30Z", None),  # 1 April 01:30 in Paris
        ]
    )
    frame = events(
        [
            (1, "post", "2026-01-16T10:00Z"),
            (1, "reply", "2026-03-02T10:00Z"),
            (2, "reaction", "2026-02-10T10:00Z"),
            (3, "post", "2026-02-04T10:00Z"),
            (3, "post", "2026-03-04T10:00Z"),
        ]
    )
    out = metrics.cohort_retention(frame, people, end="2026-04-01", max_months=3)
    assert out["cohort"].tolist() == ["2026-01", "2026-02", "2026-03"]
    assert out["members"].tolist() == [2, 1, 1]
    table = out[[0, 1, 2, 3]].to_numpy()
    # January: month 0 member 1 · month 1 member 2 · month 2 member 1 · April not observed
    np.testing.assert_allclose(table[0], [0.5, 0.5, 0.5, np.nan])
    np.testing.assert_allclose(table[1], [1.0, 1.0, np.nan, np.nan])
    np.testing.assert_allclose(table[2], [0.0, np.nan, np.nan, np.nan])
    paris = metrics.cohort_retention(frame, people, end="2026-04-01", tz="Europe/Paris")
    assert paris["cohort"].tolist() == ["2026-01", "2026-02"]  # member 4 joins in April


GROWTH = members(
    [
        (1, "2026-09-15T00:00Z", "2026-10-25T00:00Z"),
        (2, "2026-10-02T00:00Z", None),
        (3, "2026-10-20T00:00Z", None),
        (4, "2026-11-05T00:00Z", None),
        (5, None, None),  # join date unknown: a member all along
        (6, "2026-10-03T00:00Z", "2026-10-09T00:00Z"),
    ]
)


def test_growth_joins_churn_and_members_at_end() -> None:
    out = metrics.growth(GROWTH, "2026-10-01", "2026-12-01", freq="month")
    assert out["period_start"].dt.strftime("%Y-%m-%d").tolist() == ["2026-10-01", "2026-11-01"]
    assert out["joins"].tolist() == [3, 1]  # 2, 3, 6 · 4
    assert out["churned"].tolist() == [2, 0]  # 1 and 6 left in October
    assert out["net_growth"].tolist() == [1, 1]
    assert out["members_at_end"].tolist() == [3, 4]  # {2, 3, 5} · {2, 3, 4, 5}
    assert out["members_at_end"].tolist()[-1] == metrics.member_count(GROWTH, "2026-12-01")
    assert metrics.churned_members(GROWTH, "2026-10-01", "2026-11-01") == 2
    assert metrics.net_growth(GROWTH, "2026-10-01", "2026-11-01") == 1
    weekly = metrics.growth(GROWTH, "2026-10-01", "2026-10-15", freq="week")
    # weeks of 28 Sep (cut to 1 Oct), 5 Oct, 12 Oct (cut to 14 Oct)
    assert weekly["joins"].tolist() == [2, 0, 0]
    assert weekly["churned"].tolist() == [0, 1, 0]


def test_lapsed_members_after_90_quiet_days() -> None:
    frame = events(
        [
            (1, "post", "2026-07-10T12:00Z"),  # +90 days = 8 Oct: lapses in October
            (2, "post", "2026-08-01T12:00Z"),
            (2, "post", "2026-09-15T12:00Z"),  # back: lapses 14 Dec
            (3, "post", "2026-06-01T12:00Z"),  # lapsed 30 Aug
        ]
    )
    assert metrics.lapsed_members(frame, "2026-10-01", "2026-11-01") == 1
    assert metrics.lapsed_members(frame, "2026-08-01", "2026-09-01") == 1
