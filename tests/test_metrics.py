"""Metrics against small examples computed by hand (numbers written out in each test)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from commbook import metrics
from commbook.errors import ValidationError


def _events(rows: list[tuple[int | None, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": pd.array([r[0] for r in rows], dtype="Int64"),
            "kind": [r[1] for r in rows],
            "occurred_at": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )


# Weeks (Monday starts) and what each event means in Paris vs UTC:
EVENTS = _events(
    [
        (
            7,
            "post",
            "2026-09-27T22:30:00Z",
        ),  # Paris: Mon 28 Sep 00:30 (in); UTC: Sun 27 (before start)
        (2, "reply", "2026-10-01T10:00:00Z"),  # week of 28 Sep in both
        (2, "comment", "2026-10-02T10:00:00Z"),  # same member, same week: counted once
        (1, "post", "2026-10-04T22:30:00Z"),  # Paris: Mon 5 Oct 00:30; UTC: Sun 4 Oct
        (5, "post", "2026-10-06T12:00:00Z"),  # week of 5 Oct in both
        (3, "view", "2026-10-06T12:00:00Z"),  # views do not make a member active
        (None, "reaction", "2026-10-07T12:00:00Z"),  # anonymous: never counted
        (3, "share", "2026-10-18T21:59:00Z"),  # Paris: Sun 18 Oct 23:59 → week of 12 Oct
        (4, "reaction", "2026-10-18T22:30:00Z"),  # Paris: Mon 19 Oct 00:30; UTC: Sun 18 Oct
        (6, "post", "2026-11-02T00:30:00Z"),  # after the end in both
    ]
)


def test_weekly_active_members_uses_local_weeks_across_sunday_monday_boundary() -> None:
    weekly = metrics.weekly_active_members(
        EVENTS, start="2026-09-28", end="2026-11-02", tz="Europe/Paris"
    )
    assert list(weekly.columns) == ["week_start", "active_members"]
    assert weekly["week_start"].tolist() == [
        pd.Timestamp("2026-09-28 00:00", tz="Europe/Paris"),
        pd.Timestamp("2026-10-05 00:00", tz="Europe/Paris"),
        pd.Timestamp("2026-10-12 00:00", tz="Europe/Paris"),
        pd.Timestamp("2026-10-19 00:00", tz="Europe/Paris"),
        pd.Timestamp("2026-10-26 00:00", tz="Europe/Paris"),  # after the DST change: +01:00
    ]
    assert str(weekly["week_start"].iloc[-1]) == "2026-10-26 00:00:00+01:00"
    # 28 Sep: members 7, 2 · 5 Oct: 1, 5 · 12 Oct: 3 · 19 Oct: 4 · 26 Oct: nobody
    assert weekly["active_members"].tolist() == [2, 2, 1, 1, 0]


def test_weekly_active_members_in_utc_moves_the_boundary_events() -> None:
    weekly = metrics.weekly_active_members(EVENTS, start="2026-09-28", end="2026-11-02", tz="UTC")
    assert weekly["week_start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-09-28",
        "2026-10-05",
        "2026-10-12",
        "2026-10-19",
        "2026-10-26",
    ]
    # 28 Sep: 2, 1 (member 7 is before the start) · 5 Oct: 5 · 12 Oct: 3, 4 · then zeros
    assert weekly["active_members"].tolist() == [2, 1, 2, 0, 0]


def test_weekly_active_members_without_bounds_spans_the_data() -> None:
    weekly = metrics.weekly_active_members(EVENTS.iloc[1:5], tz="UTC")  # 1 Oct to 6 Oct
    assert weekly["week_start"].dt.strftime("%Y-%m-%d").tolist() == ["2026-09-28", "2026-10-05"]
    assert weekly["active_members"].tolist() == [2, 1]  # members 2, 1 · member 5


def test_weekly_active_members_with_no_events_lists_zero_weeks() -> None:
    weekly = metrics.weekly_active_members(
        EVENTS.iloc[:0], start="2026-10-01", end="2026-10-15", tz="UTC"
    )
    # 1 Oct is a Thursday: weeks of 28 Sep, 5 Oct and 12 Oct overlap the range
    assert weekly["active_members"].tolist() == [0, 0, 0]
    assert metrics.weekly_active_members(EVENTS.iloc[:0]).empty


def test_metrics_name_the_missing_column() -> None:
    with pytest.raises(ValidationError) as err:
        metrics.weekly_active_members(EVENTS.drop(columns="kind"))
    assert err.value.field == "kind"
    assert "events" in str(err.value) and "'kind'" in str(err.value)


def test_naive_timestamps_are_refused() -> None:
    naive = EVENTS.assign(occurred_at=EVENTS["occurred_at"].dt.tz_localize(None))
    with pytest.raises(ValidationError, match="timezone-aware") as err:
        metrics.active_members(naive)
    assert err.value.field == "occurred_at"


def test_bad_timezone_and_inverted_range_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown timezone"):
        metrics.weekly_active_members(EVENTS, tz="Mars/Olympus")
    with pytest.raises(ValidationError, match="must be after"):
        metrics.weekly_active_members(EVENTS, start="2026-10-10", end="2026-10-01")


def test_active_members_and_event_count() -> None:
    # active kinds by members 7, 2, 1, 5, 3 (share), 4, 6 → 7 distinct; member 3's view
    # alone would not count, the anonymous reaction never does
    assert metrics.active_members(EVENTS) == 7
    assert metrics.active_members(EVENTS.iloc[5:7]) == 0  # a view and an anonymous reaction
    assert metrics.event_count(EVENTS, "post") == 4
    assert metrics.event_count(EVENTS, "join") == 0


def test_member_count_and_new_members() -> None:
    members = pd.DataFrame(
        {
            "joined_at": pd.to_datetime(
                [
                    "2026-01-01T00:00Z",
                    "2026-10-10T00:00Z",
                    "2026-03-01T00:00Z",
                    None,
                    "2026-11-05T00:00Z",
                ],
                utc=True,
            ),
            "left_at": pd.to_datetime([None, None, "2026-10-15T00:00Z", None, None], utc=True),
        }
    )
    # at 1 Nov: #1, #2 and #4 (join date unknown); #3 left, #5 not yet joined
    assert metrics.member_count(members, "2026-11-01") == 3
    # at 1 Oct: #1, #3, #4
    assert metrics.member_count(members, "2026-10-01") == 3
    assert metrics.new_members(members, "2026-10-01", "2026-11-01") == 1
    with pytest.raises(ValidationError) as err:
        metrics.member_count(members.drop(columns="left_at"), "2026-11-01")
    assert err.value.field == "left_at"


def test_engagement_by_type_hand_computed() -> None:
    content = pd.DataFrame(
        {
            "content_type": ["video", "video", "video", "poll", "article"],
            "reach": [1000, None, None, 200, None],
            "views": [None, 500, None, 900, None],
            "likes": [50, 20, 10, 30, 3],
            "comments": [10, None, 0, 6, 1],
            "shares": [5, 5, 0, 0, 0],
        }
    )
    out = metrics.engagement_by_type(content)
    assert list(out.columns) == [
        "content_type",
        "items",
        "reach",
        "interactions",
        "engagement_rate",
    ]
    # poll: 36 / 200 (reach wins over views) = 0.18
    # video: interactions 65 + 25 + 10 = 100; rate counts only items with an audience:
    #        (65 + 25) / (1000 reach + 500 views) = 0.06
    # article: 4 interactions, no reach nor views → rate unknown, sorted last
    assert out["content_type"].tolist() == ["poll", "video", "article"]
    assert out["items"].tolist() == [1, 3, 1]
    assert out["reach"].tolist() == [200, 1000, pd.NA]
    assert out["interactions"].tolist() == [36, 100, 4]
    assert out["engagement_rate"].iloc[0] == pytest.approx(0.18)
    assert out["engagement_rate"].iloc[1] == pytest.approx(0.06)
    assert math.isnan(out["engagement_rate"].iloc[2])


def test_engagement_by_type_validates_columns_and_handles_empty() -> None:
    with pytest.raises(ValidationError) as err:
        metrics.engagement_by_type(pd.DataFrame({"content_type": ["video"], "reach": [1]}))
    assert err.value.field == "views"
    empty = pd.DataFrame(
        {c: [] for c in ["content_type", "reach", "views", "likes", "comments", "shares"]}
    )
    assert metrics.engagement_by_type(empty).empty
