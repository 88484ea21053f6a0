"""People (personal data masked), applications, merges, memberships and transfers."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs import selectors, services
from tongxin.orgs.api.schemas import Id, edit_region, filter_region, visible_org
from tongxin.orgs.models import Membership, Person, Transfer

router = Router(tags=["组织体系"])


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
    region_id: Id
    unit_id: Id | None = None
    occupation: str = Field("", max_length=24)
    is_gig_worker: bool = False


class PersonFilter(Schema):
    q: str = Field("", max_length=50)
    region_id: Id | None = None
    status: str = Field("", max_length=16)
    occupation: str = Field("", max_length=24)


def _person(p: Person) -> dict[str, Any]:
    m: Membership | None = getattr(p, "membership", None)
    return {
        **{f: getattr(p, f) for f in PersonOut.model_fields if not f.startswith("membership_")},
        "membership_status": m.status if m else None,
        "membership_org_id": m.org_id if m else None,
    }


class _PeopleList:
    """A lazily sliced list of people dicts, so that pagination counts and slices the queryset."""

    def __init__(self, qs: QuerySet[Person]) -> None:
        self.qs = qs

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_person(p) for p in self.qs[item]]

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()


@router.get(
    "/people", response={200: list[PersonOut], **ERRORS}, summary="人员列表（身份证号码、手机号码脱敏）"
)
@paginate(Pagination)
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> Any:
    qs = selectors.people_for(
        actor(request),
        q=filters.q,
        region=filter_region(request, filters.region_id),
        status=filters.status,
        occupation=filters.occupation,
    )
    return _PeopleList(qs)


@router.get("/people/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="人员详情（脱敏）")
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _person(selectors.person_for(actor(request), person_id))


@router.post("/people", response={201: PersonOut, **ERRORS}, summary="登记人员")
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    user = actor(request)
    region = edit_region(request, payload.region_id)
    if region is None:
        raise DomainError("请选择居住地。", field="region_id")
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
    org_id: Id
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
    org = visible_org(request, payload.org_id, "org_id", selectors.EDIT)
    if org is None:
        raise DomainError("请选择接收申请的党组织。", field="org_id")
    return Status(
        201, services.record_application(actor=user, person=person, org=org, applied_on=payload.applied_on)
    )


class MergeIn(Schema):
    keep_id: Id
    duplicate_id: Id


@router.post("/people/merge", response={200: PersonOut, **ERRORS}, summary="合并重复人员")
def merge_people(request: HttpRequest, payload: MergeIn) -> dict[str, Any]:
    user = actor(request)
    keep = selectors.person_for(user, payload.keep_id, selectors.EDIT)
    duplicate = selectors.person_for(user, payload.duplicate_id, selectors.EDIT)
    return _person(services.merge_people(actor=user, keep=keep, duplicate=duplicate))


class MembershipFilter(Schema):
    org_id: Id | None = None
    status: str = Field("", max_length=16)


@router.get("/memberships", response={200: list[MembershipOut], **ERRORS}, summary="党员身份列表")
@paginate(Pagination)
def list_memberships(request: HttpRequest, filters: Query[MembershipFilter]) -> Any:
    org = visible_org(request, filters.org_id, "org_id")
    return selectors.memberships_for(actor(request), org=org, status=filters.status)


class TransferIn(Schema):
    to_org_id: Id
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
    summary="组织关系转出（转入党组织：本人范围内，或转出党组织所在县内）",
)
def start_transfer(request: HttpRequest, membership_id: int, payload: TransferIn) -> Status:
    user = actor(request)
    membership = selectors.membership_for(user, membership_id, selectors.EDIT)
    to_org = selectors.transfer_destinations_for(user, membership).filter(pk=payload.to_org_id).first()
    if to_org is None:
        raise DomainError("转入党组织不存在，或不在您的范围内、也不在转出党组织所在县内。", field="to_org_id")
    transfer = services.start_transfer(
        actor=user, membership=membership, to_org=to_org, reason=payload.reason, started_on=payload.started_on
    )
    return Status(201, transfer)


@router.get("/transfers", response={200: list[TransferOut], **ERRORS}, summary="本组织转出或转入的组织关系")
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
