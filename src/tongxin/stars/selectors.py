"""Reads of the 五星支部创建 module, always through the acting user's scope (outside it: 404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tongxin.accounts.models import Grant, User
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import PartyOrg, Region
from tongxin.stars import sources
from tongxin.stars.models import (
    CriteriaSet,
    Evidence,
    Objection,
    Pairing,
    RectificationTask,
    Star,
    StarCycle,
    StarResult,
    SupervisionVisit,
    WeakBranch,
)
from tongxin.stars.models.cycle import Level
from tongxin.stars.services.access import (
    APPROVE,
    BRANCH_KINDS,
    MANAGE,
    RATE,
    SELF_ASSESS,
    SUPERVISE,
    TOWNSHIP_KINDS,
    VIEW,
    VILLAGE_KINDS,
)

__all__ = ["APPROVE", "MANAGE", "RATE", "SELF_ASSESS", "SUPERVISE", "VIEW"]

LIST_KINDS = {
    "five": "五星",
    "four": "四星",
    "three": "三星",
    "below": "三星以下",
    "weak": "软弱涣散",
}


def this_year() -> int:
    return timezone.localdate().year


# --- branches and cycles ------------------------------------------------------------------------
def branches_for(user: User, perm: str = VIEW) -> QuerySet[PartyOrg]:
    """Village and community party organisations in the user's scope (the ones that are rated)."""
    qs = PartyOrg.objects.filter(
        kind__in=BRANCH_KINDS, region__kind__in=VILLAGE_KINDS, is_active=True
    ).select_related("region")
    return scoped(qs, user, perm).order_by("region_path", "path")


def branch_for(user: User, pk: int, perm: str = VIEW) -> PartyOrg:
    qs = PartyOrg.objects.filter(kind__in=BRANCH_KINDS, region__kind__in=VILLAGE_KINDS).select_related(
        "region"
    )
    return get_scoped_or_404(qs, user, perm, pk=pk)


# Lists fetch their related rows for the page shown (prefetch, by id) rather than joining: a join
# lets PostgreSQL hash the whole organisation table for a page of 50 rows.
def cycles_for(
    user: User,
    perm: str = VIEW,
    *,
    year: int | None = None,
    state: str = "",
    level: str = "",
    township: int | None = None,
    q: str = "",
) -> QuerySet[StarCycle]:
    qs = StarCycle.objects.prefetch_related("org", "region", "township")
    if year:
        qs = qs.filter(year=year)
    if state:
        qs = qs.filter(state=state)
    if level:
        qs = qs.filter(current_level=level)
    if township:
        qs = qs.filter(township_id=township)
    if q:
        qs = qs.filter(Q(org__name__icontains=q) | Q(region__name__icontains=q))
    return scoped(qs, user, perm).order_by("region_path", "org_path")


def cycle_for(user: User, pk: int, perm: str = VIEW) -> StarCycle:
    qs = StarCycle.objects.select_related("org", "region", "township", "criteria_set")
    return get_scoped_or_404(qs, user, perm, pk=pk)


def cycle_of(org: PartyOrg, year: int) -> StarCycle | None:
    """The cycle of a branch already read through scope (the caller holds ``org`` legitimately)."""
    return StarCycle.objects.select_related("criteria_set", "region").filter(org=org, year=year).first()


def cycles_of(orgs: list[PartyOrg], year: int) -> dict[int, StarCycle]:
    """The ``year`` cycles of branches already read through scope, by branch id."""
    return {c.org_id: c for c in StarCycle.objects.filter(org__in=orgs, year=year)}


def notice_results(cycles: list[StarCycle]) -> tuple[dict[int, StarResult], dict[str, str]]:
    """For cycles on the public notice (``notice_cycles``): each one's county result, by cycle id, and
    the names of the stars of their criteria sets, by code."""
    results = {
        r.cycle_id: r
        for r in StarResult.objects.filter(cycle__in=cycles, stage=StarResult.Stage.COUNTY).order_by("id")
    }
    names = {
        s.code: s.name for s in Star.objects.filter(criteria_set_id__in={c.criteria_set_id for c in cycles})
    }
    return results, names


def years_of(org: PartyOrg) -> list[int]:
    return list(StarCycle.objects.filter(org=org).order_by("-year").values_list("year", flat=True))


def review_queue(user: User) -> dict[str, QuerySet[Any]]:
    """What waits for this user: township first ratings, county approvals, open objections."""
    out: dict[str, QuerySet[Any]] = {}
    if user.has_perm_anywhere(RATE):
        out["rate"] = cycles_for(user, RATE, state=StarCycle.State.SUBMITTED)
    if user.has_perm_anywhere(APPROVE):
        out["approve"] = cycles_for(user, APPROVE, state=StarCycle.State.TOWNSHIP_RATED)
        out["notice"] = cycles_for(user, APPROVE, state=StarCycle.State.IN_NOTICE)
        out["objections"] = scoped(
            Objection.objects.select_related("cycle__org").filter(state=Objection.State.OPEN), user, APPROVE
        )
    return out


def notice_cycles(*, today: date | None = None) -> QuerySet[StarCycle]:
    """The public notice (公示): every cycle whose notice is running. Public by nature — any
    logged-in person may read it and object."""
    today = today or timezone.localdate()
    return (
        StarCycle.objects.filter(state=StarCycle.State.IN_NOTICE, notice_ends_on__gte=today)
        .select_related("org", "region", "township")
        .order_by("notice_ends_on", "region_path")
    )


def notice_cycle(pk: int) -> StarCycle:
    cycle = notice_cycles().filter(pk=pk).first()
    if cycle is None:
        raise Http404("该村（社区）不在公示期内。")
    return cycle


def objection_for(user: User, pk: int, perm: str = APPROVE) -> Objection:
    return get_scoped_or_404(Objection.objects.select_related("cycle"), user, perm, pk=pk)


# --- criteria ----------------------------------------------------------------------------------
def criteria_sets() -> QuerySet[CriteriaSet]:
    """Criteria are published rules, not personal data: every user of the module may read them."""
    return CriteriaSet.objects.all().order_by("applies_to", "-version")


def criteria_set(pk: int) -> CriteriaSet:
    return get_object_or_404(CriteriaSet.objects.prefetch_related("stars__indicators"), pk=pk)


# --- evidence ----------------------------------------------------------------------------------
@dataclass
class Candidates:
    library: list[Evidence]
    linked: dict[str, list[sources.Record]] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)


def evidence_for(user: User, pk: int, perm: str = VIEW) -> Evidence:
    return get_scoped_or_404(Evidence.objects.all(), user, perm, pk=pk)


def evidence_library(user: User, region: Region) -> QuerySet[Evidence]:
    """Evidence already on file for a village (any year): attach it again, never re-upload."""
    return scoped(Evidence.objects.filter(region=region), user, VIEW).order_by("-created_at")


def evidence_candidates(user: User, region: Region) -> Candidates:
    linked_ids = {(e.kind, e.ref_id) for e in Evidence.objects.filter(region=region).exclude(kind="file")}
    out = Candidates(library=list(evidence_library(user, region)[:100]))
    for kind, src in sources.SOURCES.items():
        if not sources.available(kind):
            out.unavailable.append(f"{src.label}（{src.pending}）")
            continue
        out.linked[kind] = [
            r for r in sources.candidates(kind, region=region) if (kind, r.ref_id) not in linked_ids
        ]
    return out


# --- lists -------------------------------------------------------------------------------------
def level_list(user: User, *, year: int, level: str, township: int | None = None) -> QuerySet[StarCycle]:
    """Branches of a final level in the year (五星/四星/三星/三星以下)."""
    return cycles_for(user, VIEW, year=year, level=level, township=township).filter(
        state=StarCycle.State.FINAL
    )


def weak_list(user: User, *, year: int, township: int | None = None, state: str = "") -> QuerySet[WeakBranch]:
    qs = WeakBranch.objects.filter(year=year).prefetch_related("org", "region", "township")
    if township:
        qs = qs.filter(township_id=township)
    if state:
        qs = qs.filter(state=state)
    return scoped(qs, user, VIEW).order_by("region_path")


def weak_for(user: User, pk: int, perm: str = VIEW) -> WeakBranch:
    return get_scoped_or_404(WeakBranch.objects.select_related("org", "region"), user, perm, pk=pk)


def pairings(user: User, *, year: int) -> QuerySet[Pairing]:
    qs = Pairing.objects.filter(year=year, ended_at__isnull=True).select_related("strong", "weak")
    return scoped(qs, user, VIEW).order_by("region_path")


def pairing_for(user: User, pk: int, perm: str = MANAGE) -> Pairing:
    return get_scoped_or_404(Pairing.objects.select_related("strong", "weak"), user, perm, pk=pk)


def townships_for(user: User) -> QuerySet[Region]:
    return scoped(Region.objects.filter(kind__in=TOWNSHIP_KINDS), user, VIEW).order_by("path")


@dataclass
class TownshipRow:
    township: Region
    levels: dict[str, int]
    weak: int
    total: int
    tasks: dict[str, int]
    overdue: int
    verified: int
    on_time: int

    @property
    def on_time_rate(self) -> int | None:
        return round(self.on_time * 100 / self.verified) if self.verified else None

    @property
    def middle(self) -> int:
        return self.levels.get("four", 0) + self.levels.get("three", 0)


@dataclass
class CountyView:
    year: int
    rows: list[TownshipRow]
    totals: dict[str, int]
    task_states: dict[str, int]
    overdue: int
    on_time_rate: int | None
    assignments: dict[int, list[str]]
    by: str = "乡镇（街道）"


def _by_county(rows: list[TownshipRow]) -> list[TownshipRow]:
    counties = {c.pk: c for c in Region.objects.filter(pk__in={r.township.parent_id for r in rows})}
    out: dict[int, TownshipRow] = {}
    for r in rows:
        cid = r.township.parent_id or r.township.pk
        agg = out.setdefault(cid, TownshipRow(counties.get(cid, r.township), {}, 0, 0, {}, 0, 0, 0))
        for k, v in r.levels.items():
            agg.levels[k] = agg.levels.get(k, 0) + v
        for k, v in r.tasks.items():
            agg.tasks[k] = agg.tasks.get(k, 0) + v
        agg.weak += r.weak
        agg.total += r.total
        agg.overdue += r.overdue
        agg.verified += r.verified
        agg.on_time += r.on_time
    return sorted(out.values(), key=lambda r: r.township.path)


# Up to this many whole townships are named in the roll-up queries (SQLite takes 32,766 parameters;
# a province has ~2,000 townships). Beyond it the roll-up filters by path prefix instead.
TOWNSHIP_LIST_LIMIT = 10_000


def _whole_townships(user: User, towns: dict[int, Region]) -> list[int] | None:
    """The townships the user sees *entirely*, when that is all they see: every grant for ``VIEW`` is a
    region grant at or above a township (county administrator, township administrator, county leader,
    a province-wide administrator). Then "rows in scope" equals "rows of these townships", and the
    roll-ups can walk the township-ordered covering indexes instead of sorting every row under a path
    prefix. None (filter by path) for anyone with a grant below a township or in the organisation tree."""
    paths = user.scope_paths(VIEW)
    if paths.get("org") or not towns or len(towns) > TOWNSHIP_LIST_LIMIT:
        return None
    town_paths = [t.path for t in towns.values()]
    if not all(any(tp.startswith(p) for tp in town_paths) for p in paths.get("region", [])):
        return None
    return sorted(towns)


def _in_scope(qs: QuerySet[Any], user: User, whole: list[int] | None) -> QuerySet[Any]:
    return qs.filter(township_id__in=whole) if whole is not None else scoped(qs, user, VIEW)


def county_view(user: User, *, year: int, today: date | None = None) -> CountyView:
    """抓两头带中间 by township: final levels, weak branches, and rectification by state, overdue
    and on-time rate — each a grouped count over a township-ordered covering index, never a loop over
    branches."""
    today = today or timezone.localdate()
    # Tuples, not dicts or full rows: a province reads ~1,500 townships and ~15,000 grouped counts.
    towns = {t.pk: t for t in townships_for(user).only("id", "name", "path", "parent_id")}
    whole = _whole_townships(user, towns)
    levels: dict[int, dict[str, int]] = {}
    for tid, level, n in (
        _in_scope(StarCycle.objects.filter(year=year), user, whole)
        .values("township_id", "current_level")
        .annotate(n=Count("*"))
        .values_list("township_id", "current_level", "n")
        .order_by()
    ):
        levels.setdefault(tid, {})[level or "none"] = n
    weak: dict[int, int] = dict(
        _in_scope(WeakBranch.objects.filter(year=year, state=WeakBranch.State.LISTED), user, whole)
        .values("township_id")
        .annotate(n=Count("*"))
        .values_list("township_id", "n")
        .order_by()
    )
    # One pass over the tasks: by township and state, with the late ones and the ones done on time.
    tasks: dict[int, dict[str, int]] = {}
    overdue: dict[int, int] = {}
    timing: dict[int, tuple[int, int]] = {}
    open_states = {RectificationTask.State.OPEN, RectificationTask.State.RETURNED}
    for tid, state, n, late, ok in (
        _in_scope(RectificationTask.objects.all(), user, whole)
        .values("township_id", "state")
        .annotate(
            n=Count("*"),
            late=Count("deadline", filter=Q(deadline__lt=today)),
            ok=Count("on_time", filter=Q(on_time=True)),
        )
        .values_list("township_id", "state", "n", "late", "ok")
        .order_by()
    ):
        tasks.setdefault(tid, {})[state] = n
        if state in open_states:
            overdue[tid] = overdue.get(tid, 0) + late
        elif state == RectificationTask.State.VERIFIED:
            timing[tid] = (n, ok)
    ids = sorted(set(towns) | set(levels) | set(tasks), key=lambda i: towns[i].path if i in towns else "")
    missing = [i for i in ids if i not in towns]
    if missing:
        towns.update({t.pk: t for t in Region.objects.filter(pk__in=missing)})
    rows: list[TownshipRow] = []
    for tid in ids:
        lv = levels.get(tid, {})
        n, ok = timing.get(tid, (0, 0))
        rows.append(
            TownshipRow(
                township=towns[tid],
                levels=lv,
                weak=weak.get(tid, 0),
                total=sum(lv.values()),
                tasks=tasks.get(tid, {}),
                overdue=overdue.get(tid, 0),
                verified=n,
                on_time=ok,
            )
        )
    by = "乡镇（街道）"
    if len({r.township.parent_id for r in rows}) > 1:
        # Wider than one county (a city or province): one row per county, so the view stays readable.
        rows = _by_county(rows)
        by = "县（市、区）"
    totals: dict[str, int] = {}
    task_states: dict[str, int] = {}
    for row in rows:
        for k, v in row.levels.items():
            totals[k] = totals.get(k, 0) + v
        for k, v in row.tasks.items():
            task_states[k] = task_states.get(k, 0) + v
    totals["weak"] = sum(r.weak for r in rows)
    verified = sum(r.verified for r in rows)
    on_time = sum(r.on_time for r in rows)
    return CountyView(
        year=year,
        rows=rows,
        totals=totals,
        task_states=task_states,
        overdue=sum(r.overdue for r in rows),
        on_time_rate=round(on_time * 100 / verified) if verified else None,
        assignments=assignments(user, list(towns.values())) if by == "乡镇（街道）" else {},
        by=by,
    )


# --- supervision -------------------------------------------------------------------------------
def assignments(user: User, townships: list[Region]) -> dict[int, list[str]]:
    """Which county leaders are assigned (分包) to each township: their ``county_leader`` grants."""
    paths = {t.path: t.pk for t in townships}
    out: dict[int, list[str]] = {}
    grants = Grant.objects.filter(
        role="county_leader", tree="region", revoked_at__isnull=True, path__in=list(paths)
    ).select_related("user")
    for g in grants:
        out.setdefault(paths[g.path], []).append(g.user.display_name)
    return out


def assigned_townships(user: User) -> list[Region]:
    """The townships a county leader supervises (their grants with ``stars.supervise``)."""
    return list(scoped(Region.objects.filter(kind__in=TOWNSHIP_KINDS), user, SUPERVISE).order_by("path"))


def supervised_regions(user: User) -> QuerySet[Region]:
    """The townships and villages (communities) where ``user`` may record a supervision visit."""
    return scoped(
        Region.objects.filter(kind__in=(*TOWNSHIP_KINDS, *VILLAGE_KINDS)), user, SUPERVISE
    ).order_by("path")


def visits_for(user: User) -> QuerySet[SupervisionVisit]:
    return scoped(SupervisionVisit.objects.select_related("region", "supervisor"), user, VIEW)


def visit_for(user: User, pk: int, perm: str = VIEW) -> SupervisionVisit:
    return get_scoped_or_404(
        SupervisionVisit.objects.select_related("region", "supervisor"), user, perm, pk=pk
    )


def tasks_for(
    user: User,
    perm: str = VIEW,
    *,
    state: str = "",
    overdue: bool = False,
    township: int | None = None,
    mine: bool = False,
    today: date | None = None,
) -> QuerySet[RectificationTask]:
    today = today or timezone.localdate()
    qs = RectificationTask.objects.prefetch_related("org", "region", "township", "owner")
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(
            state__in=[RectificationTask.State.OPEN, RectificationTask.State.RETURNED], deadline__lt=today
        )
    if township:
        qs = qs.filter(township_id=township)
    if mine:
        qs = qs.filter(owner=user)
    return scoped(qs, user, perm).order_by("deadline", "id")


def task_for(user: User, pk: int, perm: str = VIEW) -> RectificationTask:
    qs = RectificationTask.objects.select_related("org", "region", "township", "owner", "visit")
    return get_scoped_or_404(qs, user, perm, pk=pk)


LEVEL_LABELS = dict(Level.choices)


def owner_candidates(user: User) -> QuerySet[User]:
    """Possible task owners for a supervisor: village secretaries and township administrators
    whose grants lie under the supervisor's assigned area."""
    q = Q()
    for prefix in user.scope_paths(SUPERVISE).get("region", []):
        q |= prefix_q("grants__path", prefix)
    if not q:
        return User.objects.none()
    return (
        User.objects.filter(q, is_active=True, grants__revoked_at__isnull=True, grants__tree="region")
        .filter(grants__role__in=["village_secretary", "township_admin"])
        .distinct()
        .order_by("username")
    )
