"""Awards from other modules (``award_points``) and corrections (``reverse_entry``)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access
from tongxin.points.ledger import EntrySpec, append_entries, version_on
from tongxin.points.models import LedgerEntry, Scheme, SchemeVersion
from tongxin.points.services.schemes import scheme_for_person


@service("points.award")
def award_points(
    *,
    actor: User,
    person: Person,
    points: int,
    source: str,
    source_ref: str,
    reason: str,
    on: date | None = None,
    item_code: str = "",
) -> LedgerEntry:
    """Append a final entry for ``person`` in the scheme covering their region. Idempotent on
    (source, source_ref, person): a retry returns the existing entry and writes nothing new.

    Raises DomainError when no scheme covers the person, or the input is unusable.
    """
    source = source.strip()
    source_ref = str(source_ref).strip()
    if not source or source in ("claim", "reversal"):
        raise DomainError("来源无效：请写明调用模块（如 cases）。", field="source")
    if not source_ref:
        raise DomainError("请提供来源编号，用于防止重复记分。", field="source_ref")
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise DomainError("分值须为非零整数。", field="points")
    if not reason.strip():
        raise DomainError("请写明记分事由。", field="reason")
    existing = LedgerEntry.objects.filter(source=source, source_ref=source_ref, person=person).first()
    if existing is not None:
        return existing
    scheme = scheme_for_person(person)
    on = on or timezone.localdate()
    # Lock the scheme first: a concurrent retry waits here, then finds the entry written by the first.
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    existing = LedgerEntry.objects.filter(source=source, source_ref=source_ref, person=person).first()
    if existing is not None:
        return existing
    item_name = ""
    if item_code:
        item = version_on(scheme, on).items.filter(code=item_code).first()
        if item is None:
            raise DomainError(f"积分方案“{scheme.name}”中没有代码为“{item_code}”的项目。", field="item_code")
        item_name = item.name
    version = version_on(scheme, on)
    household_id = person.household_id if version.accrual != SchemeVersion.Accrual.PERSON else None
    try:
        with transaction.atomic():
            (entry,) = append_entries(
                scheme_id=scheme.pk,
                specs=[
                    EntrySpec(
                        person=person, household_id=household_id, item_code=item_code,
                        item_name=item_name or reason[:100], points=points, on=on, source=source,
                        source_ref=source_ref, reason=reason,
                    )
                ],
                actor=actor,
            )  # fmt: skip
    except IntegrityError:
        # Another process appended it first (a different scheme row lock, e.g. after a move).
        return LedgerEntry.objects.get(source=source, source_ref=source_ref, person=person)
    audit.record(
        actor=actor,
        action="points.award",
        target=entry,
        after={"person": person.pk, "points": points, "source": source, "source_ref": source_ref},
    )
    return entry


@service("points.entry.reverse")
def reverse_entry(*, actor: User, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Correct a ledger entry by appending its reversal (same person, date and period, opposite
    points) with a reason. An entry can be reversed once; reversals are not reversed."""
    if not access.may(actor, access.MANAGE, entry.region_path):
        raise DomainError("该流水不在您的积分管理范围内。", field="entry")
    if not reason.strip():
        raise DomainError("冲正须写明理由。", field="reason")
    if entry.source == "reversal":
        raise DomainError("冲正记录不能再冲正；如需更正，请重新记分。", field="entry")
    if LedgerEntry.objects.filter(
        source="reversal", source_ref=str(entry.pk), person_id=entry.person_id
    ).exists():
        raise DomainError("该流水已经冲正过。", field="entry")
    (reversal,) = append_entries(
        scheme_id=entry.scheme_id,
        specs=[
            EntrySpec(
                person=entry.person, household_id=entry.household_id, item_code=entry.item_code,
                item_name=entry.item_name, points=-entry.points, on=entry.on, source="reversal",
                source_ref=str(entry.pk), reason=f"冲正#{entry.seq}：{reason.strip()}", reverses_id=entry.pk,
            )
        ],
        actor=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action="points.entry.reverse", target=reversal,
        after={"reverses": entry.pk, "points": reversal.points, "reason": reason.strip()},
    )  # fmt: skip
    return reversal
