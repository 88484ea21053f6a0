"""Units: lists and details with their coverage stage, registration, instructors, setting up branches."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs import coverage, selectors, services
from tongxin.orgs.api.schemas import (
    FindingOut,
    Id,
    PartyOrgOut,
    edit_region,
    filter_region,
    finding,
    visible_org,
)
from tongxin.orgs.models import Unit

router = Router(tags=["组织体系"])


class UnitOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    industry: str
    region_id: int
    supervising_org_id: int | None
    address: str
    workforce: int
    gig_workers: int
    has_union: bool
    has_youth_league: bool
    instructor_id: int | None
    instructor_appointed_on: date | None


class UnitDetailOut(UnitOut):
    formal_members: int
    probationary_members: int
    org_ids: list[int]
    stage: str
    stage_label: str
    findings: list[FindingOut]


class UnitIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: Unit.Kind
    industry: Unit.Industry
    region_id: Id
    supervising_org_id: Id | None = None
    credit_code: str = Field("", max_length=18)
    address: str = Field("", max_length=200)
    workforce: int = Field(0, ge=0, le=10_000_000)
    gig_workers: int = Field(0, ge=0, le=10_000_000)
    has_union: bool = False
    has_youth_league: bool = False


class UnitFilter(Schema):
    q: str = Field("", max_length=100)
    region_id: Id | None = None
    industry: str = Field("", max_length=24)
    kind: str = Field("", max_length=24)
    coverage: str = Field("", max_length=8)


def _unit_detail(unit: Unit) -> dict[str, Any]:
    ev = selectors.unit_evaluation(unit)
    facts = ev.units[unit.pk]
    stage = ev.stages[unit.pk]
    return {
        **{f: getattr(unit, f) for f in UnitOut.model_fields},
        "formal_members": facts.formal,
        "probationary_members": facts.probationary,
        "org_ids": [*facts.own_orgs, *facts.joint_orgs],
        "stage": stage,
        "stage_label": coverage.STAGES[stage][0],
        "findings": [finding(f) for f in ev.findings],
    }


@router.get(
    "/units",
    response={200: list[UnitOut], **ERRORS},
    summary="单位列表（本人范围内；党建指导员看到所联系的单位）",
)
@paginate(Pagination)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    return selectors.units_for(
        actor(request),
        q=filters.q,
        region=filter_region(request, filters.region_id),
        industry=filters.industry,
        kind=filters.kind,
        coverage=filters.coverage,
    )


@router.get(
    "/units/{int:unit_id}",
    response={200: UnitDetailOut, **ERRORS},
    summary="单位详情：党员数、阶段与待办事项",
)
def get_unit(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    return _unit_detail(selectors.unit_for(actor(request), unit_id))


def _unit_fields(request: HttpRequest, payload: UnitIn) -> dict[str, Any]:
    return {
        "name": payload.name,
        "kind": payload.kind.value,
        "industry": payload.industry.value,
        "region": edit_region(request, payload.region_id),
        "supervising_org": visible_org(request, payload.supervising_org_id, "supervising_org_id"),
        "credit_code": payload.credit_code,
        "address": payload.address,
        "workforce": payload.workforce,
        "gig_workers": payload.gig_workers,
        "has_union": payload.has_union,
        "has_youth_league": payload.has_youth_league,
    }


@router.post("/units", response={201: UnitOut, **ERRORS}, summary="登记单位")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status:
    return Status(201, services.create_unit(actor=actor(request), **_unit_fields(request, payload)))


@router.put("/units/{int:unit_id}", response={200: UnitOut, **ERRORS}, summary="修改单位")
def update_unit(request: HttpRequest, unit_id: int, payload: UnitIn) -> Unit:
    unit = selectors.unit_for(actor(request), unit_id, selectors.EDIT)
    return services.update_unit(actor=actor(request), unit=unit, **_unit_fields(request, payload))


class InstructorIn(Schema):
    instructor_id: Id
    appointed_on: date


@router.post(
    "/units/{int:unit_id}/instructor", response={200: UnitOut, **ERRORS}, summary="选派或更换党建指导员"
)
def appoint_instructor(request: HttpRequest, unit_id: int, payload: InstructorIn) -> Unit:
    unit = selectors.unit_for(actor(request), unit_id, selectors.EDIT)
    instructor = selectors.instructors_for(actor(request)).filter(pk=payload.instructor_id).first()
    if instructor is None:
        raise DomainError("所选用户不是您范围内的党建指导员。", field="instructor_id")
    return services.appoint_instructor(
        actor=actor(request), unit=unit, instructor=instructor, appointed_on=payload.appointed_on
    )


class SetUpIn(Schema):
    unit_ids: list[Id] = Field(..., min_length=1, max_length=50)
    kind: str = Field(..., pattern="^(branch|joint_branch)$")
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: Id | None = None
    region_id: Id | None = None
    secretary_name: str = Field("", max_length=50)
    established_on: date | None = None
    established_doc: str = Field("", max_length=100)
    move_members: bool = False


@router.post("/set-up", response={201: PartyOrgOut, **ERRORS}, summary="由单位组建党支部或联合党支部")
def set_up(request: HttpRequest, payload: SetUpIn) -> Status:
    user = actor(request)
    units = list(selectors.units_for(user, selectors.EDIT).filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise DomainError("有单位不存在或不在您的管理范围内。", field="unit_ids")
    org = services.set_up_party_org(
        actor=user,
        units=units,
        kind=payload.kind,
        name=payload.name,
        parent=visible_org(request, payload.parent_id, "parent_id", selectors.EDIT),
        region=edit_region(request, payload.region_id),
        secretary_name=payload.secretary_name,
        established_on=payload.established_on,
        established_doc=payload.established_doc,
        move_members=payload.move_members,
    )
    return Status(201, org)
