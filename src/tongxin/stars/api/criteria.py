"""Criteria sets (评定标准): the versions, one set in detail, importing a new version."""

from typing import Any

from django.http import HttpRequest
from ninja import Body, Status

from tongxin.core.api import ERRORS
from tongxin.stars import selectors, services
from tongxin.stars.api.router import need, router
from tongxin.stars.api.schemas import (
    CriteriaDetailOut,
    CriteriaSetOut,
)
from tongxin.stars.models import CriteriaSet
from tongxin.stars.selectors import MANAGE, VIEW


@router.get("/criteria", response=list[CriteriaSetOut], summary="评定标准各版本")
def list_criteria(request: HttpRequest) -> Any:
    need(request, VIEW)
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
    need(request, VIEW)
    return _criteria_detail(selectors.criteria_set(criteria_id))


@router.post("/criteria", response={201: CriteriaDetailOut, **ERRORS}, summary="导入评定标准（成为新版本）")
def import_criteria(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> Status:  # noqa: B008
    user = need(request, MANAGE)
    cs = services.import_criteria(actor=user, data=payload)
    return Status(201, _criteria_detail(cs))
