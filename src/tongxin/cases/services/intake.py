"""Categories, routing and intake of cases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases import notify, selectors
from tongxin.cases.models import (
    Case,
    CasePhoto,
    Category,
    Channel,
    Kind,
    Open311Key,
    RoutingRule,
    State,
)
from tongxin.cases.services._base import (
    HANDLE,
    MANAGE,
    REPORT,
    _actor_name,
    _ancestor_paths,
    _deadlines,
    _defaults,
    _log_transition,
    _row_user,
    is_system,
)
from tongxin.core import audit, rules, uploads
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.pii import normalise_mobile
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Person, Region
from tongxin.points import services as points_services

# --- categories and routing -------------------------------------------------------------------


@service("cases.category.sync")
def sync_categories(*, actor: User, on: date | None = None) -> int:
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
            "auto_award": spec.get("award") == "auto",
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
    *, actor: User, region: Region, org: PartyOrg, category: Category | None = None
) -> RoutingRule:
    """Route cases of ``category`` (any category when None) in ``region`` and below to ``org``. Both the
    region and the organisation must lie in the actor's case-management scope."""
    if not in_scope(region.path, actor, MANAGE, "region"):
        raise DomainError("只能为您管理的区划设置分派规则。", field="region")
    if not (in_scope(org.region_path, actor, MANAGE, "region") or in_scope(org.path, actor, MANAGE, "org")):
        raise DomainError("承办组织不在您的管理范围内，不能作为分派目标。", field="org")
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


# --- intake -------------------------------------------------------------------------------------


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
    if user is None or is_system(user):
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
    submission_digest: str = ""


# C0 and C1 control characters other than tab, line feed and carriage return: they make XML 1.0
# unparsable (Open311's requests.xml) and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """``value`` without control characters (kept: tab, newline, carriage return), stripped."""
    return _CONTROL.sub("", value or "").strip()


@service("cases.case.submit")
def submit_case(*, actor: User, intake: Intake, now: datetime | None = None) -> Case:
    """File a case. A grid worker or resident files their own (``actor`` is the reporter); staff with
    handling rights file on someone's behalf (phone call, walk-in); ``SYSTEM`` with an Open311 key
    files a public report. The case gets its deadlines from its category, its handling organisation
    from the routing rules, and its photos re-encoded without EXIF. Control characters are removed from
    every text. On someone's behalf, the reporter's registry person is looked up by mobile number only
    inside the actor's scope, and the answer does not tell whether a number is registered. All checks
    come first: a refused intake writes nothing."""
    now = now or timezone.now()
    rs = _defaults()
    category = intake.category
    description = clean_text(intake.description)
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
    address = clean_text(intake.address)[:200]
    if lat is None and not address:
        raise DomainError("请提供位置：使用手机定位，或填写地址。", field="address")
    if len(intake.photos) > int(rs.value("max_photos")):
        raise DomainError(f"最多上传 {rs.value('max_photos')} 张照片。", field="photos")

    region = intake.region
    reporter = intake.reporter
    channel = intake.channel
    filed_by = None
    if is_system(actor):
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
    reporter_name = clean_text(intake.reporter_name)[:50]
    mobile = ""
    if intake.reporter_mobile.strip():
        try:
            mobile = normalise_mobile(intake.reporter_mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="reporter_mobile") from None
    if not is_system(actor) and reporter is None and not reporter_name:
        raise DomainError("代为登记时请填写上报人姓名。", field="reporter_name")

    processed = [check_photo(f, field="photos", label="现场照片") for f in intake.photos]

    person = person_for_user(reporter)
    if person is None and mobile and filed_by is not None:
        person = selectors.person_by_mobile(filed_by, mobile)
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
        submission_digest=intake.submission_digest,
        lat=lat,
        lng=lng,
        address=address,
        published=published,
        media_url=clean_text(intake.media_url)[:500],
        attributes=_clean_attributes(intake.attributes or {}),
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
        actor=_row_user(actor),
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


def _clean_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {clean_text(str(k)): clean(v) for k, v in attributes.items()}


def check_photo(upload: Any, *, field: str, label: str) -> uploads.Checked:
    """A case photo checked and re-encoded by ``core.uploads``: JPEG, upright, no EXIF (GPS, device),
    within the rule's size limit and shrunk to the rule's longest side; the capture time is kept as a
    value for ``CasePhoto.taken_at``."""
    rs = _defaults()
    return uploads.image(
        upload,
        field=field,
        label=label,
        max_bytes=int(rs.value("photo_max_bytes")),
        max_side=int(rs.value("photo_max_pixels")),
        jpeg=True,
    )


def _save_photo(case: Case, p: uploads.Checked, stage: str, now: datetime) -> CasePhoto:
    """The photo row, saved in the caller's transaction; its file is written when that commits."""
    photo = CasePhoto(
        case=case,
        stage=stage,
        width=p.width,
        height=p.height,
        sha256=p.sha256,
        taken_at=p.taken_at,
        created_at=now,
    )
    uploads.save_on_commit(photo.image, p)
    photo.save()
    return photo
