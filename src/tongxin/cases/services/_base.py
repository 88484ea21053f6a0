"""Shared pieces of the cases services: the workflow table, rule access and small helpers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases import notify
from tongxin.cases.models import (
    Case,
    CaseTransition,
    Category,
    Open311Key,
    State,
)
from tongxin.core import rules, workdays
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope

S = State
# The workflow: from each state, which event leads where. Anything not listed is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.SUBMITTED: {"accept": S.ACCEPTED, "reject": S.REJECTED, "transfer": S.SUBMITTED, "merge": S.MERGED,
                  "invalidate": S.CLOSED},
    S.ACCEPTED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS, "transfer": S.ACCEPTED, "merge": S.MERGED,
                 "invalidate": S.CLOSED},
    S.ASSIGNED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS, "transfer": S.ACCEPTED, "merge": S.MERGED,
                 "invalidate": S.CLOSED},
    S.IN_PROGRESS: {"assign": S.ASSIGNED, "resolve": S.RESOLVED, "transfer": S.ACCEPTED, "invalidate": S.CLOSED},
    S.RESOLVED: {"confirm": S.CLOSED, "reopen": S.IN_PROGRESS, "auto_close": S.CLOSED},
    S.CLOSED: {},
    S.REJECTED: {},
    S.MERGED: {},
}  # fmt: skip

# Who may trigger each event: the handling side, the reporter, or the system (tick).
# (The handler events are also what makes a user "a handler of the case" for the second-person rule.)
HANDLER_EVENTS = {"accept", "reject", "transfer", "assign", "start", "resolve", "merge", "invalidate"}
REPORTER_EVENTS = {"confirm", "reopen"}
SYSTEM_EVENTS = {"auto_close"}

HANDLE = "cases.handle"
REPORT = "cases.report"
MANAGE = "cases.manage"


def _defaults() -> rules.RuleSet:
    return rules.in_force("cases_defaults", on=timezone.localdate())


def allowed_events(state: str) -> dict[str, str]:
    return dict(TRANSITIONS.get(state, {}))


def _ancestor_paths(path: str) -> list[str]:
    """``/r1/r2/r3/`` → [``/r1/``, ``/r1/r2/``, ``/r1/r2/r3/``]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _deadlines(category: Category, now: datetime) -> tuple[datetime, datetime]:
    accept_due = now + timedelta(hours=category.accept_hours)
    if category.workdays:
        resolve_due = workdays.deadline_after(now, category.resolve_days)
    else:
        resolve_due = now + timedelta(days=category.resolve_days)
    return accept_due, resolve_due


def is_system(actor: User) -> bool:
    """Whether ``actor`` is ``accounts.system.SYSTEM`` (tick jobs, commands, public Open311 intake)."""
    return bool(getattr(actor, "is_system", False))


def _row_user(actor: User) -> User | None:
    """The user to store in a "who" column: None for the system actor, which has no row."""
    return None if is_system(actor) else actor


def _actor_name(actor: User, key: Open311Key | None = None) -> str:
    if key is not None and is_system(actor):
        return f"Open311：{key.name}"
    if is_system(actor):
        return "系统"
    return str(actor.display_name)


def _log_transition(**fields: Any) -> CaseTransition:
    row = CaseTransition(**fields)
    row.save()
    return row


def _may_handle(actor: User, case: Case) -> bool:
    return in_scope(case.region_path, actor, HANDLE, "region") or (
        bool(case.handler_path) and in_scope(case.handler_path, actor, HANDLE, "org")
    )


def _tell_reporter(case: Case, kind: str, text: str) -> None:
    if case.reporter_id:
        notify.send(recipients=[case.reporter_id], case=case, kind=kind, text=text)


def _need_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(f"请填写{what}。", field="reason")
    return reason
