"""Reads of cases, notifications and volunteer services. User-facing selectors take the acting user and
return only what the user's grants (or their own reports) cover; the system-level ones at the end
(``overdue_count``, ``closed_cases``, ``published_cases``) are for other modules and Open311, which
scope or filter themselves."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases.models import (
    OPEN_STATES,
    Case,
    CasePhoto,
    Category,
    Kind,
    Notification,
    RoutingRule,
    ServiceRecord,
    State,
    TeamMember,
    VolunteerTeam,
)
from tongxin.core import rules
from tongxin.core.pii import lookup_hash
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs import selectors as org_selectors
from tongxin.orgs.models import PartyOrg, Person, Region

VIEW = "cases.view"
REPORT = "cases.report"
HANDLE = "cases.handle"
SUPERVISE = "cases.supervise"
MANAGE = "cases.manage"


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("category", "region", "handling_org", "reporter", "assignee")


def categories(kind: str = "") -> QuerySet[Category]:
    """Active categories (reference data, visible to every logged-in user)."""
    qs = Category.objects.filter(active=True)
    return qs.filter(kind=kind) if kind else qs


# --- user-scoped reads ---------------------------------------------------------------------


def my_cases(user: User) -> QuerySet[Case]:
    """The cases ``user`` reported or that were filed for them."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    return _base().filter(reporter=user)


def cases_for(user: User, perm: str = VIEW) -> QuerySet[Case]:
    """Cases under the user's grants for ``perm``: where they happened or the handling organisation."""
    return scoped(_base(), user, perm)


def queue_for(
    user: User, *, state: str = "", overdue: bool = False, now: datetime | None = None
) -> QuerySet[Case]:
    """The handling queue: by default the open cases the user may handle (待办), the most urgent
    deadline first; with ``state`` the cases in that state (e.g. resolved, waiting for the reporter)."""
    # Only what the queue shows: no joins to people or organisations.
    qs = scoped(Case.objects.select_related("category", "region"), user, HANDLE)
    if state:
        return qs.filter(state=state).order_by("resolve_due_at", "id")
    qs = qs.filter(open_due_at__isnull=False)
    if overdue:
        qs = qs.filter(_overdue_q(now or timezone.now()))
    return qs.order_by("open_due_at", "id")


def case_for(user: User, pk: int) -> Case:
    """One case the user may see — as its reporter or through a grant — else 404 (audited)."""
    if user is not None and user.is_authenticated:
        mine = my_cases(user).filter(pk=pk).first()
        if mine is not None:
            return mine
    return get_scoped_or_404(_base(), user, VIEW, pk=pk)


def may_handle(user: User, case: Case) -> bool:
    return cases_for(user, HANDLE).filter(pk=case.pk).exists()


def routing_rules_for(user: User) -> QuerySet[RoutingRule]:
    """Routing rules of the regions the user manages cases for."""
    return scoped(RoutingRule.objects.select_related("category", "region", "org"), user, MANAGE).order_by(
        "region_path", "category__sort"
    )


def case_photo_for(user: User, pk: int) -> CasePhoto:
    """A case photo, to those who may see its case; else 404."""
    row = CasePhoto.objects.filter(pk=pk).only("pk", "case_id", "image").first()
    if row is None:
        raise Http404("未找到照片")
    case_for(user, row.case_id)
    return row


def cases_by_ids(pks: list[int]) -> dict[int, Case]:
    """The rows of a page of ids already read through a scoped selector (the queue pages over ids)."""
    return {c.pk: c for c in Case.objects.select_related("category", "region").filter(pk__in=pks)}


# --- where a user may act: regions, organisations and people through the registry's selectors ------


def report_regions(user: User) -> QuerySet[Region]:
    """Where the user may file: the regions under their reporting or handling grants."""
    own = org_selectors.regions_for(user, REPORT)
    handled = org_selectors.regions_for(user, HANDLE)
    return (own | handled).order_by("path")


def handle_regions(user: User) -> QuerySet[Region]:
    return org_selectors.regions_for(user, HANDLE).order_by("path")


def manage_region(user: User, pk: int) -> Region | None:
    """A region the user manages cases for (routing rules), else None."""
    return org_selectors.regions_for(user, MANAGE).filter(pk=pk).first()


def view_regions(user: User) -> QuerySet[Region]:
    """Regions whose figures the user may see: their region grants, or (organisation grants only, a
    branch) the regions where their organisations are."""
    regions = org_selectors.regions_for(user, VIEW)
    if not regions.exists():
        org_regions = org_selectors.party_orgs_for(user, VIEW).values("region")
        regions = Region.objects.filter(pk__in=org_regions)
    return regions.order_by("depth", "path")


def active_orgs_for(user: User, perm: str = VIEW) -> QuerySet[PartyOrg]:
    """Active party organisations in the user's scope for ``perm`` (transfer and team choices)."""
    return org_selectors.party_orgs_for(user, perm).filter(is_active=True)


def transfer_target(user: User, pk: int | None) -> PartyOrg | None:
    """An active organisation in the user's scope that a case may be handed to, else None."""
    return active_orgs_for(user).filter(pk=pk or 0).first()


def routing_target(user: User, pk: int | None) -> PartyOrg | None:
    """An organisation a routing rule may send cases to: in the user's case-management scope, else None
    (a rule must not send a county's cases to an organisation the rule maker cannot see)."""
    return active_orgs_for(user, MANAGE).filter(pk=pk or 0).first()


def people_for_handling(user: User) -> QuerySet[Person]:
    """Registry people the user handles cases for (volunteer team members, service records)."""
    return scoped(Person.objects.filter(merged_into__isnull=True), user, HANDLE).order_by("name", "id")


def person_by_mobile(user: User, mobile: str) -> Person | None:
    """The registry person with this (normalised) mobile number inside the user's handling scope, else
    None — a number registered elsewhere is treated exactly as an unknown one."""
    if not mobile:
        return None
    return (
        scoped(Person.objects.all(), user, HANDLE)
        .filter(mobile_hash=lookup_hash(mobile), merged_into__isnull=True)
        .order_by("id")
        .first()
    )


def active_member(team: VolunteerTeam, pk: int) -> TeamMember | None:
    return TeamMember.objects.select_related("person").filter(team=team, pk=pk, left_on__isnull=True).first()


def team_members(team: VolunteerTeam) -> QuerySet[TeamMember]:
    return team.members.select_related("person").filter(left_on__isnull=True)


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("case")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- duplicates -----------------------------------------------------------------------------


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def possible_duplicates(case: Case, *, limit: int = 5) -> list[tuple[Case, int]]:
    """Open cases of the same category near the same place and recent enough (rule set
    ``cases_defaults``), nearest first, with their distance in metres. Without coordinates, cases
    with the same address in the same region."""
    rs = rules.in_force("cases_defaults", on=timezone.localdate(case.created_at))
    radius = float(rs.value("duplicate_radius_m"))
    since = case.created_at - timedelta(days=int(rs.value("duplicate_window_days")))
    qs = (
        Case.objects.select_related("category")
        .filter(category=case.category, state__in=[*OPEN_STATES, State.RESOLVED], created_at__gte=since)
        .exclude(pk=case.pk)
    )
    if case.lat is None or case.lng is None:
        if not case.address:
            return []
        return [(c, 0) for c in qs.filter(region=case.region, address=case.address)[:limit]]
    dlat = Decimal(str(radius / 111000.0))
    dlng = Decimal(str(radius / (111000.0 * max(0.1, math.cos(math.radians(float(case.lat)))))))
    near = qs.filter(
        lat__gte=case.lat - dlat, lat__lte=case.lat + dlat, lng__gte=case.lng - dlng, lng__lte=case.lng + dlng
    )
    out = []
    for other in near[:200]:
        if other.lat is None or other.lng is None:  # not possible after the range filter; for the types
            continue
        d = _distance_m(float(case.lat), float(case.lng), float(other.lat), float(other.lng))
        if d <= radius:
            out.append((other, round(d)))
    out.sort(key=lambda p: p[1])
    return out[:limit]


# --- overview -------------------------------------------------------------------------------


def _overdue_q(now: datetime) -> Q:
    """Open and past the deadline it must meet next (``open_due_at`` is NULL once resolved)."""
    return Q(open_due_at__lt=now)


@dataclass
class Overview:
    total: int
    open: int
    overdue: int
    resolved: int
    on_time: int
    on_time_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    avg_rating: float | None
    by_category: list[dict[str, Any]]
    by_region: list[dict[str, Any]]


def overview(
    user: User, *, since: date | None = None, until: date | None = None, now: datetime | None = None
) -> Overview:
    """The supervisor's figures over the cases the user supervises: on-time rate (resolved by the
    resolve deadline), overdue, satisfaction (rated at least the rule's threshold), by category and
    by region (the child regions of the user's highest grant)."""
    now = now or timezone.now()
    qs = scoped(Case.objects.all(), user, SUPERVISE)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    good = int(rules.in_force("cases_defaults").value("rating_min_for_satisfied"))
    agg = qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("id", filter=_overdue_q(now)),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        on_time=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at"))),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=good)),
        rating_sum=Sum("rating"),
    )
    by_category: list[dict[str, Any]] = [
        dict(row)
        for row in qs.values("category__name")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=_overdue_q(now)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            in_time=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at"))),
        )
        .order_by("-total")
    ]
    by_region = []
    for region in _child_regions(user):
        sub = qs.filter(prefix_q("region_path", region.path))
        row = sub.aggregate(
            total=Count("id"),
            overdue=Count("id", filter=_overdue_q(now)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            in_time=Count("id", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at"))),
        )
        if row["total"]:
            by_region.append({"region": region.name, **row})

    def rate(a: int, b: int) -> float | None:
        return round(100.0 * a / b, 1) if b else None

    return Overview(
        total=agg["total"],
        open=agg["open"],
        overdue=agg["overdue"],
        resolved=agg["resolved"],
        on_time=agg["on_time"],
        on_time_rate=rate(agg["on_time"], agg["resolved"]),
        rated=agg["rated"],
        satisfied=agg["satisfied"],
        satisfaction_rate=rate(agg["satisfied"], agg["rated"]),
        avg_rating=round(agg["rating_sum"] / agg["rated"], 2) if agg["rated"] else None,
        by_category=by_category,
        by_region=by_region,
    )


def _child_regions(user: User) -> list[Region]:
    """The regions one level below the user's region grants for supervising (or the node itself
    when it has no children)."""
    paths = user.scope_paths(SUPERVISE).get("region", [])
    out: list[Region] = []
    for node in Region.objects.filter(path__in=paths).order_by("depth"):
        children = list(Region.objects.filter(parent=node).order_by("path"))
        out.extend(children or [node])
    return out


def overdue_list(user: User, *, now: datetime | None = None) -> QuerySet[Case]:
    return (
        scoped(_base(), user, SUPERVISE).filter(_overdue_q(now or timezone.now())).order_by("resolve_due_at")
    )


def supervised_cases(user: User) -> QuerySet[Case]:
    return scoped(_base(), user, SUPERVISE)


# --- volunteer services -------------------------------------------------------------------------


def teams_for(user: User) -> QuerySet[VolunteerTeam]:
    return scoped(VolunteerTeam.objects.select_related("region", "org"), user, VIEW)


def team_for(user: User, pk: int, perm: str = VIEW) -> VolunteerTeam:
    return get_scoped_or_404(VolunteerTeam.objects.select_related("region", "org"), user, perm, pk=pk)


def service_records_for(user: User) -> QuerySet[ServiceRecord]:
    return scoped(ServiceRecord.objects.select_related("person", "team", "region"), user, VIEW)


def service_record_for(user: User, pk: int, perm: str = HANDLE) -> ServiceRecord:
    """One service record the user may act on for ``perm``, else 404 (audited)."""
    return get_scoped_or_404(ServiceRecord.objects.select_related("person", "region"), user, perm, pk=pk)


@dataclass
class Tally:
    region: Region
    since: date | None
    until: date | None
    medicine_deliveries: int
    door_to_door: int
    leaflets: int
    service_records: int
    service_minutes: int
    beneficiaries: int
    reports: int
    hazards: int
    grid_workers: int
    teams: int
    # The rule version the figures were computed with (which categories "hazards" counts).
    rule_ref: str = ""
    hazard_categories: tuple[str, ...] = ()

    @property
    def deliveries_and_visits(self) -> int:
        return self.medicine_deliveries + self.door_to_door


def tally(*, region: Region, since: date | None = None, until: date | None = None) -> Tally:
    """The public-report figures for ``region`` and period, computed from service records and cases
    (system-level: callers check that the user may see ``region``). ``hazards`` ("反馈各类治安隐患、环境
    问题等信息") counts the valid reports of the categories named by the rule
    ``cases_defaults.grid_report_tally_categories`` in force at the end of the period; the figure carries
    that rule's version."""
    rs = rules.in_force("cases_defaults", on=until or timezone.localdate())
    hazard_codes = tuple(str(c) for c in rs.value("grid_report_tally_categories"))
    records = ServiceRecord.objects.filter(prefix_q("region_path", region.path))
    cases = Case.objects.filter(prefix_q("region_path", region.path), kind=Kind.REPORT)
    if since:
        records = records.filter(served_on__gte=since)
        cases = cases.filter(created_at__date__gte=since)
    if until:
        records = records.filter(served_on__lte=until)
        cases = cases.filter(created_at__date__lte=until)
    S = ServiceRecord.ServiceKind
    agg = records.aggregate(
        med=Sum("quantity", filter=Q(kind=S.MEDICINE_DELIVERY)),
        door=Sum("quantity", filter=Q(kind=S.DOOR_TO_DOOR)),
        leaflets=Sum("quantity", filter=Q(kind=S.LEAFLETS)),
        n=Count("id"),
        minutes=Sum("minutes"),
        beneficiaries=Sum("beneficiaries"),
    )
    valid_reports = cases.exclude(validity__in=["invalid", "malicious"]).exclude(state=State.MERGED)
    return Tally(
        region=region,
        since=since,
        until=until,
        medicine_deliveries=agg["med"] or 0,
        door_to_door=agg["door"] or 0,
        leaflets=agg["leaflets"] or 0,
        service_records=agg["n"] or 0,
        service_minutes=agg["minutes"] or 0,
        beneficiaries=agg["beneficiaries"] or 0,
        reports=valid_reports.count(),
        hazards=valid_reports.filter(category__code__in=hazard_codes).count(),
        grid_workers=valid_reports.exclude(reporter__isnull=True).values("reporter").distinct().count(),
        teams=VolunteerTeam.objects.filter(prefix_q("region_path", region.path)).count(),
        rule_ref=rs.ref,
        hazard_categories=hazard_codes,
    )


# --- system-level reads (other modules, Open311) --------------------------------------------------


def overdue_count(*, region: Region, now: datetime) -> int:
    """Cases under ``region`` past a due time (accept or resolve) and not yet resolved or closed.

    System-level: the caller scopes ``region``."""
    return Case.objects.filter(prefix_q("region_path", region.path)).filter(_overdue_q(now)).count()


def closed_cases(*, region: Region) -> QuerySet[Case]:
    """Grid reports under ``region`` that are closed (confirmed or closed after reporter silence),
    newest first; each has ``get_absolute_url()`` and a readable ``__str__``. System-level."""
    return (
        Case.objects.select_related("category")
        .filter(prefix_q("region_path", region.path), kind=Kind.REPORT, state=State.CLOSED)
        .order_by("-closed_at", "-id")
    )


def published_cases() -> QuerySet[Case]:
    """What Open311 publishes: grid reports of public categories that are marked public, never
    appeals, never merged-away duplicates."""
    return (
        Case.objects.select_related("category", "handling_org")
        .filter(kind=Kind.REPORT, published=True, category__public=True, category__kind=Kind.REPORT)
        .exclude(state=State.MERGED)
    )


def recent_submission(digest: str, *, since: datetime) -> int | None:
    """The id of the case a public client filed with this submission digest since ``since`` (duplicate
    POSTs are answered with it). System-level: the digest already names the client."""
    if not digest:
        return None
    return (
        Case.objects.filter(submission_digest=digest, created_at__gte=since)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
