"""Reads of schemes, and of the regions and people a points page offers."""

from __future__ import annotations

from django.db.models import QuerySet

from tongxin.accounts.models import User
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import PartyOrg, Person, Region
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


def linked_person(user: User | None) -> Person | None:
    """The registry person a login account is linked to (``PersonLink``), None when not linked (the
    system actor, never saved, is linked to nobody)."""
    if user is None or user.pk is None:
        return None
    link = PersonLink.objects.filter(user=user).select_related("person", "person__region").first()
    return link.person if link else None


def account_region_paths(account: User) -> list[str]:
    """Where a login account belongs: the region of each of its active grants (a grant on a party
    organisation counts at the organisation's region; one without a region counts nowhere, as "")."""
    grants = account.active_grants()
    paths = [g.path for g in grants if g.tree == "region"]
    org_ids = [g.node_id for g in grants if g.tree == "org"]
    if org_ids:
        orgs = dict(PartyOrg.objects.filter(pk__in=org_ids).values_list("pk", "region_path"))
        paths += [orgs.get(pk) or "" for pk in org_ids]
    return paths


def account_in_scope(actor: User, account: User, perm: str = access.MANAGE) -> bool:
    """Whether ``actor`` holds ``perm`` over every place ``account`` belongs (``account_region_paths``).
    An account without any grant belongs nowhere yet, so only the system actor may link it."""
    if getattr(actor, "is_system", False):
        return True
    paths = account_region_paths(account)
    return bool(paths) and all(path and access.may(actor, perm, path) for path in paths)


def account_for_link(actor: User, username: str) -> User | None:
    """The account named ``username`` when ``actor`` may link it to a person (``account_in_scope``);
    None when there is no such account or it belongs elsewhere — the two look the same to the caller."""
    account = User.objects.filter(username=username.strip()).first()
    return account if account is not None and account_in_scope(actor, account) else None


def linkable_people(user: User) -> QuerySet[Person]:
    """People the user may link a login account to (those they manage, not merged away)."""
    return scoped(Person.objects.filter(merged_into__isnull=True), user, access.MANAGE).order_by("name")


def links_for(user: User) -> QuerySet[PersonLink]:
    """Account-person links of the people the user manages."""
    return scoped(PersonLink.objects.select_related("user", "person"), user, access.MANAGE).order_by("-id")
