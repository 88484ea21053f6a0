"""Public notice: objections to a claim line, and finalising claims whose notice is over."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.points import access
from tongxin.points.ledger import EntrySpec, append_entries
from tongxin.points.models import Claim, ClaimLine, Objection
from tongxin.points.services.claims import refuse_if_beneficiary
from tongxin.points.services.schemes import rule


@service("points.objection.raise")
def raise_objection(*, actor: User, line: ClaimLine, reason: str, today: date | None = None) -> Objection:
    """A villager (or anyone who may see the notice) objects to one line of a claim in notice."""
    claim = line.claim
    if not (
        access.may(actor, access.SELF, claim.region_path) or access.may(actor, access.VIEW, claim.region_path)
    ):
        raise DomainError("该公示不在您所在的村（社区）。", field="line")
    today = today or timezone.localdate()
    if claim.state != Claim.State.NOTICE or line.state != ClaimLine.State.PENDING:
        raise DomainError("该申报不在公示中，不能提出异议。", field="line")
    if claim.notice_until is not None and today > claim.notice_until:
        raise DomainError(f"公示已于 {claim.notice_until} 结束，不能再提出异议。", field="line")
    reason = reason.strip()
    min_chars = int(rule("objection_reason_min_chars", today))
    if len(reason) < min_chars:
        raise DomainError(f"请写明异议理由（至少{min_chars}个字）。", field="reason")
    objection = Objection.objects.create(
        line=line, region_path=claim.region_path, reason=reason[:500], raised_by=actor
    )
    audit.record(
        actor=actor,
        action="points.objection.raise",
        target=objection,
        after={"line": line.pk, "reason": reason},
    )
    return objection


@service("points.objection.decide")
def decide_objection(
    *, actor: User, objection: Objection, uphold: bool, reason: str, today: date | None = None
) -> Objection:
    """The reviewer upholds (the line leaves the claim and never reaches the ledger) or dismisses an
    objection, with a reason. A line whose notice is over is finalised at once when dismissed."""
    objection = Objection.objects.select_for_update().select_related("line__claim").get(pk=objection.pk)
    claim = objection.line.claim
    if not access.may(actor, access.REVIEW, objection.region_path):
        raise DomainError("该异议不在您的审核范围内。", field="objection")
    if objection.state != Objection.State.OPEN:
        raise DomainError("该异议已处理。", field="objection")
    if actor is not None and claim.recorded_by_id == actor.pk:
        raise DomainError("两人原则：登记人不能处理针对自己登记的申报的异议。", field="reviewer")
    refuse_if_beneficiary(actor, claim, objection.line)
    if not reason.strip():
        raise DomainError("请写明处理理由。", field="reason")
    objection.state = Objection.State.UPHELD if uphold else Objection.State.DISMISSED
    objection.decided_by = actor
    objection.decided_at = timezone.now()
    objection.decision_reason = reason.strip()[:500]
    objection.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    if uphold:
        ClaimLine.objects.filter(pk=objection.line_id, state=ClaimLine.State.PENDING).update(
            state=ClaimLine.State.REMOVED
        )
    audit.record(
        actor=actor, action="points.objection.decide", target=objection,
        after={"state": objection.state, "reason": objection.decision_reason},
    )  # fmt: skip
    today = today or timezone.localdate()
    if claim.notice_until is not None and today > claim.notice_until:
        _finalise(claim, actor=actor)
    return objection


def _finalise(claim: Claim, *, actor: User) -> int:
    """Write the ledger entries of the claim's unchallenged lines; the claim is final when no line
    waits for an objection. Conditional on the claim still being in notice (safe to run twice)."""
    claim = Claim.objects.select_for_update().select_related("item", "scheme").get(pk=claim.pk)
    if claim.state != Claim.State.NOTICE:
        return 0
    open_lines = set(
        Objection.objects.filter(line__claim=claim, state=Objection.State.OPEN).values_list(
            "line_id", flat=True
        )
    )
    ready = [
        line
        # Only what an entry needs of a person (not the encrypted columns a whole Person decrypts).
        for line in claim.lines.select_related("person")
        .only(
            "id",
            "claim_id",
            "person_id",
            "household_id",
            "points",
            "state",
            "person__name",
            "person__region_path",
        )
        .filter(state=ClaimLine.State.PENDING)
        if line.pk not in open_lines
    ]
    specs = [
        EntrySpec(
            person=line.person, household_id=line.household_id, item_code=claim.item.code,
            item_name=claim.item.name, points=line.points, on=claim.occurred_on, source="claim",
            source_ref=f"line:{line.pk}", reason=claim.title,
        )
        for line in ready
    ]  # fmt: skip
    append_entries(scheme_id=claim.scheme_id, specs=specs, actor=actor)
    ClaimLine.objects.filter(pk__in=[line.pk for line in ready]).update(state=ClaimLine.State.FINAL)
    if not open_lines:
        claim.state = Claim.State.FINAL
        claim.finalised_at = timezone.now()
        claim.save(update_fields=["state", "finalised_at"])
    return len(specs)


@service("points.notice.finalise")
def finalise_due_claims(*, actor: User = SYSTEM, today: date | None = None) -> int:
    """Every claim whose notice is over becomes ledger entries (lines with an open objection wait).
    Idempotent: run by ``tongxin tick`` and safe to run twice. Returns the number of entries written."""
    today = today or timezone.localdate()
    due = list(
        Claim.objects.filter(state=Claim.State.NOTICE, notice_until__lt=today)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    written = 0
    for pk in due:
        written += _finalise(Claim(pk=pk), actor=actor)
    if written:
        audit.record(
            actor=actor,
            action="points.notice.finalise",
            target_type="points.claim",
            message=f"公示期满入账 {written} 条（{len(due)} 份申报）",
        )
    return written
