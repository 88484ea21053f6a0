"""Registry writes: regions, organisations, units, people, households and memberships."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.pii import birth_date_from_id, lookup_hash, normalise_id_card, normalise_mobile
from tongxin.core.scoping import in_scope
from tongxin.orgs import selectors
from tongxin.orgs.models import Household, Membership, PartyOrg, Person, Region, Unit

ORG_FIELDS = [
    "name", "kind", "code", "parent", "region", "secretary_name", "established_on", "established_doc", "is_active",
]  # fmt: skip
EDIT = "registry.edit"


def may_edit_region(actor: User, region: Region) -> bool:
    """Whether ``region`` lies under one of the actor's region grants for editing the registry."""
    return in_scope(region.path, actor, EDIT, "region")


def may_edit_org(actor: User, org: PartyOrg) -> bool:
    """Whether ``org`` lies under the actor's organisation grants, or is located in their regions."""
    return in_scope(org.path, actor, EDIT, "org") or (
        bool(org.region_path) and in_scope(org.region_path, actor, EDIT, "region")
    )


def may_edit_unit(actor: User, unit: Unit) -> bool:
    return in_scope(unit.region_path, actor, EDIT, "region") or (
        bool(unit.org_path) and in_scope(unit.org_path, actor, EDIT, "org")
    )


def may_edit_person(actor: User, person: Person) -> bool:
    return in_scope(person.region_path, actor, EDIT, "region") or (
        bool(person.org_path) and in_scope(person.org_path, actor, EDIT, "org")
    )


def may_register_in(actor: User, region: Region) -> bool:
    """Whether ``actor`` may register (or move) a unit into ``region``: under their region grants, or for
    a grant on the organisation tree (a 两新工委) in the region that organisation is located in
    (``selectors.region_paths_for``) — never in another county's regions."""
    return any(region.path.startswith(p) for p in selectors.region_paths_for(actor, EDIT))


@service("orgs.region.create")
def create_region(
    *, actor: User, name: str, kind: str, parent: Region | None = None, code: str = ""
) -> Region:
    """Add a region under ``parent`` (a root when None, system only). Its path follows the parent's."""
    name = name.strip()
    if not name:
        raise DomainError("请填写区划名称。", field="name")
    if kind not in Region.Kind.values:
        raise DomainError(f"区划类型“{kind}”无效。", field="kind")
    if parent is None and not actor.is_system:
        raise DomainError("只有系统可以创建顶级区划。", field="parent")
    if parent is not None and not may_edit_region(actor, parent):
        raise DomainError("只能在您管理的区划下新增。", field="parent")
    if parent is not None and Region.objects.filter(parent=parent, name=name).exists():
        raise DomainError(f"“{parent.name}”下已有名为“{name}”的区划。", field="name")
    region = Region.objects.create(name=name, kind=kind, parent=parent, code=code.strip())
    region.path = (parent.path if parent else "/") + region.segment()
    region.depth = parent.depth + 1 if parent else 0
    region.save(update_fields=["path", "depth"])
    audit.record(
        actor=actor,
        action="orgs.region.create",
        target=region,
        after=audit.snapshot(region, ["name", "kind", "code", "parent"]),
    )
    return region


def _check_org_input(
    *,
    actor: User,
    name: str,
    kind: str,
    parent: PartyOrg | None,
    region: Region | None,
    established_on: date | None,
) -> None:
    if not name:
        raise DomainError("请填写党组织名称。", field="name")
    if kind not in PartyOrg.Kind.values:
        raise DomainError(f"党组织类型“{kind}”无效。", field="kind")
    if established_on and established_on > timezone.localdate():
        raise DomainError("成立日期不能晚于今天。", field="established_on")
    if parent is None and region is None:
        raise DomainError("请选择上级党组织或所在区划。", field="parent")
    if parent is not None and not may_edit_org(actor, parent):
        raise DomainError("只能在您管理的党组织下新增或调整。", field="parent")
    if (
        region is not None
        and not may_edit_region(actor, region)
        and (parent is None or not may_edit_org(actor, parent))
    ):
        raise DomainError("所在区划不在您的管理范围内。", field="region")


@service("orgs.party_org.create")
def create_party_org(
    *,
    actor: User,
    name: str,
    kind: str,
    parent: PartyOrg | None = None,
    region: Region | None = None,
    code: str = "",
    secretary_name: str = "",
    established_on: date | None = None,
    established_doc: str = "",
) -> PartyOrg:
    """Set up a party organisation under ``parent`` and/or in ``region``. A root organisation (no
    parent) may only be created by a user who manages its region."""
    name = name.strip()
    _check_org_input(
        actor=actor, name=name, kind=kind, parent=parent, region=region, established_on=established_on
    )
    if parent is None and region is not None and not may_edit_region(actor, region):
        raise DomainError("只能在您管理的区划内新建党组织。", field="region")
    if PartyOrg.objects.filter(parent=parent, region=region, name=name, is_active=True).exists():
        raise DomainError(f"已存在名为“{name}”的党组织。", field="name")
    org = PartyOrg.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        region=region,
        region_path=region.path if region else "",
        code=code.strip(),
        secretary_name=secretary_name.strip(),
        established_on=established_on,
        established_doc=established_doc.strip(),
    )
    org.path = (parent.path if parent else "/") + org.segment()
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    audit.record(
        actor=actor, action="orgs.party_org.create", target=org, after=audit.snapshot(org, ORG_FIELDS)
    )
    return org


@service("orgs.party_org.update")
def update_party_org(
    *,
    actor: User,
    org: PartyOrg,
    name: str,
    kind: str,
    region: Region | None,
    code: str = "",
    secretary_name: str = "",
    established_on: date | None = None,
    established_doc: str = "",
) -> PartyOrg:
    """Change an organisation's own attributes (moving it in the tree is ``move_party_org``)."""
    if not may_edit_org(actor, org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    name = name.strip()
    _check_org_input(
        actor=actor,
        name=name,
        kind=kind,
        parent=org.parent,
        region=region or org.region,
        established_on=established_on,
    )
    before = audit.snapshot(org, ORG_FIELDS)
    org.name = name
    org.kind = kind
    org.region = region
    org.region_path = region.path if region else ""
    org.code = code.strip()
    org.secretary_name = secretary_name.strip()
    org.established_on = established_on
    org.established_doc = established_doc.strip()
    org.updated_at = timezone.now()
    org.full_clean(exclude=["path", "parent"])
    org.save()
    audit.record(
        actor=actor,
        action="orgs.party_org.update",
        target=org,
        before=before,
        after=audit.snapshot(org, ORG_FIELDS),
    )
    return org


PERSON_FIELDS = [
    "name",
    "gender",
    "birth_date",
    "id_card",
    "mobile",
    "region",
    "household",
    "unit",
    "occupation",
    "is_gig_worker",
]


def _normalise_pii(*, id_card: str, mobile: str) -> tuple[str, str]:
    try:
        id_norm = normalise_id_card(id_card) if id_card.strip() else ""
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="id_card") from None
    try:
        mobile_norm = normalise_mobile(mobile) if mobile.strip() else ""
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="mobile") from None
    return id_norm, mobile_norm


@service("orgs.person.create")
def create_person(
    *,
    actor: User,
    name: str,
    region: Region,
    id_card: str = "",
    mobile: str = "",
    gender: str = "",
    household: Household | None = None,
    unit: Unit | None = None,
    occupation: str = "",
    is_gig_worker: bool = False,
) -> Person:
    """Register a person living in ``region``. The ID number is validated (GB 11643), must be unique,
    and is stored encrypted with a keyed hash; the birth date and gender are taken from it."""
    name = name.strip()
    if not name:
        raise DomainError("请填写姓名。", field="name")
    if not may_edit_region(actor, region):
        raise DomainError("居住地不在您的管理范围内。", field="region")
    id_norm, mobile_norm = _normalise_pii(id_card=id_card, mobile=mobile)
    id_hash = lookup_hash(id_norm) if id_norm else ""
    if id_hash and Person.objects.filter(id_card_hash=id_hash, merged_into__isnull=True).exists():
        raise DomainError("该身份证号码已登记，请勿重复录入（可在人员页合并重复人员）。", field="id_card")
    if household is not None and household.region_id != region.pk:
        raise DomainError("所在户不属于该村（社区）。", field="household")
    if occupation and occupation not in Person.Occupation.values:
        raise DomainError(f"职业“{occupation}”无效。", field="occupation")
    if id_norm:
        gender = "M" if int(id_norm[16]) % 2 else "F"
    person = Person.objects.create(
        name=name,
        gender=gender,
        birth_date=birth_date_from_id(id_norm) if id_norm else None,
        id_card=id_norm,
        id_card_hash=id_hash,
        mobile=mobile_norm,
        mobile_hash=lookup_hash(mobile_norm) if mobile_norm else "",
        region=region,
        region_path=region.path,
        household=household,
        unit=unit,
        occupation=occupation,
        is_gig_worker=is_gig_worker,
    )
    audit.record(
        actor=actor, action="orgs.person.create", target=person, after=audit.snapshot(person, PERSON_FIELDS)
    )
    return person


@service("orgs.household.create")
def create_household(
    *, actor: User, region: Region, head: Person | None = None, number: str = "", address: str = ""
) -> Household:
    """Register a household (户) in a village; its head, when given, becomes a member of it."""
    if not may_edit_region(actor, region):
        raise DomainError("该村（社区）不在您的管理范围内。", field="region")
    if number and Household.objects.filter(region=region, number=number.strip()).exists():
        raise DomainError(f"户号“{number}”在本村已存在。", field="number")
    household = Household.objects.create(
        region=region, region_path=region.path, number=number.strip(), head=head, address=address.strip()
    )
    if head is not None:
        if head.region_id != region.pk:
            raise DomainError("户主不住在该村（社区）。", field="head")
        head.household = household
        head.save(update_fields=["household"])
    audit.record(
        actor=actor,
        action="orgs.household.create",
        target=household,
        after={"number": number, "head": head.pk if head else None},
    )
    return household


MEMBERSHIP_DATES = {
    "applicant": "applied_on",
    "activist": "activist_on",
    "candidate": "candidate_on",
    "probationary": "probationary_on",
    "full": "full_on",
}


@service("orgs.membership.record")
def record_membership(
    *,
    actor: User,
    person: Person,
    org: PartyOrg,
    status: str,
    since: date,
    is_mobile: bool = False,
    home_org: PartyOrg | None = None,
    host_org: PartyOrg | None = None,
    history: dict[str, date] | None = None,
) -> Membership:
    """Record (or advance) a person's party standing in ``org``: the stage and the date it began.

    Development decisions (votes, approvals) are taken by people and recorded here; this only checks
    that the stage exists, the date is not in the future and the organisation is in the actor's scope.
    Moving an existing membership to another organisation needs both organisations in the actor's
    scope; otherwise it is a transfer (``start_transfer``), never a direct move.
    """
    if status not in Membership.Status.values:
        raise DomainError(f"党员身份状态“{status}”无效。", field="status")
    if since > timezone.localdate():
        raise DomainError("日期不能晚于今天。", field="since")
    if not may_edit_org(actor, org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    if person.merged_into_id:
        raise DomainError("该人员已合并到其他人员，请在保留的人员上登记。", field="person")
    if is_mobile and home_org is None and host_org is None:
        raise DomainError("流动党员请填写流出地或流入地党组织。", field="home_org")
    membership = Membership.objects.filter(person=person).first()
    before = audit.snapshot(membership, ["status", "org"]) if membership else None
    if membership is None:
        membership = Membership(person=person)
    elif membership.org_id != org.pk:
        if membership.transfers.exclude(state="received").exists():
            raise DomainError("该党员的组织关系正在转接中，接收前不能变更所在党组织。", field="org")
        # A move between organisations is a transfer: recorded here only when the actor manages both
        # ends; otherwise the sending organisation starts a transfer and the receiving one accepts it.
        if not may_edit_org(actor, membership.org):
            raise DomainError(
                f"{person.name}的组织关系在“{membership.org.name}”，不在您的管理范围内；"
                "变更所在党组织请由该组织办理组织关系转接。",
                field="org",
            )
    membership.status = status
    membership.org = org
    membership.org_path = org.path
    membership.is_mobile = is_mobile
    membership.home_org = home_org
    membership.host_org = host_org
    setattr(membership, MEMBERSHIP_DATES[status], since)
    # Dates of the earlier stages, when known (imports carry the whole history).
    for stage, day in (history or {}).items():
        if stage not in MEMBERSHIP_DATES:
            raise DomainError(f"党员身份状态“{stage}”无效。", field="status")
        if day > timezone.localdate():
            raise DomainError("日期不能晚于今天。", field=MEMBERSHIP_DATES[stage])
        setattr(membership, MEMBERSHIP_DATES[stage], day)
    membership.save()
    person.org_path = org.path
    person.save(update_fields=["org_path"])
    audit.record(
        actor=actor,
        action="orgs.membership.record",
        target=membership,
        before=before,
        after={"person": person.pk, "status": status, "org": org.pk, "since": since.isoformat()},
    )
    return membership


@service("orgs.unit.create")
def create_unit(
    *,
    actor: User,
    name: str,
    kind: str,
    industry: str,
    region: Region,
    supervising_org: PartyOrg | None = None,
    credit_code: str = "",
    address: str = "",
    workforce: int = 0,
    gig_workers: int = 0,
    has_union: bool = False,
    has_youth_league: bool = False,
) -> Unit:
    """Register a unit (company, platform station, taxi or freight company) in ``region``."""
    name = name.strip()
    if not name:
        raise DomainError("请填写单位名称。", field="name")
    if kind not in Unit.Kind.values:
        raise DomainError(f"单位类型“{kind}”无效。", field="kind")
    if industry not in Unit.Industry.values:
        raise DomainError(f"行业“{industry}”无效。", field="industry")
    if not may_register_in(actor, region):
        raise DomainError(f"所在区划“{region.name}”不在您的管理范围内。", field="region")
    if workforce < 0 or gig_workers < 0:
        raise DomainError("人数不能为负数。", field="workforce" if workforce < 0 else "gig_workers")
    if Unit.objects.filter(name=name, region=region, is_active=True).exists():
        raise DomainError(f"“{region.name}”已登记名为“{name}”的单位。", field="name")
    unit = Unit.objects.create(
        name=name,
        kind=kind,
        industry=industry,
        region=region,
        region_path=region.path,
        supervising_org=supervising_org,
        org_path=supervising_org.path if supervising_org else "",
        credit_code=credit_code.strip(),
        address=address.strip(),
        workforce=workforce,
        gig_workers=gig_workers,
        has_union=has_union,
        has_youth_league=has_youth_league,
    )
    audit.record(
        actor=actor,
        action="orgs.unit.create",
        target=unit,
        after=audit.snapshot(unit, ["name", "kind", "industry", "region", "supervising_org"]),
    )
    return unit


UNIT_FIELDS = [
    "name", "kind", "industry", "region", "supervising_org", "credit_code", "address", "workforce",
    "gig_workers", "has_union", "has_youth_league", "is_active",
]  # fmt: skip


@service("orgs.unit.update")
def update_unit(
    *,
    actor: User,
    unit: Unit,
    name: str,
    kind: str,
    industry: str,
    region: Region,
    supervising_org: PartyOrg | None = None,
    credit_code: str = "",
    address: str = "",
    workforce: int = 0,
    gig_workers: int = 0,
    has_union: bool = False,
    has_youth_league: bool = False,
) -> Unit:
    """Change a unit's attributes; moving it to another region needs rights on both regions."""
    if not may_edit_unit(actor, unit):
        raise DomainError("该单位不在您的管理范围内。", field="unit")
    name = name.strip()
    if not name:
        raise DomainError("请填写单位名称。", field="name")
    if kind not in Unit.Kind.values:
        raise DomainError(f"单位类型“{kind}”无效。", field="kind")
    if industry not in Unit.Industry.values:
        raise DomainError(f"行业“{industry}”无效。", field="industry")
    if region.pk != unit.region_id and not may_register_in(actor, region):
        raise DomainError(f"所在区划“{region.name}”不在您的管理范围内。", field="region")
    if workforce < 0 or gig_workers < 0:
        raise DomainError("人数不能为负数。", field="workforce" if workforce < 0 else "gig_workers")
    if Unit.objects.filter(name=name, region=region, is_active=True).exclude(pk=unit.pk).exists():
        raise DomainError(f"“{region.name}”已登记名为“{name}”的单位。", field="name")
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.name, unit.kind, unit.industry = name, kind, industry
    unit.region, unit.region_path = region, region.path
    unit.supervising_org = supervising_org
    unit.org_path = supervising_org.path if supervising_org else ""
    unit.credit_code, unit.address = credit_code.strip(), address.strip()
    unit.workforce, unit.gig_workers = workforce, gig_workers
    unit.has_union, unit.has_youth_league = has_union, has_youth_league
    unit.updated_at = timezone.now()
    unit.save()
    after = audit.snapshot(unit, UNIT_FIELDS)
    audit.record(actor=actor, action="orgs.unit.update", target=unit, before=before, after=after)
    return unit


@service("orgs.person.update")
def update_person(
    *,
    actor: User,
    person: Person,
    name: str,
    region: Region,
    mobile: str = "",
    household: Household | None = None,
    unit: Unit | None = None,
    occupation: str = "",
    is_gig_worker: bool = False,
) -> Person:
    """Change a person's name, residence, household, work unit, occupation and mobile number. The ID
    number (and the birth date and gender it carries) is not changed here: a wrong one is a duplicate
    person to merge."""
    if not may_edit_person(actor, person):
        raise DomainError("该人员不在您的管理范围内。", field="person")
    name = name.strip()
    if not name:
        raise DomainError("请填写姓名。", field="name")
    if region.pk != person.region_id and not may_edit_region(actor, region):
        raise DomainError("居住地不在您的管理范围内。", field="region")
    _, mobile_norm = _normalise_pii(id_card="", mobile=mobile)
    if household is not None and household.region_id != region.pk:
        raise DomainError("所在户不属于该村（社区）。", field="household")
    if occupation and occupation not in Person.Occupation.values:
        raise DomainError(f"职业“{occupation}”无效。", field="occupation")
    before = audit.snapshot(person, PERSON_FIELDS)
    person.name, person.region, person.region_path = name, region, region.path
    person.mobile, person.mobile_hash = mobile_norm, lookup_hash(mobile_norm) if mobile_norm else ""
    person.household, person.unit = household, unit
    person.occupation, person.is_gig_worker = occupation, is_gig_worker
    person.updated_at = timezone.now()
    person.save()
    audit.record(
        actor=actor,
        action="orgs.person.update",
        target=person,
        before=before,
        after=audit.snapshot(person, PERSON_FIELDS),
    )
    return person
