"""Conversation metrics (threads, answers, response times) against a hand-built forum."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from commbook import metrics
from commbook.errors import ValidationError

COLUMNS = [
    "source_id", "kind", "occurred_at", "member_id", "thread_id", "parent_id",
    "is_accepted", "category", "channel",
]  # fmt: skip
ROWS = [
    # T1 by member 1: a self-reply, a comment by 2, the accepted answer by 3, a chain
    ("p1", "post", "2026-10-01T10:00Z", 1, "p1", None, None, "question", "forum"),
    ("r1", "reply", "2026-10-01T10:30Z", 1, "p1", "p1", False, None, "forum"),  # own: no
    ("c1", "comment", "2026-10-01T11:00Z", 2, "p1", "p1", None, None, "forum"),  # touch 1 h
    ("r2", "reply", "2026-10-01T13:00Z", 3, "p1", "p1", True, None, "forum"),  # response 3 h
    ("c2", "comment", "2026-10-01T14:00Z", 1, "p1", "r2", None, None, "forum"),  # depth 2
    ("r3", "reply", "2026-10-01T15:00Z", 2, "p1", "c2", False, None, "forum"),  # depth 3
    ("r5", "reply", "2026-10-10T09:00Z", 4, "p1", "p1", False, None, "forum"),  # after end
    # T2 by member 2: only a comment (touched, not answered)
    ("p2", "post", "2026-10-02T12:00Z", 2, "p2", None, None, "support", "chat"),
    ("c3", "comment", "2026-10-02T13:00Z", 4, "p2", "p2", None, None, "chat"),
    # T3 by an anonymous author, answered by an anonymous reply: someone else
    ("p3", "post", "2026-10-03T09:00Z", None, "p3", None, None, "support", "chat"),
    ("r4", "reply", "2026-10-03T19:00Z", None, "p3", "p3", False, None, "chat"),
    # T4: nobody responds
    ("p4", "post", "2026-10-04T08:00Z", 5, "p4", None, None, "question", "forum"),
    # T0 started before the window: not a thread of the period
    ("p0", "post", "2026-09-30T08:00Z", 5, "p0", None, None, "question", "forum"),
    ("r0", "reply", "2026-10-01T08:00Z", 1, "p0", "p0", False, None, "forum"),
    ("x1", "reaction", "2026-10-01T12:00Z", 6, "p1", "p1", None, None, "forum"),  # ignored
]
EVENTS = pd.DataFrame(ROWS, columns=COLUMNS).assign(
    occurred_at=lambda f: pd.to_datetime(f["occurred_at"], utc=True),
    member_id=lambda f: pd.array(f["member_id"], dtype="Int64"),
    is_accepted=lambda f: pd.array(f["is_accepted"], dtype="boolean"),
)
WINDOW = ("2026-10-01", "2026-10-08")


def test_threads_table_by_hand() -> None:
    table = metrics.threads(EVENTS, *WINDOW)
    assert table["thread_id"].tolist() == ["p1", "p2", "p3", "p4"]
    assert table["replies"].tolist() == [4, 0, 1, 0]
    assert table["comments"].tolist() == [2, 1, 0, 0]
    assert table["depth"].tolist() == [3, 1, 1, 0]
    hours = table["first_response_hours"]
    assert (hours.iloc[0], hours.iloc[2]) == (3.0, 10.0)
    assert hours.isna().tolist() == [False, True, False, True]
    assert table["first_touch_hours"].tolist()[:3] == [1.0, 1.0, 10.0]
    assert table["answered"].tolist() == [True, False, True, False]
    assert table["unanswered"].tolist() == [False, False, False, True]
    assert table["accepted"].tolist() == [True, False, False, False]
    assert str(table["first_response_at"].iloc[0]) == "2026-10-01 13:00:00+00:00"
    assert table["category"].tolist() == ["question", "support", "support", "question"]


def test_conversation_summary_by_hand() -> None:
    out = metrics.conversation_summary(metrics.threads(EVENTS, *WINDOW))
    assert out["threads"] == 4
    assert out["replies_per_thread"] == pytest.approx(5 / 4)
    assert out["max_depth"] == 3
    assert out["answered_rate"] == pytest.approx(0.5)
    assert out["accepted_rate"] == pytest.approx(0.25)
    assert out["unanswered_rate"] == pytest.approx(0.25)
    # first responses [3, 10] h: median 6.5, p90 = 3 + 0.9 · 7
    assert out["median_first_response_hours"] == pytest.approx(6.5)
    assert out["p90_first_response_hours"] == pytest.approx(9.3)
    # first touches [1, 1, 10]: median 1, p90 at rank 1.8 → 1 + 0.8 · 9
    assert out["median_first_touch_hours"] == pytest.approx(1.0)
    assert out["p90_first_touch_hours"] == pytest.approx(8.2)


def test_response_times_by_category_and_channel() -> None:
    table = metrics.threads(EVENTS, *WINDOW)
    out = metrics.response_times(table, "category").set_index("category")
    assert out.loc["question", "threads"] == 2
    assert out.loc["question", "answered_rate"] == pytest.approx(0.5)
    assert out.loc["question", "accepted_rate"] == pytest.approx(0.5)
    assert out.loc["question", "median_first_response_hours"] == pytest.approx(3.0)
    assert out.loc["support", "median_first_response_hours"] == pytest.approx(10.0)
    assert out.loc["support", "median_first_touch_hours"] == pytest.approx(5.5)
    assert out.loc["support", "unanswered_rate"] == 0
    both = metrics.response_times(table, ["channel", "category"])
    assert both[["channel", "category"]].values.tolist() == [
        ["chat", "support"],
        ["forum", "question"],
    ]


def test_responder_roles_restrict_who_counts() -> None:
    people = pd.DataFrame(
        {"member_id": pd.array([1, 2, 3, 4], dtype="Int64"), "role": ["member"] * 2 + ["staff"] * 2}
    )
    table = metrics.threads(EVENTS, *WINDOW, members=people, responder_roles=["staff"])
    # T1 answered by staff member 3; T3's anonymous reply is not staff
    assert table["answered"].tolist() == [True, False, False, False]
    with pytest.raises(ValidationError, match="members"):
        metrics.threads(EVENTS, *WINDOW, responder_roles=["staff"])


def test_late_answers_count_only_if_the_frame_has_them() -> None:
    early = EVENTS[EVENTS["occurred_at"] < pd.Timestamp("2026-10-08", tz="UTC")]
    assert metrics.threads(early, *WINDOW)["replies"].tolist() == [3, 0, 1, 0]


def test_ids_are_matched_within_their_source() -> None:
    two = pd.concat([EVENTS.assign(source="a"), EVENTS.assign(source="b")], ignore_index=True)
    table = metrics.threads(two, *WINDOW)
    assert len(table) == 8
    assert table["replies"].tolist() == [4, 0, 1, 0] * 2
    assert table["depth"].tolist() == [3, 1, 1, 0] * 2


def test_accepted_is_unknown_without_the_column_and_loops_do_not_hang() -> None:
    out = metrics.conversation_summary(metrics.threads(EVENTS.drop(columns="is_accepted")))
    assert math.isnan(out["accepted_rate"])
    looping = EVENTS.copy()
    looping.loc[looping["source_id"] == "r2", "parent_id"] = "r3"  # r2 → r3 → c2 → r2
    assert metrics.threads(looping, *WINDOW)["depth"].iloc[0] >= 1


def test_no_threads_gives_nan_rates() -> None:
    out = metrics.conversation_summary(metrics.threads(EVENTS, "2026-11-01", "2026-11-02"))
    assert out["threads"] == 0
    assert math.isnan(out["answered_rate"]) and math.isnan(out["median_first_response_hours"])
    with pytest.raises(ValidationError) as err:
        metrics.threads(EVENTS.drop(columns="parent_id"))
    assert err.value.field == "parent_id"


def test_answers_count_until_the_cut_off_after_the_period_end() -> None:
    """A reply 30 days after the window's end still counts; one a second later does not."""
    start, end = pd.Timestamp("2026-10-01", tz="UTC"), pd.Timestamp("2026-10-05", tz="UTC")
    cutoff = metrics.answers_counted_until(end)
    assert cutoff == end + pd.Timedelta(days=metrics.FOLLOW_UP_DAYS)
    base = EVENTS[EVENTS["source_id"].isin(["p4"])]
    for at, answered in ((cutoff - pd.Timedelta(seconds=1), True), (cutoff, False)):
        late = pd.DataFrame(
            [("r9", "reply", at, 7, "p4", "p4", False, None, "forum")], columns=COLUMNS
        )
        frame = pd.concat([base, late], ignore_index=True)
        assert metrics.threads(frame, start, end)["answered"].tolist() == [answered]
        # no cut-off asked for: every answer the frame has counts
        assert metrics.threads(frame, start, end, follow_up_days=None)["answered"].all()
    assert metrics.answers_counted_until(None) is None


def test_the_cut_off_is_local_midnight_across_a_dst_change() -> None:
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    end = pd.Timestamp("2026-03-01", tz=paris)  # February's end; summer time starts 29 Mar
    assert metrics.answers_counted_until(end) == pd.Timestamp("2026-03-31", tz=paris)
    october = pd.Timestamp("2026-10-01", tz=paris)  # winter time from 25 Oct
    assert metrics.answers_counted_until(october) == pd.Timestamp("2026-10-31", tz=paris)
