"""Reads of schemes, and of the regions and people a points page offers."""

from __future__ import annotations

from django.db.models import QuerySet

from tongxin.accounts.models import User
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import Person, Region
from tongxin.points import access
from tongxin.points.models import PersonLink, Scheme


def schemes_for(user: User, perm: str = access.VIEW) -> QuerySet[Scheme]:
    """Schemes of the regions the user may see for ``perm``."""
    return scoped(Scheme.objects.select_related("region"), user, perm).order_by("region_path", "id")


def scheme_for(user: User, pk: int, perm: str = access.VIEW) -> Scheme:
    return get_scoped_or_404(Scheme.objects.select_related("region"), user, perm, pk=pk)


def ancestor_scheme_ids(region: Region) -> list[int]:
    """Schemes set up at ``region`` or above it (a county scheme covers villages without their own)."""
    paths = path_and_ancestors(region.path)
    return list(Scheme.objects.filter(region_path__in=paths).values_list("pk", flat=True))


def path_and_ancestors(path: str) -> list[str]:
    """``/1/2/3/`` → ``["/1/", "/1/2/", "/1/2/3/"]``: the region and every region above it."""
    segs = [s for s in path.split("/") if s]
    return ["/" + "/".join(segs[: i + 1]) + "/" for i in range(len(segs))]


def scheme_covering(region: Region) -> Scheme | None:
    """The active scheme of the nearest region at or above ``region`` (system-level lookup)."""
    return (
        Scheme.objects.filter(region_path__in=path_and_ancestors(region.path), is_active=True)
        .order_by("-region_path")
        .first()
    )


def regions_for(user: User, perm: str = access.VIEW) -> QuerySet[Region]:
    return scoped(Region.objects.all(), user, perm).order_by("path")


def region_for(user: User, pk: int, perm: str = access.VIEW) -> Region:
    return get_scoped_or_404(Region.objects.all(), user, perm, pk=pk)


def people_for(user: User, scheme: Scheme, perm: str = access.RECORD, q: str = "") -> QuerySet[Person]:
    """People covered by ``scheme`` whom the user may record points for."""
    qs = scoped(Person.objects.select_related("household"), user, perm).filter(
        prefix_q("region_path", scheme.region_path), merged_into__isnull=True
    )
    if q:
        qs = qs.filter(name__contains=q)
    return qs.order_by("household_id", "name", "id")


def person_for(user: User, pk: int, perm: str = access.VIEW) -> Person:
    return get_scoped_or_404(Person.objects.select_related("region", "household"), user, perm, pk=pk)


def linked_person(user: User) -> Person | None:
    """The registry person a login account is linked to (``PersonLink``), None when not linked."""
    link = PersonLink.objects.filter(user=user).select_related("person", "person__region").first()
    return link.person if link else None
