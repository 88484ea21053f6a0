"""Structure writes: moving organisations, setting up branches from units, committees, instructors."""

from __future__ import annotations

from datetime import date

from django.db.models import CharField, F, Model, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import prefix_q
from tongxin.orgs import coverage, paths
from tongxin.orgs.models import (
    CommitteeMember,
    InstructorAppointment,
    Membership,
    PartyOrg,
    Person,
    Region,
    Unit,
)
from tongxin.orgs.report import common_region
from tongxin.orgs.services.registry import create_party_org, may_edit_org, may_edit_unit


def _rebase(model: type[Model], field: str, old: str, new: str) -> int:
    """Replace the prefix ``old`` of ``field`` by ``new`` on every row under ``old``."""
    expr = Concat(Value(new), Substr(field, len(old) + 1), output_field=CharField())
    return model._default_manager.filter(prefix_q(field, old)).update(**{field: expr})


@service("orgs.party_org.move")
def move_party_org(*, actor: User, org: PartyOrg, parent: PartyOrg) -> PartyOrg:
    """Move ``org`` with its whole subtree under ``parent``. Cycles are refused; members, supervised
    units, transfers and the rows other apps scope by the org (declared in ``orgs.paths``) follow:
    their copied paths are rewritten in the same transaction."""
    if not may_edit_org(actor, org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    if not may_edit_org(actor, parent):
        raise DomainError("新的上级党组织不在您的管理范围内。", field="parent")
    if parent.pk == org.pk or parent.path.startswith(org.path):
        raise DomainError("不能把党组织移到它自己或它的下级组织之下。", field="parent")
    if parent.pk == org.parent_id:
        raise DomainError("该党组织已在这个上级组织之下。", field="parent")
    if not parent.is_active:
        raise DomainError("新的上级党组织已撤销。", field="parent")
    old, new = org.path, parent.path + org.segment()
    before = {"parent": org.parent_id, "path": old}
    depth_delta = parent.depth + 1 - org.depth
    PartyOrg.objects.filter(prefix_q("path", old)).update(depth=F("depth") + depth_delta)
    moved = _rebase(PartyOrg, "path", old, new)
    for model, field in paths.declared_copies():  # members, units, transfers, cases, stars … (orgs.paths)
        _rebase(model, field, old, new)
    PartyOrg.objects.filter(pk=org.pk).update(parent=parent, updated_at=timezone.now())
    org.refresh_from_db()
    audit.record(
        actor=actor,
        action="orgs.party_org.move",
        target=org,
        before=before,
        after={"parent": parent.pk, "path": new, "subtree": moved},
    )
    return org


def _check_units(actor: User, kind: str, units: list[Unit]) -> None:
    rs = coverage.rule_set()
    own_min = int(rs.value("own_branch_min_formal"))
    max_units = int(rs.value("joint_branch_max_units"))
    if not units:
        raise DomainError("请选择要组建党组织的单位。", field="units")
    for unit in units:
        if not may_edit_unit(actor, unit):
            raise DomainError(f"单位“{unit.name}”不在您的管理范围内。", field="units")
    facts = coverage.unit_facts(Unit.objects.filter(pk__in=[u.pk for u in units]))
    if kind == PartyOrg.Kind.JOINT_BRANCH:
        if len(units) > max_units:
            raise DomainError(
                f"联合党支部覆盖单位一般不超过{max_units}个（{rs['joint_branch_max_units'].article}），"
                f"现选了{len(units)}个。",
                field="units",
            )
        big = [u.name for u in units if facts[u.pk].formal >= own_min]
        if big:
            raise DomainError(
                f"“{'、'.join(big)}”有正式党员{own_min}名以上，应单独成立党支部，不宜纳入联合党支部。",
                field="units",
            )
    elif kind == PartyOrg.Kind.BRANCH:
        if len(units) != 1:
            raise DomainError("单独成立的党支部只对应一个单位；多个单位请组建联合党支部。", field="units")
        unit = units[0]
        if facts[unit.pk].formal < own_min:
            raise DomainError(
                f"“{unit.name}”正式党员{facts[unit.pk].formal}名，不足{own_min}名（预备党员不计入），"
                "应组建联合党支部。",
                field="units",
            )
    else:
        raise DomainError("从单位组建时，类型应为党支部或联合党支部。", field="kind")


@service("orgs.party_org.set_up")
def set_up_party_org(
    *,
    actor: User,
    units: list[Unit],
    kind: str,
    name: str,
    parent: PartyOrg | None = None,
    region: Region | None = None,
    secretary_name: str = "",
    established_on: date | None = None,
    established_doc: str = "",
    move_members: bool = False,
) -> PartyOrg:
    """Set up a branch for one unit (>= 3 formal members) or a joint branch for several (each below 3,
    at most the rule's number of units). The findings this resolves close; the audit event lists them.
    With ``move_members`` the party members working in the units move into the new organisation."""
    _check_units(actor, kind, units)
    if region is None:
        paths = sorted(u.region_path for u in units)
        region = common_region(paths[0], paths[-1])
    before = coverage.open_keys(units)
    org = create_party_org(
        actor=actor,
        name=name,
        kind=kind,
        parent=parent,
        region=region,
        secretary_name=secretary_name,
        established_on=established_on,
        established_doc=established_doc,
    )
    org.units.set(units)
    moved = 0
    if move_members:
        members = Membership.objects.filter(
            person__unit__in=units, person__merged_into__isnull=True, status__in=coverage.PARTY_STATUSES
        ).exclude(transfers__state__in=["out", "in_transit"])
        person_ids = list(members.values_list("person_id", flat=True))
        moved = members.update(org=org, org_path=org.path)
        Person.objects.filter(pk__in=person_ids).update(org_path=org.path)
    closed = sorted(before - coverage.open_keys(units, [org]))
    audit.record(
        actor=actor,
        action="orgs.party_org.set_up",
        target=org,
        after={
            "kind": kind,
            "units": [u.pk for u in units],
            "moved_members": moved,
            "closed_findings": closed,
        },
    )
    return org


@service("orgs.party_org.set_units")
def set_org_units(*, actor: User, org: PartyOrg, units: list[Unit]) -> PartyOrg:
    """Change which units an organisation covers (e.g. split an oversized joint branch)."""
    if not may_edit_org(actor, org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    for unit in units:
        if not may_edit_unit(actor, unit):
            raise DomainError(f"单位“{unit.name}”不在您的管理范围内。", field="units")
    if org.kind == PartyOrg.Kind.BRANCH and len(units) > 1:
        raise DomainError("单独成立的党支部只对应一个单位；多个单位请改为联合党支部。", field="units")
    before = sorted(org.units.values_list("pk", flat=True))
    org.units.set(units)
    audit.record(
        actor=actor,
        action="orgs.party_org.set_units",
        target=org,
        before={"units": before},
        after={"units": sorted(u.pk for u in units)},
    )
    return org


@service("orgs.unit.appoint_instructor")
def appoint_instructor(*, actor: User, unit: Unit, instructor: User, appointed_on: date) -> Unit:
    """Appoint (or replace) the unit's party-building instructor, a user holding the instructor role.
    The previous appointment ends on the new one's date."""
    if not may_edit_unit(actor, unit):
        raise DomainError("该单位不在您的管理范围内。", field="unit")
    if instructor is None or not instructor.has_role("instructor"):
        raise DomainError("所选用户不是党建指导员（需有“党建指导员”角色）。", field="instructor")
    if appointed_on > timezone.localdate():
        raise DomainError("选派日期不能晚于今天。", field="appointed_on")
    if unit.instructor_id == instructor.pk:
        raise DomainError(f"{instructor}已是该单位的党建指导员。", field="instructor")
    if unit.instructor_appointed_on and appointed_on < unit.instructor_appointed_on:
        raise DomainError("选派日期不能早于现任指导员的选派日期。", field="appointed_on")
    before = {"instructor": unit.instructor_id, "appointed_on": str(unit.instructor_appointed_on or "")}
    InstructorAppointment.objects.filter(unit=unit, ended_on__isnull=True).update(ended_on=appointed_on)
    InstructorAppointment.objects.create(unit=unit, instructor=instructor, appointed_on=appointed_on)
    Unit.objects.filter(pk=unit.pk).update(
        instructor=instructor, instructor_appointed_on=appointed_on, updated_at=timezone.now()
    )
    unit.refresh_from_db()
    audit.record(
        actor=actor,
        action="orgs.unit.appoint_instructor",
        target=unit,
        before=before,
        after={"instructor": instructor.pk, "appointed_on": appointed_on.isoformat()},
    )
    return unit


@service("orgs.committee.appoint")
def appoint_committee_member(
    *,
    actor: User,
    org: PartyOrg,
    name: str,
    position: str,
    term_start: date,
    person: Person | None = None,
    term_end: date | None = None,
) -> CommitteeMember:
    """Seat someone on ``org``'s committee (secretary, deputy or member) for a term. The term's end
    defaults to the rule set's term of office (village and committee 5 years, other branches 3). A new
    secretary replaces the current one, whose seat ends the day the new term starts; seats whose term had
    run out by then end too (换届)."""
    if not may_edit_org(actor, org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    name = (name or (person.name if person else "")).strip()
    if not name:
        raise DomainError("请填写姓名。", field="name")
    if position not in CommitteeMember.Position.values:
        raise DomainError(f"职务“{position}”无效。", field="position")
    if term_start > timezone.localdate():
        raise DomainError("任期开始日期不能晚于今天。", field="term_start")
    if person is not None and person.merged_into_id:
        raise DomainError("该人员已合并到其他人员。", field="person")
    if term_end is None:
        term_end = coverage._add_years(term_start, coverage.term_years(org))
    if term_end <= term_start:
        raise DomainError("任期届满日期应晚于开始日期。", field="term_end")
    current = CommitteeMember.objects.filter(org=org, ended_on__isnull=True)
    if person is not None and current.filter(person=person).exists():
        raise DomainError(f"{name}已在班子中，请先办理离任。", field="person")
    # 换届: seats whose term has run out by the new term's start end then.
    current.filter(term_end__lte=term_start).update(ended_on=term_start, updated_at=timezone.now())
    if position == CommitteeMember.Position.SECRETARY:
        current.filter(position=position).update(ended_on=term_start, updated_at=timezone.now())
        PartyOrg.objects.filter(pk=org.pk).update(secretary_name=name, updated_at=timezone.now())
    seat = CommitteeMember.objects.create(
        org=org, person=person, name=name, position=position, term_start=term_start, term_end=term_end
    )
    audit.record(
        actor=actor,
        action="orgs.committee.appoint",
        target=seat,
        after=audit.snapshot(seat, ["org", "person", "name", "position", "term_start", "term_end"]),
    )
    return seat


@service("orgs.committee.end")
def end_committee_seat(*, actor: User, seat: CommitteeMember, ended_on: date) -> CommitteeMember:
    """End a committee seat (the member leaves, or the term closes at the election of a new one)."""
    if not may_edit_org(actor, seat.org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    if seat.ended_on is not None:
        raise DomainError("该职务已离任。", field="seat")
    if ended_on < seat.term_start or ended_on > timezone.localdate():
        raise DomainError("离任日期应在任期开始之后、且不晚于今天。", field="ended_on")
    updated = CommitteeMember.objects.filter(pk=seat.pk, ended_on__isnull=True).update(
        ended_on=ended_on, updated_at=timezone.now()
    )
    if not updated:
        raise DomainError("该职务已离任。", field="seat")
    if seat.position == CommitteeMember.Position.SECRETARY:
        PartyOrg.objects.filter(pk=seat.org_id, secretary_name=seat.name).update(secretary_name="")
    seat.refresh_from_db()
    audit.record(
        actor=actor, action="orgs.committee.end", target=seat, after={"ended_on": ended_on.isoformat()}
    )
    return seat
