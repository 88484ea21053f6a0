"""Writes on cases: intake, the workflow state machine, notes and replies, escalation and auto-closing
(tick jobs), feedback with the incentive step (``awards``: no points without a second person), Open311
keys, volunteer teams and service records.

The workflow is the explicit table ``TRANSITIONS`` {state: {event: state}}; every move is a conditional
``UPDATE ... WHERE state = <from>`` (so two concurrent requests cannot both move a case) plus a
``CaseTransition`` row (who, when, why) and one audit event.
"""

from tongxin.cases.models import EVENT_LABELS
from tongxin.cases.services._base import TRANSITIONS, allowed_events
from tongxin.cases.services.awards import handlers_of_case, may_confirm
from tongxin.cases.services.intake import (
    Intake,
    clean_text,
    person_for_user,
    route,
    set_routing_rule,
    submit_case,
    sync_categories,
)
from tongxin.cases.services.ticks import _autoclose_one, autoclose_resolved, escalate_overdue
from tongxin.cases.services.volunteers import (
    add_team_member,
    confirm_service,
    create_open311_key,
    create_team,
    key_for,
    record_service,
    remove_team_member,
    revoke_open311_key,
)
from tongxin.cases.services.workflow import (
    accept_case,
    add_note,
    assign_case,
    assignable_users,
    confirm_case,
    invalidate_case,
    mark_read,
    merge_case,
    reject_case,
    reopen_case,
    reply_templates,
    resolve_case,
    start_case,
    transfer_case,
)

__all__ = [
    "EVENT_LABELS", "TRANSITIONS", "Intake", "_autoclose_one", "accept_case", "add_note", "add_team_member",
    "allowed_events", "assign_case", "assignable_users", "autoclose_resolved", "clean_text", "confirm_case",
    "confirm_service", "create_open311_key", "create_team", "escalate_overdue", "handlers_of_case",
    "invalidate_case", "key_for", "mark_read", "may_confirm",
    "merge_case", "person_for_user", "record_service", "reject_case", "remove_team_member", "reopen_case",
    "reply_templates", "resolve_case", "revoke_open311_key", "route", "set_routing_rule", "start_case",
    "submit_case", "sync_categories", "transfer_case",
]  # fmt: skip
