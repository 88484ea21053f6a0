from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.stars import selectors, services
from tongxin.stars.assessment import evaluate
from tongxin.stars.models import (
    CriteriaSet,
    Objection,
    RectificationTask,
    StarCycle,
    SupervisionVisit,
)
from tongxin.stars.selectors import APPROVE, LIST_KINDS, MANAGE, RATE, SELF_ASSESS, SUPERVISE, VIEW

router = Router(tags=["五星支部创建"])


def _need(request: HttpRequest, perm: str) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(perm):
        raise Http404
    return user


# --- schemas -----------------------------------------------------------------------------------
class CriteriaSetOut(Schema):
    id: int
    applies_to: str
    version: int
    title: str
    source: str
    is_sample: bool
    effective_year: int
    rules: dict[str, Any]
    created_at: datetime


class IndicatorOut(Schema):
    id: int
    code: str
    text: str
    method: str
    max_score: int
    weight: int
    metric: str
    comparison: str
    threshold: str | None
    evidence_hint: str


class StarOut(Schema):
    code: str
    name: str
    pass_percent: int
    indicators: list[IndicatorOut]


class CriteriaDetailOut(CriteriaSetOut):
    stars: list[StarOut]


class CycleOut(Schema):
    id: int
    org_id: int
    org_name: str
    region_id: int
    township_id: int
    year: int = Field(..., ge=2000, le=2100)
    criteria_set_id: int
    target_stars: int
    state: str
    notice_starts_on: date | None
    notice_ends_on: date | None
    current_stars: list[str]
    current_count: int
    current_level: str

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj["org_name"]) if isinstance(obj, dict) else str(obj.org.name)


class EvidenceOut(Schema):
    id: int
    kind: str
    ref_id: str
    label: str
    url: str


class IndicatorStateOut(Schema):
    indicator_id: int
    code: str
    text: str
    method: str
    met: bool | None
    score: int | None
    note: str
    figure: str | None
    figure_text: str
    figure_reason: str
    percent: int
    evidence: list[EvidenceOut]


class StarStateOut(Schema):
    code: str
    name: str
    percent: int
    pass_percent: int
    earned: bool
    indicators: list[IndicatorStateOut]


class ResultOut(Schema):
    stage: str
    stars: list[str]
    count: int
    level: str
    actor: str
    at: datetime
    reason: str


class StarTransitionOut(Schema):
    event: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str


class CycleDetailOut(CycleOut):
    stars: list[StarStateOut]
    computed_level: str
    results: list[ResultOut]
    transitions: list[StarTransitionOut]


class DeclareIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    target_stars: int
    reason: str = Field("", max_length=500)


class AssessIn(Schema):
    met: bool | None = None
    score: int | None = None
    note: str = Field("", max_length=2000)


class EvidenceIn(Schema):
    kind: str = Field("", max_length=20)
    ref_id: str = Field("", max_length=64)
    evidence_id: int | None = None


class StarDecisionIn(Schema):
    stars: list[str]
    reason: str = Field("", max_length=2000)


class StarReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class RemoveStarIn(Schema):
    star_code: str = Field(..., max_length=32)
    reason: str = Field(..., max_length=2000)


class StarObjectionOut(Schema):
    id: int
    cycle_id: int
    reason: str
    state: str
    resolution: str
    raised_at: datetime


class ResolveIn(Schema):
    upheld: bool
    resolution: str = Field(..., max_length=2000)


class CycleFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    state: str = Field("", max_length=20)
    level: str = Field("", max_length=8)
    township: int | None = None


class WeakOut(Schema):
    id: int
    org_id: int
    org_name: str
    year: int = Field(..., ge=2000, le=2100)
    reason: str
    plan: str
    state: str
    lift_reason: str

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj["org_name"]) if isinstance(obj, dict) else str(obj.org.name)


class WeakIn(Schema):
    org_id: int
    year: int = Field(..., ge=2000, le=2100)
    reason: str = Field(..., max_length=2000)
    plan: str = Field(..., max_length=2000)


class TownshipOut(Schema):
    township_id: int
    township: str
    leaders: list[str]
    levels: dict[str, int]
    weak: int
    tasks: dict[str, int]
    overdue: int
    on_time_rate: int | None


class CountyOut(Schema):
    year: int = Field(..., ge=2000, le=2100)
    totals: dict[str, int]
    task_states: dict[str, int]
    overdue: int
    on_time_rate: int | None
    townships: list[TownshipOut]


class VisitIn(Schema):
    region_id: int
    visited_on: date
    summary: str = Field(..., max_length=2000)


class VisitOut(Schema):
    id: int
    region_id: int
    visited_on: date
    summary: str
    supervisor: str


class TaskIn(Schema):
    org_id: int
    problem: str = Field(..., max_length=300)
    required_outcome: str = Field(..., max_length=2000)
    owner_id: int
    deadline: date
    visit_id: int | None = None


class TaskOut(Schema):
    id: int
    org_id: int
    region_id: int
    township_id: int
    problem: str
    required_outcome: str
    owner_id: int
    deadline: date
    state: str
    report: str
    escalations: int
    on_time: bool | None


class TaskFilter(Schema):
    state: str = Field("", max_length=10)
    overdue: bool = False
    mine: bool = False
    township: int | None = None


class ReportIn(Schema):
    report: str = Field(..., max_length=2000)
    evidence_ids: list[int] = []


class VerifyIn(Schema):
    note: str = Field("", max_length=2000)


class TaskReturnIn(Schema):
    reason: str = Field(..., max_length=2000)
    new_deadline: date | None = None


# --- criteria ----------------------------------------------------------------------------------
@router.get("/criteria", response=list[CriteriaSetOut], summary="评定标准各版本")
def list_criteria(request: HttpRequest) -> Any:
    _need(request, VIEW)
    return list(selectors.criteria_sets())


def _criteria_detail(cs: CriteriaSet) -> dict[str, Any]:
    out = CriteriaSetOut.from_orm(cs).dict()
    out["stars"] = [
        {
            "code": s.code,
            "name": s.name,
            "pass_percent": s.pass_percent,
            "indicators": [
                {
                    "id": i.pk,
                    "code": i.code,
                    "text": i.text,
                    "method": i.method,
                    "max_score": i.max_score,
                    "weight": i.weight,
                    "metric": i.metric,
                    "comparison": i.comparison,
                    "threshold": str(i.threshold) if i.threshold is not None else None,
                    "evidence_hint": i.evidence_hint,
                }
                for i in s.indicators.all()
            ],
        }
        for s in cs.stars.all()
    ]
    return out


@router.get(
    "/criteria/{int:criteria_id}", response={200: CriteriaDetailOut, **ERRORS}, summary="评定标准详情"
)
def get_criteria(request: HttpRequest, criteria_id: int) -> Any:
    _need(request, VIEW)
    return _criteria_detail(selectors.criteria_set(criteria_id))


@router.post("/criteria", response={201: CriteriaDetailOut, **ERRORS}, summary="导入评定标准（成为新版本）")
def import_criteria(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> Status:  # noqa: B008
    user = _need(request, MANAGE)
    cs = services.import_criteria(actor=user, data=payload)
    return Status(201, _criteria_detail(cs))


# --- cycles ------------------------------------------------------------------------------------
@router.get("/cycles", response=list[CycleOut], summary="星级创建年度（本人范围内）")
@paginate(Pagination)
def list_cycles(request: HttpRequest, filters: Query[CycleFilter]) -> Any:
    return selectors.cycles_for(
        actor(request),
        VIEW,
        year=filters.year,
        state=filters.state,
        level=filters.level,
        township=filters.township,
    )


def _detail(cycle: StarCycle) -> dict[str, Any]:
    ev = evaluate(cycle, now=timezone.now())
    out = CycleOut.from_orm(cycle).dict()
    out["stars"] = [
        {
            "code": s.star.code,
            "name": s.star.name,
            "percent": s.percent,
            "pass_percent": s.star.pass_percent,
            "earned": s.earned,
            "indicators": [
                {
                    "indicator_id": r.indicator.pk,
                    "code": r.indicator.code,
                    "text": r.indicator.text,
                    "method": r.indicator.method,
                    "met": r.assessment.met if r.assessment else None,
                    "score": r.assessment.score if r.assessment else None,
                    "note": r.assessment.note if r.assessment else "",
                    "figure": str(r.figure.value) if r.figure and r.figure.available else None,
                    "figure_text": r.figure.text if r.figure else "",
                    "figure_reason": r.figure.reason if r.figure else "",
                    "percent": r.percent,
                    "evidence": [
                        {
                            "id": e.pk,
                            "kind": e.kind,
                            "ref_id": e.ref_id,
                            "label": e.label,
                            "url": e.get_absolute_url(),
                        }
                        for e in r.evidence
                    ],
                }
                for r in s.rows
            ],
        }
        for s in ev.stars
    ]
    out["computed_level"] = ev.outcome.level
    out["results"] = [
        {"stage": r.stage, "stars": r.stars, "count": r.count, "level": r.level,
         "actor": r.actor.display_name if r.actor else "系统", "at": r.at, "reason": r.reason}
        for r in cycle.results.select_related("actor").order_by("id")
    ]  # fmt: skip
    out["transitions"] = [
        {"event": t.event, "from_state": t.from_state, "to_state": t.to_state,
         "actor": t.actor.display_name if t.actor else "系统", "at": t.at, "reason": t.reason}
        for t in cycle.transitions.select_related("actor").order_by("id")
    ]  # fmt: skip
    return out


@router.get(
    "/cycles/{int:cycle_id}",
    response={200: CycleDetailOut, **ERRORS},
    summary="星级创建详情（指标、佐证、记录）",
)
def get_cycle(request: HttpRequest, cycle_id: int) -> Any:
    return _detail(selectors.cycle_for(actor(request), cycle_id))


@router.post(
    "/branches/{int:org_id}/cycles", response={201: CycleDetailOut, **ERRORS}, summary="申报目标星级"
)
def declare(request: HttpRequest, org_id: int, payload: DeclareIn) -> Status:
    user = actor(request)
    org = selectors.branch_for(user, org_id, SELF_ASSESS)
    cycle = services.declare_target(
        actor=user, org=org, year=payload.year, target_stars=payload.target_stars, reason=payload.reason
    )
    return Status(201, _detail(cycle))


@router.put(
    "/cycles/{int:cycle_id}/indicators/{int:indicator_id}",
    response={200: CycleDetailOut, **ERRORS},
    summary="填写指标自评",
)
def assess(request: HttpRequest, cycle_id: int, indicator_id: int, payload: AssessIn) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, SELF_ASSESS)
    services.assess_indicator(
        actor=user,
        cycle=cycle,
        indicator_id=indicator_id,
        met=payload.met,
        score=payload.score,
        note=payload.note,
    )
    return _detail(cycle)


@router.post(
    "/cycles/{int:cycle_id}/indicators/{int:indicator_id}/evidence",
    response={200: CycleDetailOut, **ERRORS},
    summary="为指标添加佐证（引用已有记录或已有材料）",
)
def add_evidence(request: HttpRequest, cycle_id: int, indicator_id: int, payload: EvidenceIn) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, SELF_ASSESS)
    if payload.evidence_id is not None:
        evidence = selectors.evidence_library(user, cycle.region).filter(pk=payload.evidence_id).first()
        if evidence is None:
            raise DomainError("本村（社区）没有这份佐证材料。", field="evidence_id")
    else:
        evidence = services.link_record(
            actor=user, region=cycle.region, kind=payload.kind, ref_id=payload.ref_id
        )
    services.attach_evidence(actor=user, cycle=cycle, indicator_id=indicator_id, evidence=evidence)
    return _detail(cycle)


@router.post("/cycles/{int:cycle_id}/submit", response={200: CycleDetailOut, **ERRORS}, summary="提交自评")
def submit(request: HttpRequest, cycle_id: int) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, SELF_ASSESS)
    return _detail(services.submit_self_assessment(actor=user, cycle=cycle))


@router.post("/cycles/{int:cycle_id}/rate", response={200: CycleDetailOut, **ERRORS}, summary="乡镇初评")
def rate(request: HttpRequest, cycle_id: int, payload: StarDecisionIn) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, RATE)
    return _detail(services.rate_cycle(actor=user, cycle=cycle, stars=payload.stars, reason=payload.reason))


@router.post(
    "/cycles/{int:cycle_id}/approve", response={200: CycleDetailOut, **ERRORS}, summary="县级审定并公示"
)
def approve(request: HttpRequest, cycle_id: int, payload: StarDecisionIn) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, APPROVE)
    return _detail(
        services.approve_cycle(actor=user, cycle=cycle, stars=payload.stars, reason=payload.reason)
    )


@router.post(
    "/cycles/{int:cycle_id}/return", response={200: CycleDetailOut, **ERRORS}, summary="退回上一环节"
)
def return_back(request: HttpRequest, cycle_id: int, payload: StarReasonIn) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id)
    cycle = selectors.cycle_for(user, cycle_id, RATE if cycle.state == StarCycle.State.SUBMITTED else APPROVE)
    return _detail(services.return_cycle(actor=user, cycle=cycle, reason=payload.reason))


@router.post(
    "/cycles/{int:cycle_id}/finalise", response={200: CycleDetailOut, **ERRORS}, summary="公示期满确定星级"
)
def finalise(request: HttpRequest, cycle_id: int) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, APPROVE)
    return _detail(services.finalise_cycle(actor=user, cycle=cycle))


@router.post(
    "/cycles/{int:cycle_id}/remove-star", response={200: CycleDetailOut, **ERRORS}, summary="动态摘星"
)
def remove_star(request: HttpRequest, cycle_id: int, payload: RemoveStarIn) -> Any:
    user = actor(request)
    cycle = selectors.cycle_for(user, cycle_id, APPROVE)
    return _detail(
        services.remove_star(actor=user, cycle=cycle, star_code=payload.star_code, reason=payload.reason)
    )


@router.get("/notice", response=list[CycleOut], summary="正在公示的评定结果")
def notice(request: HttpRequest) -> Any:
    return list(selectors.notice_cycles()[:500])


@router.post(
    "/cycles/{int:cycle_id}/objections",
    response={201: StarObjectionOut, **ERRORS},
    summary="对公示结果提出异议",
)
def raise_objection(request: HttpRequest, cycle_id: int, payload: StarReasonIn) -> Status:
    cycle = selectors.notice_cycle(cycle_id)
    return Status(201, services.raise_objection(actor=actor(request), cycle=cycle, reason=payload.reason))


@router.post(
    "/objections/{int:objection_id}/resolve", response={200: StarObjectionOut, **ERRORS}, summary="处理异议"
)
def resolve_objection(request: HttpRequest, objection_id: int, payload: ResolveIn) -> Objection:
    user = actor(request)
    objection = selectors.objection_for(user, objection_id)
    return services.resolve_objection(
        actor=user, objection=objection, upheld=payload.upheld, resolution=payload.resolution
    )


# --- lists and the county view -----------------------------------------------------------------
@router.get("/lists/{kind}", response={200: list[CycleOut], **ERRORS}, summary="五星/四星/三星/三星以下名单")
@paginate(Pagination)
def level_list(
    request: HttpRequest,
    kind: str,
    year: int | None = Query(None, ge=2000, le=2100),
    township: int | None = None,
) -> Any:
    if kind not in LIST_KINDS or kind == "weak":
        raise Http404
    return selectors.level_list(
        actor(request), year=year or selectors.this_year(), level=kind, township=township
    )


@router.get("/weak", response=list[WeakOut], summary="软弱涣散党组织名单")
@paginate(Pagination)
def weak_list(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)) -> Any:
    return selectors.weak_list(actor(request), year=year or selectors.this_year())


@router.post("/weak", response={201: WeakOut, **ERRORS}, summary="列入软弱涣散党组织名单")
def list_weak(request: HttpRequest, payload: WeakIn) -> Status:
    user = actor(request)
    org = selectors.branch_for(user, payload.org_id, MANAGE)
    weak = services.list_weak_branch(
        actor=user, org=org, year=payload.year, reason=payload.reason, plan=payload.plan
    )
    return Status(201, weak)


@router.get("/county", response={200: CountyOut, **ERRORS}, summary="县级总览：抓两头带中间")
def county(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)) -> Any:
    user = actor(request)
    if not (user.has_perm_anywhere(APPROVE) or user.has_perm_anywhere(SUPERVISE)):
        raise Http404
    view = selectors.county_view(user, year=year or selectors.this_year())
    return {
        "year": view.year,
        "totals": view.totals,
        "task_states": view.task_states,
        "overdue": view.overdue,
        "on_time_rate": view.on_time_rate,
        "townships": [
            {"township_id": r.township.pk, "township": r.township.name,
             "leaders": view.assignments.get(r.township.pk, []), "levels": r.levels, "weak": r.weak,
             "tasks": r.tasks, "overdue": r.overdue, "on_time_rate": r.on_time_rate}
            for r in view.rows
        ],
    }  # fmt: skip


# --- supervision -------------------------------------------------------------------------------
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
    from tongxin.core.scoping import scoped
    from tongxin.orgs.models import Region

    user = _need(request, SUPERVISE)
    region = scoped(Region.objects.filter(pk=payload.region_id), user, SUPERVISE).first()
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
