"""Member writes: applications (入党申请书), transfers between organisations, merging duplicate people."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit, rules
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope
from tongxin.orgs import coverage, selectors
from tongxin.orgs.models import (
    CommitteeMember,
    Household,
    Membership,
    PartyOrg,
    Person,
    Transfer,
    TransferStep,
)
from tongxin.orgs.services.registry import may_edit_org, may_edit_person, record_membership


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@service("orgs.membership.apply")
def record_application(*, actor: User, person: Person, org: PartyOrg, applied_on: date) -> Membership:
    """Record an application for membership (入党申请书) received by ``org`` on ``applied_on``.

    The applicant must be of age (rule set) on that date and must not already be on the way."""
    if applied_on > timezone.localdate():
        raise DomainError("递交申请书日期不能晚于今天。", field="applied_on")
    existing = Membership.objects.filter(person=person).first()
    if existing is not None:
        raise DomainError(
            f"{person.name}已登记为{existing.get_status_display()}（{existing.org.name}），不能重复登记入党申请。",
            field="person",
        )
    try:
        min_age = int(coverage.rule_set(applied_on).value("applicant_min_age"))
    except rules.RuleNotInForce as exc:
        raise DomainError(exc.message, field="applied_on") from None
    if person.birth_date and _age_on(person.birth_date, applied_on) < min_age:
        raise DomainError(f"递交申请书时未满{min_age}周岁。", field="applied_on")
    if not org.is_active:
        raise DomainError("该党组织已撤销。", field="org")
    return record_membership(
        actor=actor, person=person, org=org, status=Membership.Status.APPLICANT, since=applied_on
    )


def may_transfer_to(actor: User, membership: Membership, to_org: PartyOrg) -> bool:
    """The transfer rule for the receiving organisation: one the actor can see, or any organisation
    located in the same county as the sending one (moving house or job within the county). A transfer
    beyond the county is issued by someone whose scope covers both ends (the city's organisation
    department). ``selectors.transfer_destinations_for`` lists exactly these."""
    if in_scope(to_org.path, actor, selectors.VIEW, "org") or (
        bool(to_org.region_path) and in_scope(to_org.region_path, actor, selectors.VIEW, "region")
    ):
        return True
    area = selectors.transfer_area_of(membership.org)
    return bool(area) and to_org.region_path.startswith(area)


def _step(transfer: Transfer, actor: User, from_state: str, to_state: str, note: str = "") -> None:
    step = TransferStep(
        transfer=transfer,
        from_state=from_state,
        to_state=to_state,
        actor=None if actor.is_system else actor,
        note=note[:200],
    )
    step.save()


@service("orgs.transfer.start")
def start_transfer(
    *, actor: User, membership: Membership, to_org: PartyOrg, reason: str, started_on: date
) -> Transfer:
    """Issue a transfer of ``membership`` to ``to_org`` (state ``out``). The sending organisation stays
    responsible, and the member stays counted there, until the receiving one confirms receipt."""
    if not may_edit_org(actor, membership.org):
        raise DomainError("只有转出党组织可以办理转出。", field="membership")
    if membership.status not in coverage.PARTY_STATUSES:
        raise DomainError("只有正式党员和预备党员办理组织关系转接。", field="membership")
    if to_org.pk == membership.org_id:
        raise DomainError("转入党组织不能与当前党组织相同。", field="to_org")
    if not to_org.is_active:
        raise DomainError("转入党组织已撤销。", field="to_org")
    if not may_transfer_to(actor, membership, to_org):
        raise DomainError(
            f"“{to_org.name}”不在您的范围内，也不在转出党组织所在县（市、区）内；"
            "跨县转接请由上级组织部门办理。",
            field="to_org",
        )
    if not reason.strip():
        raise DomainError("请填写转接原因（如工作单位变动、居住地变动）。", field="reason")
    if started_on > timezone.localdate():
        raise DomainError("转出日期不能晚于今天。", field="started_on")
    if membership.transfers.exclude(state=Transfer.State.RECEIVED).exists():
        raise DomainError("该党员已有尚未接收的转接，请先办结。", field="membership")
    transfer = Transfer.objects.create(
        membership=membership,
        from_org=membership.org,
        to_org=to_org,
        from_org_path=membership.org.path,
        to_org_path=to_org.path,
        reason=reason.strip(),
        started_on=started_on,
    )
    _step(transfer, actor, "", Transfer.State.OUT, reason)
    audit.record(
        actor=actor,
        action="orgs.transfer.start",
        target=transfer,
        after={"membership": membership.pk, "from_org": membership.org_id, "to_org": to_org.pk},
    )
    return transfer


@service("orgs.transfer.advance")
def advance_transfer(*, actor: User, transfer: Transfer, event: str, on: date | None = None) -> Transfer:
    """Move a transfer along its transition table: ``dispatch`` (out -> in transit, by the sender) or
    ``receive`` (in transit -> received, by the receiver; the membership moves then)."""
    on = on or timezone.localdate()
    target = Transfer.TRANSITIONS.get(transfer.state, {}).get(event)
    if target is None:
        raise DomainError(f"当前状态“{transfer.get_state_display()}”不能执行该操作。", field="event")
    sender_side = event == "dispatch"
    if not may_edit_org(actor, transfer.from_org if sender_side else transfer.to_org):
        side = "转出" if sender_side else "转入"
        raise DomainError(f"只有{side}党组织可以办理这一步。", field="event")
    if on > timezone.localdate() or on < transfer.started_on:
        raise DomainError("日期应在转出日期之后、且不晚于今天。", field="on")
    # A conditional update: two clicks (or two clerks) cannot both move the same step.
    changed = Transfer.objects.filter(pk=transfer.pk, state=transfer.state).update(
        state=target, received_on=on if target == Transfer.State.RECEIVED else None, updated_at=timezone.now()
    )
    if not changed:
        raise DomainError("该转接已被他人办理，请刷新后查看。", field="event")
    before = transfer.state
    if target == Transfer.State.RECEIVED:
        to_org = transfer.to_org
        Membership.objects.filter(pk=transfer.membership_id).update(org=to_org, org_path=to_org.path)
        Person.objects.filter(membership__pk=transfer.membership_id).update(org_path=to_org.path)
    transfer.refresh_from_db()
    _step(transfer, actor, before, target)
    audit.record(
        actor=actor,
        action="orgs.transfer.advance",
        target=transfer,
        before={"state": before},
        after={"state": target, "on": on.isoformat()},
    )
    return transfer


MERGE_FILL = ["gender", "birth_date", "mobile", "mobile_hash", "household", "unit", "occupation"]


@service("orgs.person.merge")
def merge_people(*, actor: User, keep: Person, duplicate: Person) -> Person:
    """Merge ``duplicate`` into ``keep``: its membership, household headship and committee seats move
    to ``keep``, blank fields of ``keep`` are filled from it, and it is marked as merged (never deleted,
    so records of other modules that name it can still be resolved through ``merged_into``)."""
    if keep.pk == duplicate.pk:
        raise DomainError("不能把人员与自己合并。", field="duplicate")
    if keep.merged_into_id or duplicate.merged_into_id:
        raise DomainError("其中一人已被合并过。", field="duplicate")
    if not (may_edit_person(actor, keep) and may_edit_person(actor, duplicate)):
        raise DomainError("两人须都在您的管理范围内。", field="duplicate")
    if keep.id_card and duplicate.id_card and keep.id_card != duplicate.id_card:
        raise DomainError("两人的身份证号码不同，不是同一人，不能合并。", field="duplicate")
    keep_m = Membership.objects.filter(person=keep).first()
    dup_m = Membership.objects.filter(person=duplicate).first()
    if keep_m and dup_m:
        raise DomainError("两人都有党员身份记录，请先核对并保留正确的一条。", field="duplicate")
    before = {"keep": keep.pk, "duplicate": duplicate.pk}
    if dup_m:
        Membership.objects.filter(pk=dup_m.pk).update(person=keep)
        keep.org_path = dup_m.org_path
    Household.objects.filter(head=duplicate).update(head=keep)
    CommitteeMember.objects.filter(person=duplicate).update(person=keep)
    for name in MERGE_FILL:
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    if not keep.id_card and duplicate.id_card:
        keep.id_card, keep.id_card_hash = duplicate.id_card, duplicate.id_card_hash
        duplicate.id_card_hash = ""
    keep.is_gig_worker = keep.is_gig_worker or duplicate.is_gig_worker
    keep.updated_at = timezone.now()
    keep.save()
    duplicate.merged_into = keep
    duplicate.org_path = ""
    duplicate.updated_at = timezone.now()
    duplicate.save(update_fields=["merged_into", "org_path", "id_card_hash", "updated_at"])
    audit.record(actor=actor, action="orgs.person.merge", target=keep, before=before, after={"merged": True})
    return keep
