from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs import coverage, excel, selectors, services
from tongxin.orgs.models import CommitteeMember, Membership, PartyOrg, Person, Region, Transfer, Unit
from tongxin.orgs.report import coverage_report

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


@router.patch("/orgs/{int:org_id}", response={200: PartyOrgOut, **ERRORS}, summary="修改党组织")
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


# --- units ----------------------------------------------------------------------------------------


class FindingOut(Schema):
    rule: str
    subject: str
    subject_id: int
    subject_name: str
    message: str
    article: str
    rule_set: str
    verified: bool
    advisory: bool
    action: str
    action_label: str


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
    region_id: int
    supervising_org_id: int | None = None
    credit_code: str = Field("", max_length=18)
    address: str = Field("", max_length=200)
    workforce: int = Field(0, ge=0, le=10_000_000)
    gig_workers: int = Field(0, ge=0, le=10_000_000)
    has_union: bool = False
    has_youth_league: bool = False


class UnitFilter(Schema):
    q: str = Field("", max_length=100)
    region_id: int | None = None
    industry: str = Field("", max_length=24)
    kind: str = Field("", max_length=24)
    coverage: str = Field("", max_length=8)


def _region(region_id: int | None, field: str = "region_id") -> Region | None:
    if region_id is None:
        return None
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        raise DomainError("区划不存在。", field=field)
    return region


def _visible_org(
    request: HttpRequest, org_id: int | None, field: str, perm: str = selectors.VIEW
) -> PartyOrg | None:
    if org_id is None:
        return None
    org = selectors.party_orgs_for(actor(request), perm).filter(pk=org_id).first()
    if org is None:
        raise DomainError("党组织不存在或不在您的管理范围内。", field=field)
    return org


def _unit_detail(unit: Unit) -> dict[str, Any]:
    ev = coverage.evaluate(Unit.objects.filter(pk=unit.pk), PartyOrg.objects.filter(units=unit))
    facts = ev.units[unit.pk]
    stage = ev.stages[unit.pk]
    return {
        **{f: getattr(unit, f) for f in UnitOut.model_fields},
        "formal_members": facts.formal,
        "probationary_members": facts.probationary,
        "org_ids": [*facts.own_orgs, *facts.joint_orgs],
        "stage": stage,
        "stage_label": coverage.STAGES[stage][0],
        "findings": [_finding(f) for f in ev.findings],
    }


def _finding(f: coverage.Finding) -> dict[str, Any]:
    return {k: getattr(f, k) for k in FindingOut.model_fields}


@router.get("/units", response=list[UnitOut], summary="单位列表（本人范围内；党建指导员看到所联系的单位）")
@paginate(Pagination)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    return selectors.units_for(
        actor(request),
        q=filters.q,
        region=_region(filters.region_id),
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
    region = _region(payload.region_id)
    return {
        "name": payload.name,
        "kind": payload.kind.value,
        "industry": payload.industry.value,
        "region": region,
        "supervising_org": _visible_org(request, payload.supervising_org_id, "supervising_org_id"),
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
    instructor_id: int
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
    unit_ids: list[int] = Field(..., min_length=1, max_length=50)
    kind: str = Field(..., pattern="^(branch|joint_branch)$")
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: int | None = None
    region_id: int | None = None
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
        parent=_visible_org(request, payload.parent_id, "parent_id", selectors.EDIT),
        region=_region(payload.region_id),
        secretary_name=payload.secretary_name,
        established_on=payload.established_on,
        established_doc=payload.established_doc,
        move_members=payload.move_members,
    )
    return Status(201, org)


# --- organisations: move, units, committee -------------------------------------------------------


class MoveIn(Schema):
    parent_id: int


@router.post(
    "/orgs/{int:org_id}/move",
    response={200: PartyOrgOut, **ERRORS},
    summary="调整党组织隶属关系（下级和党员随之移动）",
)
def move_org(request: HttpRequest, org_id: int, payload: MoveIn) -> PartyOrg:
    org = selectors.party_org_for(actor(request), org_id, selectors.EDIT)
    parent = _visible_org(request, payload.parent_id, "parent_id", selectors.EDIT)
    assert parent is not None
    return services.move_party_org(actor=actor(request), org=org, parent=parent)


class OrgUnitsIn(Schema):
    unit_ids: list[int] = Field(..., max_length=50)


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
    person_id: int | None = None
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
    ev = coverage.evaluate(Unit.objects.filter(covering_orgs=org), PartyOrg.objects.filter(pk=org.pk))
    return [_finding(f) for f in ev.for_org(org.pk)]


# --- people and memberships ---------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: date | None
    id_card_masked: str
    mobile_masked: str
    region_id: int
    household_id: int | None
    unit_id: int | None
    occupation: str
    is_gig_worker: bool
    membership_status: str | None
    membership_org_id: int | None


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    id_card: str = Field("", max_length=18)
    mobile: str = Field("", max_length=20)
    region_id: int
    unit_id: int | None = None
    occupation: str = Field("", max_length=24)
    is_gig_worker: bool = False


class PersonFilter(Schema):
    q: str = Field("", max_length=50)
    region_id: int | None = None
    status: str = Field("", max_length=16)
    occupation: str = Field("", max_length=24)


def _person(p: Person) -> dict[str, Any]:
    m: Membership | None = getattr(p, "membership", None)
    return {
        **{f: getattr(p, f) for f in PersonOut.model_fields if not f.startswith("membership_")},
        "membership_status": m.status if m else None,
        "membership_org_id": m.org_id if m else None,
    }


@router.get("/people", response=list[PersonOut], summary="人员列表（身份证号码、手机号码脱敏）")
@paginate(Pagination)
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> Any:
    qs = selectors.people_for(
        actor(request),
        q=filters.q,
        region=_region(filters.region_id),
        status=filters.status,
        occupation=filters.occupation,
    )
    return _PeopleList(qs)


class _PeopleList:
    """A lazily sliced list of people dicts, so that pagination counts and slices the queryset."""

    def __init__(self, qs: Any) -> None:
        self.qs = qs

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_person(p) for p in self.qs[item]]

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()


@router.get("/people/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="人员详情（脱敏）")
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _person(selectors.person_for(actor(request), person_id))


@router.post("/people", response={201: PersonOut, **ERRORS}, summary="登记人员")
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    user = actor(request)
    region = _region(payload.region_id)
    assert region is not None
    unit = None
    if payload.unit_id is not None:
        unit = selectors.units_for(user).filter(pk=payload.unit_id).first()
        if unit is None:
            raise DomainError("单位不存在或不在您的管理范围内。", field="unit_id")
    person = services.create_person(
        actor=user,
        name=payload.name,
        region=region,
        id_card=payload.id_card,
        mobile=payload.mobile,
        unit=unit,
        occupation=payload.occupation,
        is_gig_worker=payload.is_gig_worker,
    )
    return Status(201, _person(person))


class ApplicationIn(Schema):
    org_id: int
    applied_on: date


class MembershipOut(Schema):
    id: int
    person_id: int
    org_id: int
    status: str
    applied_on: date | None
    activist_on: date | None
    candidate_on: date | None
    probationary_on: date | None
    full_on: date | None
    is_mobile: bool
    home_org_id: int | None
    host_org_id: int | None


@router.post(
    "/people/{int:person_id}/application", response={201: MembershipOut, **ERRORS}, summary="登记入党申请书"
)
def record_application(request: HttpRequest, person_id: int, payload: ApplicationIn) -> Status:
    user = actor(request)
    person = selectors.person_for(user, person_id)
    org = _visible_org(request, payload.org_id, "org_id", selectors.EDIT)
    assert org is not None
    return Status(
        201, services.record_application(actor=user, person=person, org=org, applied_on=payload.applied_on)
    )


class MergeIn(Schema):
    keep_id: int
    duplicate_id: int


@router.post("/people/merge", response={200: PersonOut, **ERRORS}, summary="合并重复人员")
def merge_people(request: HttpRequest, payload: MergeIn) -> dict[str, Any]:
    user = actor(request)
    keep = selectors.person_for(user, payload.keep_id, selectors.EDIT)
    duplicate = selectors.person_for(user, payload.duplicate_id, selectors.EDIT)
    return _person(services.merge_people(actor=user, keep=keep, duplicate=duplicate))


class MembershipFilter(Schema):
    org_id: int | None = None
    status: str = Field("", max_length=16)


@router.get("/memberships", response=list[MembershipOut], summary="党员身份列表")
@paginate(Pagination)
def list_memberships(request: HttpRequest, filters: Query[MembershipFilter]) -> Any:
    org = _visible_org(request, filters.org_id, "org_id") if filters.org_id else None
    return selectors.memberships_for(actor(request), org=org, status=filters.status)


class TransferIn(Schema):
    to_org_id: int
    reason: str = Field(..., min_length=1, max_length=200)
    started_on: date


class TransferOut(Schema):
    id: int
    membership_id: int
    from_org_id: int
    to_org_id: int
    state: str
    reason: str
    started_on: date
    received_on: date | None


@router.post(
    "/memberships/{int:membership_id}/transfers",
    response={201: TransferOut, **ERRORS},
    summary="组织关系转出",
)
def start_transfer(request: HttpRequest, membership_id: int, payload: TransferIn) -> Status:
    user = actor(request)
    membership = selectors.membership_for(user, membership_id, selectors.EDIT)
    to_org = PartyOrg.objects.filter(pk=payload.to_org_id, is_active=True).first()
    if to_org is None:
        raise DomainError("转入党组织不存在。", field="to_org_id")
    transfer = services.start_transfer(
        actor=user, membership=membership, to_org=to_org, reason=payload.reason, started_on=payload.started_on
    )
    return Status(201, transfer)


@router.get("/transfers", response=list[TransferOut], summary="本组织转出或转入的组织关系")
@paginate(Pagination)
def list_transfers(request: HttpRequest) -> Any:
    return selectors.transfers_for(actor(request))


class AdvanceIn(Schema):
    event: str = Field(..., pattern="^(dispatch|receive)$")
    on: date | None = None


@router.post(
    "/transfers/{int:transfer_id}/advance",
    response={200: TransferOut, **ERRORS},
    summary="转接下一步：在途、接收",
)
def advance_transfer(request: HttpRequest, transfer_id: int, payload: AdvanceIn) -> Transfer:
    user = actor(request)
    transfer = selectors.transfer_for(user, transfer_id)
    return services.advance_transfer(actor=user, transfer=transfer, event=payload.event, on=payload.on)


# --- coverage ------------------------------------------------------------------------------------


class RowOut(Schema):
    key: str
    label: str
    region_id: int | None
    units: int
    org_covered: int
    org_rate: float
    work_covered: int
    work_rate: float
    gig_workers: int
    gig_members: int
    applications: int


class CoverageOut(Schema):
    region_id: int | None
    start: date
    end: date
    total: RowOut
    by_region: list[RowOut]
    by_industry: list[RowOut]
    rule_set: str


class CoverageFilter(Schema):
    region_id: int | None = None
    start: date | None = None
    end: date | None = None


def _row(r: Any) -> dict[str, Any]:
    return {k: getattr(r, k) for k in RowOut.model_fields}


@router.get("/coverage", response={200: CoverageOut, **ERRORS}, summary="两个覆盖：按区划、按行业的数字")
def get_coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> dict[str, Any]:
    user = actor(request)
    perm = "reports.view" if user.has_perm_anywhere("reports.view") else selectors.VIEW
    if not user.has_perm_anywhere(perm):
        raise Http404
    today = timezone.localdate()
    start = filters.start or date(today.year, 1, 1)
    end = filters.end or today
    rep = coverage_report(
        selectors.units_for(user, perm), region=_region(filters.region_id), start=start, end=end
    )
    return {
        "region_id": rep.focus.pk if rep.focus else None,
        "start": start,
        "end": end,
        "total": _row(rep.total),
        "by_region": [_row(r) for r in rep.by_region],
        "by_industry": [_row(r) for r in rep.by_industry],
        "rule_set": coverage.rule_set().ref,
    }


class FindingFilter(Schema):
    region_id: int | None = None
    rule: str = Field("", max_length=40)


@router.get("/findings", response=list[FindingOut], summary="待办事项（两个覆盖规则的发现）")
@paginate(Pagination)
def list_findings(request: HttpRequest, filters: Query[FindingFilter]) -> Any:
    ev = selectors.evaluation_for(actor(request), region=_region(filters.region_id))
    return [_finding(f) for f in ev.findings if not filters.rule or f.rule == filters.rule]


# --- import and export ---------------------------------------------------------------------------


class ImportOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[RowErrorOut]


@router.post(
    "/imports/{kind}",
    response={200: ImportOut, 409: ImportErrorOut, **ERRORS},
    summary="导入 Excel（units、people、memberships）：全部导入或一行不导入",
)
def import_file(request: HttpRequest, kind: str, file: File[UploadedFile]) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(selectors.EDIT):
        raise Http404
    try:
        result = excel.import_file(actor=user, kind=kind, data=file.read())
    except excel.ImportRejected as exc:
        errors = [{"row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]
        return Status(
            409, {"code": "rows_invalid", "message": exc.message, "field": "file", "errors": errors}
        )
    return {"kind": result.kind, "rows": result.rows, "created": result.created, "updated": result.updated}


@router.get(
    "/exports/{kind}", response={200: None, **ERRORS}, summary="导出 Excel（units、people、memberships）"
)
def export_file(request: HttpRequest, kind: str) -> HttpResponse:
    user = actor(request)
    if kind == "units":
        data = excel.export_units(user, selectors.units_for(user))
    elif kind == "people":
        data = excel.export_people(user, selectors.people_for(user))
    elif kind == "memberships":
        data = excel.export_memberships(user, selectors.memberships_for(user))
    else:
        raise Http404
    response = HttpResponse(data, content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response
