"""The triage vocabulary: categories, urgencies, statuses and their transitions, moderation
actions, escalation levels and who may do what. Plain data plus checks that raise
``ValidationError`` with a message a community manager can act on.

Definitions and diagrams: ``docs/triage.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from commbook.errors import ValidationError

# --- categories and urgencies ---------------------------------------------------------

#: Built-in categories. Teams add their own in ``config/triage_rules.yml`` (``categories``).
CATEGORIES: tuple[str, ...] = ("support", "discussion", "feedback", "abuse")

#: Urgencies, least to most urgent (the order is used to compare them).
URGENCIES: tuple[str, ...] = ("low", "normal", "high", "critical")
DEFAULT_URGENCY = "normal"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def categories(custom: Iterable[str] = ()) -> tuple[str, ...]:
    """The built-in categories followed by ``custom`` ones (validated, duplicates refused)."""
    result = list(CATEGORIES)
    for name in custom:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationError(
                f"custom category {name!r} must be lower-case letters, digits or _ "
                "(at most 32, starting with a letter)",
                field="categories",
            )
        if name in result:
            raise ValidationError(f"category {name!r} is listed twice", field="categories")
        result.append(name)
    return tuple(result)


def urgency_rank(urgency: str) -> int:
    """0 for ``low`` … 3 for ``critical``; unknown urgencies raise ``ValidationError``."""
    try:
        return URGENCIES.index(urgency)
    except ValueError:
        raise ValidationError(
            f"unknown urgency {urgency!r}; expected one of {', '.join(URGENCIES)}",
            field="urgency",
        ) from None


# --- statuses -------------------------------------------------------------------------

STATUSES: tuple[str, ...] = (
    "new",
    "triaged",
    "in_progress",
    "waiting_on_member",
    "escalated",
    "resolved",
    "closed",
)
#: Statuses in which an item still needs work (it counts in the backlog).
OPEN_STATUSES: frozenset[str] = frozenset(
    {"new", "triaged", "in_progress", "waiting_on_member", "escalated"}
)
DONE_STATUSES: frozenset[str] = frozenset({"resolved", "closed"})

#: ``status → statuses it may move to``. The main path is new → triaged → in_progress →
#: waiting_on_member → resolved → closed; an open item may be escalated, and an escalated
#: item goes back to in_progress once the escalation answered. A resolved item can be
#: reopened (in_progress) if the member says it is not fixed; closed is final.
ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"triaged", "escalated"}),
    "triaged": frozenset({"in_progress", "resolved", "escalated"}),
    "in_progress": frozenset({"waiting_on_member", "resolved", "escalated"}),
    "waiting_on_member": frozenset({"in_progress", "resolved", "escalated"}),
    "escalated": frozenset({"in_progress"}),
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset(),
}


def _check_status(status: str, field: str) -> None:
    if status not in ALLOWED_TRANSITIONS:
        raise ValidationError(
            f"unknown status {status!r}; expected one of {', '.join(STATUSES)}", field=field
        )


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses an item in ``status`` may move to, in workflow order."""
    _check_status(status, "status")
    return tuple(s for s in STATUSES if s in ALLOWED_TRANSITIONS[status])


def check_transition(old: str, new: str) -> None:
    """Raise ``ValidationError`` unless an item may move from ``old`` to ``new``.

    Keeping the same status is not a transition and is always allowed.
    """
    _check_status(old, "status")
    _check_status(new, "status")
    if old == new:
        return
    if new not in ALLOWED_TRANSITIONS[old]:
        options = allowed_transitions(old)
        hint = (
            f"from {old!r} it can go to {', '.join(map(repr, options))}"
            if options
            else f"{old!r} is final"
        )
        raise ValidationError(
            f"cannot move an item from {old!r} to {new!r}: {hint}", field="status"
        )


# --- moderation -----------------------------------------------------------------------

#: Moderation actions, lightest first. Every action needs a reason.
MODERATION_ACTIONS: tuple[str, ...] = (
    "approve",
    "edit",
    "hide",
    "remove",
    "warn",
    "suspend",
    "ban",
)


@dataclass(frozen=True)
class ModerationAction:
    """A moderation decision on a post or member: what, why, and the policy it applies."""

    action: str
    reason: str
    policy_ref: str | None = None


def moderation_action(
    action: str, reason: str | None, policy_ref: str | None = None
) -> ModerationAction:
    """Validate and build a :class:`ModerationAction` (a reason is required, a policy
    reference such as ``"CoC 3.2"`` is optional)."""
    if action not in MODERATION_ACTIONS:
        raise ValidationError(
            f"unknown moderation action {action!r}; expected one of "
            f"{', '.join(MODERATION_ACTIONS)}",
            field="action",
        )
    text = (reason or "").strip()
    if not text:
        raise ValidationError(f"a reason is required to {action} a post or member", field="reason")
    ref = (policy_ref or "").strip() or None
    return ModerationAction(action=action, reason=text, policy_ref=ref)


# --- escalation -----------------------------------------------------------------------

ESCALATION_LEVELS: tuple[str, ...] = ("team_lead", "legal", "pr", "security")

#: ``current level (None: not escalated) → levels it may be escalated to``.
ESCALATION_PATHS: Mapping[str | None, frozenset[str]] = {
    None: frozenset({"team_lead"}),
    "team_lead": frozenset({"legal", "pr", "security"}),
    "legal": frozenset(),
    "pr": frozenset(),
    "security": frozenset(),
}


def check_escalation(current: str | None, new: str) -> None:
    """Raise ``ValidationError`` unless an item at ``current`` may be escalated to ``new``.

    Escalations go to the team lead first, who hands them to legal, PR or security.
    """
    if current not in ESCALATION_PATHS:
        raise ValidationError(f"unknown escalation level {current!r}", field="escalation_level")
    if new not in ESCALATION_LEVELS:
        raise ValidationError(
            f"unknown escalation level {new!r}; expected one of {', '.join(ESCALATION_LEVELS)}",
            field="escalation_level",
        )
    if new not in ESCALATION_PATHS[current]:
        where = "not escalated yet" if current is None else f"at {current!r}"
        options = sorted(ESCALATION_PATHS[current])
        hint = f"it can go to {', '.join(map(repr, options))}" if options else "it cannot go higher"
        raise ValidationError(
            f"cannot escalate to {new!r}: the item is {where}; {hint}", field="escalation_level"
        )


# --- roles and permissions ------------------------------------------------------------

ROLES: tuple[str, ...] = ("viewer", "moderator", "manager")

#: Workflow actions besides the moderation actions above.
WORKFLOW_ACTIONS: tuple[str, ...] = (
    "view",  # see the queue, items and metrics
    "triage",  # set category, urgency, summary and tags
    "assign",  # set or change an item's owner
    "respond",  # record a first response, change status
    "escalate",  # escalate to the team lead
    "escalate_specialist",  # hand an escalation to legal, PR or security
    "reopen",  # move a resolved item back to in_progress
    "edit_rules",  # change config/triage_rules.yml
    "edit_sla",  # change config/sla.yml
    "plan_content",  # turn a recurring feedback theme into a content-calendar idea
)
ACTIONS: tuple[str, ...] = WORKFLOW_ACTIONS + MODERATION_ACTIONS

_MODERATOR = frozenset(
    {
        "view",
        "triage",
        "assign",
        "respond",
        "escalate",
        "plan_content",
        "approve",
        "edit",
        "hide",
        "remove",
        "warn",
    }
)
#: ``role → actions it may take``. Viewers only look; moderators work the queue and take
#: the reversible or light moderation actions; managers can do everything, including
#: suspensions and bans, specialist escalations, reopening and editing rules and SLAs.
PERMISSIONS: Mapping[str, frozenset[str]] = {
    "viewer": frozenset({"view"}),
    "moderator": _MODERATOR,
    "manager": frozenset(ACTIONS),
}


def can(role: str, action: str) -> bool:
    """Whether ``role`` may take ``action``. Unknown roles or actions raise
    ``ValidationError`` (a typo must not silently deny or grant)."""
    if role not in PERMISSIONS:
        raise ValidationError(
            f"unknown role {role!r}; expected one of {', '.join(ROLES)}", field="role"
        )
    if action not in ACTIONS:
        raise ValidationError(
            f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}", field="action"
        )
    return action in PERMISSIONS[role]


def check_permission(role: str, action: str) -> None:
    """Raise ``ValidationError`` with a plain message unless ``role`` may take ``action``."""
    if not can(role, action):
        allowed = [r for r in ROLES if action in PERMISSIONS[r]]
        raise ValidationError(
            f"a {role} cannot {action.replace('_', ' ')}; ask a {' or '.join(allowed)}",
            field="role",
        )
