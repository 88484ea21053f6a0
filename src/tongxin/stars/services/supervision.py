"""Supervision visits and rectification tasks: open → reported → verified (or returned → reported
again); tasks past their deadline escalate through ``tongxin tick``, once per breached deadline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Region
from tongxin.stars.models import Evidence, RectificationTask, SupervisionVisit, TaskTransition
from tongxin.stars.services.access import (
    SUPERVISE,
    VIEW,
    branch_region,
    clean_reason,
    require,
    township_of,
    user_row,
)

T = RectificationTask.State
TASK_TRANSITIONS: dict[str, dict[str, str]] = {
    T.OPEN: {"report": T.REPORTED, "escalate": T.OPEN},
    T.RETURNED: {"report": T.REPORTED, "escalate": T.RETURNED},
    T.REPORTED: {"verify": T.VERIFIED, "return": T.RETURNED},
    T.VERIFIED: {},
}
TASK_EVENT_LABELS = {
    "create": "交办",
    "report": "报告整改完成",
    "verify": "核验销号",
    "return": "退回重改",
    "escalate": "超期督办",
}


def _today(now: datetime) -> date:
    return timezone.localtime(now).date()


def _move(
    task: RectificationTask, event: str, *, actor: User, reason: str, now: datetime, **fields: Any
) -> None:
    from_state = task.state
    to_state = TASK_TRANSITIONS.get(from_state, {}).get(event)
    if to_state is None:
        raise DomainError(
            f"任务状态为“{task.get_state_display()}”，不能{TASK_EVENT_LABELS.get(event, event)}。",
            field="state",
        )
    if RectificationTask.objects.filter(pk=task.pk, state=from_state).update(state=to_state, **fields) != 1:
        raise DomainError("该任务刚被他人处理，请刷新后重试。", field="state")
    task.refresh_from_db()
    TaskTransition.objects.create(
        task=task,
        event=event,
        from_state=from_state,
        to_state=to_state,
        actor=user_row(actor),
        at=now,
        reason=reason,
    )


@service("stars.visit.record")
def record_visit(
    *, actor: User, region: Region, visited_on: date, summary: str, now: datetime | None = None
) -> SupervisionVisit:
    """Record a supervision visit to a township or one of its villages."""
    now = now or timezone.now()
    require(actor, SUPERVISE, "只能督导分包给您的乡镇（街道）。", region_path=region.path)
    if actor.is_system:
        raise DomainError("督导记录须由督导人本人记录。", code="forbidden")
    summary = clean_reason(summary, field="summary", label="督导情况")
    if visited_on > _today(now):
        raise DomainError("督导日期不能晚于今天。", field="visited_on")
    visit = SupervisionVisit.objects.create(
        region=region,
        township=township_of(region),
        region_path=region.path,
        visited_on=visited_on,
        supervisor=actor,
        summary=summary,
        created_at=now,
    )
    audit.record(
        actor=actor, action="stars.visit.record", target=visit,
        after={"region": region.name, "visited_on": str(visited_on)},
    )  # fmt: skip
    return visit


def may_own(user: User, region: Region) -> bool:
    """A task's owner must be able to see the village's star work (to report on it)."""
    return in_scope(region.path, user, VIEW, "region")


@service("stars.task.create")
def create_task(
    *,
    actor: User,
    org: PartyOrg,
    problem: str,
    required_outcome: str,
    owner: User,
    deadline: date,
    visit: SupervisionVisit | None = None,
    now: datetime | None = None,
) -> RectificationTask:
    """Turn a problem found into a task with an owner, a deadline and the outcome required."""
    now = now or timezone.now()
    region = branch_region(org)
    require(actor, SUPERVISE, "只能为分包乡镇（街道）的村（社区）交办整改任务。", region_path=region.path)
    problem = clean_reason(problem, field="problem", label="问题")[:300]
    required_outcome = clean_reason(required_outcome, field="required_outcome", label="整改要求")
    if not may_own(owner, region):
        raise DomainError(
            f"{owner.display_name}无权查看{region.name}的创建工作，不能作为责任人。", field="owner"
        )
    if deadline < _today(now):
        raise DomainError("整改时限不能早于今天。", field="deadline")
    if visit is not None and not region.path.startswith(visit.region_path):
        raise DomainError("该村（社区）不在这次督导的范围内。", field="visit")
    task = RectificationTask.objects.create(
        visit=visit,
        org=org,
        region=region,
        township=township_of(region),
        region_path=region.path,
        org_path=org.path,
        problem=problem,
        required_outcome=required_outcome,
        owner=owner,
        deadline=deadline,
        created_by=user_row(actor),
        created_at=now,
    )
    TaskTransition.objects.create(
        task=task, event="create", from_state="", to_state=T.OPEN, actor=user_row(actor), at=now
    )
    audit.record(
        actor=actor, action="stars.task.create", target=task,
        after={"problem": problem, "owner": owner.username, "deadline": str(deadline)},
    )  # fmt: skip
    return task


@service("stars.task.report")
def report_task(
    *,
    actor: User,
    task: RectificationTask,
    report: str,
    evidence: list[Evidence] | None = None,
    now: datetime | None = None,
) -> RectificationTask:
    """The owner reports the task done, with what was done and the evidence."""
    now = now or timezone.now()
    if not actor.is_system and actor.pk != task.owner_id:
        raise DomainError("只有责任人可以报告整改情况。", code="forbidden")
    report = clean_reason(report, field="report", label="整改情况")
    for ev in evidence or []:
        if ev.region_id != task.region_id:
            raise DomainError("只能使用本村（社区）的佐证材料。", field="evidence")
    _move(task, "report", actor=actor, reason=report, now=now, report=report, reported_at=now)
    if evidence:
        task.evidence.add(*evidence)
    audit.record(
        actor=actor, action="stars.task.report", target=task,
        after={"report": report, "evidence": [e.pk for e in evidence or []]},
    )  # fmt: skip
    return task


@service("stars.task.verify")
def verify_task(
    *, actor: User, task: RectificationTask, note: str = "", now: datetime | None = None
) -> RectificationTask:
    """The supervisor accepts the report (销号). On time = reported by the deadline."""
    now = now or timezone.now()
    require(actor, SUPERVISE, "只能核验分包乡镇（街道）的整改任务。", region_path=task.region_path)
    on_time = task.reported_at is not None and _today(task.reported_at) <= task.deadline
    _move(task, "verify", actor=actor, reason=note.strip(), now=now, verified_at=now, on_time=on_time)
    audit.record(actor=actor, action="stars.task.verify", target=task, after={"on_time": on_time})
    return task


@service("stars.task.return")
def return_task(
    *,
    actor: User,
    task: RectificationTask,
    reason: str,
    new_deadline: date | None = None,
    now: datetime | None = None,
) -> RectificationTask:
    """The supervisor returns the report; optionally with a new deadline (a new breach of it
    escalates again)."""
    now = now or timezone.now()
    require(actor, SUPERVISE, "只能退回分包乡镇（街道）的整改任务。", region_path=task.region_path)
    reason = clean_reason(reason, label="退回理由")
    fields: dict[str, Any] = {}
    if new_deadline is not None:
        if new_deadline < _today(now):
            raise DomainError("新的整改时限不能早于今天。", field="new_deadline")
        fields["deadline"] = new_deadline
    _move(task, "return", actor=actor, reason=reason, now=now, **fields)
    audit.record(
        actor=actor, action="stars.task.return", target=task,
        after={"reason": reason, "deadline": str(task.deadline)},
    )  # fmt: skip
    return task


def escalate_overdue(now: datetime) -> int:
    """Tick job: escalate each task past its deadline and not yet reported — exactly once per
    breached deadline (a conditional update claims the breach)."""
    today = _today(now)
    due = RectificationTask.objects.filter(state__in=[T.OPEN, T.RETURNED], deadline__lt=today).filter(
        Q(escalated_deadline__isnull=True) | ~Q(escalated_deadline=F("deadline"))
    )
    count = 0
    for pk in list(due.values_list("pk", flat=True)[:5000]):
        claimed = (
            RectificationTask.objects.filter(pk=pk, state__in=[T.OPEN, T.RETURNED], deadline__lt=today)
            .filter(Q(escalated_deadline__isnull=True) | ~Q(escalated_deadline=F("deadline")))
            .update(escalated_deadline=F("deadline"), escalations=F("escalations") + 1)
        )
        if claimed != 1:
            continue
        task = RectificationTask.objects.get(pk=pk)
        days = (today - task.deadline).days
        TaskTransition.objects.create(
            task=task, event="escalate", from_state=task.state, to_state=task.state, actor=None, at=now,
            reason=f"超过整改时限 {task.deadline}（已超期{days}天），提请督办",
        )  # fmt: skip
        audit.record(
            actor=SYSTEM, action="stars.task.escalate", target=task,
            after={"deadline": str(task.deadline), "escalations": task.escalations},
        )  # fmt: skip
        count += 1
    return count
