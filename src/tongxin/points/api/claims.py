"""The points API: claims, review and objections."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.points import access, selectors, services
from tongxin.points.api.router import router
from tongxin.points.api.schemas import (
    ClaimDetailOut,
    ClaimFilter,
    ClaimIn,
    ClaimOut,
    DecisionIn,
    ObjectionOut,
    ReasonIn,
    ReviewIn,
)
from tongxin.points.models import (
    Objection,
)

# --- claims ---------------------------------------------------------------------------------------


@router.get("/claims", response=list[ClaimOut], summary="积分申报列表")
@paginate(Pagination)
def list_claims(request: HttpRequest, filters: Query[ClaimFilter]) -> Any:
    return selectors.claims_for(actor(request), state=filters.state.value if filters.state else "")


@router.get("/claims/{int:claim_id}", response={200: ClaimDetailOut, **ERRORS}, summary="积分申报详情")
def get_claim(request: HttpRequest, claim_id: int) -> Any:
    return selectors.claim_for(actor(request), claim_id)


@router.post("/claims", response={201: ClaimDetailOut, **ERRORS}, summary="登记积分申报（一人或多人）")
def create_claim(request: HttpRequest, payload: ClaimIn) -> Status:
    user = actor(request)
    scheme = selectors.schemes_for(user, access.RECORD).filter(pk=payload.scheme_id).first()
    if scheme is None:
        raise DomainError("积分方案不存在或不在您的登记范围内。", field="scheme_id")
    people = list(selectors.people_for(user, scheme).filter(pk__in=payload.person_ids))
    missing = sorted(set(payload.person_ids) - {p.pk for p in people})
    if missing:
        raise DomainError(f"以下人员不存在或不在本方案范围内：{missing}。", field="person_ids")
    claim = services.record_claim(
        actor=user, scheme=scheme, item_code=payload.item_code, occurred_on=payload.occurred_on,
        title=payload.title, people=people, idempotency_key=payload.idempotency_key,
    )  # fmt: skip
    return Status(201, claim)


@router.post(
    "/claims/{int:claim_id}/approve", response={200: ClaimDetailOut, **ERRORS}, summary="审核通过并公示"
)
def approve(request: HttpRequest, claim_id: int, payload: ReviewIn) -> Any:
    claim = selectors.claim_for(actor(request), claim_id, access.REVIEW)
    return services.approve_claim(actor=actor(request), claim=claim, note=payload.note)


@router.post("/claims/{int:claim_id}/reject", response={200: ClaimDetailOut, **ERRORS}, summary="驳回")
def reject(request: HttpRequest, claim_id: int, payload: ReasonIn) -> Any:
    claim = selectors.claim_for(actor(request), claim_id, access.REVIEW)
    return services.reject_claim(actor=actor(request), claim=claim, reason=payload.reason)


@router.post(
    "/lines/{int:line_id}/objections", response={201: ObjectionOut, **ERRORS}, summary="对公示提出异议"
)
def object_to(request: HttpRequest, line_id: int, payload: ReasonIn) -> Status:
    line = selectors.notice_line_for(actor(request), line_id)
    return Status(201, services.raise_objection(actor=actor(request), line=line, reason=payload.reason))


@router.post(
    "/objections/{int:objection_id}/decide", response={200: ObjectionOut, **ERRORS}, summary="处理异议"
)
def decide(request: HttpRequest, objection_id: int, payload: DecisionIn) -> Objection:
    objection = selectors.objection_for(actor(request), objection_id)
    return services.decide_objection(
        actor=actor(request), objection=objection, uphold=payload.uphold, reason=payload.reason
    )
