"""Awards from other modules (``award_points``) and corrections (``reverse_entry``)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access
from tongxin.points.ledger import EntrySpec, append_entries, lock_scheme_covering, rules_on, scheme_rules
from tongxin.points.models import LedgerEntry, SchemeVersion


def _awarded(source: str, source_ref: str, person: Person) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(source=source, source_ref=source_ref, person=person).first()


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
    on = on or timezone.localdate()
    # The hot path (a case or a volunteer record awards one entry per call): one statement finds and
    # locks the covering scheme (a concurrent retry waits here), the scheme's versions and items come
    # from the per-process cache keyed by the row's rules_stamp, and a retry is caught by the unique
    # (source, source_ref, person) constraint instead of a look-up before every first award.
    scheme = lock_scheme_covering(person.region_path)
    if scheme is None:
        # A retry of an award already written returns it, even when it could no longer be made.
        done = _awarded(source, source_ref, person)
        if done is not None:
            return done
        raise DomainError(
            f"“{person.region.name}”及其上级区划都没有启用的积分方案，无法记分。", field="person"
        )
    version = rules_on(scheme_rules(scheme), on)
    item_name = version.items.get(item_code, "") if item_code else ""
    if item_code and not item_name:
        done = _awarded(source, source_ref, person)
        if done is not None:
            return done
        raise DomainError(f"积分方案“{scheme.name}”中没有代码为“{item_code}”的项目。", field="item_code")
    household_id = person.household_id if version.accrual != SchemeVersion.Accrual.PERSON else None
    appended = append_entries(
        scheme_id=scheme.pk,
        specs=[
            EntrySpec(
                person=person, household_id=household_id, item_code=item_code, item_name=item_name or reason[:100],
                points=points, on=on, source=source, source_ref=source_ref, reason=reason,
            )
        ],
        actor=actor,
        locked=scheme,
        unless_recorded=True,
    )  # fmt: skip
    if not appended:
        # Already awarded: a retry, or a concurrent call that appended it first.
        return LedgerEntry.objects.get(source=source, source_ref=source_ref, person=person)
    entry = appended[0]
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
