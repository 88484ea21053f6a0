"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tongxin.core.scoping import get_scoped_or_404, scoped
from tongxin.orgs.models import PartyOrg, Region

VIEW = "registry.view"
EDIT = "registry.edit"


def regions_for(user: Any, perm: str = VIEW) -> QuerySet[Region]:
    """Regions under the user's region grants for ``perm``."""
    return scoped(Region.objects.all(), user, perm)


def region_for(user: Any, pk: int, perm: str = VIEW) -> Region:
    return get_scoped_or_404(Region.objects.all(), user, perm, pk=pk)


def party_orgs_for(user: Any, perm: str = VIEW, *, q: str = "", kind: str = "") -> QuerySet[PartyOrg]:
    """Party organisations under the user's org grants, or located in their regions."""
    qs = scoped(PartyOrg.objects.select_related("region", "parent"), user, perm)
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("path")


def party_org_for(user: Any, pk: int, perm: str = VIEW) -> PartyOrg:
    return get_scoped_or_404(PartyOrg.objects.select_related("region", "parent"), user, perm, pk=pk)


def root_regions_for(user: Any) -> list[Region]:
    """The topmost regions the user can see: the starting points of the tree browser."""
    visible = list(regions_for(user).order_by("depth", "path"))
    roots: list[Region] = []
    for region in visible:
        if not any(region.path.startswith(r.path) for r in roots):
            roots.append(region)
    return roots


def root_orgs_for(user: Any) -> list[PartyOrg]:
    visible = list(party_orgs_for(user).order_by("depth", "path"))
    roots: list[PartyOrg] = []
    for org in visible:
        if not any(org.path.startswith(r.path) for r in roots):
            roots.append(org)
    return roots


def children_of_region(user: Any, region: Region) -> QuerySet[Region]:
    return regions_for(user).filter(parent=region).order_by("code", "name")


def orgs_in_region(user: Any, region: Region) -> QuerySet[PartyOrg]:
    return party_orgs_for(user).filter(region=region)
