"""Triage vocabulary: transitions, moderation, escalation and permissions."""

from __future__ import annotations

import itertools

import pytest

from commbook.errors import ValidationError
from commbook.triage import model


def test_main_path_is_allowed_step_by_step() -> None:
    path = ["new", "triaged", "in_progress", "waiting_on_member", "resolved", "closed"]
    for old, new in itertools.pairwise(path):
        model.check_transition(old, new)


@pytest.mark.parametrize("state", ["new", "triaged", "in_progress", "waiting_on_member"])
def test_any_open_state_can_be_escalated_and_escalation_returns_to_in_progress(state: str) -> None:
    model.check_transition(state, "escalated")
    model.check_transition("escalated", "in_progress")


def test_skipping_triage_is_refused_with_the_allowed_options() -> None:
    with pytest.raises(ValidationError, match="cannot move an item from 'new' to 'resolved'") as e:
        model.check_transition("new", "resolved")
    assert "'triaged'" in str(e.value) and e.value.field == "status"


def test_closed_is_final_and_escalated_cannot_be_resolved_directly() -> None:
    with pytest.raises(ValidationError, match="'closed' is final"):
        model.check_transition("closed", "in_progress")
    with pytest.raises(ValidationError, match="'in_progress'"):
        model.check_transition("escalated", "resolved")
    assert model.allowed_transitions("closed") == ()
    assert model.allowed_transitions("resolved") == ("in_progress", "closed")


def test_unknown_status_and_same_status() -> None:
    with pytest.raises(ValidationError, match="unknown status 'done'"):
        model.check_transition("new", "done")
    model.check_transition("triaged", "triaged")  # saving without a change


def test_every_status_has_transitions_defined() -> None:
    assert set(model.ALLOWED_TRANSITIONS) == set(model.STATUSES)
    for targets in model.ALLOWED_TRANSITIONS.values():
        assert targets <= set(model.STATUSES)


def test_moderation_needs_a_reason_policy_is_optional() -> None:
    action = model.moderation_action("hide", "  spam link  ")
    assert action == model.ModerationAction("hide", "spam link", None)
    assert model.moderation_action("ban", "threats", "CoC 4.1").policy_ref == "CoC 4.1"
    with pytest.raises(ValidationError, match="a reason is required to ban") as e:
        model.moderation_action("ban", "   ")
    assert e.value.field == "reason"
    with pytest.raises(ValidationError, match="unknown moderation action 'delete'"):
        model.moderation_action("delete", "x")


def test_escalation_goes_through_the_team_lead() -> None:
    model.check_escalation(None, "team_lead")
    for level in ("legal", "pr", "security"):
        model.check_escalation("team_lead", level)
    with pytest.raises(ValidationError, match="not escalated yet; it can go to 'team_lead'"):
        model.check_escalation(None, "legal")
    with pytest.raises(ValidationError, match="cannot go higher"):
        model.check_escalation("legal", "pr")
    with pytest.raises(ValidationError, match="unknown escalation level 'ceo'"):
        model.check_escalation("team_lead", "ceo")


def test_permission_table() -> None:
    assert model.can("viewer", "view") and not model.can("viewer", "triage")
    assert model.can("moderator", "hide") and model.can("moderator", "escalate")
    assert not model.can("moderator", "ban") and not model.can("moderator", "edit_rules")
    assert all(model.can("manager", a) for a in model.ACTIONS)
    with pytest.raises(ValidationError, match="a moderator cannot ban; ask a manager"):
        model.check_permission("moderator", "ban")
    with pytest.raises(ValidationError, match="unknown role 'admin'"):
        model.can("admin", "view")
    with pytest.raises(ValidationError, match="unknown action 'delet'"):
        model.can("manager", "delet")


def test_custom_categories_extend_the_builtin_ones() -> None:
    assert model.categories(["bug_report"]) == (*model.CATEGORIES, "bug_report")
    with pytest.raises(ValidationError, match="listed twice"):
        model.categories(["abuse"])
    with pytest.raises(ValidationError, match="lower-case"):
        model.categories(["Bug Report"])
    assert model.urgency_rank("critical") == 3
