"""The yearly cycle of a branch (星级创建年度): declare, self-assess with evidence, submit, township rating,
county approval and notice, objections, finalising and removing a star (摘星)."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.stars import selectors, services
from tongxin.stars.api.router import router
from tongxin.stars.api.schemas import (
    AssessIn,
    CycleDetailOut,
    CycleFilter,
    CycleOut,
    DeclareIn,
    EvidenceIn,
    RemoveStarIn,
    ResolveIn,
    StarDecisionIn,
    StarObjectionOut,
    StarReasonIn,
)
from tongxin.stars.assessment import evaluate
from tongxin.stars.models import Objection, StarCycle
from tongxin.stars.selectors import APPROVE, RATE, SELF_ASSESS, VIEW


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
