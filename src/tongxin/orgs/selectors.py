"""Reads of the registry, always through the acting user's scope. Pages and the API read through these
(a test fails when an orgs view or API module touches ``Model.objects``); other apps may too."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from tongxin.accounts.models import Grant, User
from tongxin.core.forms import MAX_ID as MAX_ID  # re-exported: the largest id a parameter may name
from tongxin.core.pii import lookup_hash, normalise_id_card
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.coverage import Evaluation, evaluate
from tongxin.orgs.models import CommitteeMember, Membership, PartyOrg, Person, Region, Transfer, Unit

VIEW = "registry.view"
EDIT = "registry.edit"
REPORTS = "reports.view"


def regions_for(user: User, perm: str = VIEW) -> QuerySet[Region]:
    """Regions under the user's region grants for ``perm``."""
    return scoped(Region.objects.all(), user, perm)


def region_for(user: User, pk: int, perm: str = VIEW) -> Region:
    return get_scoped_or_404(Region.objects.all(), user, perm, pk=pk)


def region_paths_for(user: User, perm: str = VIEW) -> list[str]:
    """The region paths a user's grants for ``perm`` reach: their region grants, and for a grant on the
    organisation tree (a 两新工委, an industry committee, a branch) the region that organisation is
    located in — never beyond it (a county's 两新工委 works in its own county only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    paths = user.scope_paths(perm)
    org_paths = paths.get("org", [])
    if "/" in org_paths:  # the whole tree (the system actor)
        return ["/"]
    out = list(paths.get("region", []))
    if org_paths:
        located = PartyOrg.objects.filter(path__in=org_paths).values_list("region_path", flat=True)
        out += [p for p in located if p]
    return out


def area_regions_for(user: User, perm: str = VIEW) -> QuerySet[Region]:
    """Regions reached by the user's grants for ``perm`` on either tree (``region_paths_for``): where they
    register units and about which they read figures."""
    q: Q | None = None
    for path in region_paths_for(user, perm):
        part = prefix_q("path", path)
        q = part if q is None else q | part
    return Region.objects.none() if q is None else Region.objects.filter(q).order_by("path")


def area_region_for(user: User, pk: int, perm: str = VIEW) -> Region:
    """One region the user's grants for ``perm`` reach (``area_regions_for``), else 404 (audited)."""
    region = area_regions_for(user, perm).filter(pk=pk).first()
    if region is None:
        # Let the scoping helper record the refused access and raise the 404.
        return get_scoped_or_404(Region.objects.all(), user, perm, pk=pk)
    return region


def party_orgs_for(user: User, perm: str = VIEW, *, q: str = "", kind: str = "") -> QuerySet[PartyOrg]:
    """Party organisations under the user's org grants, or located in their regions."""
    qs = scoped(PartyOrg.objects.select_related("region", "parent"), user, perm)
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("path")


orgs_for = party_orgs_for


def active_orgs_for(user: User, perm: str = VIEW, *, keep: tuple[int | None, ...] = ()) -> QuerySet[PartyOrg]:
    """The active organisations a form may offer the user for ``perm`` (``keep``: ids already chosen on
    the record being edited, offered even when outside the scope, so that saving it again works)."""
    qs = party_orgs_for(user, perm).filter(is_active=True)
    kept = [pk for pk in keep if pk]
    if kept:
        qs = PartyOrg.objects.select_related("region", "parent").filter(
            Q(pk__in=qs.values("pk")) | Q(pk__in=kept)
        )
    return qs.order_by("path")


def transfer_area_of(org: PartyOrg) -> str:
    """The path of the county (县、市、区) an organisation is located in — through its own region or,
    when it has none, its nearest ancestor's; "" when none is known. Transfers within it need no
    higher authority (see ``transfer_destinations_for``)."""
    region_path = org.region_path
    if not region_path:
        segments = org.path.strip("/").split("/")
        ancestors = ["/" + "/".join(segments[:i]) + "/" for i in range(1, len(segments))]
        region_path = (
            PartyOrg.objects.filter(path__in=ancestors)
            .exclude(region_path="")
            .order_by("-depth")
            .values_list("region_path", flat=True)
            .first()
            or ""
        )
    if not region_path:
        return ""
    segments = region_path.strip("/").split("/")
    prefixes = ["/" + "/".join(segments[:i]) + "/" for i in range(1, len(segments) + 1)]
    county = Region.objects.filter(path__in=prefixes, kind=Region.Kind.COUNTY).values_list("path", flat=True)
    return county.first() or ""


def transfer_destinations_for(user: User, membership: Membership) -> QuerySet[PartyOrg]:
    """Where ``user`` may send ``membership`` by a transfer: active organisations they can see, and any
    active organisation in the sending organisation's county (``services.may_transfer_to``)."""
    mine = party_orgs_for(user).filter(is_active=True).values("pk")
    area = transfer_area_of(membership.org)
    q = Q(pk__in=mine)
    if area:
        q |= prefix_q("region_path", area) & Q(is_active=True)
    return (
        PartyOrg.objects.select_related("region", "parent")
        .filter(q)
        .exclude(pk=membership.org_id)
        .order_by("path")
    )


def party_org_for(user: User, pk: int, perm: str = VIEW) -> PartyOrg:
    return get_scoped_or_404(PartyOrg.objects.select_related("region", "parent"), user, perm, pk=pk)


def root_regions_for(user: User) -> list[Region]:
    """The topmost regions the user can see: the starting points of the tree browser."""
    visible = list(regions_for(user).order_by("depth", "path"))
    roots: list[Region] = []
    for region in visible:
        if not any(region.path.startswith(r.path) for r in roots):
            roots.append(region)
    return roots


def root_orgs_for(user: User) -> list[PartyOrg]:
    visible = list(party_orgs_for(user).order_by("depth", "path"))
    roots: list[PartyOrg] = []
    for org in visible:
        if not any(org.path.startswith(r.path) for r in roots):
            roots.append(org)
    return roots


def children_of_region(user: User, region: Region) -> QuerySet[Region]:
    return regions_for(user).filter(parent=region).order_by("code", "name")


def orgs_in_region(user: User, region: Region) -> QuerySet[PartyOrg]:
    return party_orgs_for(user).filter(region=region)


# --- units, people, memberships ------------------------------------------------------------------

ASSIGNED = "registry.view_assigned"


def units_for(
    user: User,
    perm: str = VIEW,
    *,
    q: str = "",
    region: Region | None = None,
    industry: str = "",
    kind: str = "",
    coverage: str = "",
) -> QuerySet[Unit]:
    """Units under the user's grants for ``perm``; for ``VIEW``, an instructor also sees the units
    they are appointed to. ``coverage``: ``org`` (has a party organisation), ``none`` (has none),
    ``work`` (reached by an instructor, union or youth league), ``bare`` (reached by nothing)."""
    base = Unit.objects.select_related("region", "supervising_org", "instructor")
    qs = scoped(base, user, perm)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    if perm == VIEW and authenticated and user.has_perm_anywhere(ASSIGNED):
        qs = qs | base.filter(instructor=user)
    if authenticated and user.scope_paths(perm).get("org"):
        # A branch granted on the organisation tree sees the units it covers, wherever they are.
        orgs = scoped(PartyOrg.objects.all(), user, perm).values("pk")
        qs = qs | base.filter(
            pk__in=PartyOrg.units.through.objects.filter(partyorg__in=orgs).values("unit_id")
        )
    qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code=q.strip().upper()))
    if region is not None:
        qs = qs.filter(prefix_q("region_path", region.path))
    if industry:
        qs = qs.filter(industry=industry)
    if kind:
        qs = qs.filter(kind=kind)
    organised = Q(covering_orgs__is_active=True)
    reached = Q(has_union=True) | Q(has_youth_league=True) | Q(instructor__isnull=False)
    if coverage == "org":
        qs = qs.filter(pk__in=Unit.objects.filter(organised).values("pk"))
    elif coverage == "none":
        qs = qs.exclude(pk__in=Unit.objects.filter(organised).values("pk"))
    elif coverage == "work":
        qs = qs.filter(reached)
    elif coverage == "bare":
        qs = qs.exclude(pk__in=Unit.objects.filter(organised).values("pk")).exclude(reached)
    return qs.order_by("name", "id")


def unit_for(user: User, pk: int, perm: str = VIEW) -> Unit:
    """One unit the user may see (or edit, with ``EDIT``), else 404."""
    if perm == VIEW:
        return _unit_or_404(user, pk)
    return get_scoped_or_404(Unit.objects.select_related("region", "supervising_org"), user, perm, pk=pk)


def _unit_or_404(user: User, pk: int) -> Unit:
    unit = units_for(user).filter(pk=pk).first()
    if unit is None:
        # Let the scoping helper record the refused access and raise the 404.
        return get_scoped_or_404(Unit.objects.all(), user, VIEW, pk=pk)
    return unit


def people_for(
    user: User,
    perm: str = VIEW,
    *,
    q: str = "",
    region: Region | None = None,
    status: str = "",
    occupation: str = "",
    gig: bool | None = None,
    unit: Unit | None = None,
) -> QuerySet[Person]:
    """People under the user's grants (by residence or by the organisation they are a member of).
    Merged duplicates are left out. ``status`` filters by party standing (``none`` = not recorded)."""
    qs = scoped(
        Person.objects.select_related("region", "unit", "membership", "membership__org"), user, perm
    ).filter(merged_into__isnull=True)
    if q:
        try:
            qs = qs.filter(id_card_hash=lookup_hash(normalise_id_card(q)))
        except ValidationError:  # not an ID number: search by name
            qs = qs.filter(name__icontains=q.strip())
    if region is not None:
        qs = qs.filter(prefix_q("region_path", region.path))
    if status == "none":
        qs = qs.filter(membership__isnull=True)
    elif status:
        qs = qs.filter(membership__status=status)
    if occupation:
        qs = qs.filter(occupation=occupation)
    if gig is not None:
        qs = qs.filter(is_gig_worker=gig)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("name", "id")


def person_for(user: User, pk: int, perm: str = VIEW) -> Person:
    return get_scoped_or_404(
        Person.objects.select_related("region", "unit", "household", "merged_into"), user, perm, pk=pk
    )


def memberships_for(
    user: User, perm: str = VIEW, *, org: PartyOrg | None = None, status: str = ""
) -> QuerySet[Membership]:
    """Memberships held in organisations under the user's grants, or of people living in their regions."""
    qs = scoped(
        Membership.objects.select_related("person", "org", "home_org", "host_org"), user, perm
    ).filter(person__merged_into__isnull=True)
    if org is not None:
        qs = qs.filter(prefix_q("org_path", org.path))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("org_path", "person__name", "id")


def membership_for(user: User, pk: int, perm: str = VIEW) -> Membership:
    return get_scoped_or_404(Membership.objects.select_related("person", "org"), user, perm, pk=pk)


def transfers_for(user: User, perm: str = VIEW) -> QuerySet[Transfer]:
    """Transfers sent or received by the organisations the user may see (by org grant or region)."""
    mine = party_orgs_for(user, perm).values("pk")
    return (
        Transfer.objects.select_related("membership__person", "from_org", "to_org")
        .filter(Q(from_org__in=mine) | Q(to_org__in=mine))
        .order_by("-started_on", "-id")
    )


def transfer_for(user: User, pk: int, perm: str = VIEW) -> Transfer:
    transfer = transfers_for(user, perm).filter(pk=pk).first()
    if transfer is None:
        return get_scoped_or_404(Transfer.objects.all(), user, perm, pk=pk)
    return transfer


def committee_of(org: PartyOrg, *, current: bool = True) -> QuerySet[CommitteeMember]:
    """The committee seats of an organisation the caller has already been allowed to see."""
    qs = CommitteeMember.objects.filter(org=org).select_related("person")
    if current:
        qs = qs.filter(ended_on__isnull=True)
    return qs.order_by("position", "term_start", "id")


def members_of(org: PartyOrg) -> QuerySet[Person]:
    """The people holding a membership in an organisation the caller has already been allowed to see
    (candidates for its committee)."""
    return Person.objects.filter(membership__org=org, merged_into__isnull=True).order_by("name", "id")


def membership_of(person: Person) -> Membership | None:
    """The membership of a person the caller has already been allowed to see."""
    return Membership.objects.filter(person=person).select_related("org", "home_org", "host_org").first()


def transfers_of(membership: Membership | None) -> QuerySet[Transfer]:
    """The transfers of a membership the caller has already been allowed to see, newest first."""
    if membership is None:
        return Transfer.objects.none()
    return (
        Transfer.objects.filter(membership=membership)
        .select_related("from_org", "to_org")
        .order_by("-started_on", "-id")
    )


def seat_for(user: User, pk: int, perm: str = EDIT) -> CommitteeMember:
    return get_scoped_or_404(CommitteeMember.objects.select_related("org"), user, perm, pk=pk)


def instructors_for(user: User) -> QuerySet[User]:
    """Users holding the instructor role under the user's grants (candidates for appointment)."""
    # An instructor granted on an organisation located in the user's region counts as in scope too.
    grants = Grant.objects.filter(role="instructor", revoked_at__isnull=True).filter(
        Q(tree="org", node_id__in=party_orgs_for(user, EDIT).values("pk"))
        | Q(tree="region", node_id__in=regions_for(user, EDIT).values("pk"))
    )
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True).order_by(
        "real_name", "username"
    )


def evaluation_for(
    user: User,
    *,
    region: Region | None = None,
    on: date | None = None,
    period: tuple[date, date] | None = None,
) -> Evaluation:
    """The coverage engine applied to the units and organisations the user may see (under ``region``).
    With ``period``, unit facts also count the applications received in it."""
    orgs = party_orgs_for(user)
    if region is not None:
        # Organisations set up without a region (only a parent) are shown wherever the user looks.
        orgs = orgs.filter(prefix_q("region_path", region.path) | Q(region_path=""))
    return evaluate(units_for(user, region=region), orgs, on=on, period=period)


def unit_evaluation(unit: Unit) -> Evaluation:
    """The coverage engine on one unit the caller may see, with the organisations covering it."""
    return evaluate(Unit.objects.filter(pk=unit.pk), PartyOrg.objects.filter(units=unit))


def covering_orgs_of(unit: Unit) -> QuerySet[PartyOrg]:
    """The active organisations covering a unit the caller may see."""
    return PartyOrg.objects.filter(units=unit, is_active=True).order_by("path")


def org_evaluation(org: PartyOrg) -> Evaluation:
    """The coverage engine on one organisation the caller may see, with the units it covers."""
    return evaluate(Unit.objects.filter(covering_orgs=org), PartyOrg.objects.filter(pk=org.pk))


def units_evaluation(units: list[Unit] | QuerySet[Unit]) -> Evaluation:
    """The coverage engine on units the caller has already selected through ``units_for`` (a page of a
    list, or the whole filtered list when it is cut by stage)."""
    if isinstance(units, QuerySet):
        return evaluate(units)
    return evaluate(Unit.objects.filter(pk__in=[u.pk for u in units]))


def coverage_findings(*, region: Region) -> list[Any]:
    """The coverage findings open now on the units located under ``region`` and the organisations in
    it (each with ``key``, ``rule``, ``title`` and ``get_absolute_url()``). System-level: no user;
    callers (e.g. five-star indicators) scope."""
    units = Unit.objects.filter(prefix_q("region_path", region.path), is_active=True)
    orgs = PartyOrg.objects.filter(prefix_q("region_path", region.path), is_active=True)
    return evaluate(units, orgs).findings
