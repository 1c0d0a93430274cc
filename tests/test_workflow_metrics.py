"""Workflow metrics, each checked against numbers worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from commbook.errors import ValidationError
from commbook.metrics.workflow import (
    as_of,
    backlog,
    backlog_size,
    closed_loop_rate,
    community_answer_share,
    escalation_volume,
    response_times,
)
from commbook.triage.sla import parse_sla

POLICY = parse_sla({"defaults": {"normal": {"first_response": "4h", "resolution": "1d"}}})
AT = "2025-03-10 00:00"


def ts(values: list[str | None]) -> pd.DatetimeIndex:
    return pd.to_datetime(values, utc=True)


@pytest.fixture
def items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "category": ["support", "support", "support", "support", "abuse", "support",
                         "support"],
            "urgency": ["normal"] * 7,
            "status": ["resolved", "closed", "new", "triaged", "closed", "new", "in_progress"],
            "received_at": ts(["2025-03-01 00:00", "2025-03-02 00:00", "2025-03-09 22:00",
                               "2025-03-05 00:00", "2025-03-01 00:00", "2025-03-11 00:00",
                               "2025-03-08 00:00"]),
            "first_response_at": ts(["2025-03-01 02:00", "2025-03-02 06:00", None, None,
                                     "2025-03-01 01:00", None, "2025-03-10 06:00"]),
            "resolved_at": ts(["2025-03-01 12:00", "2025-03-03 06:00", None, None,
                               "2025-03-01 03:00", None, None]),
            "escalation_level": [None, "team_lead", None, "", "legal", None, "team_lead"],
            "closed_loop": [True, False, True, False, True, None, False],
            "owner": ["ana", "ana", None, "bo", "bo", None, "ana"],
        },
        index=[f"i{k}" for k in range(1, 8)],
    )  # fmt: skip


def test_as_of_drops_later_items_and_blanks_later_events(items: pd.DataFrame) -> None:
    seen = as_of(items, AT)
    assert "i6" not in seen.index and len(seen) == 6
    assert pd.isna(seen.loc["i7", "first_response_at"])  # answered after AT


def test_response_times_by_category(items: pd.DataFrame) -> None:
    out = response_times(items, AT, POLICY).set_index("category")
    support, abuse, every = out.loc["support"], out.loc["abuse"], out.loc["all"]
    assert (support["items"], support["responded"], support["resolved"]) == (5, 2, 2)
    assert support["first_response_median_h"] == pytest.approx(4.0)  # 2h and 6h
    assert support["first_response_p90_h"] == pytest.approx(5.6)  # 2 + 0.9 × 4
    # in time: i1; decided: i1, i2 (late), i4 and i7 (running past due); i3 not yet due
    assert support["first_response_within_sla"] == pytest.approx(1 / 4)
    assert support["resolution_median_h"] == pytest.approx(21.0)  # 12h and 30h
    assert support["resolution_p90_h"] == pytest.approx(28.2)
    assert support["resolution_within_sla"] == pytest.approx(1 / 4)
    assert abuse["first_response_median_h"] == 1.0 and abuse["resolution_within_sla"] == 1.0
    assert every["items"] == 6
    assert every["first_response_median_h"] == pytest.approx(2.0)  # 1h, 2h, 6h
    assert every["first_response_p90_h"] == pytest.approx(5.2)  # 2 + 0.8 × 4
    assert every["resolution_p90_h"] == pytest.approx(26.4)  # 12 + 0.8 × 18
    assert every["first_response_within_sla"] == pytest.approx(2 / 5)


def test_backlog_by_age_bucket(items: pd.DataFrame) -> None:
    table = backlog(items, AT)
    # open at AT: i3 (2h old), i7 (2 days), i4 (5 days) — all support
    assert table.loc["support"].tolist() == [1, 1, 1, 0, 0, 3]
    assert table.loc["total", "total"] == 3
    assert list(table.columns) == ["<1d", "1-3d", "3-7d", "7-30d", "30d+", "total"]
    assert backlog_size(items, AT) == 3
    # at 06:00 on 1 March: i1 (resolved at 12:00) is open, i5 (resolved at 03:00) is not
    assert backlog_size(items, "2025-03-01 06:00") == 1


def test_backlog_bucket_edges_are_closed_on_the_left() -> None:
    frame = pd.DataFrame(
        {
            "category": ["feedback"] * 2,
            "received_at": ts(["2025-03-09 00:00", "2025-02-08 00:00"]),
            "resolved_at": ts([None, None]),
        }
    )
    table = backlog(frame, AT)  # ages: exactly 1 day, exactly 30 days
    assert table.loc["feedback", "1-3d"] == 1 and table.loc["feedback", "30d+"] == 1


def test_escalation_volume(items: pd.DataFrame) -> None:
    table = escalation_volume(items)
    assert table.loc["team_lead", "support"] == 2 and table.loc["legal", "abuse"] == 1
    assert table["total"].tolist() == [2, 1, 0, 0]  # team_lead, legal, pr, security
    assert table.loc["team_lead", "share"] == pytest.approx(2 / 7)


def test_closed_loop_rate(items: pd.DataFrame) -> None:
    # resolved: i1 (told), i2 (not told), i5 (told); unresolved i3 is ignored
    assert closed_loop_rate(items) == pytest.approx(2 / 3)
    assert pd.isna(closed_loop_rate(items[items["resolved_at"].isna()]))


def test_missing_columns_are_named(items: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match="items: missing column 'resolved_at'"):
        response_times(items.drop(columns=["resolved_at"]), AT, POLICY)
    with pytest.raises(ValidationError, match="missing column 'closed_loop'"):
        closed_loop_rate(items.drop(columns=["closed_loop"]))
    with pytest.raises(ValidationError, match="missing column 'escalation_level'"):
        escalation_volume(items.drop(columns=["escalation_level"]))


EVENTS = pd.DataFrame(
    {
        "kind": ["post", "reply", "reply", "reply", "post", "reply", "reply", "post",
                 "reaction", "post", "reply", "reply"],
        "member_id": ["m1", "m1", "s1", "m2", "m2", "m3", "s1", "m3", "m1", "m4", "mod1",
                      "m9"],
        "thread_id": ["t1", "t1", "t1", "t1", "t2", "t2", "t2", "t3", "t3", "t4", "t4", "t4"],
        "parent_id": [None, "t1", "t1", "t1", None, "t2", "t2", None, "t3", None, "t4", "t4"],
        "category": ["question", None, None, None, "question", None, None, "discussion",
                     None, "question", None, None],
        "occurred_at": ts(["2025-01-01 10:00", "2025-01-01 10:05", "2025-01-01 10:10",
                           "2025-01-01 10:20", "2025-01-01 11:00", "2025-01-01 11:30",
                           "2025-01-01 11:40", "2025-01-01 12:00", "2025-01-01 12:30",
                           "2025-01-01 13:00", "2025-01-01 13:10", "2025-01-01 13:10"]),
    }
)  # fmt: skip
MEMBERS = pd.DataFrame(
    {"member_id": ["m1", "m2", "m3", "m4", "s1", "mod1"],
     "role": ["member", "member", "member", "member", "staff", "moderator"]}
)  # fmt: skip


def test_community_answer_share() -> None:
    share = community_answer_share(EVENTS, MEMBERS)
    # t1: asker's own reply ignored, staff s1 first; t2: community m3 first; t3: no reply
    # (a reaction is not an answer); t4: tie at 13:10, 'm9' < 'mod1' → m9 (unknown →
    # community)
    assert (share.questions, share.answered, share.unanswered) == (4, 3, 1)
    assert (share.by_community, share.by_staff) == (2, 1)
    assert share.community_share == pytest.approx(2 / 3)
    assert share.staff_share == pytest.approx(1 / 3)
    only = community_answer_share(EVENTS, MEMBERS, question_categories=["question"])
    assert (only.questions, only.answered) == (3, 3)
    staff_only = community_answer_share(EVENTS, MEMBERS, staff_roles=("staff",))
    assert staff_only.by_staff == 1  # a moderator's answer never came first


def test_community_answer_share_validates_inputs() -> None:
    with pytest.raises(ValidationError, match="members: missing column 'role'"):
        community_answer_share(EVENTS, MEMBERS.drop(columns=["role"]))
    with pytest.raises(ValidationError, match="events: missing column 'thread_id'"):
        community_answer_share(EVENTS.drop(columns=["thread_id"]), MEMBERS)
    empty = community_answer_share(EVENTS.iloc[0:0], MEMBERS)
    assert empty.questions == 0 and pd.isna(empty.community_share)


# --- moderation, stale backlog and the workflow metrics of the catalog -------------------

MODERATION = pd.DataFrame(
    {
        "action": ["hide", "warn", "hide"],
        "at": ts(["2025-03-02 10:00", "2025-03-04 10:00", "2025-03-12 10:00"]),
    }
)
POSTS = pd.DataFrame(
    {
        "kind": ["post", "reply", "comment", "reaction", "post", "post"],
        "occurred_at": ts(["2025-03-01 09:00", "2025-03-01 10:00", "2025-03-03 10:00",
                           "2025-03-03 11:00", "2025-03-05 10:00", "2025-03-11 10:00"]),
    }
)  # fmt: skip


def test_moderation_per_1000_posts_counts_posts_replies_and_comments() -> None:
    from commbook.metrics.workflow import moderation_by_action, moderation_per_1000_posts

    # 3 actions over 5 posts, replies and comments (the reaction is not a post)
    assert moderation_per_1000_posts(MODERATION, POSTS) == pytest.approx(600.0)
    assert moderation_per_1000_posts(MODERATION, POSTS, post_kinds=("post",)) == 1000.0
    assert pd.isna(moderation_per_1000_posts(MODERATION, POSTS.iloc[0:0]))
    assert moderation_per_1000_posts(MODERATION.iloc[0:0], POSTS) == 0.0
    assert moderation_by_action(MODERATION).to_dict() == {"hide": 2, "warn": 1}
    assert list(moderation_by_action(MODERATION.iloc[::-1]).index) == ["hide", "warn"]
    with pytest.raises(ValidationError, match="action"):
        moderation_per_1000_posts(MODERATION.drop(columns=["action"]), POSTS)


def test_stale_backlog_counts_open_items_older_than_a_week(items: pd.DataFrame) -> None:
    from commbook.metrics.workflow import stale_backlog_size

    # open at AT: i3 (2 h old), i4 (5 days), i7 (2 days; answered later, not resolved)
    assert stale_backlog_size(items, AT) == 0
    assert stale_backlog_size(items, AT, older_than=pd.Timedelta(days=2)) == 2  # i4, i7
    assert stale_backlog_size(items, "2025-03-13 00:00") == 1  # i4 is 8 days old; i6 is new


def test_workflow_metrics_of_the_catalog_for_a_window(items: pd.DataFrame) -> None:
    from commbook.metrics.catalog import CATALOG, HIGHER, LOWER, Inputs, value

    members = pd.DataFrame({"member_id": [1, 2, 3], "role": ["member", "member", "staff"]})
    events = pd.DataFrame(
        {
            "kind": ["post", "reply", "post", "reply", "post", "reply", "post", "reply"],
            "member_id": [1, 2, 1, 3, 1, 2, 1, 3],
            "thread_id": ["q1", "q1", "q2", "q2", "d1", "d1", "q0", "q0"],
            "category": ["question", None, "support", None, "discussion", None, "question",
                         None],
            "occurred_at": ts(["2025-03-02 09:00", "2025-03-02 10:00", "2025-03-08 09:00",
                               "2025-03-12 09:00", "2025-03-03 09:00", "2025-03-03 10:00",
                               "2025-02-20 09:00", "2025-02-20 10:00"]),
        }
    )  # fmt: skip
    inputs = Inputs(triage=items, moderation=MODERATION, events=events, members=members)
    window = ("2025-03-01", "2025-03-10")
    assert value("open_backlog", inputs, *window) == 3  # i3, i4, i7 open on 10 Mar
    assert value("stale_backlog", inputs, *window) == 0
    assert value("stale_backlog", inputs, "2025-03-01", "2025-03-13") == 1  # i4
    # received in the window and escalated: i2 (team lead), i5 (legal), i7 (team lead);
    # i4's empty level is not an escalation, i6 came on 11 Mar
    assert value("escalations", inputs, *window) == 3
    # 2 actions (2 and 4 Mar; not 12 Mar) over the 5 posts and replies of the window
    # (q1 ×2, q2's post, d1 ×2; q2's reply came on 12 Mar) → 400 per 1,000
    assert value("moderation_per_1000_posts", inputs, *window) == pytest.approx(400.0)
    # questions asked in the window: q1 (answered by member 2) and q2 (support; answered
    # by staff on 12 Mar, after the window — late answers count); d1 is a discussion and
    # q0 was asked before → 1 of 2 by the community
    assert value("community_answer_share", inputs, *window) == pytest.approx(50.0)
    assert CATALOG["community_answer_share"].direction == HIGHER
    assert CATALOG["community_answer_share"].follow_up
    for key in ("open_backlog", "stale_backlog", "escalations", "moderation_per_1000_posts"):
        assert CATALOG[key].direction == LOWER
    with pytest.raises(ValidationError, match="needs the moderation frame"):
        value("moderation_per_1000_posts", Inputs(events=events), *window)
