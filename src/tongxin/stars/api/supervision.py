"""Supervision visits (督导) and rectification tasks (整改)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.stars import selectors, services
from tongxin.stars.api.router import need, router
from tongxin.stars.api.schemas import (
    ReportIn,
    TaskFilter,
    TaskIn,
    TaskOut,
    TaskReturnIn,
    VerifyIn,
    VisitIn,
    VisitOut,
)
from tongxin.stars.models import RectificationTask, SupervisionVisit
from tongxin.stars.selectors import SUPERVISE, VIEW


def _visit_out(v: SupervisionVisit) -> dict[str, Any]:
    return {
        "id": v.pk, "region_id": v.region_id, "visited_on": v.visited_on, "summary": v.summary,
        "supervisor": v.supervisor.display_name,
    }  # fmt: skip


@router.get("/visits", response=list[VisitOut], summary="督导记录")
@paginate(Pagination)
def visits(request: HttpRequest) -> Any:
    return [_visit_out(v) for v in selectors.visits_for(actor(request)).order_by("-visited_on", "-id")[:1000]]


@router.post("/visits", response={201: VisitOut, **ERRORS}, summary="记录督导")
def record_visit(request: HttpRequest, payload: VisitIn) -> Status:
    user = need(request, SUPERVISE)
    region = selectors.supervised_regions(user).filter(pk=payload.region_id).first()
    if region is None:
        raise DomainError("督导地点不存在或不在您的分包范围内。", field="region_id")
    visit = services.record_visit(
        actor=user, region=region, visited_on=payload.visited_on, summary=payload.summary
    )
    return Status(201, _visit_out(visit))


@router.get("/tasks", response=list[TaskOut], summary="整改任务（本人范围内）")
@paginate(Pagination)
def tasks(request: HttpRequest, filters: Query[TaskFilter]) -> Any:
    return selectors.tasks_for(
        actor(request),
        VIEW,
        state=filters.state,
        overdue=filters.overdue,
        mine=filters.mine,
        township=filters.township,
    )


@router.get("/tasks/{int:task_id}", response={200: TaskOut, **ERRORS}, summary="整改任务详情")
def task(request: HttpRequest, task_id: int) -> RectificationTask:
    return selectors.task_for(actor(request), task_id)


@router.post("/tasks", response={201: TaskOut, **ERRORS}, summary="交办整改任务")
def create_task(request: HttpRequest, payload: TaskIn) -> Status:
    user = actor(request)
    org = selectors.branch_for(user, payload.org_id, SUPERVISE)
    owner = selectors.owner_candidates(user).filter(pk=payload.owner_id).first()
    if owner is None:
        raise DomainError("责任人不存在或不在您的分包范围内。", field="owner_id")
    visit = selectors.visit_for(user, payload.visit_id, SUPERVISE) if payload.visit_id else None
    task = services.create_task(
        actor=user, org=org, problem=payload.problem, required_outcome=payload.required_outcome,
        owner=owner, deadline=payload.deadline, visit=visit,
    )  # fmt: skip
    return Status(201, task)


@router.post("/tasks/{int:task_id}/report", response={200: TaskOut, **ERRORS}, summary="报告整改完成")
def report_task(request: HttpRequest, task_id: int, payload: ReportIn) -> RectificationTask:
    user = actor(request)
    item = selectors.task_for(user, task_id)
    evidence = list(selectors.evidence_library(user, item.region).filter(pk__in=payload.evidence_ids))
    if len(evidence) != len(set(payload.evidence_ids)):
        raise DomainError("部分佐证材料不存在或不属于本村（社区）。", field="evidence_ids")
    return services.report_task(actor=user, task=item, report=payload.report, evidence=evidence)


@router.post("/tasks/{int:task_id}/verify", response={200: TaskOut, **ERRORS}, summary="核验销号")
def verify_task(request: HttpRequest, task_id: int, payload: VerifyIn) -> RectificationTask:
    user = actor(request)
    return services.verify_task(
        actor=user, task=selectors.task_for(user, task_id, SUPERVISE), note=payload.note
    )


@router.post("/tasks/{int:task_id}/return", response={200: TaskOut, **ERRORS}, summary="退回重改")
def return_task(request: HttpRequest, task_id: int, payload: TaskReturnIn) -> RectificationTask:
    user = actor(request)
    return services.return_task(
        actor=user, task=selectors.task_for(user, task_id, SUPERVISE), reason=payload.reason,
        new_deadline=payload.new_deadline,
    )  # fmt: skip
