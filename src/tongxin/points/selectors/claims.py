"""Reads of claims, the public notice and objections."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.core.scoping import get_scoped_or_404, scoped
from tongxin.points import access
from tongxin.points.models import Claim, ClaimLine, Objection


def claims_for(user: User, *, state: str = "", perm: str = access.VIEW) -> QuerySet[Claim]:
    qs = scoped(Claim.objects.select_related("item", "scheme", "recorded_by"), user, perm)
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(people=Count("lines")).order_by("-recorded_at", "-id")


def claim_for(user: User, pk: int, perm: str = access.VIEW) -> Claim:
    return get_scoped_or_404(
        Claim.objects.select_related("item", "scheme", "version", "recorded_by", "reviewed_by"),
        user,
        perm,
        pk=pk,
    )


def claim_lines(claim: Claim) -> QuerySet[ClaimLine]:
    return claim.lines.select_related("person", "household").prefetch_related("objections").order_by("id")


def notice_claims_for(user: User) -> QuerySet[Claim]:
    """Claims now in public notice that the user may see (villagers see their own village's)."""
    q = Claim.objects.none()
    for perm in (access.VIEW, access.SELF):
        q = q | scoped(Claim.objects.filter(state=Claim.State.NOTICE), user, perm)
    return q.select_related("item").order_by("notice_until", "id").distinct()


def notice_with_lines(user: User, limit: int = 100) -> list[tuple[Claim, list[ClaimLine]]]:
    """The notice page: up to ``limit`` claims in notice with their lines (person, household and
    objections), in a fixed number of queries however many claims and lines there are."""
    lines = (
        ClaimLine.objects.select_related("person", "household").prefetch_related("objections").order_by("id")
    )
    claims = notice_claims_for(user).prefetch_related(
        Prefetch("lines", queryset=lines, to_attr="shown_lines")
    )
    return [(c, c.shown_lines) for c in claims[:limit]]  # type: ignore[attr-defined]  # set by Prefetch


def notice_line_for(user: User, pk: int) -> ClaimLine:
    for perm in (access.VIEW, access.SELF):
        line = scoped(ClaimLine.objects.select_related("claim", "person"), user, perm).filter(pk=pk).first()
        if line is not None:
            return line
    raise Http404("未找到该记录，或您无权查看。")


def objections_for(user: User, *, state: str = "", perm: str = access.VIEW) -> QuerySet[Objection]:
    qs = scoped(
        Objection.objects.select_related("line__person", "line__claim__item", "raised_by"), user, perm
    )
    if state:
        qs = qs.filter(state=state)
    return qs


def objection_for(user: User, pk: int, perm: str = access.REVIEW) -> Objection:
    return get_scoped_or_404(
        Objection.objects.select_related("line__claim", "line__person"), user, perm, pk=pk
    )


def own_claims(user: User, limit: int = 20) -> QuerySet[Claim]:
    """The claims a villager made for themself (本人申报), newest first: their own, so no scope applies."""
    return (
        Claim.objects.filter(recorded_by=user, is_self_claim=True)
        .select_related("item")
        .order_by("-recorded_at")[:limit]
    )
