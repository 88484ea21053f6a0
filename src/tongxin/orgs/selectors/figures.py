"""The coverage engine (两个覆盖) applied to what the acting user may see: evaluations for pages and the
API, and the system-level findings other apps (five-star indicators) scope themselves."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from tongxin.accounts.models import User
from tongxin.core.scoping import prefix_q
from tongxin.orgs.coverage import Evaluation, Finding, evaluate
from tongxin.orgs.models import PartyOrg, Region, Unit
from tongxin.orgs.selectors.registry import units_for
from tongxin.orgs.selectors.tree import party_orgs_for


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


def coverage_findings(*, region: Region) -> list[Finding]:
    """The coverage findings open now on the units located under ``region`` and the organisations in
    it (each with ``key``, ``rule``, ``title`` and ``get_absolute_url()``). System-level: no user;
    callers (e.g. five-star indicators) scope."""
    units = Unit.objects.filter(prefix_q("region_path", region.path), is_active=True)
    orgs = PartyOrg.objects.filter(prefix_q("region_path", region.path), is_active=True)
    return evaluate(units, orgs).findings
