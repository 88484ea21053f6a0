from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs import selectors, services
from tongxin.orgs.models import PartyOrg, Region

router = Router(tags=["组织体系"])


class RegionOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    depth: int


class PartyOrgOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    region_id: int | None
    secretary_name: str
    established_on: date | None
    established_doc: str
    is_active: bool


class PartyOrgIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: PartyOrg.Kind
    parent_id: int | None = None
    region_id: int | None = None
    code: str = Field("", max_length=32)
    secretary_name: str = Field("", max_length=50)
    established_on: date | None = None
    established_doc: str = Field("", max_length=100)


class PartyOrgPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: PartyOrg.Kind | None = None
    region_id: int | None = None
    code: str | None = Field(None, max_length=32)
    secretary_name: str | None = Field(None, max_length=50)
    established_on: date | None = None
    established_doc: str | None = Field(None, max_length=100)


class OrgFilter(Schema):
    q: str = Field("", max_length=100)
    kind: str = Field("", max_length=24)


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="行政区划列表（本人范围内）")
@paginate(Pagination)
def list_regions(request: HttpRequest) -> Any:
    return selectors.regions_for(actor(request)).order_by("path")


@router.get("/regions/{region_id}", response={200: RegionOut, **ERRORS}, summary="行政区划详情")
def get_region(request: HttpRequest, region_id: int) -> Region:
    return selectors.region_for(actor(request), region_id)


@router.get("/orgs", response={200: list[PartyOrgOut], **ERRORS}, summary="党组织列表（本人范围内）")
@paginate(Pagination)
def list_orgs(request: HttpRequest, filters: Query[OrgFilter]) -> Any:
    return selectors.party_orgs_for(actor(request), q=filters.q, kind=filters.kind)


@router.get("/orgs/{org_id}", response={200: PartyOrgOut, **ERRORS}, summary="党组织详情")
def get_org(request: HttpRequest, org_id: int) -> PartyOrg:
    return selectors.party_org_for(actor(request), org_id)


def _edit_region(request: HttpRequest, region_id: int | None) -> Region | None:
    if region_id is None:
        return None
    region = selectors.regions_for(actor(request), selectors.EDIT).filter(pk=region_id).first()
    if region is None:
        raise DomainError("所在区划不存在或不在您的管理范围内。", field="region_id")
    return region


@router.post("/orgs", response={201: PartyOrgOut, **ERRORS}, summary="新建党组织")
def create_org(request: HttpRequest, payload: PartyOrgIn) -> Status:
    parent = None
    if payload.parent_id is not None:
        parent = selectors.party_orgs_for(actor(request), selectors.EDIT).filter(pk=payload.parent_id).first()
        if parent is None:
            raise DomainError("上级党组织不存在或不在您的管理范围内。", field="parent_id")
    org = services.create_party_org(
        actor=actor(request),
        name=payload.name,
        kind=payload.kind.value,
        parent=parent,
        region=_edit_region(request, payload.region_id),
        code=payload.code,
        secretary_name=payload.secretary_name,
        established_on=payload.established_on,
        established_doc=payload.established_doc,
    )
    return Status(201, org)


@router.patch("/orgs/{org_id}", response={200: PartyOrgOut, **ERRORS}, summary="修改党组织")
def update_org(request: HttpRequest, org_id: int, payload: PartyOrgPatch) -> PartyOrg:
    org = selectors.party_org_for(actor(request), org_id, selectors.EDIT)
    data = payload.dict(exclude_unset=True)
    region = _edit_region(request, data["region_id"]) if "region_id" in data else org.region
    return services.update_party_org(
        actor=actor(request),
        org=org,
        name=data.get("name") or org.name,
        kind=(data.get("kind") or org.kind),
        region=region,
        code=data["code"] if data.get("code") is not None else org.code,
        secretary_name=data["secretary_name"]
        if data.get("secretary_name") is not None
        else org.secretary_name,
        established_on=data.get("established_on", org.established_on),
        established_doc=data["established_doc"]
        if data.get("established_doc") is not None
        else org.established_doc,
    )
