"""Calendar rules without a store: validation, status workflow, recurrence, warnings, views."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commbook.calendar import model, recurrence
from commbook.calendar import warnings as cw
from commbook.calendar.model import InvalidItem, Occurrence, validate_item
from commbook.widgets import calendar_views as views

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def _values(**changes: object) -> dict:
    return {
        **model.blank_item(dt.date(2026, 3, 1), "Europe/Paris"),
        "title": "Weekly newsletter",
        "content_type": "newsletter",
        "channel": "Email",
        "scheduled_date": dt.date(2026, 3, 2),
        **changes,
    }


def _occ(item_id: int, start: dt.datetime | None, **kw: object) -> Occurrence:
    base = {
        "item_id": item_id,
        "version": 1,
        "source_id": f"s{item_id}",
        "title": f"Item {item_id}",
        "content_type": "article",
        "channel": "blog",
        "channel_name": "Blog",
        "owner": "Ana",
        "status": "scheduled",
        "start": start,
        "timezone": "UTC",
    }
    return Occurrence(**{**base, **kw})


# --- validation -----------------------------------------------------------------------------


def test_local_time_in_the_items_timezone_is_stored_as_utc() -> None:
    summer = validate_item(_values(scheduled_date=dt.date(2026, 7, 1), scheduled_time="9:30"))
    winter = validate_item(_values(scheduled_date=dt.date(2026, 1, 5), scheduled_time="0930"))
    assert summer.scheduled_at == dt.datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert winter.scheduled_at == dt.datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert summer.scheduled_time == "09:30"


def test_every_problem_is_named_in_form_order_with_a_plain_message() -> None:
    with pytest.raises(InvalidItem) as caught:
        validate_item(
            _values(
                title="  ",
                content_type="hologram",
                timezone="Mars/Olympus",
                url="javascript:alert(1)",
                rrule="FREQ=SOMETIMES",
            )
        )
    problems = {p.field: p.reason for p in caught.value.problems}
    assert list(problems) == ["title", "content_type", "timezone", "rrule", "url"]
    assert problems["title"] == "Title is required"
    assert problems["content_type"].startswith("Type must be one of: Article, Video")
    assert "Mars/Olympus" in problems["timezone"]
    assert "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY" in problems["rrule"]
    assert problems["url"] == "Link must be a web address starting with http:// or https://"
    assert caught.value.field == "title"


def test_a_time_skipped_by_daylight_saving_is_refused() -> None:
    with pytest.raises(InvalidItem) as caught:
        validate_item(_values(scheduled_date=dt.date(2026, 3, 29), scheduled_time="02:30"))
    assert caught.value.field == "scheduled_time"
    assert "does not exist on 29 Mar 2026 in Europe/Paris" in caught.value.reason


def test_scheduled_and_repeating_items_need_a_date() -> None:
    for changes in ({"status": "scheduled"}, {"rrule": "FREQ=WEEKLY"}):
        with pytest.raises(InvalidItem) as caught:
            validate_item(_values(scheduled_date=None, **changes))
        assert caught.value.field == "scheduled_date"
    assert validate_item(_values(scheduled_date=None)).scheduled_at is None  # an idea


def test_tags_are_trimmed_and_deduplicated() -> None:
    assert validate_item(_values(tags=" launch ,Onboarding,, LAUNCH")).tags == (
        "launch, Onboarding"
    )


def test_status_workflow_forward_back_steps_cancel_and_final_published() -> None:
    assert model.transition_error("idea", "draft") is None
    assert model.transition_error("review", "draft") is None  # changes requested
    assert model.transition_error("scheduled", "approved") is None  # unscheduled
    assert model.transition_error("draft", "cancelled") is None
    assert model.transition_error("cancelled", "idea") is None
    assert model.transition_error("idea", "idea") is None
    skip = model.transition_error("idea", "published")
    assert skip == "Status cannot go from Idea to Published; next steps are: Draft, Cancelled"
    assert model.transition_error("published", "cancelled") == (
        "A published item cannot change status"
    )
    for status, nexts in model.TRANSITIONS.items():
        if status != "published":
            assert "cancelled" in nexts or status == "cancelled"


# --- recurrence -----------------------------------------------------------------------------


def test_weekly_series_stays_at_local_time_across_dst() -> None:
    start = dt.datetime(2026, 3, 16, 9, tzinfo=PARIS).astimezone(UTC)
    found = recurrence.occurrences(
        start,
        "Europe/Paris",
        "FREQ=WEEKLY",
        dt.datetime(2026, 3, 1, tzinfo=UTC),
        dt.datetime(2026, 4, 10, tzinfo=UTC),
    )
    assert [o.astimezone(PARIS).strftime("%d %H:%M") for o in found] == [
        "16 09:00",
        "23 09:00",
        "30 09:00",
        "06 09:00",
    ]
    assert [o.hour for o in found] == [8, 8, 7, 7]  # UTC moves, local does not


def test_skipped_dates_count_and_until_end_a_series() -> None:
    start = dt.datetime(2026, 1, 5, 9, tzinfo=UTC)
    window = (dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC))
    stored = recurrence.join_stored("FREQ=WEEKLY;COUNT=4", [dt.date(2026, 1, 12)])
    assert stored == "FREQ=WEEKLY;COUNT=4\nEXDATE:20260112"
    days = [o.day for o in recurrence.occurrences(start, "UTC", stored, *window)]
    assert days == [5, 19, 26]
    until = recurrence.occurrences(start, "UTC", "FREQ=DAILY;UNTIL=20260107", *window)
    assert [o.day for o in until] == [5, 6, 7]
    assert recurrence.last_occurrence(start, "UTC", stored) == dt.datetime(
        2026, 1, 26, 9, tzinfo=UTC
    )
    assert recurrence.describe(stored) == "Every week, 4 times (1 skipped)"


def test_rules_are_normalised_or_refused() -> None:
    assert recurrence.check_rule("rrule: freq=weekly; byday=mo") == "FREQ=WEEKLY;BYDAY=MO"
    for bad in ("FREQ=WEEKLY;BYDAY=XX", "DTSTART:20260101\nRRULE:FREQ=DAILY", "BYDAY=MO"):
        with pytest.raises(recurrence.RuleError):
            recurrence.check_rule(bad)
    with pytest.raises(recurrence.RuleError, match="not both"):
        recurrence.check_rule("FREQ=DAILY;COUNT=3;UNTIL=20261231")


def test_until_is_written_in_utc_for_ics() -> None:
    assert recurrence.until_utc("FREQ=WEEKLY;UNTIL=20260630", "Europe/Paris") == (
        "FREQ=WEEKLY;UNTIL=20260630T215959Z"
    )


# --- warnings -------------------------------------------------------------------------------


def test_items_on_one_channel_less_than_two_hours_apart_clash() -> None:
    at = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    items = [
        _occ(1, at),
        _occ(2, at + dt.timedelta(minutes=90)),
        _occ(3, at + dt.timedelta(hours=2)),  # 2 h after item 1: no clash with it
        _occ(4, at, channel="forum"),
        _occ(5, at, status="cancelled"),
    ]
    clashes = cw.channel_clashes(items, clash_hours=2)
    assert [w.item_ids for w in clashes] == [(1, 2), (2, 3)]
    assert "on Blog around Mon 02 Mar 09:00" in clashes[0].message
    assert cw.channel_clashes(items, clash_hours=0.5) == []


def test_owner_with_more_items_than_allowed_in_a_week_is_overloaded() -> None:
    monday = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    week = [_occ(i, monday + dt.timedelta(days=i % 7, hours=i)) for i in range(6)]
    next_week = [_occ(10, monday + dt.timedelta(days=7), owner="Ana")]
    bea = [_occ(20 + i, monday, owner="Bea") for i in range(3)]
    found = cw.owner_overload(week + next_week + bea, max_per_week=5)
    assert [(w.kind, len(w.item_ids)) for w in found] == [("overload", 6)]
    assert found[0].message == "Ana has 6 items in the week of 02 Mar 2026 (more than 5)"
    assert cw.owner_overload(week, max_per_week=6) == []


def test_segments_and_objectives_without_coming_content_are_flagged() -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=UTC)
    items = [
        _occ(1, now + dt.timedelta(days=3), segment_ids=(1,), objective_id=7),
        _occ(2, now + dt.timedelta(weeks=6), segment_ids=(2,)),  # beyond the horizon
        _occ(3, now + dt.timedelta(days=3), segment_ids=(3,), status="cancelled"),
    ]
    found = cw.uncovered(
        items,
        now,
        segments={1: "Newcomers", 2: "Lurkers", 3: "Experts"},
        objectives={7: "Grow WAU", 8: "Raise NPS"},
        horizon_weeks=4,
    )
    assert [w.message for w in found] == [
        "Segment “Experts” has no content planned in the next 4 weeks",
        "Segment “Lurkers” has no content planned in the next 4 weeks",
        "Objective “Raise NPS” has no content planned in the next 4 weeks",
    ]


def test_past_one_off_items_not_published_are_overdue_series_are_not() -> None:
    now = dt.datetime(2026, 3, 10, tzinfo=UTC)
    past = now - dt.timedelta(days=2)
    items = [
        _occ(1, past, status="approved"),
        _occ(2, past, status="published"),
        _occ(3, past, status="cancelled"),
        _occ(4, past, recurring=True),
        _occ(5, now + dt.timedelta(days=1), status="draft"),
    ]
    found = cw.overdue(items, now)
    assert [w.item_ids for w in found] == [(1,)]
    assert found[0].message == "“Item 1” was due Sun 08 Mar 00:00 and is still approved"
    every = cw.all_warnings(items, now, segments={}, objectives={})
    assert [w.kind for w in every] == ["overdue", "clash", "clash", "clash"]


# --- views ----------------------------------------------------------------------------------


def test_month_grid_escapes_user_text_and_caps_items_per_day() -> None:
    at = dt.datetime(2026, 3, 12, 18, tzinfo=UTC)
    items = [_occ(i, at, title=f"<script>alert({i})</script>") for i in range(6)]
    page = views.month_grid(2026, 3, items, "UTC", today=dt.date(2026, 3, 10), per_day=4)
    assert "<script>" not in page and "&lt;script&gt;alert(0)" in page
    assert page.count('class="cb-cal-chip') == 4 and "+2 more" in page
    assert page.count("<tr>") == 1 + 6  # header + Mon 23 Feb … Sun 5 Apr
    assert 'class="cb-cal-day cb-cal-today" data-date="2026-03-10"' in page


def test_agenda_shows_times_in_the_team_timezone_and_the_items_own() -> None:
    at = dt.datetime(2026, 3, 12, 17, tzinfo=UTC)
    page = views.agenda([_occ(1, at, timezone="America/New_York", tags=("launch",))], "UTC")
    assert "Thursday 12 March 2026" in page and ">17:00<" in page
    assert "13:00 America/New_York" in page and "launch" in page
