"""Regions and party organisations: lists, details, create/update, moves, covered units, committees."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs import selectors, services
from tongxin.orgs.api.schemas import FindingOut, Id, PartyOrgOut, edit_region, finding, visible_org
from tongxin.orgs.models import CommitteeMember, PartyOrg, Region

router = Router(tags=["组织体系"])


class RegionOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    depth: int


class PartyOrgIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: PartyOrg.Kind
    parent_id: Id | None = None
    region_id: Id | None = None
    code: str = Field("", max_length=32)
    secretary_name: str = Field("", max_length=50)
    established_on: date | None = None
    established_doc: str = Field("", max_length=100)


class PartyOrgPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: PartyOrg.Kind | None = None
    region_id: Id | None = None
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


@router.get("/regions/{int:region_id}", response={200: RegionOut, **ERRORS}, summary="行政区划详情")
def get_region(request: HttpRequest, region_id: int) -> Region:
    return selectors.region_for(actor(request), region_id)


@router.get("/orgs", response={200: list[PartyOrgOut], **ERRORS}, summary="党组织列表（本人范围内）")
@paginate(Pagination)
def list_orgs(request: HttpRequest, filters: Query[OrgFilter]) -> Any:
    return selectors.party_orgs_for(actor(request), q=filters.q, kind=filters.kind)


@router.get("/orgs/{int:org_id}", response={200: PartyOrgOut, **ERRORS}, summary="党组织详情")
def get_org(request: HttpRequest, org_id: int) -> PartyOrg:
    return selectors.party_org_for(actor(request), org_id)


@router.post("/orgs", response={201: PartyOrgOut, **ERRORS}, summary="新建党组织")
def create_org(request: HttpRequest, payload: PartyOrgIn) -> Status:
    org = services.create_party_org(
        actor=actor(request),
        name=payload.name,
        kind=payload.kind.value,
        parent=visible_org(request, payload.parent_id, "parent_id", selectors.EDIT),
        region=edit_region(request, payload.region_id),
        code=payload.code,
        secretary_name=payload.secretary_name,
        established_on=payload.established_on,
        established_doc=payload.established_doc,
    )
    return Status(201, org)


@router.patch("/orgs/{int:org_id}", response={200: PartyOrgOut, **ERRORS}, summary="修改党组织")
def update_org(request: HttpRequest, org_id: int, payload: PartyOrgPatch) -> PartyOrg:
    org = selectors.party_org_for(actor(request), org_id, selectors.EDIT)
    data = payload.dict(exclude_unset=True)
    region = edit_region(request, data["region_id"]) if "region_id" in data else org.region

    def given(name: str, current: Any) -> Any:
        return data[name] if data.get(name) is not None else current

    return services.update_party_org(
        actor=actor(request),
        org=org,
        name=data.get("name") or org.name,
        kind=(data.get("kind") or org.kind),
        region=region,
        code=given("code", org.code),
        secretary_name=given("secretary_name", org.secretary_name),
        established_on=data.get("established_on", org.established_on),
        established_doc=given("established_doc", org.established_doc),
    )


class MoveIn(Schema):
    parent_id: Id


@router.post(
    "/orgs/{int:org_id}/move",
    response={200: PartyOrgOut, **ERRORS},
    summary="调整党组织隶属关系（下级和党员随之移动）",
)
def move_org(request: HttpRequest, org_id: int, payload: MoveIn) -> PartyOrg:
    org = selectors.party_org_for(actor(request), org_id, selectors.EDIT)
    parent = visible_org(request, payload.parent_id, "parent_id", selectors.EDIT)
    if parent is None:
        raise DomainError("请选择新的上级党组织。", field="parent_id")
    return services.move_party_org(actor=actor(request), org=org, parent=parent)


class OrgUnitsIn(Schema):
    unit_ids: list[Id] = Field(..., max_length=50)


@router.put("/orgs/{int:org_id}/units", response={200: list[int], **ERRORS}, summary="调整党组织覆盖的单位")
def set_org_units(request: HttpRequest, org_id: int, payload: OrgUnitsIn) -> list[int]:
    user = actor(request)
    org = selectors.party_org_for(user, org_id, selectors.EDIT)
    units = list(selectors.units_for(user, selectors.EDIT).filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise DomainError("有单位不存在或不在您的管理范围内。", field="unit_ids")
    services.set_org_units(actor=user, org=org, units=units)
    return sorted(u.pk for u in units)


class SeatOut(Schema):
    id: int
    org_id: int
    person_id: int | None
    name: str
    position: str
    term_start: date
    term_end: date
    ended_on: date | None


class SeatIn(Schema):
    name: str = Field("", max_length=50)
    person_id: Id | None = None
    position: CommitteeMember.Position
    term_start: date
    term_end: date | None = None


@router.get(
    "/orgs/{int:org_id}/committee", response={200: list[SeatOut], **ERRORS}, summary="班子成员（现任）"
)
def list_committee(request: HttpRequest, org_id: int) -> Any:
    return list(selectors.committee_of(selectors.party_org_for(actor(request), org_id)))


@router.post("/orgs/{int:org_id}/committee", response={201: SeatOut, **ERRORS}, summary="任命班子成员")
def add_committee_member(request: HttpRequest, org_id: int, payload: SeatIn) -> Status:
    user = actor(request)
    org = selectors.party_org_for(user, org_id, selectors.EDIT)
    person = None
    if payload.person_id is not None:
        person = selectors.people_for(user).filter(pk=payload.person_id).first()
        if person is None:
            raise DomainError("人员不存在或不在您的管理范围内。", field="person_id")
    seat = services.appoint_committee_member(
        actor=user,
        org=org,
        name=payload.name,
        person=person,
        position=payload.position.value,
        term_start=payload.term_start,
        term_end=payload.term_end,
    )
    return Status(201, seat)


@router.get(
    "/orgs/{int:org_id}/findings", response={200: list[FindingOut], **ERRORS}, summary="党组织的待办事项"
)
def org_findings(request: HttpRequest, org_id: int) -> list[dict[str, Any]]:
    org = selectors.party_org_for(actor(request), org_id)
    return [finding(f) for f in selectors.org_evaluation(org).for_org(org.pk)]
