"""Writes on cases: intake, the workflow state machine, notes and replies, escalation and auto-closing
(tick jobs), feedback with the incentive step, Open311 keys, volunteer teams and service records.

The workflow is the explicit table ``TRANSITIONS`` {state: {event: state}}; every move is a conditional
``UPDATE ... WHERE state = <from>`` (so two concurrent requests cannot both move a case) plus a
``CaseTransition`` row (who, when, why) and one audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tongxin.accounts.models import Grant, User
from tongxin.accounts.roles import roles_with
from tongxin.cases import notify, photos
from tongxin.cases.models import (
    EVENT_LABELS,
    OPEN_STATES,
    Case,
    CaseEscalation,
    CaseNote,
    CasePhoto,
    CaseTransition,
    Category,
    Channel,
    Kind,
    Open311Key,
    RoutingRule,
    ServiceRecord,
    State,
    TeamMember,
    Validity,
    VolunteerTeam,
)
from tongxin.core import audit, rules, workdays
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.pii import lookup_hash, normalise_mobile
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Person, Region

S = State
# The workflow: from each state, which event leads where. Anything not listed is refused.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.SUBMITTED: {"accept": S.ACCEPTED, "reject": S.REJECTED, "transfer": S.SUBMITTED, "merge": S.MERGED,
                  "invalidate": S.CLOSED},
    S.ACCEPTED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS, "transfer": S.ACCEPTED, "merge": S.MERGED,
                 "invalidate": S.CLOSED},
    S.ASSIGNED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS, "transfer": S.ACCEPTED, "merge": S.MERGED,
                 "invalidate": S.CLOSED},
    S.IN_PROGRESS: {"assign": S.ASSIGNED, "resolve": S.RESOLVED, "transfer": S.ACCEPTED, "invalidate": S.CLOSED},
    S.RESOLVED: {"confirm": S.CLOSED, "reopen": S.IN_PROGRESS, "auto_close": S.CLOSED},
    S.CLOSED: {},
    S.REJECTED: {},
    S.MERGED: {},
}  # fmt: skip

# Who may trigger each event: the handling side, the reporter, or the system (tick).
HANDLER_EVENTS = {"accept", "reject", "transfer", "assign", "start", "resolve", "merge", "invalidate"}
REPORTER_EVENTS = {"confirm", "reopen"}
SYSTEM_EVENTS = {"auto_close"}

HANDLE = "cases.handle"
REPORT = "cases.report"
MANAGE = "cases.manage"


def _defaults() -> rules.RuleSet:
    return rules.in_force("cases_defaults", on=timezone.localdate())


def allowed_events(state: str) -> dict[str, str]:
    return dict(TRANSITIONS.get(state, {}))


# --- categories and routing -------------------------------------------------------------------


@service("cases.category.sync")
def sync_categories(*, actor: Any = None, on: date | None = None) -> int:
    """Create or update the category rows from the rule set ``cases_categories`` in force on ``on``.
    Idempotent; categories no longer in the rule set are deactivated, never deleted."""
    rs = rules.in_force("cases_categories", on=on or timezone.localdate())
    seen = []
    changed = 0
    for code, rule in rs.rules.items():
        spec = rule.value
        values = {
            "kind": spec["kind"],
            "name": rule.label or code,
            "description": spec.get("description", ""),
            "accept_hours": int(spec["accept_hours"]),
            "resolve_days": int(spec["resolve_days"]),
            "workdays": bool(spec.get("workdays", True)),
            "points": int(spec.get("points", 0)),
            "public": bool(spec.get("public", False)) and spec["kind"] == Kind.REPORT,
            "attributes": spec.get("attributes", []),
            "sort": int(spec.get("sort", 0)),
            "active": True,
            "rule_ref": rs.ref,
            "rule_article": rule.article[:300],
            "rule_verified": rule.verified,
        }
        current = Category.objects.filter(code=code).values(*values.keys()).first()
        if current != values:
            Category.objects.update_or_create(code=code, defaults=values)
            changed += 1
        seen.append(code)
    changed += Category.objects.filter(active=True).exclude(code__in=seen).update(active=False)
    if changed:
        audit.record(
            actor=actor,
            action="cases.category.sync",
            target_type="cases.category",
            after={"rule_set": rs.ref, "changed": changed},
        )
    return changed


@service("cases.routing.set")
def set_routing_rule(
    *, actor: Any, region: Region, org: PartyOrg, category: Category | None = None
) -> RoutingRule:
    """Route cases of ``category`` (any category when None) in ``region`` and below to ``org``."""
    if actor is not None and not in_scope(region.path, actor, MANAGE, "region"):
        raise DomainError("只能为您管理的区划设置分派规则。", field="region")
    if not org.is_active:
        raise DomainError(f"党组织“{org.name}”已撤销，不能承办事项。", field="org")
    rule, _ = RoutingRule.objects.update_or_create(
        category=category, region=region, defaults={"org": org, "region_path": region.path}
    )
    audit.record(
        actor=actor,
        action="cases.routing.set",
        target=rule,
        after={"category": category.code if category else "*", "region": region.pk, "org": org.pk},
    )
    return rule


def route(category: Category, region: Region) -> PartyOrg | None:
    """The handling organisation for a case of ``category`` in ``region``: the rule of the deepest
    region containing it (a category rule before an any-category rule); without a rule, the party
    organisation located in the case's region or the nearest region above (属地管理)."""
    ancestors = [p for p in _ancestor_paths(region.path)]
    rules_here = list(
        RoutingRule.objects.select_related("org")
        .filter(region_path__in=ancestors)
        .filter(Q(category=category) | Q(category__isnull=True))
    )
    if rules_here:
        rules_here.sort(key=lambda r: (-len(r.region_path), r.category_id is None))
        return rules_here[0].org
    for path in sorted(ancestors, key=len, reverse=True):
        org = (
            PartyOrg.objects.filter(region_path=path, is_active=True)
            .exclude(kind__in=[PartyOrg.Kind.GROUP])
            .order_by("depth", "id")
            .first()
        )
        if org is not None:
            return org
    return None


def _ancestor_paths(path: str) -> list[str]:
    """``/r1/r2/r3/`` → [``/r1/``, ``/r1/r2/``, ``/r1/r2/r3/``]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


# --- intake -------------------------------------------------------------------------------------


def _deadlines(category: Category, now: datetime) -> tuple[datetime, datetime]:
    accept_due = now + timedelta(hours=category.accept_hours)
    if category.workdays:
        resolve_due = workdays.deadline_after(now, category.resolve_days)
    else:
        resolve_due = now + timedelta(days=category.resolve_days)
    return accept_due, resolve_due


def _coordinate(value: Any, *, field: str, label: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}应为数字。", field=field) from None
    if not d.is_finite() or abs(d) > limit:
        raise DomainError(f"{label}超出范围（-{limit} 到 {limit}）。", field=field)
    return d.quantize(Decimal("0.000001"))


def person_for_user(user: User | None) -> Person | None:
    """The registry person behind a user account: the points module's account link, else the person
    with the same mobile number (keyed hash)."""
    from tongxin.points import services as points_services

    if user is None:
        return None
    linked = points_services.linked_person(user)
    if linked is not None:
        return linked
    if not user.mobile_hash:
        return None
    return (
        Person.objects.filter(mobile_hash=user.mobile_hash, merged_into__isnull=True).order_by("id").first()
    )


@dataclass(frozen=True)
class Intake:
    """What a form or an API client gives to ``submit_case`` (validated there)."""

    category: Category
    description: str
    region: Region
    lat: Any = None
    lng: Any = None
    address: str = ""
    published: bool = True
    photos: tuple[Any, ...] = ()
    reporter: User | None = None
    reporter_name: str = ""
    reporter_mobile: str = ""
    channel: str = Channel.APP
    attributes: dict[str, Any] | None = None
    media_url: str = ""
    open311_key: Open311Key | None = None


@service("cases.case.submit")
def submit_case(*, actor: Any, intake: Intake, now: datetime | None = None) -> Case:
    """File a case. A grid worker or resident files their own (``actor`` is the reporter); staff with
    handling rights file on someone's behalf (phone call, walk-in); ``actor=None`` with an Open311 key
    files a public report. The case gets its deadlines from its category, its handling organisation
    from the routing rules, and its photos re-encoded without EXIF. All checks come first: a refused
    intake writes nothing."""
    now = now or timezone.now()
    rs = _defaults()
    category = intake.category
    description = (intake.description or "").strip()
    if not category.active:
        raise DomainError(f"类别“{category.name}”已停用。", field="category")
    if not description:
        raise DomainError("请填写问题描述。", field="description")
    max_chars = int(rs.value("description_max_chars"))
    if len(description) > max_chars:
        raise DomainError(f"问题描述最多 {max_chars} 字（现为 {len(description)} 字）。", field="description")
    lat = _coordinate(intake.lat, field="lat", label="纬度", limit=90)
    lng = _coordinate(intake.lng, field="lng", label="经度", limit=180)
    if (lat is None) != (lng is None):
        raise DomainError("位置需同时包含纬度和经度。", field="lat")
    address = (intake.address or "").strip()[:200]
    if lat is None and not address:
        raise DomainError("请提供位置：使用手机定位，或填写地址。", field="address")
    if len(intake.photos) > int(rs.value("max_photos")):
        raise DomainError(f"最多上传 {rs.value('max_photos')} 张照片。", field="photos")

    region = intake.region
    reporter = intake.reporter
    channel = intake.channel
    filed_by = None
    if actor is None:
        if intake.open311_key is None and channel == Channel.OPEN311:
            raise DomainError("缺少 Open311 密钥。", field="api_key")
    elif (reporter is None and not intake.reporter_name.strip()) or (
        reporter is not None and reporter.pk == actor.pk
    ):
        # Filing one's own case: the region must be where the user reports.
        reporter = actor
        if not in_scope(region.path, actor, REPORT, "region") and not in_scope(
            region.path, actor, HANDLE, "region"
        ):
            raise DomainError("只能上报您所在网格（区划）内的问题。", field="region")
    else:
        if not in_scope(region.path, actor, HANDLE, "region"):
            raise DomainError("只能为您负责的区划代为登记事项。", field="region")
        filed_by = actor
        if channel == Channel.APP:
            channel = Channel.PHONE
    reporter_name = (intake.reporter_name or "").strip()[:50]
    mobile = ""
    if intake.reporter_mobile.strip():
        from django.core.exceptions import ValidationError

        try:
            mobile = normalise_mobile(intake.reporter_mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="reporter_mobile") from None
    if actor is not None and reporter is None and not reporter_name:
        raise DomainError("代为登记时请填写上报人姓名。", field="reporter_name")

    processed = [photos.process(f) for f in intake.photos]

    person = person_for_user(reporter)
    if person is None and mobile:
        person = Person.objects.filter(mobile_hash=lookup_hash(mobile), merged_into__isnull=True).first()
    org = route(category, region)
    accept_due, resolve_due = _deadlines(category, now)
    published = bool(intake.published) and category.published
    case = Case.objects.create(
        kind=category.kind,
        category=category,
        description=description,
        state=State.SUBMITTED,
        state_changed_at=now,
        region=region,
        region_path=region.path,
        handling_org=org,
        handler_path=org.path if org else "",
        reporter=reporter,
        reporter_person=person,
        reporter_name=reporter_name or (reporter.display_name if reporter else ""),
        reporter_mobile=mobile,
        filed_by=filed_by,
        channel=channel,
        open311_key=intake.open311_key,
        lat=lat,
        lng=lng,
        address=address,
        published=published,
        media_url=(intake.media_url or "")[:500],
        attributes=intake.attributes or {},
        created_at=now,
        accept_due_at=accept_due,
        resolve_due_at=resolve_due,
        open_due_at=accept_due,
        rule_ref=category.rule_ref,
    )
    for p in processed:
        _save_photo(case, p, CasePhoto.Stage.REPORT, now)
    _log_transition(
        case=case,
        event="submit",
        from_state="",
        to_state=State.SUBMITTED,
        actor=actor if actor is not None else None,
        actor_name=_actor_name(actor, intake.open311_key),
        at=now,
        data={"channel": channel, "photos": len(processed)},
    )
    audit.record(
        actor=actor,
        action="cases.case.submit",
        target=case,
        after={
            "category": category.code,
            "region": region.pk,
            "handling_org": org.pk if org else None,
            "channel": channel,
            "photos": len(processed),
        },
    )
    notify.send(
        recipients=notify.handlers_of(case),
        case=case,
        kind="new",
        text=f"新{case.get_kind_display()} {case.number}（{category.name}）：{description[:40]}",
    )
    return case


def _save_photo(case: Case, p: photos.ProcessedPhoto, stage: str, now: datetime) -> CasePhoto:
    photo = CasePhoto(
        case=case,
        stage=stage,
        width=p.width,
        height=p.height,
        sha256=p.sha256,
        taken_at=p.taken_at,
        created_at=now,
    )
    photo.image.save("photo.jpg", ContentFile(p.content), save=False)
    photo.save()
    return photo


def _actor_name(actor: Any, key: Open311Key | None = None) -> str:
    if actor is not None:
        return str(getattr(actor, "display_name", actor))
    if key is not None:
        return f"Open311：{key.name}"
    return "系统"


def _log_transition(**fields: Any) -> CaseTransition:
    row = CaseTransition(**fields)
    row.save()
    return row


# --- the state machine --------------------------------------------------------------------------


def _check_actor(actor: Any, case: Case, event: str) -> None:
    if event in SYSTEM_EVENTS:
        if actor is not None:
            raise DomainError(f"“{EVENT_LABELS[event]}”只能由系统执行。", field="event")
        return
    if actor is None:
        return
    if event in REPORTER_EVENTS:
        if case.reporter_id == actor.pk:
            return
        if case.reporter_id is None and _may_handle(actor, case):
            return  # reporter without an account: staff records the confirmation from a phone call
        raise DomainError("只有上报人本人可以确认或退回。", field="event")
    if not _may_handle(actor, case):
        raise DomainError("您无权办理此事项。", field="event")


def _may_handle(actor: Any, case: Case) -> bool:
    return in_scope(case.region_path, actor, HANDLE, "region") or (
        bool(case.handler_path) and in_scope(case.handler_path, actor, HANDLE, "org")
    )


def _move(
    *,
    actor: Any,
    case: Case,
    event: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """Apply ``event`` to ``case`` if the table allows it from the case's current state in the database."""
    now = now or timezone.now()
    if event not in EVENT_LABELS or event in ("submit", "escalate"):
        raise DomainError(f"未知的操作“{event}”。", field="event")
    current = Case.objects.filter(pk=case.pk).values_list("state", flat=True).first()
    if current is None:
        raise DomainError("事项不存在。", field="case")
    target = TRANSITIONS.get(current, {}).get(event)
    if target is None:
        raise DomainError(
            f"事项当前状态为“{State(current).label}”，不能执行“{EVENT_LABELS[event]}”。",
            field="event",
            code="conflict",
        )
    _check_actor(actor, case, event)
    fields = {"state": target, "state_changed_at": now, **(changes or {})}
    fields["open_due_at"] = _open_due(case.pk, target, fields)
    updated = Case.objects.filter(pk=case.pk, state=current).update(**fields)
    if updated != 1:
        raise DomainError("事项状态刚刚被他人更改，请刷新后重试。", field="event", code="conflict")
    _log_transition(
        case=case,
        event=event,
        from_state=current,
        to_state=target,
        actor=actor,
        actor_name=_actor_name(actor),
        at=now,
        reason=reason,
        data=data or {},
    )
    case.refresh_from_db()
    audit.record(
        actor=actor,
        action=f"cases.case.{event}",
        target=case,
        before={"state": current},
        after={"state": target, "reason": reason[:200], **(data or {})},
    )
    return case


def _open_due(pk: int, target: str, fields: dict[str, Any]) -> datetime | None:
    """The deadline an open case must meet next, after ``fields`` are applied; None when not open."""
    if target not in OPEN_STATES:
        return None
    row: dict[str, Any] = dict(
        Case.objects.filter(pk=pk).values("accepted_at", "accept_due_at", "resolve_due_at").get()
    )
    row.update({k: v for k, v in fields.items() if k in row})
    return row["accept_due_at"] if row["accepted_at"] is None else row["resolve_due_at"]


def _need_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(f"请填写{what}。", field="reason")
    return reason


@service("cases.case.accept")
def accept_case(*, actor: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """The handling organisation takes the case on."""
    now = now or timezone.now()
    case = _move(actor=actor, case=case, event="accept", reason=note, changes={"accepted_at": now}, now=now)
    _tell_reporter(
        case,
        "accepted",
        f"您上报的 {case.number} 已受理，将在 {timezone.localtime(case.resolve_due_at):%m月%d日 %H:%M} 前办结。",
    )
    return case


@service("cases.case.reject")
def reject_case(*, actor: Any, case: Case, reason: str, now: datetime | None = None) -> Case:
    """Refuse the case (not within remit, not a real problem), with the reason the reporter will see."""
    now = now or timezone.now()
    reason = _need_reason(reason, "不予受理的理由")
    case = _move(
        actor=actor,
        case=case,
        event="reject",
        reason=reason,
        changes={"closed_at": now, "close_reason": "rejected"},
        now=now,
    )
    _tell_reporter(case, "rejected", f"您上报的 {case.number} 不予受理：{reason}")
    return case


@service("cases.case.transfer")
def transfer_case(*, actor: Any, case: Case, org: PartyOrg, reason: str, now: datetime | None = None) -> Case:
    """Hand the case to another organisation (转办); an assigned person is released."""
    reason = _need_reason(reason, "转办理由")
    if not org.is_active:
        raise DomainError(f"党组织“{org.name}”已撤销。", field="org")
    if org.pk == case.handling_org_id:
        raise DomainError("该事项已由此组织承办。", field="org")
    case = _move(
        actor=actor,
        case=case,
        event="transfer",
        reason=reason,
        changes={"handling_org": org, "handler_path": org.path, "assignee": None},
        data={"org": org.pk, "org_name": org.name},
        now=now,
    )
    notify.send(
        recipients=notify.handlers_of(case),
        case=case,
        kind="transfer",
        text=f"{case.number} 已转交贵单位办理：{reason[:60]}",
    )
    return case


def assignable_users(case: Case) -> list[User]:
    """Users who may be assigned: holders of a handling role whose grant covers the case."""
    grants = Grant.objects.filter(revoked_at__isnull=True, role__in=roles_with(HANDLE)).select_related("user")
    out: dict[int, User] = {}
    for g in grants:
        path = case.region_path if g.tree == "region" else case.handler_path
        if path and path.startswith(g.path) and g.user.is_active:
            out[g.user_id] = g.user
    return sorted(out.values(), key=lambda u: (u.display_name, u.pk))


@service("cases.case.assign")
def assign_case(
    *, actor: Any, case: Case, assignee: User, note: str = "", now: datetime | None = None
) -> Case:
    """Give the case to one person of the handling side (also used to reassign)."""
    if assignee.pk not in {u.pk for u in assignable_users(case)}:
        raise DomainError(f"“{assignee.display_name}”没有办理该事项的权限。", field="assignee")
    if assignee.pk == case.assignee_id and case.state == State.ASSIGNED:
        raise DomainError("该事项已指派给此人。", field="assignee")
    case = _move(
        actor=actor,
        case=case,
        event="assign",
        reason=note,
        changes={"assignee": assignee},
        data={"assignee": assignee.pk, "assignee_name": assignee.display_name},
        now=now,
    )
    notify.send(recipients=[assignee.pk], case=case, kind="assigned", text=f"{case.number} 已指派给您办理。")
    return case


@service("cases.case.start")
def start_case(*, actor: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """Work on the case has begun."""
    changes: dict[str, Any] = {}
    if case.assignee_id is None and actor is not None:
        changes["assignee"] = actor
    if case.accepted_at is None:
        changes["accepted_at"] = now or timezone.now()
    return _move(actor=actor, case=case, event="start", reason=note, changes=changes, now=now)


@service("cases.case.resolve")
def resolve_case(
    *, actor: Any, case: Case, note: str, photo: Any = None, now: datetime | None = None
) -> Case:
    """Record the result (a note, optionally a photo); the reporter is asked to confirm."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) < 2:
        raise DomainError("请填写办理结果。", field="note")
    processed = photos.process(photo, field="photo") if photo else None
    case = _move(
        actor=actor,
        case=case,
        event="resolve",
        reason=note,
        changes={"resolved_at": now, "resolution_note": note},
        now=now,
    )
    if processed is not None:
        _save_photo(case, processed, CasePhoto.Stage.RESOLUTION, now)
    _tell_reporter(case, "resolved", f"您上报的 {case.number} 已办结，请查看结果并确认或退回。")
    return case


@service("cases.case.reopen")
def reopen_case(*, actor: Any, case: Case, reason: str, now: datetime | None = None) -> Case:
    """The reporter is not satisfied: the case goes back to the handler with a new resolve deadline."""
    now = now or timezone.now()
    reason = _need_reason(reason, "退回理由")
    _, resolve_due = _deadlines(case.category, now)
    case = _move(
        actor=actor,
        case=case,
        event="reopen",
        reason=reason,
        changes={
            "resolved_at": None,
            "resolve_due_at": resolve_due,
            "resolve_escalated_at": None,
            "reopen_count": F("reopen_count") + 1,
        },
        now=now,
    )
    recipients = notify.handlers_of(case) | ({case.assignee_id} if case.assignee_id else set())
    notify.send(
        recipients=recipients, case=case, kind="reopened", text=f"{case.number} 被上报人退回：{reason[:60]}"
    )
    return case


@service("cases.case.confirm")
def confirm_case(
    *, actor: Any, case: Case, rating: int, feedback: str = "", now: datetime | None = None
) -> Case:
    """The reporter rates the handling (1–5) and confirms; the case closes and a valid report earns the
    category's points through ``points.services.award_points`` exactly once. A retry, or a second
    request racing this one, returns the closed case and awards nothing more."""
    now = now or timezone.now()
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise DomainError("评价应为1到5分。", field="rating")
    fresh = Case.objects.get(pk=case.pk)
    if fresh.state == State.CLOSED and fresh.close_reason == "confirmed":
        _check_actor(actor, fresh, "confirm")
        return fresh  # idempotent retry
    try:
        with transaction.atomic():
            case = _move(
                actor=actor,
                case=case,
                event="confirm",
                reason=(feedback or "").strip()[:500],
                changes={
                    "rating": rating,
                    "feedback": (feedback or "").strip()[:500],
                    "confirmed_at": now,
                    "closed_at": now,
                    "close_reason": "confirmed",
                },
                data={"rating": rating},
                now=now,
            )
    except DomainError:
        fresh = Case.objects.get(pk=case.pk)
        if fresh.state == State.CLOSED and fresh.close_reason == "confirmed":
            return fresh  # the other request won; same outcome
        raise
    _award(actor=actor, case=case, now=now)
    case.refresh_from_db()
    return case


def _award(*, actor: Any, case: Case, now: datetime) -> None:
    """The incentive step: the category's points to the reporter's registry person, once."""
    from tongxin.points import services as points_services

    if case.kind != Kind.REPORT or case.validity != Validity.VALID or case.category.points <= 0:
        note = "该事项不计积分" if case.validity == Validity.VALID else "无效上报，不计积分"
        Case.objects.filter(pk=case.pk).update(points_note=note)
        return
    person = case.reporter_person or person_for_user(case.reporter)
    if person is None:
        Case.objects.filter(pk=case.pk).update(points_note="未找到上报人的人员档案，积分未发放")
        return
    try:
        with transaction.atomic():
            points_services.award_points(
                actor=actor,
                person=person,
                points=case.category.points,
                source="cases.case",
                source_ref=str(case.pk),
                reason=f"有效上报 {case.number}（{case.category.name}）",
                on=timezone.localdate(now),
            )
    except DomainError as exc:
        Case.objects.filter(pk=case.pk).update(
            reporter_person=person, points_note=f"积分未发放：{exc.message}"[:200]
        )
        return
    Case.objects.filter(pk=case.pk).update(
        reporter_person=person,
        points_awarded=case.category.points,
        points_note=f"已发放 {case.category.points} 分",
    )
    if case.reporter_id:
        notify.send(
            recipients=[case.reporter_id],
            case=case,
            kind="points",
            text=f"感谢您的有效上报！{case.number} 获得 {case.category.points} 积分。",
        )


@service("cases.case.merge")
def merge_case(*, actor: Any, case: Case, into: Case, now: datetime | None = None) -> Case:
    """Merge a duplicate into the case that stays open; the duplicate's reporter is told."""
    if into.pk == case.pk:
        raise DomainError("不能合并到自身。", field="into")
    if into.state not in (*OPEN_STATES, State.RESOLVED):
        raise DomainError(f"目标事项 {into.number} 已结束，不能合并。", field="into")
    if into.category_id != case.category_id:
        raise DomainError("只能合并同一类别的事项。", field="into")
    if actor is not None and not _may_handle(actor, into):
        raise DomainError("您无权办理目标事项。", field="into")
    now = now or timezone.now()
    case = _move(
        actor=actor,
        case=case,
        event="merge",
        reason=f"与 {into.number} 重复",
        changes={"merged_into": into, "closed_at": now, "close_reason": "merged"},
        data={"into": into.pk},
        now=now,
    )
    _tell_reporter(case, "merged", f"您上报的 {case.number} 与 {into.number} 为同一问题，已合并办理。")
    return case


@service("cases.case.invalidate")
def invalidate_case(
    *, actor: Any, case: Case, validity: str, reason: str, now: datetime | None = None
) -> Case:
    """Mark a report invalid or malicious: it closes and earns nothing."""
    if validity not in (Validity.INVALID, Validity.MALICIOUS):
        raise DomainError("请选择“无效”或“恶意”。", field="validity")
    reason = _need_reason(reason, "认定理由")
    now = now or timezone.now()
    case = _move(
        actor=actor,
        case=case,
        event="invalidate",
        reason=reason,
        changes={"validity": validity, "closed_at": now, "close_reason": validity},
        data={"validity": validity},
        now=now,
    )
    _tell_reporter(
        case, "invalid", f"您上报的 {case.number} 经核实为{Validity(validity).label}上报：{reason}"
    )
    return case


def _tell_reporter(case: Case, kind: str, text: str) -> None:
    if case.reporter_id:
        notify.send(recipients=[case.reporter_id], case=case, kind=kind, text=text)


@service("cases.note.add")
def add_note(*, actor: Any, case: Case, body: str, internal: bool = True) -> CaseNote:
    """An internal note among the handling staff, or (``internal=False``) a reply the reporter sees."""
    body = (body or "").strip()
    if not body:
        raise DomainError("请填写内容。", field="body")
    if len(body) > 2000:
        raise DomainError("内容最多2000字。", field="body")
    if not _may_handle(actor, case):
        raise DomainError("您无权办理此事项。", field="body")
    note = CaseNote.objects.create(case=case, author=actor, body=body, internal=internal)
    audit.record(
        actor=actor,
        action="cases.note.add",
        target=case,
        after={"note": note.pk, "internal": internal},
    )
    if not internal:
        _tell_reporter(case, "reply", f"{case.number} 的答复：{body[:80]}")
    return note


def reply_templates() -> list[str]:
    return list(_defaults().value("reply_templates"))


@service("cases.notification.read")
def mark_read(*, actor: Any, ids: list[int] | None = None) -> int:
    """Mark the actor's messages read (all of them when ``ids`` is None). Idempotent."""
    from tongxin.cases.models import Notification

    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    if n:
        audit.record(
            actor=actor,
            action="cases.notification.read",
            target_type="cases.notification",
            after={"count": n},
        )
    return n


# --- tick jobs: escalation and auto-closing ------------------------------------------------------

BATCH = 500


def escalate_overdue(now: datetime) -> str:
    """Escalate each case that has missed its accept or resolve deadline one level up the region tree
    and notify the handlers and supervisors there — exactly once per breach: the case row is claimed
    with ``SELECT ... FOR UPDATE SKIP LOCKED`` plus a condition on its ``*_escalated_at`` column, and
    the ``(case, breach, due_at)`` escalation row is unique."""
    max_levels = int(_defaults().value("escalation_max_levels"))
    done = 0
    # Every breach implies ``open_due_at < now`` (the accept deadline comes before the resolve one), so
    # the candidates come from one indexed range; the exact conditions are re-checked under the lock.
    overdue = Case.objects.filter(open_due_at__lt=now)
    look = _Lookups()
    for breach in ("accept", "resolve"):
        flag = f"{breach}_escalated_at"
        base = overdue.filter(**{f"{breach}_due_at__lt": now, f"{flag}__isnull": True})
        if breach == "accept":
            base = base.filter(accepted_at__isnull=True)
        ids = list(base.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            done += _escalate_batch(batch, breach=breach, now=now, max_levels=max_levels, look=look)
    return f"升级逾期事项 {done} 件"


class _Lookups:
    """Per-run caches so that escalating thousands of cases costs a few queries: regions by path and
    the active grants (by tree and node path) of the roles that handle or supervise cases."""

    def __init__(self) -> None:
        self.regions: dict[str, Region | None] = {}
        self.grants: dict[tuple[str, str, str], set[int]] = {}
        for perm in (HANDLE, "cases.supervise"):
            roles = roles_with(perm)
            rows = Grant.objects.filter(revoked_at__isnull=True, role__in=roles).values_list(
                "tree", "path", "user_id"
            )
            for tree, path, user_id in rows:
                self.grants.setdefault((perm, tree, path), set()).add(user_id)

    def region(self, path: str) -> Region | None:
        if path not in self.regions:
            self.regions[path] = Region.objects.filter(path=path).first()
        return self.regions[path]

    def users_at(self, tree: str, path: str, perm: str) -> set[int]:
        return set(self.grants.get((perm, tree, path), set()))

    def recipients(self, case: Case, target: Region | None) -> set[int]:
        """Like ``notify.handlers_of`` plus the handlers and supervisors of the target region."""
        ids = self.users_at("org", case.handler_path, HANDLE)
        path = case.region_path
        while not ids and path.count("/") > 1:
            ids = self.users_at("region", path, HANDLE)
            path = path[: path.rstrip("/").rfind("/") + 1]
        if target is not None:
            ids |= self.users_at("region", target.path, "cases.supervise")
            ids |= self.users_at("region", target.path, HANDLE)
        return ids


def _escalate_batch(ids: list[int], *, breach: str, now: datetime, max_levels: int, look: _Lookups) -> int:
    flag = f"{breach}_escalated_at"
    what = "受理" if breach == "accept" else "办结"
    with transaction.atomic():
        claimed = list(
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("category")
            .filter(
                pk__in=ids, state__in=OPEN_STATES, **{f"{flag}__isnull": True, f"{breach}_due_at__lt": now}
            )
        )
        if not claimed:
            return 0
        rows = []
        messages: list[tuple[set[int], Case, str]] = []
        transitions = []
        for case in claimed:
            level = min(case.escalation_level + 1, max_levels)
            paths = _ancestor_paths(case.region_path)
            target = look.region(paths[len(paths) - 1 - level]) if len(paths) > level else None
            rows.append(
                CaseEscalation(
                    case=case,
                    breach=breach,
                    due_at=getattr(case, f"{breach}_due_at"),
                    level=level,
                    target_path=target.path if target else case.region_path,
                    target_name=target.name if target else "",
                    at=now,
                )
            )
            case.escalation_level = level
            case.escalated_to_path = target.path if target else case.escalated_to_path
            setattr(case, flag, now)
            where = target.name if target else "上级"
            text = f"督办：{case.number}（{case.category.name}）已超过{what}时限，升级至{where}。"
            messages.append((look.recipients(case, target), case, text))
            transitions.append(
                CaseTransition(
                    case=case,
                    event="escalate",
                    from_state=case.state,
                    to_state=case.state,
                    actor=None,
                    actor_name="系统",
                    at=now,
                    reason=text,
                    data={"breach": breach, "level": level},
                )
            )
        try:
            with transaction.atomic():
                CaseEscalation.objects.bulk_create(rows)
        except IntegrityError:
            return 0  # another tick escalated these breaches a moment ago
        groups: dict[tuple[int, str], list[int]] = {}
        for case in claimed:
            groups.setdefault((case.escalation_level, case.escalated_to_path), []).append(case.pk)
        for (level, path), pks in groups.items():
            Case.objects.filter(pk__in=pks).update(
                escalation_level=level, escalated_to_path=path, **{flag: now}
            )
        CaseTransition.objects.bulk_create(transitions, batch_size=1000)
        notify.send_many([(ids_, case, "escalated", text) for ids_, case, text in messages])
        audit.record(
            actor=None,
            action="cases.case.escalate",
            target_type="cases.case",
            target_id=str(claimed[0].pk),
            after={"breach": breach, "count": len(claimed), "cases": [c.pk for c in claimed]},
        )
    return len(claimed)


def autoclose_resolved(now: datetime) -> str:
    """Close resolved cases whose reporter stayed silent for the rule's number of days (no points)."""
    days = int(_defaults().value("autoclose_days"))
    cutoff = now - timedelta(days=days)
    ids = list(
        Case.objects.filter(state=State.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True)[:5000]
    )
    closed = 0
    for pk in ids:
        case = Case.objects.get(pk=pk)
        try:
            _autoclose_one(case=case, now=now, days=days)
        except DomainError:
            continue  # confirmed or reopened meanwhile
        closed += 1
    return f"自动关闭 {closed} 件"


@service("cases.case.auto_close")
def _autoclose_one(*, case: Case, now: datetime, days: int) -> Case:
    case = _move(
        actor=None,
        case=case,
        event="auto_close",
        reason=f"办结后 {days} 天上报人未确认",
        changes={"closed_at": now, "close_reason": "timeout", "points_note": "未经上报人确认，不计积分"},
        now=now,
    )
    _tell_reporter(case, "closed", f"{case.number} 办结后 {days} 天未确认，已自动关闭。")
    return case


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
