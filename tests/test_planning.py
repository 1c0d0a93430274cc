"""Objectives: validation messages, save/update/delete, conflicts, audit log — and the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from commbook import planning
from commbook.errors import ConflictError, NotFound, ValidationError
from commbook.store import AudienceSegment, AuditEntry, session_scope


def _data(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Grow weekly active members",
        "description": "More regulars in the forum",
        "metric": "weekly_active_members",
        "direction": "increase",
        "baseline": 120,
        "target": 150,
        "unit": "",
        "start_date": dt.date(2026, 1, 1),
        "due_date": dt.date(2026, 6, 30),
        "owner": "ana",
        "status": "active",
    }
    values.update(changes)
    return values


def _audit(url: str) -> list[AuditEntry]:
    with session_scope(url) as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# --- validation (no store needed) -------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Title is required"),
        ({"owner": ""}, "owner", "Owner is required"),
        ({"title": "x" * 201}, "title", "Title must be at most 200 characters"),
        (
            {"target": 100},
            "target",
            "Target must be above the baseline when the goal is to increase",
        ),
        ({"target": 120}, "target", "Target must be above the baseline"),
        (
            {"direction": "decrease", "target": 130},
            "target",
            "Target must be below the baseline when the goal is to decrease",
        ),
        ({"due_date": dt.date(2026, 1, 1)}, "due_date", "Due date must be after the start date"),
        ({"start_date": None}, "start_date", "Start date is required"),
        ({"due_date": "soon"}, "due_date", "Due date must be a date (YYYY-MM-DD)"),
        ({"baseline": "many"}, "baseline", "Baseline must be a number"),
        ({"target": float("nan")}, "target", "Target must be a number"),
        ({"metric": "karma"}, "metric", "Metric must be one of: Manual"),
        ({"direction": "up"}, "direction", "Direction must be one of: Increase, Decrease"),
        ({"status": "done"}, "status", "Status must be one of: Draft, Active"),
        (
            {"metric": "nps", "baseline": 20, "target": 120},
            "target",
            "Target must be between -100 and 100 for Net Promoter Score",
        ),
        (
            {"baseline": -5},
            "baseline",
            "Baseline cannot be below 0 for Weekly active members",
        ),
    ],
)
def test_each_rule_names_its_field_in_plain_words(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        planning.validate_objective(_data(**changes))
    assert info.value.field == field
    assert info.value.reason.startswith(message)


def test_every_problem_is_reported_in_form_order() -> None:
    with pytest.raises(planning.InvalidObjective) as info:
        planning.validate_objective(_data(title="", target=10, owner=" "))
    assert [(p.field, p.reason) for p in info.value.problems] == [
        ("title", "Title is required"),
        ("target", "Target must be above the baseline when the goal is to increase"),
        ("owner", "Owner is required"),
    ]
    assert info.value.field == "title"


def test_maintain_accepts_any_target_and_unit_defaults_to_the_metric() -> None:
    valid = planning.validate_objective(_data(direction="maintain", target=120, title="  Keep  "))
    assert valid.title == "Keep"
    assert valid.unit == "members"
    assert planning.validate_objective(_data(unit="regulars")).unit == "regulars"


def test_catalog_lists_the_metrics_with_labels_and_units() -> None:
    assert set(planning.METRICS) >= {
        "manual",
        "weekly_active_members",
        "median_first_response_hours",
        "nps",
    }
    assert planning.METRICS["median_first_response_hours"].unit == "hours"
    assert all(m.label for m in planning.METRICS.values())


# --- the store (SQLite and PostgreSQL) --------------------------------------------------


def test_create_update_delete_round_trip_with_audit(store_url: str) -> None:
    created = planning.save_objective(_data(), url=store_url, actor="ana")
    assert created.id is not None and created.version == 1
    assert created.unit == "members"

    loaded = planning.get_objective(created.id, url=store_url)
    assert planning.objective_values(loaded) == {
        **_data(unit="members"),
        "baseline": 120.0,
        "current_value": None,
        "segment_ids": [],
    }

    updated = planning.save_objective(
        _data(target=175), id=created.id, version=1, url=store_url, actor="bob"
    )
    assert (updated.target, updated.version) == (175, 2)
    assert [o.target for o in planning.list_objectives(url=store_url)] == [175]

    planning.delete_objective(created.id, version=2, url=store_url, actor="carla")
    assert planning.list_objectives(url=store_url) == []
    with pytest.raises(NotFound):
        planning.get_objective(created.id, url=store_url)

    log = _audit(store_url)
    assert [(e.actor, e.action, e.entity, e.entity_id) for e in log] == [
        ("ana", "create", "objectives", str(created.id)),
        ("bob", "update", "objectives", str(created.id)),
        ("carla", "delete", "objectives", str(created.id)),
    ]
    assert log[0].changes["title"] == "Grow weekly active members"
    assert log[1].changes == {"target": {"old": 150.0, "new": 175.0}}


def _segment(url: str, name: str) -> int:
    with session_scope(url, actor="seed") as s:
        segment = AudienceSegment(name=name)
        s.add(segment)
        s.flush()
        return segment.id


def test_segments_are_saved_reloaded_updated_and_audited(store_url: str) -> None:
    newcomers, regulars, experts = (_segment(store_url, n) for n in ("New", "Reg", "Exp"))
    created = planning.save_objective(
        _data(segment_ids=[regulars, newcomers, regulars]), url=store_url, actor="ana"
    )
    loaded = planning.get_objective(created.id, url=store_url)
    assert planning.objective_values(loaded)["segment_ids"] == sorted([newcomers, regulars])
    listed = planning.list_objectives(url=store_url)
    assert [s.name for s in listed[0].segments] == ["New", "Reg"]

    updated = planning.save_objective(
        _data(segment_ids=[experts, regulars]), id=created.id, version=1, url=store_url, actor="bo"
    )
    assert updated.version == 2
    reloaded = planning.get_objective(created.id, url=store_url)
    assert planning.objective_values(reloaded)["segment_ids"] == sorted([experts, regulars])
    # an update that does not mention segments keeps them
    planning.save_objective(
        {k: v for k, v in _data(target=160).items()}, id=created.id, version=2, url=store_url
    )
    kept = planning.get_objective(created.id, url=store_url)
    assert sorted(s.id for s in kept.segments) == sorted([experts, regulars])
    # … and an empty list clears them
    planning.save_objective(_data(segment_ids=[]), id=created.id, version=3, url=store_url)
    assert planning.get_objective(created.id, url=store_url).segments == []

    log = _audit(store_url)
    objective_log = [e for e in log if e.entity == "objectives"]
    assert sorted(objective_log[0].changes["segments"]) == sorted([newcomers, regulars])
    change = objective_log[1].changes["segments"]
    assert (sorted(change["old"]), sorted(change["new"])) == (
        sorted([newcomers, regulars]),
        sorted([experts, regulars]),
    )
    assert objective_log[1].actor == "bo"
    assert "segments" not in objective_log[2].changes
    assert sorted(objective_log[3].changes["segments"]["old"]) == sorted([experts, regulars])
    assert objective_log[3].changes["segments"]["new"] == []


def test_unknown_segment_is_refused_on_its_field(store_url: str) -> None:
    known = _segment(store_url, "Newcomers")
    with pytest.raises(planning.InvalidObjective) as caught:
        planning.save_objective(_data(segment_ids=[known, 9999]), url=store_url)
    assert caught.value.field == "segment_ids"
    assert caught.value.reason.startswith("Unknown audience segment 9999")
    # reported with the other problems, in form order
    with pytest.raises(planning.InvalidObjective) as both:
        planning.save_objective(_data(title="", segment_ids=[9999]), url=store_url)
    assert [p.field for p in both.value.problems] == ["title", "segment_ids"]
    with pytest.raises(planning.InvalidObjective) as typed:
        planning.save_objective(_data(segment_ids=["abc"]), url=store_url)
    assert typed.value.field == "segment_ids"
    assert planning.list_objectives(url=store_url) == []


def test_linked_content_lists_the_items_pointing_at_the_objective(store_url: str) -> None:
    from commbook import calendar as cal

    mine = planning.save_objective(_data(), url=store_url)
    other = planning.save_objective(_data(title="Other"), url=store_url)
    base = {
        **cal.blank_item(dt.date(2026, 3, 1), "UTC"),
        "content_type": "newsletter",
        "channel": "Email",
        "owner": "Ana",
        "status": "scheduled",
        "scheduled_time": "09:00",
    }
    for title, day, objective in (
        ("Later issue", dt.date(2026, 4, 6), mine.id),
        ("First issue", dt.date(2026, 3, 2), mine.id),
        ("Not ours", dt.date(2026, 3, 1), other.id),
        ("Unlinked", dt.date(2026, 3, 1), None),
    ):
        cal.save_item(
            {**base, "title": title, "scheduled_date": day, "objective_id": objective},
            url=store_url,
        )
    cal.save_item(
        {
            **base,
            "title": "Idea",
            "status": "idea",
            "scheduled_date": None,
            "objective_id": mine.id,
        },
        url=store_url,
    )
    linked = planning.linked_content(mine.id, url=store_url)
    assert [(i.title, i.content_type, i.channel, i.status) for i in linked] == [
        ("First issue", "newsletter", "Email", "scheduled"),
        ("Later issue", "newsletter", "Email", "scheduled"),
        ("Idea", "newsletter", "Email", "idea"),
    ]
    assert linked[0].when == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert linked[2].when is None
    assert planning.linked_content(9999, url=store_url) == []


def test_invalid_save_writes_nothing(store_url: str) -> None:
    with pytest.raises(ValidationError, match="Target must be above the baseline"):
        planning.save_objective(_data(target=1), url=store_url)
    existing = planning.save_objective(_data(), url=store_url)
    with pytest.raises(ValidationError, match="Title is required"):
        planning.save_objective(_data(title=""), id=existing.id, version=1, url=store_url)
    assert [o.title for o in planning.list_objectives(url=store_url)] == [existing.title]
    assert [e.action for e in _audit(store_url)] == ["create"]


def test_stale_update_gets_conflict_and_keeps_the_first_save(store_url: str) -> None:
    mine = planning.save_objective(_data(), url=store_url, actor="ana")
    planning.save_objective(
        _data(target=160), id=mine.id, version=mine.version, url=store_url, actor="bob"
    )
    with pytest.raises(ConflictError, match="Someone else changed this objective"):
        planning.save_objective(
            _data(target=999), id=mine.id, version=mine.version, url=store_url, actor="ana"
        )
    with pytest.raises(ConflictError):
        planning.delete_objective(mine.id, version=mine.version, url=store_url)
    stored = planning.get_objective(mine.id, url=store_url)
    assert (stored.target, stored.version) == (160, 2)
    assert [(e.actor, e.action) for e in _audit(store_url)] == [
        ("ana", "create"),
        ("bob", "update"),
    ]


def test_update_of_a_deleted_objective_is_not_found(store_url: str) -> None:
    gone = planning.save_objective(_data(), url=store_url)
    planning.delete_objective(gone.id, version=1, url=store_url)
    with pytest.raises(NotFound, match="deleted"):
        planning.save_objective(_data(), id=gone.id, version=1, url=store_url)


def test_list_is_soonest_due_first(store_url: str) -> None:
    planning.save_objective(_data(title="Later", due_date=dt.date(2026, 12, 31)), url=store_url)
    planning.save_objective(_data(title="Sooner", due_date=dt.date(2026, 3, 31)), url=store_url)
    assert [o.title for o in planning.list_objectives(url=store_url)] == ["Sooner", "Later"]


def test_race_between_check_and_write_is_caught_by_the_version_column(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = planning.save_objective(_data(), url=store_url, actor="ana")
    checked = planning._get_for_change

    def bob_saves_right_after_the_check(session, id, version):  # type: ignore[no-untyped-def]
        objective = checked(session, id, version)  # ana's version check passes...
        with monkeypatch.context() as m:
            m.setattr(planning, "_get_for_change", checked)
            planning.save_objective(_data(target=160), id=id, version=1, url=store_url, actor="bob")
        return objective  # ...but bob wrote version 2 before ana's UPDATE

    monkeypatch.setattr(planning, "_get_for_change", bob_saves_right_after_the_check)
    with pytest.raises(ConflictError, match="Someone else changed this objective"):
        planning.save_objective(_data(target=999), id=mine.id, version=1, url=store_url)
    assert planning.get_objective(mine.id, url=store_url).target == 160


# --- the form, in-process (the browser tests drive the same class through Voilà) -------


def _form(url: str, actor: str = "ana"):
    from commbook.widgets.objectives import ObjectiveForm

    return ObjectiveForm(url=url, actor=actor)


def _type(form, **values: Any) -> None:
    for name, value in values.items():
        form.fields[name].widget.value = value


def test_form_refuses_invalid_values_keeps_them_and_saves_nothing(sqlite_url: str) -> None:
    form = _form(sqlite_url)
    _type(form, title="", baseline=120.0, target=100.0, owner="Bea")
    form.save()
    assert form.fields["title"].error.value == "Title is required"
    assert "above the baseline" in form.fields["target"].error.value
    assert form.fields["owner"].error.value == ""
    assert "cb-invalid" in form.fields["target"].box._dom_classes
    assert "cb-alert-error" in form.message.value
    assert (form.values()["target"], form.values()["owner"]) == (100.0, "Bea")
    assert planning.list_objectives(url=sqlite_url) == []

    _type(form, title="Grow", target=150.0)
    form.save()
    assert "Saved “Grow”" in form.message.value
    assert form.fields["target"].error.value == ""
    assert "cb-invalid" not in form.fields["target"].box._dom_classes
    assert (form.objective_id, form.version) == (1, 1)
    assert form.picker.options == (("Grow", 1),)


def test_form_conflict_offers_reload_and_keeps_typing_until_then(sqlite_url: str) -> None:
    planning.save_objective(_data(), url=sqlite_url)
    ana, bob = _form(sqlite_url, "ana"), _form(sqlite_url, "bob")
    ana.picker.value = bob.picker.value = 1
    _type(ana, target=160.0)
    ana.save()
    _type(bob, target=999.0)
    bob.save()
    assert "Someone else changed this objective" in bob.message.value
    assert bob.reload_button in bob.message_area.children
    assert bob.values()["target"] == 999.0
    bob.reload()
    assert (bob.values()["target"], bob.version) == (160.0, 2)
    assert bob.reload_button not in bob.message_area.children


def test_form_after_someone_deleted_the_objective_can_save_it_again(sqlite_url: str) -> None:
    planning.save_objective(_data(), url=sqlite_url)
    form = _form(sqlite_url)
    form.picker.value = 1
    planning.delete_objective(1, version=1, url=sqlite_url)
    form.save()
    assert "deleted" in form.message.value and form.objective_id is None
    form.save()
    assert [o.title for o in planning.list_objectives(url=sqlite_url)] == [_data()["title"]]


def test_form_escapes_user_text_in_html(sqlite_url: str) -> None:
    planning.save_objective(
        _data(title="<img src=x onerror=alert(1)>", owner="<b>x</b>"), url=sqlite_url
    )
    form = _form(sqlite_url)
    assert "<img" not in form.table.value and "&lt;img src=x" in form.table.value
    assert "<b>x</b>" not in form.table.value
    form.picker.value = 1
    form._ask_delete()
    assert "&lt;img" in form.confirm_text.value and "<img" not in form.confirm_text.value


def test_form_picks_segments_keeps_them_on_failure_and_lists_linked_content(
    sqlite_url: str,
) -> None:
    from commbook import calendar as cal

    newcomers, experts = _segment(sqlite_url, "Newcomers"), _segment(sqlite_url, "Experts")
    form = _form(sqlite_url)
    picker = form.fields["segment_ids"].widget
    assert "cb-objective-segments" in picker._dom_classes
    assert picker.options == (("Experts", experts), ("Newcomers", newcomers))
    assert "No content linked yet" in form.content_list.value
    assert "cb-objective-content" in form.content_list._dom_classes

    _type(form, title="Grow", baseline=1.0, target=0.0, owner="Ana")
    picker.value = (newcomers,)
    form.save()
    assert "above the baseline" in form.fields["target"].error.value
    assert picker.value == (newcomers,)  # kept after a failed save
    _type(form, target=5.0)
    form.save()
    assert "Saved “Grow”" in form.message.value
    assert planning.objective_values(planning.get_objective(1, url=sqlite_url))["segment_ids"] == [
        newcomers
    ]

    cal.save_item(
        {
            **cal.blank_item(dt.date(2026, 3, 1), "UTC"),
            "title": "<b>Welcome post</b>",
            "content_type": "newsletter",
            "channel": "Email",
            "status": "scheduled",
            "scheduled_date": dt.date(2026, 3, 2),
            "objective_id": 1,
        },
        url=sqlite_url,
    )
    other = _form(sqlite_url)
    other.picker.value = 1
    assert other.fields["segment_ids"].widget.value == (newcomers,)
    assert "&lt;b&gt;Welcome post" in other.content_list.value
    assert "<b>Welcome" not in other.content_list.value
    assert "02 Mar 2026" in other.content_list.value
    other.new()
    assert other.fields["segment_ids"].widget.value == ()
    assert "No content linked yet" in other.content_list.value
