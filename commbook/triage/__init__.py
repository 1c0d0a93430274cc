"""Community workflow (triage): the vocabulary and allowed transitions (``model``), the
rule engine that suggests category and urgency (``rules``), SLA targets and breaches
(``sla``) and how well the rules do on labelled posts (``evaluate``).

Pure logic and configuration: no store access, no widgets. Reference: ``docs/triage.md``.
"""

from commbook.triage.model import (
    CATEGORIES,
    ESCALATION_LEVELS,
    MODERATION_ACTIONS,
    ROLES,
    STATUSES,
    URGENCIES,
    allowed_transitions,
    can,
    check_escalation,
    check_permission,
    check_transition,
    moderation_action,
)
from commbook.triage.rules import RuleSet, Suggestion, load_rules, suggest, suggest_frame
from commbook.triage.sla import SLAPolicy, load_sla, parse_duration, sla_status

__all__ = [
    "CATEGORIES",
    "ESCALATION_LEVELS",
    "MODERATION_ACTIONS",
    "ROLES",
    "STATUSES",
    "URGENCIES",
    "RuleSet",
    "SLAPolicy",
    "Suggestion",
    "allowed_transitions",
    "can",
    "check_escalation",
    "check_permission",
    "check_transition",
    "load_rules",
    "load_sla",
    "moderation_action",
    "parse_duration",
    "sla_status",
    "suggest",
    "suggest_frame",
]
