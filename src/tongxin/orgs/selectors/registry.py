"""Reads of units, people, memberships, transfers, committees and instructors through the acting
user's scope."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from tongxin.accounts.models import Grant, User
from tongxin.core.pii import lookup_hash, normalise_id_card
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import CommitteeMember, Membership, PartyOrg, Person, Region, Transfer, Unit
from tongxin.orgs.selectors.tree import EDIT, VIEW, party_orgs_for, regions_for

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
