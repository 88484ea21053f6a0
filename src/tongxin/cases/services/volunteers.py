"""Open311 client keys, volunteer teams and service records."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases.models import (
    Open311Key,
    ServiceRecord,
    TeamMember,
    VolunteerTeam,
)
from tongxin.cases.services import awards
from tongxin.cases.services._base import HANDLE, _row_user
from tongxin.cases.services.intake import person_for_user
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Person, Region

# --- Open311 keys -------------------------------------------------------------------------------


@service("cases.open311_key.create")
def create_open311_key(*, actor: User, name: str, region: Region) -> tuple[Open311Key, str]:
    """A new Open311 api_key for a client; reports it files are placed in ``region``. The raw key is
    returned once; only its SHA-256 is stored."""
    name = name.strip()
    if not name:
        raise DomainError("请填写密钥名称。", field="name")
    raw = Open311Key.new_raw()
    key = Open311Key.objects.create(
        name=name, key_prefix=raw[:8], digest=Open311Key.digest_of(raw), region=region
    )
    audit.record(
        actor=actor, action="cases.open311_key.create", target=key, org_path=region.path, after={"name": name}
    )
    return key, raw


@service("cases.open311_key.revoke")
def revoke_open311_key(*, actor: User, key: Open311Key) -> Open311Key:
    """Stop accepting requests signed with ``key``."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="cases.open311_key.revoke", target=key, org_path=key.region.path)
    return key


def key_for(raw: str) -> Open311Key | None:
    if not raw:
        return None
    return (
        Open311Key.objects.select_related("region")
        .filter(digest=Open311Key.digest_of(raw), revoked_at__isnull=True)
        .first()
    )


# --- volunteer teams and service records ----------------------------------------------------------


@service("cases.team.create")
def create_team(
    *,
    actor: User,
    name: str,
    kind: str,
    region: Region,
    org: PartyOrg | None = None,
    founded_on: date | None = None,
) -> VolunteerTeam:
    """Set up a volunteer team (爱心车队, 志愿服务队) in ``region``."""
    name = name.strip()
    if not name:
        raise DomainError("请填写队伍名称。", field="name")
    if kind not in VolunteerTeam.TeamKind.values:
        raise DomainError(f"队伍类型“{kind}”无效。", field="kind")
    if not in_scope(region.path, actor, HANDLE, "region"):
        raise DomainError("只能在您负责的区划内成立队伍。", field="region")
    if VolunteerTeam.objects.filter(region=region, name=name).exists():
        raise DomainError(f"“{region.name}”已有名为“{name}”的队伍。", field="name")
    team = VolunteerTeam.objects.create(
        name=name,
        kind=kind,
        region=region,
        region_path=region.path,
        org=org,
        org_path=org.path if org else "",
        founded_on=founded_on,
    )
    audit.record(actor=actor, action="cases.team.create", target=team, after={"name": name, "kind": kind})
    return team


@service("cases.team.add_member")
def add_team_member(
    *, actor: User, team: VolunteerTeam, person: Person, role: str = "", joined_on: date | None = None
) -> TeamMember:
    """Add a registry person to a team."""
    if not in_scope(team.region_path, actor, HANDLE, "region"):
        raise DomainError("您无权管理该队伍。", field="team")
    if TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).exists():
        raise DomainError(f"{person.name} 已是该队队员。", field="person")
    member = TeamMember.objects.create(
        team=team, person=person, role=role.strip()[:30], joined_on=joined_on or timezone.localdate()
    )
    audit.record(
        actor=actor, action="cases.team.add_member", target=team, after={"person": person.pk, "role": role}
    )
    return member


@service("cases.team.remove_member")
def remove_team_member(*, actor: User, member: TeamMember, left_on: date | None = None) -> TeamMember:
    """A member leaves the team (the membership row is kept with its end date)."""
    if not in_scope(member.team.region_path, actor, HANDLE, "region"):
        raise DomainError("您无权管理该队伍。", field="team")
    if member.left_on is not None:
        return member
    member.left_on = left_on or timezone.localdate()
    member.save(update_fields=["left_on"])
    audit.record(
        actor=actor, action="cases.team.remove_member", target=member.team, after={"person": member.person_id}
    )
    return member


@service("cases.service.record")
def record_service(
    *,
    actor: User,
    kind: str,
    person: Person,
    region: Region,
    served_on: date,
    quantity: int = 1,
    minutes: int = 0,
    beneficiaries: int = 0,
    team: VolunteerTeam | None = None,
    note: str = "",
    award: bool = True,
) -> ServiceRecord:
    """Record one act of service. With ``award`` the kind's points (rule ``service_points``) wait for a
    second person: ``confirm_service`` by someone other than the recorder pays them."""
    if kind not in ServiceRecord.ServiceKind.values:
        raise DomainError(f"服务类型“{kind}”无效。", field="kind")
    if served_on > timezone.localdate():
        raise DomainError("服务日期不能晚于今天。", field="served_on")
    if quantity < 1 or quantity > 100000:
        raise DomainError("数量应在1到100000之间。", field="quantity")
    if minutes < 0 or minutes > 24 * 60:
        raise DomainError("服务时长应在0到1440分钟之间。", field="minutes")
    if beneficiaries < 0:
        raise DomainError("服务对象人数不能为负数。", field="beneficiaries")
    if not in_scope(region.path, actor, HANDLE, "region"):
        raise DomainError("只能登记您负责区划内的服务。", field="region")
    if (
        team is not None
        and not TeamMember.objects.filter(team=team, person=person, left_on__isnull=True).exists()
    ):
        raise DomainError(f"{person.name} 不是“{team.name}”的队员。", field="person")
    record = ServiceRecord.objects.create(
        kind=kind,
        team=team,
        person=person,
        region=region,
        region_path=region.path,
        served_on=served_on,
        quantity=quantity,
        minutes=minutes,
        beneficiaries=beneficiaries,
        note=note.strip()[:200],
        recorded_by=_row_user(actor),
    )
    audit.record(
        actor=actor,
        action="cases.service.record",
        target=record,
        after={"kind": kind, "person": person.pk, "quantity": quantity, "served_on": str(served_on)},
    )
    points = awards.service_points(kind) if award else 0
    if points > 0:
        record.points_note = f"待另一名工作人员确认后发放 {points} 分"
        record.save(update_fields=["points_note"])
    return record


@service("cases.service.confirm")
def confirm_service(*, actor: User, record: ServiceRecord) -> ServiceRecord:
    """A second person confirms a service record; its kind's points (rule ``service_points``) then go to
    the person served by them, within the caps (rule ``service_award_caps``), through
    ``points.services.award_points``. Not by the recorder, not by the person the points would go to.
    A confirmed record is returned unchanged (a retry writes nothing)."""
    record = (
        ServiceRecord.objects.select_for_update().select_related("person", "person__region").get(pk=record.pk)
    )
    if not in_scope(record.region_path, actor, HANDLE, "region"):
        raise DomainError("只能确认您负责区划内的服务记录。", field="record")
    if record.confirmed_at is not None:
        return record
    if record.recorded_by_id == actor.pk:
        raise DomainError(
            "两人原则：登记人不能确认自己登记的服务记录，请由另一名工作人员确认。", field="record"
        )
    if person_for_user(actor) == record.person:
        raise DomainError("两人原则：不能确认为您本人发放积分的服务记录。", field="record")
    points = awards.service_points(record.kind)
    note = awards.award_service(actor=actor, record=record) if points > 0 else ""
    record.confirmed_by = actor
    record.confirmed_at = timezone.now()
    if points > 0 and not note:
        record.points_awarded = points
        note = f"已发放 {points} 分"
    record.points_note = note or "已确认（该类型不计积分）"
    record.save(update_fields=["confirmed_by", "confirmed_at", "points_awarded", "points_note"])
    audit.record(
        actor=actor,
        action="cases.service.confirm",
        target=record,
        before={"confirmed": False},
        after={"confirmed": True, "points": record.points_awarded, "note": record.points_note},
    )
    return record
