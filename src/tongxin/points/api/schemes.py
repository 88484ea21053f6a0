"""The points API: schemes and their versions."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.views import file_response
from tongxin.points import access, items_xlsx, selectors, services
from tongxin.points.api.router import router
from tongxin.points.api.schemas import (
    SchemeDetailOut,
    SchemeIn,
    SchemeOut,
    SchemeVersionIn,
    SchemeVersionOut,
    payload_fields,
)
from tongxin.points.ledger import version_on
from tongxin.points.models import (
    Scheme,
)

# --- schemes --------------------------------------------------------------------------------------


def _scheme_detail(scheme: Scheme) -> dict[str, Any]:
    v = version_on(scheme, timezone.localdate())
    return {
        **{f: getattr(scheme, f) for f in ("id", "name", "region_id", "is_sample", "is_active", "chain_seq", "chain_head")},
        "version": v.number, "effective_from": v.effective_from, "base_score": v.base_score, "reset": v.reset,
        "accrual": v.accrual, "notice_workdays": v.notice_workdays, "items": list(v.items.all()),
    }  # fmt: skip


@router.get("/schemes", response=list[SchemeOut], summary="积分方案列表")
@paginate(Pagination)
def list_schemes(request: HttpRequest) -> Any:
    return selectors.schemes_for(actor(request))


@router.get(
    "/schemes/{int:scheme_id}", response={200: SchemeDetailOut, **ERRORS}, summary="积分方案（现行版本）"
)
def get_scheme(request: HttpRequest, scheme_id: int) -> dict[str, Any]:
    return _scheme_detail(selectors.scheme_for(actor(request), scheme_id))


@router.post("/schemes", response={201: SchemeDetailOut, **ERRORS}, summary="新建积分方案（含首版积分项目）")
def create_scheme(request: HttpRequest, payload: SchemeIn) -> Status:
    """For a manager (`points.manage`) of the region; a region outside that scope is 404. A region has one
    active scheme, so a retried request is refused (400, `field` = `region_id`) once the first succeeded."""
    user = actor(request)
    region = selectors.region_for(user, payload.region_id, access.MANAGE)
    with payload_fields(region="region_id"):
        scheme = services.create_scheme(
            actor=user, region=region, name=payload.name, items=[i.spec() for i in payload.items],
            effective_from=payload.effective_from or timezone.localdate(), base_score=payload.base_score,
            reset=payload.reset.value, accrual=payload.accrual.value, notice_workdays=payload.notice_workdays,
            is_sample=payload.is_sample,
        )  # fmt: skip
    return Status(201, _scheme_detail(scheme))


@router.post(
    "/schemes/{int:scheme_id}/versions",
    response={201: SchemeVersionOut, **ERRORS},
    summary="发布积分方案新版本（此前的积分流水不变）",
)
def add_scheme_version(request: HttpRequest, scheme_id: int, payload: SchemeVersionIn) -> Status:
    """For a manager (`points.manage`) of the scheme's region; outside that scope 404. Settings left out
    keep those of the version in force today; `items` is the new version's whole list. A version whose
    rules are those of the latest version is refused (400, `field` = `items`), so a retried request does
    not publish a second version; there is no idempotency key."""
    user = actor(request)
    scheme = selectors.scheme_for(user, scheme_id, access.MANAGE)
    current = version_on(scheme, timezone.localdate())
    version = services.add_scheme_version(
        actor=user, scheme=scheme, effective_from=payload.effective_from or timezone.localdate(),
        items=[i.spec() for i in payload.items],
        base_score=current.base_score if payload.base_score is None else payload.base_score,
        reset=current.reset if payload.reset is None else payload.reset.value,
        accrual=current.accrual if payload.accrual is None else payload.accrual.value,
        notice_workdays=current.notice_workdays if payload.notice_workdays is None else payload.notice_workdays,
        note=payload.note,
    )  # fmt: skip
    return Status(201, version)


@router.get(
    "/schemes/{int:scheme_id}/items.xlsx",
    response={200: None, **ERRORS},
    summary="积分方案现行版本的积分项目（Excel，可改后在页面上传为新版本）",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 工作簿",
                "content": {items_xlsx.XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_scheme_items_xlsx(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = selectors.scheme_for(actor(request), scheme_id)
    v = version_on(scheme, timezone.localdate())
    return file_response(
        items_xlsx.workbook_for(v.items.all()), f"scheme-{scheme.pk}-v{v.number}-items.xlsx", items_xlsx.XLSX
    )
