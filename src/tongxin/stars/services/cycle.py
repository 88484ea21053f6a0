"""The annual cycle of a branch as an explicit state machine. Every step is a ``CycleTransition``
row (who, when, why) and an audit event; every rating is an append-only ``StarResult``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.core import audit, workdays
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import PartyOrg
from tongxin.stars import scoring
from tongxin.stars.assessment import evaluate
from tongxin.stars.models import (
    CriteriaSet,
    CycleTransition,
    Evidence,
    Indicator,
    IndicatorAssessment,
    Objection,
    StarCycle,
    StarResult,
)
from tongxin.stars.services.access import (
    APPROVE,
    RATE,
    SELF_ASSESS,
    VIEW,
    branch_region,
    clean_reason,
    procedure,
    require,
    township_of,
    user_row,
)

S = StarCycle.State
# {from_state: {event: to_state}} — the whole annual procedure.
TRANSITIONS: dict[str, dict[str, str]] = {
    "": {"declare": S.SELF_ASSESSING},
    S.SELF_ASSESSING: {"declare": S.SELF_ASSESSING, "submit": S.SUBMITTED},
    S.SUBMITTED: {"rate": S.TOWNSHIP_RATED, "return": S.SELF_ASSESSING},
    S.TOWNSHIP_RATED: {"approve": S.IN_NOTICE, "return": S.SUBMITTED},
    S.IN_NOTICE: {"finalise": S.FINAL, "uphold_objection": S.TOWNSHIP_RATED},
    S.FINAL: {"remove_star": S.FINAL},
}
EVENT_LABELS = {
    "declare": "申报目标星级",
    "submit": "提交自评",
    "rate": "乡镇初评",
    "return": "退回",
    "approve": "县级审定并公示",
    "uphold_objection": "异议成立，重新审定",
    "finalise": "公示期满，确定星级",
    "remove_star": "动态摘星",
}


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _transition(
    cycle: StarCycle, event: str, *, actor: User, reason: str = "", now: datetime, **fields: Any
) -> StarCycle:
    """Move ``cycle`` by ``event`` with a conditional update (a concurrent step makes this fail
    cleanly), then record the transition."""
    from_state = cycle.state
    to_state = TRANSITIONS.get(from_state, {}).get(event)
    if to_state is None:
        raise DomainError(
            f"当前状态“{cycle.get_state_display()}”下不能{EVENT_LABELS.get(event, event)}。", field="state"
        )
    changed = StarCycle.objects.filter(pk=cycle.pk, state=from_state).update(
        state=to_state, updated_at=now, **fields
    )
    if changed != 1:
        raise DomainError("该记录刚被他人处理，请刷新后重试。", field="state")
    cycle.refresh_from_db()
    CycleTransition.objects.create(
        cycle=cycle,
        event=event,
        from_state=from_state,
        to_state=to_state,
        actor=user_row(actor),
        at=now,
        reason=reason,
    )
    return cycle


def _result(
    cycle: StarCycle, stage: str, stars: list[str], *, actor: User, reason: str, now: datetime,
    detail: dict[str, Any] | None = None,
) -> StarResult:  # fmt: skip
    outcome = scoring.apply_rules(cycle.criteria_set, stars)
    valid = {s.code for s in cycle.criteria_set.stars.all()}
    decided = sorted(
        set(stars) & valid, key=lambda c: [s.code for s in cycle.criteria_set.stars.all()].index(c)
    )
    return StarResult.objects.create(
        cycle=cycle,
        stage=stage,
        criteria_set=cycle.criteria_set,
        stars=decided,
        count=outcome.count,
        level=outcome.level,
        detail=detail or {},
        actor=user_row(actor),
        at=now,
        reason=reason,
    )


def latest_result(cycle: StarCycle, *stages: str) -> StarResult | None:
    qs = StarResult.objects.filter(cycle=cycle)
    if stages:
        qs = qs.filter(stage__in=stages)
    return qs.order_by("-id").first()


def criteria_for(org: PartyOrg, year: int) -> CriteriaSet:
    """The newest criteria version for the branch's kind of place usable in ``year``."""
    region = branch_region(org)
    community_kinds = procedure().value("criteria_kinds_community")
    applies_to = "community" if region.kind in community_kinds else "village"
    cs = (
        CriteriaSet.objects.filter(applies_to=applies_to, effective_year__lte=year)
        .order_by("-version")
        .first()
    )
    if cs is None:
        label = "城市社区" if applies_to == "community" else "村"
        raise DomainError(f"尚未导入{year}年可用的{label}“五星”评定标准，请联系县级管理员。", field="year")
    return cs


def _check_stars(cycle: StarCycle, stars: list[str]) -> list[str]:
    valid = {s.code: s.name for s in cycle.criteria_set.stars.all()}
    bad = [s for s in stars if s not in valid]
    if bad:
        raise DomainError(f"评定标准中没有这些星：{'、'.join(bad)}。", field="stars")
    return list(dict.fromkeys(stars))


@service("stars.cycle.declare")
def declare_target(
    *, actor: User, org: PartyOrg, year: int, target_stars: int, reason: str = "", now: datetime | None = None
) -> StarCycle:
    """Declare the year's target star level (保三冲四争五) and open the self-assessment. Declaring
    again while still self-assessing changes the target; the same declaration twice is a no-op."""
    now = _now(now)
    region = branch_region(org)
    require(
        actor, SELF_ASSESS, "只能为本村（社区）申报目标星级。", region_path=region.path, org_path=org.path
    )
    choices = procedure(now.date()).value("target_choices")
    if target_stars not in choices:
        raise DomainError(f"目标星级应为 {'、'.join(str(c) for c in choices)} 星之一。", field="target_stars")
    if year < 2000 or year > now.year + 1:
        raise DomainError("年度不正确。", field="year")
    cycle = StarCycle.objects.select_for_update().filter(org=org, year=year).first()
    if cycle is not None:
        if cycle.target_stars == target_stars:
            return cycle
        if cycle.state != S.SELF_ASSESSING:
            raise DomainError("自评已提交，不能再修改目标星级。", field="target_stars")
        before = audit.snapshot(cycle, ["target_stars"])
        cycle = _transition(cycle, "declare", actor=actor, reason=reason, now=now, target_stars=target_stars)
        audit.record(
            actor=actor, action="stars.cycle.declare", target=cycle, before=before,
            after={"target_stars": target_stars},
        )  # fmt: skip
        return cycle
    criteria = criteria_for(org, year)
    try:
        with transaction.atomic():  # a concurrent first declaration wins; this one then reads it
            cycle = StarCycle.objects.create(
                org=org,
                region=region,
                township=township_of(region),
                region_path=region.path,
                org_path=org.path,
                year=year,
                criteria_set=criteria,
                target_stars=target_stars,
                state=S.SELF_ASSESSING,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return StarCycle.objects.get(org=org, year=year)
    CycleTransition.objects.create(
        cycle=cycle,
        event="declare",
        from_state="",
        to_state=S.SELF_ASSESSING,
        actor=user_row(actor),
        at=now,
        reason=reason,
    )
    audit.record(
        actor=actor,
        action="stars.cycle.declare",
        target=cycle,
        after={
            "year": year,
            "target_stars": target_stars,
            "criteria": f"{criteria.applies_to}@{criteria.version}",
        },
    )
    return cycle


def _editable(actor: User, cycle: StarCycle) -> None:
    require(
        actor,
        SELF_ASSESS,
        "只能填写本村（社区）的自评。",
        region_path=cycle.region_path,
        org_path=cycle.org_path,
    )
    if cycle.state != S.SELF_ASSESSING:
        raise DomainError("自评已提交，不能再修改（如需修改，请乡镇退回）。", field="state")


def _indicator_of(cycle: StarCycle, indicator_id: int) -> Indicator:
    ind = Indicator.objects.filter(pk=indicator_id, star__criteria_set=cycle.criteria_set).first()
    if ind is None:
        raise DomainError("该指标不属于本年度使用的评定标准。", field="indicator")
    return ind


def _assessment(cycle: StarCycle, indicator: Indicator, actor: User, now: datetime) -> IndicatorAssessment:
    a, _ = IndicatorAssessment.objects.get_or_create(
        cycle=cycle, indicator=indicator, defaults={"updated_by": user_row(actor), "updated_at": now}
    )
    return a


@service("stars.assessment.save")
def assess_indicator(
    *,
    actor: User,
    cycle: StarCycle,
    indicator_id: int,
    met: bool | None = None,
    score: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> IndicatorAssessment:
    """Record the branch's own judgement of one indicator (yes/no or a score; a measured indicator
    takes only a note — its figure comes from live data)."""
    now = _now(now)
    _editable(actor, cycle)
    ind = _indicator_of(cycle, indicator_id)
    if ind.method == Indicator.Method.YES_NO and met is None:
        raise DomainError(f"“{ind.text}”：请选择是否达到。", field="met")
    if ind.method == Indicator.Method.SCORE:
        if score is None:
            raise DomainError(f"“{ind.text}”：请填写得分。", field="score")
        if not 0 <= score <= ind.max_score:
            raise DomainError(f"“{ind.text}”：得分应在 0 到 {ind.max_score} 之间。", field="score")
    if len(note) > 2000:
        raise DomainError("说明不能超过2000字。", field="note")
    a = _assessment(cycle, ind, actor, now)
    before = audit.snapshot(a, ["met", "score", "note"])
    a.met = met if ind.method == Indicator.Method.YES_NO else None
    a.score = score if ind.method == Indicator.Method.SCORE else None
    a.note = note.strip()
    a.updated_at = now
    a.updated_by = user_row(actor)
    a.save(update_fields=["met", "score", "note", "updated_at", "updated_by"])
    audit.record(
        actor=actor,
        action="stars.assessment.save",
        target=a,
        org_path=cycle.org_path,
        before=before,
        after={"indicator": ind.code, "met": a.met, "score": a.score, "note": a.note},
    )
    return a


@service("stars.assessment.attach")
def attach_evidence(
    *, actor: User, cycle: StarCycle, indicator_id: int, evidence: Evidence, now: datetime | None = None
) -> IndicatorAssessment:
    """Attach an evidence row (of this village, any year) to one indicator. Attaching twice is a no-op."""
    now = _now(now)
    _editable(actor, cycle)
    ind = _indicator_of(cycle, indicator_id)
    if evidence.region_id != cycle.region_id:
        raise DomainError("只能使用本村（社区）的佐证材料。", field="evidence")
    a = _assessment(cycle, ind, actor, now)
    if a.evidence.filter(pk=evidence.pk).exists():
        return a
    a.evidence.add(evidence)
    audit.record(
        actor=actor,
        action="stars.assessment.attach",
        target=a,
        org_path=cycle.org_path,
        after={"indicator": ind.code, "evidence": evidence.pk, "label": evidence.label},
    )
    return a


@service("stars.assessment.detach")
def detach_evidence(
    *, actor: User, cycle: StarCycle, indicator_id: int, evidence: Evidence
) -> IndicatorAssessment:
    """Take an evidence row off one indicator (the evidence itself stays for other uses)."""
    _editable(actor, cycle)
    ind = _indicator_of(cycle, indicator_id)
    a = IndicatorAssessment.objects.filter(cycle=cycle, indicator=ind).first()
    if a is None or not a.evidence.filter(pk=evidence.pk).exists():
        raise DomainError("该指标未使用这份佐证材料。", field="evidence")
    a.evidence.remove(evidence)
    audit.record(
        actor=actor, action="stars.assessment.detach", target=a, org_path=cycle.org_path,
        after={"indicator": ind.code, "evidence": evidence.pk},
    )  # fmt: skip
    return a


@service("stars.cycle.submit")
def submit_self_assessment(*, actor: User, cycle: StarCycle, now: datetime | None = None) -> StarCycle:
    """Submit the self-assessment to the township. Every judged indicator must be filled in; the
    values, live figures and evidence at this moment are kept in the self-stage result."""
    now = _now(now)
    _editable(actor, cycle)
    ev = evaluate(cycle, now=now)
    missing = ev.unassessed
    if missing:
        raise DomainError(
            "以下指标尚未自评：" + "；".join(f"{r.indicator.star.name}·{r.indicator.text}" for r in missing),
            field="assessments",
        )
    cycle = _transition(cycle, "submit", actor=actor, now=now)
    result = _result(
        cycle, StarResult.Stage.SELF, ev.earned_codes, actor=actor, reason="", now=now, detail=ev.detail()
    )
    audit.record(
        actor=actor, action="stars.cycle.submit", target=cycle,
        after={"stars": result.stars, "level": result.level},
    )  # fmt: skip
    return cycle


@service("stars.cycle.rate")
def rate_cycle(
    *, actor: User, cycle: StarCycle, stars: list[str], reason: str = "", now: datetime | None = None
) -> StarCycle:
    """The township's first rating: the stars it finds earned. Differing from the self-assessment
    needs a reason."""
    now = _now(now)
    require(actor, RATE, "只能初评本乡镇（街道）的村（社区）。", region_path=cycle.region_path)
    stars = _check_stars(cycle, stars)
    previous = latest_result(cycle, StarResult.Stage.SELF)
    if previous is not None and set(previous.stars) != set(stars) and not reason.strip():
        raise DomainError("初评结果与村自评不一致，请填写理由。", field="reason")
    cycle = _transition(cycle, "rate", actor=actor, reason=reason.strip(), now=now)
    result = _result(cycle, StarResult.Stage.TOWNSHIP, stars, actor=actor, reason=reason.strip(), now=now)
    audit.record(
        actor=actor,
        action="stars.cycle.rate",
        target=cycle,
        after={"stars": result.stars, "level": result.level},
    )
    return cycle


@service("stars.cycle.return")
def return_cycle(*, actor: User, cycle: StarCycle, reason: str, now: datetime | None = None) -> StarCycle:
    """Send the cycle one step back: the township returns a self-assessment to the village, the
    county returns a first rating to the township. A reason is required."""
    now = _now(now)
    reason = clean_reason(reason, label="退回理由")
    if cycle.state == S.SUBMITTED:
        require(actor, RATE, "只能退回本乡镇（街道）的自评。", region_path=cycle.region_path)
    elif cycle.state == S.TOWNSHIP_RATED:
        require(actor, APPROVE, "只有县级可以退回乡镇初评。", region_path=cycle.region_path)
    cycle = _transition(cycle, "return", actor=actor, reason=reason, now=now)
    audit.record(
        actor=actor, action="stars.cycle.return", target=cycle, after={"state": cycle.state, "reason": reason}
    )
    return cycle


@service("stars.cycle.approve")
def approve_cycle(
    *, actor: User, cycle: StarCycle, stars: list[str], reason: str = "", now: datetime | None = None
) -> StarCycle:
    """County approval: fix the stars and start the public notice of N working days
    (rule ``stars_procedure.notice_workdays``). Differing from the township needs a reason."""
    now = _now(now)
    require(actor, APPROVE, "只有县级可以审定星级。", region_path=cycle.region_path)
    stars = _check_stars(cycle, stars)
    previous = latest_result(cycle, StarResult.Stage.TOWNSHIP)
    if previous is not None and set(previous.stars) != set(stars) and not reason.strip():
        raise DomainError("审定结果与乡镇初评不一致，请填写理由。", field="reason")
    start = timezone.localtime(now).date()
    days = int(procedure(start).value("notice_workdays"))
    end = workdays.add_workdays(start, days)
    cycle = _transition(
        cycle,
        "approve",
        actor=actor,
        reason=reason.strip(),
        now=now,
        notice_starts_on=start,
        notice_ends_on=end,
    )
    result = _result(cycle, StarResult.Stage.COUNTY, stars, actor=actor, reason=reason.strip(), now=now)
    audit.record(
        actor=actor,
        action="stars.cycle.approve",
        target=cycle,
        after={"stars": result.stars, "level": result.level, "notice": f"{start}~{end}"},
    )
    return cycle


@service("stars.objection.raise")
def raise_objection(*, actor: User, cycle: StarCycle, reason: str, now: datetime | None = None) -> Objection:
    """Anyone who can read the notice may object, with a reason, while the notice runs."""
    now = _now(now)
    if actor.is_system or not actor.is_authenticated:
        raise DomainError("请先登录再提出异议。", code="forbidden")
    reason = clean_reason(reason, label="异议理由")
    today = timezone.localtime(now).date()
    if cycle.state != S.IN_NOTICE or cycle.notice_ends_on is None or today > cycle.notice_ends_on:
        raise DomainError("该村（社区）不在公示期内，不能提出异议。", field="cycle")
    obj = Objection.objects.create(cycle=cycle, raised_by=actor, reason=reason, raised_at=now)
    audit.record(actor=actor, action="stars.objection.raise", target=obj, after={"cycle": cycle.pk})
    return obj


@service("stars.objection.resolve")
def resolve_objection(
    *, actor: User, objection: Objection, upheld: bool, resolution: str, now: datetime | None = None
) -> Objection:
    """The county decides an objection. Upheld: the cycle goes back to county review (the notice
    stops; a new approval starts a new notice). Dismissed: the notice goes on."""
    now = _now(now)
    cycle = objection.cycle
    require(actor, APPROVE, "只有县级可以处理异议。", region_path=cycle.region_path)
    resolution = clean_reason(resolution, field="resolution", label="处理意见")
    changed = Objection.objects.filter(pk=objection.pk, state=Objection.State.OPEN).update(
        state=Objection.State.UPHELD if upheld else Objection.State.DISMISSED,
        resolution=resolution,
        resolved_by=user_row(actor),
        resolved_at=now,
    )
    if changed != 1:
        raise DomainError("该异议已处理。", field="objection")
    objection.refresh_from_db()
    if upheld and cycle.state == S.IN_NOTICE:
        _transition(cycle, "uphold_objection", actor=actor, reason=resolution, now=now)
    audit.record(
        actor=actor, action="stars.objection.resolve", target=objection,
        after={"state": objection.state, "resolution": resolution},
    )  # fmt: skip
    return objection


def _apply_final(cycle: StarCycle, result: StarResult) -> None:
    outcome = scoring.apply_rules(cycle.criteria_set, result.stars)
    StarCycle.objects.filter(pk=cycle.pk).update(
        current_stars=outcome.stars, current_count=outcome.count, current_level=outcome.level
    )
    cycle.refresh_from_db()


@service("stars.cycle.finalise")
def finalise_cycle(*, actor: User, cycle: StarCycle, now: datetime | None = None) -> StarCycle:
    """After the notice period, with no open objection, the approved stars become the final rating."""
    now = _now(now)
    require(actor, APPROVE, "只有县级可以确定星级。", region_path=cycle.region_path)
    today = timezone.localtime(now).date()
    if cycle.state != S.IN_NOTICE:
        raise DomainError(f"当前状态“{cycle.get_state_display()}”下不能确定星级。", field="state")
    if cycle.notice_ends_on is None or today <= cycle.notice_ends_on:
        raise DomainError(f"公示期至 {cycle.notice_ends_on} 止，期满后才能确定星级。", field="state")
    if cycle.objections.filter(state=Objection.State.OPEN).exists():
        raise DomainError("还有未处理的异议，处理后才能确定星级。", field="objections")
    approved = latest_result(cycle, StarResult.Stage.COUNTY)
    if approved is None:
        raise DomainError("没有县级审定结果。", field="state")
    cycle = _transition(cycle, "finalise", actor=actor, now=now)
    result = _result(cycle, StarResult.Stage.FINAL, approved.stars, actor=actor, reason="公示期满", now=now)
    _apply_final(cycle, result)
    audit.record(
        actor=actor,
        action="stars.cycle.finalise",
        target=cycle,
        after={"stars": result.stars, "level": result.level},
    )
    return cycle


@service("stars.cycle.remove_star")
def remove_star(
    *, actor: User, cycle: StarCycle, star_code: str, reason: str, now: datetime | None = None
) -> StarCycle:
    """摘星: dynamic review removes one star, with a reason. Removing the precondition star takes
    the others with it (the star rules)."""
    now = _now(now)
    require(actor, APPROVE, "只有县级可以摘星。", region_path=cycle.region_path)
    reason = clean_reason(reason, label="摘星理由")
    last = latest_result(cycle, StarResult.Stage.FINAL, StarResult.Stage.REMOVAL)
    if cycle.state != S.FINAL or last is None:
        raise DomainError("只有已评定的星级才能摘星。", field="state")
    if star_code not in last.stars:
        raise DomainError("该村（社区）当前没有这颗星。", field="star_code")
    remaining = [c for c in last.stars if c != star_code]
    cycle = _transition(cycle, "remove_star", actor=actor, reason=reason, now=now)
    result = _result(cycle, StarResult.Stage.REMOVAL, remaining, actor=actor, reason=reason, now=now,
                     detail={"removed": star_code})  # fmt: skip
    _apply_final(cycle, result)
    audit.record(
        actor=actor, action="stars.cycle.remove_star", target=cycle,
        after={"removed": star_code, "stars": result.stars, "level": result.level, "reason": reason},
    )  # fmt: skip
    return cycle


def close_due_notices(now: datetime) -> int:
    """Tick job: finalise every cycle whose notice has ended with no open objection (idempotent:
    each finalisation is a conditional state change)."""
    today = timezone.localtime(now).date()
    due = (
        StarCycle.objects.filter(state=S.IN_NOTICE, notice_ends_on__lt=today)
        .exclude(objections__state=Objection.State.OPEN)
        .values_list("pk", flat=True)
    )
    done = 0
    for pk in list(due):
        cycle = StarCycle.objects.get(pk=pk)
        try:
            finalise_cycle(actor=SYSTEM, cycle=cycle, now=now)
        except DomainError:
            continue
        done += 1
    return done


__all__ = ["EVENT_LABELS", "TRANSITIONS", "VIEW"]
