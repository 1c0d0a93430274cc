"""Audience segments: validation naming the field, storage with locking, sizing by rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from commbook import segments
from commbook.errors import ConflictError, NotFound, ValidationError
from commbook.store import ActivityEvent, AuditEntry, Member, session_scope

AS_OF = pd.Timestamp("2026-10-31T12:00:00Z")


def _segment(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "EU makers",
        "description": "Hobbyists in Europe",
        "demographics": {"regions": "EU", "languages": "en, de", "age_bands": ["25-34"]},
        "needs": "Events at European times",
        "preferences": {"channels": "forum, events", "times_of_day": "Morning"},
        "behaviours": {"activity_level": "medium", "tenure": "any"},
        "rule": None,
    }
    values.update(changes)
    return values


# --- validation -------------------------------------------------------------------------


def test_lists_typed_as_text_are_split_trimmed_and_stored_compactly() -> None:
    stored = segments.validate_segment(_segment()).stored()
    assert stored["demographics"] == {
        "age_bands": ["25-34"],
        "regions": ["EU"],
        "languages": ["en", "de"],
    }
    assert stored["preferences"] == {"channels": ["forum", "events"], "times_of_day": ["morning"]}
    assert stored["rule"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Name is required"),
        ({"name": "x" * 121}, "name", "Name must be at most 120 characters"),
        (
            {"demographics": {"age_bands": "17-20"}},
            "demographics.age_bands",
            "Age bands: '17-20' not one of 18-24, 25-34, 35-44, 45-54, 55+",
        ),
        (
            {"demographics": {"languages": "pt_BR"}},
            "demographics.languages",
            "Languages: 'pt_BR' is not a language tag like en or pt-BR",
        ),
        ({"demographics": {"roles": "admin"}}, "demographics.roles", "Roles: 'admin' not one of"),
        (
            {"preferences": {"times_of_day": "noon"}},
            "preferences.times_of_day",
            "Times of day: 'noon' not one of morning",
        ),
        (
            {"behaviours": {"activity_level": "huge"}},
            "behaviours.activity_level",
            "Activity level must be one of: low, medium, high",
        ),
        (
            {"rule": {"active_within_days": "thirty"}},
            "rule.active_within_days",
            "Active in the last … days must be a whole number",
        ),
        (
            {"rule": {"active_within_days": 0}},
            "rule.active_within_days",
            "Active in the last … days must be at least 1",
        ),
        (
            {"rule": {"min_posts": 5}},
            "rule.posts_within_days",
            "Say over how many days the posts are counted",
        ),
        (
            {"rule": {"posts_within_days": 90}},
            "rule.posts_within_days",
            "Set the minimum number of posts too",
        ),
        (
            {"rule": {"tenure_min_days": 90, "tenure_max_days": 30}},
            "rule.tenure_max_days",
            "must be more than the minimum",
        ),
        ({"rule": {"code": "__import__('os')"}}, "rule.code", "Unknown field 'rule.code'"),
    ],
)
def test_invalid_values_name_the_field(changes: dict, field: str, message: str) -> None:
    with pytest.raises(segments.InvalidSegment) as err:
        segments.validate_segment(_segment(**changes))
    assert err.value.field == field
    assert message in err.value.reason


def test_every_problem_is_listed_in_form_order() -> None:
    with pytest.raises(segments.InvalidSegment) as err:
        segments.validate_segment(
            _segment(name="", rule={"min_posts": "x"}, demographics={"roles": "boss"})
        )
    assert [p.field for p in err.value.problems] == ["name", "demographics.roles", "rule.min_posts"]


def test_an_empty_rule_is_no_rule() -> None:
    rule = {"regions": "", "active_within_days": "", "min_posts": None}
    assert segments.validate_segment(_segment(rule=rule)).rule is None


def test_rule_reads_as_words() -> None:
    rule = segments.validate_rule(
        {"regions": "EU", "roles": "member", "min_posts": 5, "posts_within_days": 90}
    )
    assert rule.describe() == "region EU · role member · ≥ 5 posts in 90 days"


# --- storage ----------------------------------------------------------------------------


def test_create_edit_delete_with_version_checks_and_audit(store_url: str) -> None:
    created = segments.save_segment(_segment(), url=store_url, actor="ana")
    assert (created.version, created.demographics["regions"]) == (1, ["EU"])
    edited = segments.save_segment(
        _segment(rule={"regions": "EU", "active_within_days": 30}),
        id=created.id,
        version=1,
        url=store_url,
        actor="bob",
    )
    assert edited.version == 2 and edited.rule == {"regions": ["EU"], "active_within_days": 30}
    values = segments.segment_values(segments.get_segment(created.id, url=store_url))
    assert values["rule"]["active_within_days"] == 30 and values["rule"]["min_posts"] is None

    with pytest.raises(ConflictError, match="Someone else changed this segment"):
        segments.save_segment(_segment(needs="x"), id=created.id, version=1, url=store_url)
    with pytest.raises(ConflictError):
        segments.delete_segment(created.id, version=1, url=store_url)
    segments.delete_segment(created.id, version=2, url=store_url, actor="cy")
    with pytest.raises(NotFound):
        segments.get_segment(created.id, url=store_url)

    with session_scope(store_url) as s:
        log = [(e.actor, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        update = s.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert log == [("ana", "create"), ("bob", "update"), ("cy", "delete")]
    assert update.changes["rule"] == {
        "old": None,
        "new": {"regions": ["EU"], "active_within_days": 30},
    }


def test_names_are_unique(sqlite_url: str) -> None:
    segments.save_segment(_segment(), url=sqlite_url)
    other = segments.save_segment(_segment(name="Newcomers"), url=sqlite_url)
    with pytest.raises(ValidationError, match="A segment named “EU makers” already exists") as err:
        segments.save_segment(_segment(), url=sqlite_url)
    assert err.value.field == "name"
    with pytest.raises(ValidationError, match="already exists"):
        segments.save_segment(_segment(), id=other.id, version=1, url=sqlite_url)
    assert [s.name for s in segments.list_segments(sqlite_url)] == ["EU makers", "Newcomers"]


# --- sizing (pure, hand-computed) -------------------------------------------------------


def _ts(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text, tz="UTC")


@pytest.fixture
def community() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six members and their events, as of 2026-10-31 12:00 UTC.

    id region lang  role       joined      left        events (last 90 days)
    1  EU     en    member     2024-01-01  —           post 10-20, reply 10-25
    2  EU     de    member     2026-09-15  —           reaction 10-30 (active, no posts)
    3  EU     en    moderator  2025-01-01  —           posts ×5: 08-10 … 10-10 (every ~15 d)
    4  LATAM  pt-BR member     2026-08-20  —           post 09-01 (older than 30 days)
    5  EU     en    member     2025-05-01  2026-10-01  post 10-20 is after leaving → ignored
    6  NA     en    member     2026-11-15  —           joins after as_of → not counted
    """
    members = pd.DataFrame(
        {
            "member_id": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"),
            "joined_at": [
                _ts(d)
                for d in (
                    "2024-01-01",
                    "2026-09-15",
                    "2025-01-01",
                    "2026-08-20",
                    "2025-05-01",
                    "2026-11-15",
                )
            ],
            "left_at": [None, None, None, None, _ts("2026-10-01"), None],
            "region": ["EU", "EU", "EU", "LATAM", "EU", "NA"],
            "country": ["FR", "DE", "GB", "BR", "FR", "US"],
            "language": ["en", "de", "en", "pt-BR", "en", "en"],
            "age_band": ["25-34", "18-24", "35-44", "25-34", "25-34", "18-24"],
            "role": ["member", "member", "moderator", "member", "member", "member"],
        }
    )
    members["joined_at"] = pd.to_datetime(members["joined_at"], utc=True)
    members["left_at"] = pd.to_datetime(members["left_at"], utc=True)
    rows = [
        (1, "post", "2026-10-20"),
        (1, "reply", "2026-10-25"),
        (2, "reaction", "2026-10-30"),
        *[(3, "post", d) for d in ("2026-08-10", "2026-08-25", "2026-09-09", "2026-09-24")],
        (3, "post", "2026-10-10"),
        (4, "post", "2026-09-01"),
        (5, "post", "2026-09-20"),
        (None, "view", "2026-10-30"),
    ]
    events = pd.DataFrame(
        {
            "member_id": pd.array([r[0] for r in rows], dtype="Int64"),
            "kind": [r[1] for r in rows],
            "occurred_at": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )
    return members, events


def _ids(rule: dict, community) -> list[int]:
    members, events = community
    parsed = segments.validate_rule(rule) or segments.SegmentRule()
    mask = segments.segment_mask(parsed, members, events, AS_OF)
    return members.loc[mask, "member_id"].tolist()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({}, [1, 2, 3, 4]),  # current members only: 5 left, 6 not joined yet
        ({"regions": "EU", "active_within_days": 30}, [1, 2, 3]),  # 3 posted on 10-10
        ({"regions": "EU", "active_within_days": 14}, [1, 2]),
        ({"languages": "pt-BR", "tenure_max_days": 90}, [4]),  # joined 72 days before
        ({"languages": "pt-BR", "tenure_max_days": 60}, []),
        ({"roles": "member", "min_posts": 2, "posts_within_days": 90}, [1]),
        ({"min_posts": 5, "posts_within_days": 90}, [3]),  # all five within 82 days
        ({"min_posts": 5, "posts_within_days": 60}, []),  # 08-10 and 08-25 fall out
        ({"tenure_min_days": 365}, [1, 3]),
        ({"countries": "de, br"}, [2, 4]),
        ({"age_bands": "18-24"}, [2]),
    ],
)
def test_rule_selects_the_hand_counted_members(rule: dict, expected: list[int], community) -> None:
    assert _ids(rule, community) == expected


def test_size_counts_with_a_region_breakdown(community) -> None:
    members, events = community
    rule = segments.validate_rule({"active_within_days": 61})
    size = segments.size_segment(rule, members, events, AS_OF)
    assert (size.count, size.total) == (4, 4)  # 4 posted on 09-01, 60.5 days before
    assert size.by_region == {"EU": 3, "LATAM": 1}
    assert size.summary() == "4 members (100% of 4) · EU 3 · LATAM 1"


def test_sizing_from_the_store_matches_the_frames(sqlite_url: str) -> None:
    at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    with session_scope(sqlite_url) as s:
        people = [
            Member(source="t", source_id=str(i), region=r, joined_at=at, role="member")
            for i, r in enumerate(["EU", "EU", "NA"])
        ]
        s.add_all(people)
        s.flush()
        s.add(
            ActivityEvent(
                source="t",
                source_id="e1",
                kind="post",
                member_id=people[0].id,
                occurred_at=dt.datetime(2026, 10, 20, tzinfo=dt.UTC),
            )
        )
    sizes = segments.size_segments(
        {"a": {"regions": ["EU"], "active_within_days": 30}, "b": {"regions": ["EU"]}, "c": None},
        sqlite_url,
        as_of=dt.datetime(2026, 10, 31, tzinfo=dt.UTC),
    )
    assert (sizes["a"].count, sizes["b"].count, sizes["c"]) == (1, 2, None)
    assert sizes["b"].total == 3


# --- the form (widgets, no browser) -------------------------------------------------------


def test_form_keeps_typed_values_on_error_escapes_and_saves(sqlite_url: str) -> None:
    from commbook.widgets.segments import SegmentForm

    form = SegmentForm(url=sqlite_url, actor="ana", as_of=dt.datetime(2026, 10, 31, tzinfo=dt.UTC))
    form.fields["name"].widget.value = "<img src=x onerror=alert(1)>"
    form.fields["demographics.age_bands"].widget.value = "17-20"
    form.rule_on.value = True
    form.fields["rule.min_posts"].widget.value = "5"
    form.save()
    assert form.fields["demographics.age_bands"].error.value.startswith("Age bands: &#x27;17-20")
    assert "Say over how many days" in form.fields["rule.posts_within_days"].error.value
    assert form.fields["demographics.age_bands"].widget.value == "17-20"
    assert segments.list_segments(sqlite_url) == []

    form.fields["demographics.age_bands"].widget.value = "18-24"
    form.fields["rule.posts_within_days"].widget.value = "90"
    form.save()
    assert "Saved" in form.message.value and form.segment_id is not None
    assert "<img" not in form.table.value and "&lt;img src=x" in form.table.value
    assert "<img" not in form.heading.value
    stored = segments.get_segment(form.segment_id, url=sqlite_url)
    assert stored.rule == {"min_posts": 5, "posts_within_days": 90}
    form.count()
    assert "cb-size-count" in form.size.value  # zero members in an empty store: still sized
