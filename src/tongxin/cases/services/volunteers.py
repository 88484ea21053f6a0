"""Open311 client keys, volunteer teams and service records."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from tongxin.cases.models import (
    Open311Key,
    ServiceRecord,
    TeamMember,
    VolunteerTeam,
)
from tongxin.cases.services._base import HANDLE, _defaults
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Person, Region

# --- Open311 keys -------------------------------------------------------------------------------


@service("cases.open311_key.create")
def create_open311_key(*, actor: Any, name: str, region: Region) -> tuple[Open311Key, str]:
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
def revoke_open311_key(*, actor: Any, key: Open311Key) -> Open311Key:
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
    actor: Any,
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
    if actor is not None and not in_scope(region.path, actor, HANDLE, "region"):
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
    *, actor: Any, team: VolunteerTeam, person: Person, role: str = "", joined_on: date | None = None
) -> TeamMember:
    """Add a registry person to a team."""
    if actor is not None and not in_scope(team.region_path, actor, HANDLE, "region"):
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
def remove_team_member(*, actor: Any, member: TeamMember, left_on: date | None = None) -> TeamMember:
    """A member leaves the team (the membership row is kept with its end date)."""
    if actor is not None and not in_scope(member.team.region_path, actor, HANDLE, "region"):
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
    actor: Any,
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
    """Record one act of service; with ``award`` the kind's points (rule ``service_points``) go to the
    person through ``points.services.award_points`` (idempotent on the record)."""
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
    if actor is not None and not in_scope(region.path, actor, HANDLE, "region"):
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
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="cases.service.record",
        target=record,
        after={"kind": kind, "person": person.pk, "quantity": quantity, "served_on": str(served_on)},
    )
    points = int(_defaults().value("service_points").get(kind, 0))
    if award and points > 0:
        from tongxin.points import services as points_services

        try:
            with transaction.atomic():
                points_services.award_points(
                    actor=actor,
                    person=person,
                    points=points,
                    source="cases.service",
                    source_ref=str(record.pk),
                    reason=f"志愿服务：{record.get_kind_display()}（{served_on}）",
                    on=served_on,
                )
        except DomainError as exc:
            ServiceRecord.objects.filter(pk=record.pk).update(points_note=f"积分未发放：{exc.message}"[:200])
        else:
            ServiceRecord.objects.filter(pk=record.pk).update(
                points_awarded=points, points_note=f"已发放 {points} 分"
            )
        record.refresh_from_db()
    return record
