"""The case workflow: the state machine's events, confirmation with the incentive step, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tongxin.accounts.models import Grant, User
from tongxin.accounts.roles import roles_with
from tongxin.cases import notify
from tongxin.cases.models import (
    EVENT_LABELS,
    OPEN_STATES,
    Case,
    CaseNote,
    CasePhoto,
    Notification,
    State,
    Validity,
)
from tongxin.cases.services import awards
from tongxin.cases.services._base import (
    HANDLE,
    REPORTER_EVENTS,
    SYSTEM_EVENTS,
    TRANSITIONS,
    _actor_name,
    _deadlines,
    _defaults,
    _log_transition,
    _may_handle,
    _need_reason,
    _row_user,
    _tell_reporter,
    is_system,
)
from tongxin.cases.services.intake import _save_photo, check_photo
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.text import pinyin_key
from tongxin.orgs.models import PartyOrg

# --- the state machine --------------------------------------------------------------------------


def _check_actor(actor: User, case: Case, event: str) -> None:
    if event in SYSTEM_EVENTS:
        if not is_system(actor):
            raise DomainError(f"“{EVENT_LABELS[event]}”只能由系统执行。", field="event")
        return
    if is_system(actor):
        return
    if event == "confirm":
        awards.check_confirmer(actor, case)  # the second-person rule
        return
    if event in REPORTER_EVENTS:
        if case.reporter_id == actor.pk:
            return
        if case.reporter_id is None and _may_handle(actor, case):
            return  # reporter without an account: staff records the reporter's "not solved" from a call
        raise DomainError("只有上报人本人可以确认或退回。", field="event")
    if not _may_handle(actor, case):
        raise DomainError("您无权办理此事项。", field="event")


def _move(
    *,
    actor: User,
    case: Case,
    event: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """Apply ``event`` to ``case`` if the table allows it from the case's current state in the database."""
    now = now or timezone.now()
    if event not in EVENT_LABELS or event in ("submit", "escalate"):
        raise DomainError(f"未知的操作“{event}”。", field="event")
    current = Case.objects.filter(pk=case.pk).values_list("state", flat=True).first()
    if current is None:
        raise DomainError("事项不存在。", field="case")
    target = TRANSITIONS.get(current, {}).get(event)
    if target is None:
        raise DomainError(
            f"事项当前状态为“{State(current).label}”，不能执行“{EVENT_LABELS[event]}”。",
            field="event",
            code="conflict",
        )
    _check_actor(actor, case, event)
    fields = {"state": target, "state_changed_at": now, **(changes or {})}
    fields["open_due_at"] = _open_due(case.pk, target, fields)
    updated = Case.objects.filter(pk=case.pk, state=current).update(**fields)
    if updated != 1:
        raise DomainError("事项状态刚刚被他人更改，请刷新后重试。", field="event", code="conflict")
    _log_transition(
        case=case,
        event=event,
        from_state=current,
        to_state=target,
        actor=_row_user(actor),
        actor_name=_actor_name(actor),
        at=now,
        reason=reason,
        data=data or {},
    )
    case.refresh_from_db()
    audit.record(
        actor=actor,
        action=f"cases.case.{event}",
        target=case,
        before={"state": current},
        after={"state": target, "reason": reason[:200], **(data or {})},
    )
    return case


def _open_due(pk: int, target: str, fields: dict[str, Any]) -> datetime | None:
    """The deadline an open case must meet next, after ``fields`` are applied; None when not open."""
    if target not in OPEN_STATES:
        return None
    row: dict[str, Any] = dict(
        Case.objects.filter(pk=pk).values("accepted_at", "accept_due_at", "resolve_due_at").get()
    )
    row.update({k: v for k, v in fields.items() if k in row})
    return row["accept_due_at"] if row["accepted_at"] is None else row["resolve_due_at"]


@service("cases.case.accept")
def accept_case(*, actor: User, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """The handling organisation takes the case on."""
    now = now or timezone.now()
    case = _move(actor=actor, case=case, event="accept", reason=note, changes={"accepted_at": now}, now=now)
    _tell_reporter(
        case,
        "accepted",
        f"您上报的 {case.number} 已受理，将在 {timezone.localtime(case.resolve_due_at):%m月%d日 %H:%M} 前办结。",
    )
    return case


@service("cases.case.reject")
def reject_case(*, actor: User, case: Case, reason: str, now: datetime | None = None) -> Case:
    """Refuse the case (not within remit, not a real problem), with the reason the reporter will see."""
    now = now or timezone.now()
    reason = _need_reason(reason, "不予受理的理由")
    case = _move(
        actor=actor,
        case=case,
        event="reject",
        reason=reason,
        changes={"closed_at": now, "close_reason": "rejected"},
        now=now,
    )
    _tell_reporter(case, "rejected", f"您上报的 {case.number} 不予受理：{reason}")
    return case


@service("cases.case.transfer")
def transfer_case(
    *, actor: User, case: Case, org: PartyOrg, reason: str, now: datetime | None = None
) -> Case:
    """Hand the case to another organisation (转办); an assigned person is released."""
    reason = _need_reason(reason, "转办理由")
    if not org.is_active:
        raise DomainError(f"党组织“{org.name}”已撤销。", field="org")
    if org.pk == case.handling_org_id:
        raise DomainError("该事项已由此组织承办。", field="org")
    case = _move(
        actor=actor,
        case=case,
        event="transfer",
        reason=reason,
        changes={"handling_org": org, "handler_path": org.path, "assignee": None},
        data={"org": org.pk, "org_name": org.name},
        now=now,
    )
    notify.send(
        recipients=notify.handlers_of(case),
        case=case,
        kind="transfer",
        text=f"{case.number} 已转交贵单位办理：{reason[:60]}",
    )
    return case


def assignable_users(case: Case) -> list[User]:
    """Users who may be assigned: holders of a handling role whose grant covers the case."""
    grants = Grant.objects.filter(revoked_at__isnull=True, role__in=roles_with(HANDLE)).select_related("user")
    out: dict[int, User] = {}
    for g in grants:
        path = case.region_path if g.tree == "region" else case.handler_path
        if path and path.startswith(g.path) and g.user.is_active:
            out[g.user_id] = g.user
    return sorted(out.values(), key=lambda u: (pinyin_key(u.display_name), u.pk))


@service("cases.case.assign")
def assign_case(
    *, actor: User, case: Case, assignee: User, note: str = "", now: datetime | None = None
) -> Case:
    """Give the case to one person of the handling side (also used to reassign)."""
    if assignee.pk not in {u.pk for u in assignable_users(case)}:
        raise DomainError(f"“{assignee.display_name}”没有办理该事项的权限。", field="assignee")
    if assignee.pk == case.assignee_id and case.state == State.ASSIGNED:
        raise DomainError("该事项已指派给此人。", field="assignee")
    case = _move(
        actor=actor,
        case=case,
        event="assign",
        reason=note,
        changes={"assignee": assignee},
        data={"assignee": assignee.pk, "assignee_name": assignee.display_name},
        now=now,
    )
    notify.send(recipients=[assignee.pk], case=case, kind="assigned", text=f"{case.number} 已指派给您办理。")
    return case


@service("cases.case.start")
def start_case(*, actor: User, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """Work on the case has begun."""
    changes: dict[str, Any] = {}
    if case.assignee_id is None and not is_system(actor):
        changes["assignee"] = actor
    if case.accepted_at is None:
        changes["accepted_at"] = now or timezone.now()
    return _move(actor=actor, case=case, event="start", reason=note, changes=changes, now=now)


@service("cases.case.resolve")
def resolve_case(
    *, actor: User, case: Case, note: str, photo: Any = None, now: datetime | None = None
) -> Case:
    """Record the result (a note, optionally a photo); the reporter is asked to confirm."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) < 2:
        raise DomainError("请填写办理结果。", field="note")
    processed = check_photo(photo, field="photo", label="办理结果照片") if photo else None
    case = _move(
        actor=actor,
        case=case,
        event="resolve",
        reason=note,
        changes={"resolved_at": now, "resolution_note": note},
        now=now,
    )
    if processed is not None:
        _save_photo(case, processed, CasePhoto.Stage.RESOLUTION, now)
    _tell_reporter(case, "resolved", f"您上报的 {case.number} 已办结，请查看结果并确认或退回。")
    return case


@service("cases.case.reopen")
def reopen_case(*, actor: User, case: Case, reason: str, now: datetime | None = None) -> Case:
    """The reporter is not satisfied: the case goes back to the handler with a new resolve deadline."""
    now = now or timezone.now()
    reason = _need_reason(reason, "退回理由")
    _, resolve_due = _deadlines(case.category, now)
    case = _move(
        actor=actor,
        case=case,
        event="reopen",
        reason=reason,
        changes={
            "resolved_at": None,
            "resolve_due_at": resolve_due,
            "resolve_escalated_at": None,
            "reopen_count": F("reopen_count") + 1,
        },
        now=now,
    )
    recipients = notify.handlers_of(case) | ({case.assignee_id} if case.assignee_id else set())
    notify.send(
        recipients=recipients, case=case, kind="reopened", text=f"{case.number} 被上报人退回：{reason[:60]}"
    )
    return case


@service("cases.case.confirm")
def confirm_case(
    *, actor: User, case: Case, rating: int, feedback: str = "", now: datetime | None = None
) -> Case:
    """The reporter rates the handling (1–5) and confirms; the case closes and a valid report earns the
    category's points through ``points.services.award_points`` exactly once, under the second-person
    rule and the caps of ``services.awards``. A retry, or a second
    request racing this one, returns the closed case and awards nothing more."""
    now = now or timezone.now()
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise DomainError("评价应为1到5分。", field="rating")
    fresh = Case.objects.get(pk=case.pk)
    if fresh.state == State.CLOSED and fresh.close_reason == "confirmed":
        _check_actor(actor, fresh, "confirm")
        return fresh  # idempotent retry
    try:
        with transaction.atomic():
            case = _move(
                actor=actor,
                case=case,
                event="confirm",
                reason=(feedback or "").strip()[:500],
                changes={
                    "rating": rating,
                    "feedback": (feedback or "").strip()[:500],
                    "confirmed_at": now,
                    "closed_at": now,
                    "close_reason": "confirmed",
                },
                data={"rating": rating},
                now=now,
            )
    except DomainError:
        fresh = Case.objects.get(pk=case.pk)
        if fresh.state == State.CLOSED and fresh.close_reason == "confirmed":
            return fresh  # the other request won; same outcome
        raise
    awards.award_case(actor=actor, case=case, now=now)
    case.refresh_from_db()
    return case


@service("cases.case.merge")
def merge_case(*, actor: User, case: Case, into: Case, now: datetime | None = None) -> Case:
    """Merge a duplicate into the case that stays open; the duplicate's reporter is told."""
    if into.pk == case.pk:
        raise DomainError("不能合并到自身。", field="into")
    if into.state not in (*OPEN_STATES, State.RESOLVED):
        raise DomainError(f"目标事项 {into.number} 已结束，不能合并。", field="into")
    if into.category_id != case.category_id:
        raise DomainError("只能合并同一类别的事项。", field="into")
    if not _may_handle(actor, into):
        raise DomainError("您无权办理目标事项。", field="into")
    now = now or timezone.now()
    case = _move(
        actor=actor,
        case=case,
        event="merge",
        reason=f"与 {into.number} 重复",
        changes={"merged_into": into, "closed_at": now, "close_reason": "merged"},
        data={"into": into.pk},
        now=now,
    )
    _tell_reporter(case, "merged", f"您上报的 {case.number} 与 {into.number} 为同一问题，已合并办理。")
    return case


@service("cases.case.invalidate")
def invalidate_case(
    *, actor: User, case: Case, validity: str, reason: str, now: datetime | None = None
) -> Case:
    """Mark a report invalid or malicious: it closes and earns nothing."""
    if validity not in (Validity.INVALID, Validity.MALICIOUS):
        raise DomainError("请选择“无效”或“恶意”。", field="validity")
    reason = _need_reason(reason, "认定理由")
    now = now or timezone.now()
    case = _move(
        actor=actor,
        case=case,
        event="invalidate",
        reason=reason,
        changes={"validity": validity, "closed_at": now, "close_reason": validity},
        data={"validity": validity},
        now=now,
    )
    _tell_reporter(
        case, "invalid", f"您上报的 {case.number} 经核实为{Validity(validity).label}上报：{reason}"
    )
    return case


@service("cases.note.add")
def add_note(*, actor: User, case: Case, body: str, internal: bool = True) -> CaseNote:
    """An internal note among the handling staff, or (``internal=False``) a reply the reporter sees."""
    body = (body or "").strip()
    if not body:
        raise DomainError("请填写内容。", field="body")
    if len(body) > 2000:
        raise DomainError("内容最多2000字。", field="body")
    if not _may_handle(actor, case):
        raise DomainError("您无权办理此事项。", field="body")
    note = CaseNote.objects.create(case=case, author=actor, body=body, internal=internal)
    audit.record(
        actor=actor,
        action="cases.note.add",
        target=case,
        after={"note": note.pk, "internal": internal},
    )
    if not internal:
        _tell_reporter(case, "reply", f"{case.number} 的答复：{body[:80]}")
    return note


def reply_templates() -> list[str]:
    return list(_defaults().value("reply_templates"))


@service("cases.notification.read")
def mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's messages read (all of them when ``ids`` is None). Idempotent."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    if n:
        audit.record(
            actor=actor,
            action="cases.notification.read",
            target_type="cases.notification",
            after={"count": n},
        )
    return n
