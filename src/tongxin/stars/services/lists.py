"""Weak and lax branches (软弱涣散) and strong–weak pairings, kept by the county."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import PartyOrg
from tongxin.stars.models import Pairing, WeakBranch
from tongxin.stars.services.access import (
    MANAGE,
    branch_region,
    clean_reason,
    require,
    township_of,
    user_row,
)


@service("stars.weak.list")
def list_weak_branch(
    *, actor: User, org: PartyOrg, year: int, reason: str, plan: str, now: datetime | None = None
) -> WeakBranch:
    """Put a branch on the year's list of weak and lax branches, with the reason and the plan."""
    now = now or timezone.now()
    region = branch_region(org)
    require(actor, MANAGE, "只有县级可以认定软弱涣散党组织。", region_path=region.path, org_path=org.path)
    reason = clean_reason(reason, label="软弱涣散原因")
    plan = clean_reason(plan, field="plan", label="整顿方案")
    if WeakBranch.objects.filter(org=org, year=year).exists():
        raise DomainError(f"{org.name}已列入{year}年软弱涣散党组织名单。", field="org")
    weak = WeakBranch.objects.create(
        org=org,
        region=region,
        township=township_of(region),
        region_path=region.path,
        org_path=org.path,
        year=year,
        reason=reason,
        plan=plan,
        listed_at=now,
        listed_by=user_row(actor),
    )
    audit.record(actor=actor, action="stars.weak.list", target=weak, after={"year": year, "reason": reason})
    return weak


@service("stars.weak.lift")
def lift_weak_branch(
    *, actor: User, weak: WeakBranch, reason: str, now: datetime | None = None
) -> WeakBranch:
    """Take a branch off the list once it is rectified (摘帽), with the reason."""
    now = now or timezone.now()
    require(actor, MANAGE, "只有县级可以为软弱涣散党组织摘帽。", region_path=weak.region_path)
    reason = clean_reason(reason, label="摘帽理由")
    changed = WeakBranch.objects.filter(pk=weak.pk, state=WeakBranch.State.LISTED).update(
        state=WeakBranch.State.LIFTED, lifted_at=now, lifted_by=user_row(actor), lift_reason=reason
    )
    if changed != 1:
        raise DomainError("该党组织已摘帽。", field="state")
    weak.refresh_from_db()
    audit.record(actor=actor, action="stars.weak.lift", target=weak, after={"reason": reason})
    return weak


@service("stars.pairing.create")
def pair_branches(
    *, actor: User, strong: PartyOrg, weak: PartyOrg, year: int, note: str = "", now: datetime | None = None
) -> Pairing:
    """结对共建: a strong branch is paired with a weak one for the year."""
    now = now or timezone.now()
    weak_region = branch_region(weak)
    strong_region = branch_region(strong)
    if strong.pk == weak.pk:
        raise DomainError("先进村与后进村不能是同一个党组织。", field="strong")
    require(actor, MANAGE, "只能为本县的村（社区）结对。", region_path=weak_region.path)
    require(actor, MANAGE, "只能为本县的村（社区）结对。", region_path=strong_region.path)
    existing = Pairing.objects.filter(strong=strong, weak=weak, year=year, ended_at__isnull=True).first()
    if existing is not None:
        return existing
    pairing = Pairing.objects.create(
        strong=strong,
        weak=weak,
        year=year,
        region_path=weak_region.path,
        org_path=weak.path,
        note=note.strip()[:300],
        created_at=now,
        created_by=user_row(actor),
    )
    audit.record(
        actor=actor, action="stars.pairing.create", target=pairing,
        after={"strong": strong.name, "weak": weak.name, "year": year},
    )  # fmt: skip
    return pairing


@service("stars.pairing.end")
def end_pairing(*, actor: User, pairing: Pairing, now: datetime | None = None) -> Pairing:
    now = now or timezone.now()
    require(actor, MANAGE, "只能结束本县的结对。", region_path=pairing.region_path)
    if Pairing.objects.filter(pk=pairing.pk, ended_at__isnull=True).update(ended_at=now) != 1:
        raise DomainError("该结对已结束。", field="pairing")
    pairing.refresh_from_db()
    audit.record(actor=actor, action="stars.pairing.end", target=pairing)
    return pairing
