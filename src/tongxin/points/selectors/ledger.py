"""Reads of the ledger: entries, why each exists, ranks from the totals, and "my points"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from tongxin.accounts.models import User
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import Household, Person, Region
from tongxin.points import access, periods
from tongxin.points.ledger import cycle_of, version_on
from tongxin.points.models import ClaimLine, LedgerEntry, PersonLink, PersonTotal, Scheme, Wallet
from tongxin.points.selectors.boards import region_q
from tongxin.points.selectors.schemes import scheme_covering


def entries_for(
    user: User, *, scheme: Scheme | None = None, person: Person | None = None, period: str = ""
) -> QuerySet[LedgerEntry]:
    qs = scoped(LedgerEntry.objects.select_related("person", "scheme"), user, access.VIEW)
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    if person is not None:
        qs = qs.filter(person=person)
    if period:
        start, end = periods.bounds(period)
        qs = qs.filter(on__gte=start, on__lte=end)
    return qs.order_by("-created_at", "-seq")


def entry_for(user: User, pk: int, perm: str = access.VIEW) -> LedgerEntry:
    return get_scoped_or_404(LedgerEntry.objects.select_related("person", "scheme"), user, perm, pk=pk)


def explain(entry: LedgerEntry) -> str:
    """Why this entry exists, in words a villager understands."""
    return explain_all([entry])[0]


def _claim_line_id(entry: LedgerEntry) -> int | None:
    ref = entry.source_ref.split(":", 1)
    return int(ref[1]) if entry.source == "claim" and len(ref) == 2 and ref[1].isdigit() else None


def explain_all(entries: list[LedgerEntry]) -> list[str]:
    """``explain`` for each of ``entries``, with the claims behind them read in one query (a list of
    entries costs the same number of queries however long it is)."""
    ids = {pk for pk in map(_claim_line_id, entries) if pk is not None}
    lines = (
        ClaimLine.objects.select_related("claim__recorded_by", "claim__reviewed_by").in_bulk(ids)
        if ids
        else {}
    )
    out = []
    for entry in entries:
        line = lines.get(_claim_line_id(entry) or 0)
        if line is not None:
            c = line.claim
            out.append(
                f"申报“{c.title}”（{c.occurred_on}），{c.recorded_by.display_name}登记，"
                f"{c.reviewed_by.display_name if c.reviewed_by else ''}审核通过，"
                f"公示至{c.notice_until}无异议后入账"
            )
        elif entry.source == "reversal":
            out.append(f"冲正：{entry.reason}")
        else:
            out.append(f"{entry.source_label}（{entry.source_ref}）：{entry.reason}")
    return out


@dataclass(frozen=True)
class Rank:
    rank: int | None
    of: int
    points: int


def person_rank(*, person: Person, period: str, region: Region | None = None) -> Rank:
    """A person's rank in ``period`` among everyone of ``region`` (their village by default); ties
    share a rank. An index count on the totals table, never an aggregation over the ledger."""
    region = region or person.region
    mine = PersonTotal.objects.filter(person=person, period=period).values_list("points", flat=True).first()
    base = PersonTotal.objects.filter(region_q(region), period=period)
    of = base.count()
    if mine is None:
        return Rank(rank=None, of=of, points=0)
    return Rank(rank=base.filter(points__gt=mine).count() + 1, of=of, points=mine)


@dataclass
class MyPoints:
    person: Person
    scheme: Scheme | None
    base_score: int
    balance: int
    earned: int
    spent: int
    cycle: str
    ranks: dict[str, Rank] = field(default_factory=dict)
    entries: list[tuple[LedgerEntry, str]] = field(default_factory=list)


def my_points(*, user: User, today: date) -> MyPoints | None:
    """ "My points" for a villager whose account is linked to a registry person (None otherwise)."""
    link = PersonLink.objects.select_related("person__region").filter(user=user).first()
    if link is None:
        return None
    person = link.person
    scheme = scheme_covering(person.region)
    base = 0
    cycle = str(today.year)
    if scheme is not None:
        version = version_on(scheme, today)
        base = version.base_score
        cycle = cycle_of(version, today)
    wallet = Wallet.objects.filter(person=person, scheme=scheme, cycle=cycle).first() if scheme else None
    entries = list(LedgerEntry.objects.filter(person=person).order_by("-on", "-seq")[:100])
    return MyPoints(
        person=person,
        scheme=scheme,
        base_score=base,
        balance=wallet.balance if wallet else 0,
        earned=wallet.earned if wallet else 0,
        spent=wallet.spent if wallet else 0,
        cycle=cycle,
        ranks={
            p: person_rank(person=person, period=p)
            for p in (periods.quarter_of(today), periods.year_of(today))
        },
        entries=list(zip(entries, explain_all(entries), strict=True)),
    )


def wallet_of(person: Person, scheme: Scheme, cycle: str) -> Wallet | None:
    return Wallet.objects.filter(person=person, scheme=scheme, cycle=cycle).first()


def household_participation(*, region: Region, year: int) -> tuple[int, int]:
    """(households under ``region`` with at least one final positive entry in ``year``, all
    households under ``region``). System-level: callers scope."""
    start, end = periods.bounds(str(year))
    active = (
        LedgerEntry.objects.filter(
            prefix_q("region_path", region.path), on__gte=start, on__lte=end, points__gt=0,
            household__isnull=False,
        )
        .values("household_id")
        .distinct()
        .count()
    )  # fmt: skip
    total = Household.objects.filter(prefix_q("region_path", region.path)).count()
    return active, total
