"""Loading frames from the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from commbook import frames, metrics
from commbook.errors import ValidationError
from commbook.store import ActivityEvent, Channel, ContentItem, Member, session_scope

UTC = dt.UTC


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def seeded(store_url: str) -> str:
    with session_scope(store_url) as s:
        forum = Channel(key="forum", name="Forum")
        s.add(forum)
        s.flush()
        ana = Member(source="t", source_id="ana", joined_at=_t("2026-01-05T00:00:00+00:00"))
        bob = Member(
            source="t",
            source_id="bob",
            joined_at=_t("2026-02-01T00:00:00+00:00"),
            left_at=_t("2026-09-20T00:00:00+00:00"),  # left before October
        )
        cy = Member(source="t", source_id="cy", joined_at=_t("2026-10-10T00:00:00+00:00"))
        dee = Member(source="t", source_id="dee", joined_at=_t("2026-11-03T00:00:00+00:00"))
        s.add_all([ana, bob, cy, dee])
        s.flush()
        for sid, kind, at, member, channel in [
            ("e1", "post", "2026-09-30T23:59:59+00:00", ana, forum),  # just before
            ("e2", "post", "2026-10-01T00:00:00+00:00", ana, forum),  # start is inclusive
            ("e3", "reply", "2026-10-15T12:00:00+02:00", cy, None),  # no channel
            ("e4", "view", "2026-10-31T23:59:59+00:00", None, forum),  # anonymous
            ("e5", "post", "2026-11-01T00:00:00+00:00", cy, forum),  # end is exclusive
        ]:
            s.add(
                ActivityEvent(
                    source="t",
                    source_id=sid,
                    kind=kind,
                    occurred_at=_t(at),
                    member_id=member.id if member else None,
                    channel_id=channel.id if channel else None,
                )
            )
        s.add_all(
            [
                ContentItem(
                    source_id="c1",
                    title="Video",
                    content_type="video",
                    channel_id=forum.id,
                    status="published",
                    published_at=_t("2026-10-03T09:00:00+00:00"),
                    reach=1000,
                    likes=50,
                    comments=10,
                    shares=5,
                ),
                ContentItem(
                    source_id="c2",
                    title="Poll",
                    content_type="poll",
                    status="published",
                    published_at=_t("2026-10-20T09:00:00+00:00"),
                    views=300,
                    likes=30,
                ),
                ContentItem(source_id="c3", title="Idea", content_type="article"),
                ContentItem(
                    source_id="c4",
                    title="September",
                    content_type="article",
                    published_at=_t("2026-09-03T09:00:00+00:00"),
                ),
            ]
        )
    return store_url


OCT = ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00")


def test_load_events_reads_the_period_with_channel_keys(seeded: str) -> None:
    events = frames.load_events(seeded, *OCT)
    assert list(events.columns) == ["event_id", "member_id", "kind", "occurred_at", "channel"]
    assert events["kind"].tolist() == ["post", "reply", "view"]
    assert isinstance(events["occurred_at"].dtype, pd.DatetimeTZDtype)
    assert str(events["occurred_at"].dt.tz) == "UTC"
    assert events["occurred_at"].iloc[1] == pd.Timestamp("2026-10-15T10:00:00Z")
    assert events["channel"].iloc[0] == "forum"
    assert pd.isna(events["channel"].iloc[1])
    assert events["member_id"].dtype == "Int64"
    assert pd.isna(events["member_id"].iloc[2])


def test_load_events_selected_columns_and_unknown_column(seeded: str) -> None:
    events = frames.load_events(seeded, columns=["kind", "occurred_at"])
    assert list(events.columns) == ["kind", "occurred_at"]
    assert len(events) == 5  # no bounds: everything
    with pytest.raises(ValidationError) as err:
        frames.load_events(seeded, columns=["kind", "password"])
    assert err.value.field == "password"


def test_naive_bounds_are_read_in_the_configured_timezone(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMBOOK_TIMEZONE", "Europe/Paris")
    # Paris October = 2026-09-30T22:00Z .. 2026-10-31T23:00Z: e1 in, e4 and e5 out
    events = frames.load_events(seeded, "2026-10-01", "2026-11-01", columns=["event_id", "kind"])
    assert len(events) == 3
    assert events["kind"].tolist() == ["post", "post", "reply"]


def test_empty_period_keeps_dtypes_and_metrics_accept_it(seeded: str) -> None:
    events = frames.load_events(seeded, "2020-01-01T00:00:00+00:00", "2020-02-01T00:00:00+00:00")
    assert events.empty
    assert isinstance(events["occurred_at"].dtype, pd.DatetimeTZDtype)
    assert metrics.active_members(events) == 0
    weekly = metrics.weekly_active_members(events, "2020-01-06", "2020-01-20")
    assert weekly["active_members"].tolist() == [0, 0]


def test_load_content_published_in_period(seeded: str) -> None:
    content = frames.load_content(seeded, *OCT)
    assert content["title"].tolist() == ["Video", "Poll"]
    assert content["channel"].iloc[0] == "forum"
    assert content["reach"].dtype == "Int64"
    assert pd.isna(content["reach"].iloc[1])
    assert str(content["published_at"].dt.tz) == "UTC"
    rates = metrics.engagement_by_type(content).set_index("content_type")["engagement_rate"]
    assert rates["poll"] == pytest.approx(30 / 300)
    assert rates["video"] == pytest.approx(65 / 1000)
    assert len(frames.load_content(seeded)) == 4  # unbounded: calendar ideas too


def test_load_members_who_belonged_during_the_period(seeded: str) -> None:
    members = frames.load_members(seeded, *OCT)
    # bob left in September, dee joined in November
    ids = frames.load_members(seeded, columns=["member_id", "source_id"])
    names = dict(zip(ids["member_id"], ids["source_id"], strict=True))
    assert sorted(names[m] for m in members["member_id"]) == ["ana", "cy"]
    assert metrics.member_count(members, OCT[1]) == 2
    assert metrics.new_members(members, *OCT) == 1


def test_inverted_or_bad_bounds_are_refused(seeded: str) -> None:
    with pytest.raises(ValidationError, match="must be after"):
        frames.load_events(seeded, OCT[1], OCT[0])
    with pytest.raises(ValidationError) as err:
        frames.load_content(seeded, "last tuesday")
    assert err.value.field == "start"
