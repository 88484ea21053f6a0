"""Reads of the two trees — regions and party organisations — through the acting user's scope, and the
transfer rule's area (where a membership may be sent)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tongxin.accounts.models import User
from tongxin.core.forms import MAX_ID as MAX_ID  # re-exported: the largest id a parameter may name
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import Membership, PartyOrg, Region

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
