"""Claims: recording (by a recorder, or by a villager for themself), approving and rejecting."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit, uploads, workdays
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access
from tongxin.points.ledger import member_ids, version_on
from tongxin.points.models import Claim, ClaimLine, PointItem, Scheme, SchemeVersion
from tongxin.points.selectors import linked_person
from tongxin.points.services.caps import check_caps
from tongxin.points.services.schemes import scheme_for_person


def _item_for(scheme: Scheme, code: str, on: date) -> tuple[SchemeVersion, PointItem]:
    version = version_on(scheme, on)
    item = version.items.filter(code=code).first()
    if item is None:
        raise DomainError(f"{on} 适用的方案版本中没有代码为“{code}”的积分项目。", field="item")
    return version, item


def _check_participants(scheme: Scheme, item: PointItem, people: list[Person]) -> None:
    if not people:
        raise DomainError("请至少选择一名参与人员。", field="people")
    if len({p.pk for p in people}) != len(people):
        raise DomainError("参与人员有重复，请检查。", field="people")
    outside = [p.name for p in people if not p.region_path.startswith(scheme.region_path)]
    if outside:
        raise DomainError(f"以下人员不在本方案范围内：{'、'.join(outside)}。", field="people")
    merged = [p.name for p in people if p.merged_into_id]
    if merged:
        raise DomainError(f"以下人员已合并为其他人员，不能记分：{'、'.join(merged)}。", field="people")
    if item.eligible != PointItem.Eligible.ALL:
        members = member_ids([p.pk for p in people])
        want_members = item.eligible == PointItem.Eligible.MEMBERS
        wrong = [p.name for p in people if (p.pk in members) != want_members]
        if wrong:
            who = "党员" if want_members else "群众"
            raise DomainError(
                f"项目“{item.name}”仅适用于{who}，以下人员不符合：{'、'.join(wrong)}。", field="people"
            )


@service("points.claim.record")
def record_claim(
    *,
    actor: User,
    scheme: Scheme,
    item_code: str,
    occurred_on: date,
    title: str,
    people: list[Person],
    evidence: UploadedFile | None = None,
    idempotency_key: str = "",
    today: date | None = None,
) -> Claim:
    """A recorder records one claim for one person or for everyone who took part in an activity.
    A retry with the same ``idempotency_key`` returns the first claim."""
    if idempotency_key:
        existing = Claim.objects.filter(recorded_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not access.may(actor, access.RECORD, scheme.region_path):
        raise DomainError("该方案不在您的积分登记范围内。", field="scheme")
    today = today or timezone.localdate()
    if occurred_on > today:
        raise DomainError("发生日期不能晚于今天。", field="occurred_on")
    title = title.strip()
    if not title:
        raise DomainError("请填写事由（如“11月2日清扫村道”）。", field="title")
    version, item = _item_for(scheme, item_code, occurred_on)
    if item.evidence_required and not evidence:
        raise DomainError(f"项目“{item.name}”须上传现场照片。", field="evidence")
    _check_participants(scheme, item, people)
    photo = _checked_photo(evidence)
    claim = Claim(
        scheme=scheme,
        version=version,
        item=item,
        region_path=scheme.region_path,
        occurred_on=occurred_on,
        title=title[:200],
        recorded_by=actor,
        idempotency_key=idempotency_key[:64],
    )
    if photo is not None:
        uploads.save_on_commit(claim.evidence, photo)
    claim.save()
    household = version.accrual != SchemeVersion.Accrual.PERSON
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=claim, person=p, household_id=p.household_id if household else None, points=item.points
            )
            for p in people
        ]
    )
    audit.record(
        actor=actor,
        action="points.claim.record",
        target=claim,
        after={"item": item.code, "people": [p.pk for p in people], "occurred_on": occurred_on.isoformat()},
    )
    return claim


@service("points.claim.self")
def record_self_claim(
    *,
    actor: User,
    item_code: str,
    occurred_on: date,
    title: str,
    evidence: UploadedFile | None,
    today: date | None = None,
) -> Claim:
    """A villager claims for themself, with a photo; a reviewer decides as for any claim."""
    person = linked_person(actor)
    if person is None:
        raise DomainError("您的账号尚未关联村民信息，请联系村积分员。", field="person")
    if not evidence:
        raise DomainError("本人申报须上传现场照片。", field="evidence")
    scheme = scheme_for_person(person)
    today = today or timezone.localdate()
    if occurred_on > today:
        raise DomainError("发生日期不能晚于今天。", field="occurred_on")
    if not title.strip():
        raise DomainError("请填写事由。", field="title")
    version, item = _item_for(scheme, item_code, occurred_on)
    if item.points < 0:
        raise DomainError("扣分项目不能本人申报。", field="item")
    _check_participants(scheme, item, [person])
    photo = _checked_photo(evidence)
    claim = Claim(
        scheme=scheme, version=version, item=item, region_path=scheme.region_path,
        occurred_on=occurred_on, title=title.strip()[:200], recorded_by=actor, is_self_claim=True,
    )  # fmt: skip
    if photo is not None:
        uploads.save_on_commit(claim.evidence, photo)
    claim.save()
    household = version.accrual != SchemeVersion.Accrual.PERSON
    ClaimLine.objects.create(
        claim=claim,
        person=person,
        household_id=person.household_id if household else None,
        points=item.points,
    )
    audit.record(actor=actor, action="points.claim.self", target=claim, after={"item": item.code})
    return claim


def refuse_if_beneficiary(actor: User, claim: Claim, line: ClaimLine | None = None) -> None:
    """Recusal: a reviewer whose account is linked to a person never decides on points for that
    person — not the claim (any line of it still to be decided) nor one line of it."""
    person = linked_person(actor)
    if person is None:
        return
    lines = ClaimLine.objects.filter(pk=line.pk) if line is not None else claim.lines.all()
    if lines.filter(person_id=person.pk, state=ClaimLine.State.PENDING).exists():
        raise DomainError(
            f"回避原则：您的账号关联的“{person.name}”是本申报的受益人，您不能审核，请由另一名审核员审核。",
            field="reviewer",
        )


def _lock_claim(claim: Claim, event: str) -> Claim:
    locked = Claim.objects.select_for_update().select_related("item", "scheme").get(pk=claim.pk)
    if event not in Claim.TRANSITIONS.get(locked.state, {}):
        raise DomainError(f"该申报当前为“{locked.get_state_display()}”，不能执行此操作。", field="state")
    return locked


@service("points.claim.approve")
def approve_claim(*, actor: User, claim: Claim, note: str = "", today: date | None = None) -> Claim:
    """Approve a claim (two-person rule: not by whoever recorded it); caps are checked here, and the
    claim goes into public notice for the scheme's notice period in working days."""
    claim = _lock_claim(claim, "approve")
    if not access.may(actor, access.REVIEW, claim.region_path):
        raise DomainError("该申报不在您的审核范围内。", field="claim")
    if actor is not None and claim.recorded_by_id == actor.pk:
        raise DomainError("两人原则：登记人不能审核自己登记的申报，请由另一名审核员审核。", field="reviewer")
    refuse_if_beneficiary(actor, claim)
    problems = check_caps(claim)
    if problems:
        raise DomainError("超过积分上限，不能通过：" + "；".join(problems) + "。", field="lines")
    today = today or timezone.localdate()
    claim.state = Claim.State.NOTICE
    claim.reviewed_by = actor
    claim.reviewed_at = timezone.now()
    claim.review_note = note.strip()[:300]
    claim.notice_from = today
    claim.notice_until = workdays.add_workdays(today, claim.version.notice_workdays)
    claim.save(
        update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "notice_from", "notice_until"]
    )
    audit.record(
        actor=actor,
        action="points.claim.approve",
        target=claim,
        before={"state": "submitted"},
        after={"state": claim.state, "notice_until": claim.notice_until.isoformat()},
    )
    return claim


@service("points.claim.reject")
def reject_claim(*, actor: User, claim: Claim, reason: str) -> Claim:
    """Reject a claim with a reason the recorder will see (two-person rule as for approval)."""
    claim = _lock_claim(claim, "reject")
    if not access.may(actor, access.REVIEW, claim.region_path):
        raise DomainError("该申报不在您的审核范围内。", field="claim")
    if actor is not None and claim.recorded_by_id == actor.pk:
        raise DomainError("两人原则：登记人不能审核自己登记的申报。", field="reviewer")
    if not reason.strip():
        raise DomainError("驳回须写明理由。", field="reason")
    claim.state = Claim.State.REJECTED
    claim.reviewed_by = actor
    claim.reviewed_at = timezone.now()
    claim.review_note = reason.strip()[:300]
    claim.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        actor=actor, action="points.claim.reject", target=claim, before={"state": "submitted"},
        after={"state": claim.state, "reason": claim.review_note},
    )  # fmt: skip
    return claim


def _checked_photo(evidence: UploadedFile | None) -> uploads.Checked | None:
    """The claim photo checked by content and re-encoded without metadata (``core.uploads``); pages
    check it already, the API and other callers reach this service directly. Its bytes are written to
    storage only when the claim's transaction commits."""
    return uploads.image(evidence, field="evidence", label="现场照片") if evidence else None
