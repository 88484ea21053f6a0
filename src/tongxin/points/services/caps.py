"""Caps: how often an item may be awarded to a person or a household in a month, quarter or year."""

from __future__ import annotations

from datetime import date

from tongxin.points import periods
from tongxin.points.models import Claim, ClaimLine, LedgerEntry


def _count_in(entries: list[tuple[int, date]], key: int, kind: str, period: str) -> int:
    return sum(1 for k, on in entries if k == key and periods.of_kind(kind, on) == period)


def check_caps(claim: Claim) -> list[str]:
    """Every cap that approving ``claim`` would exceed, as messages naming the cap and the person.

    Counts final entries of the item plus lines of other claims of the item already approved and
    in notice, in the month, quarter and year of the claim's date.
    """
    item = claim.item
    caps = item.caps()
    if not caps:
        return []
    lines = list(claim.lines.select_related("person").filter(state=ClaimLine.State.PENDING))
    year_start, year_end = periods.bounds(periods.year_of(claim.occurred_on))
    person_ids = [line.person_id for line in lines]
    household_ids = [line.household_id for line in lines if line.household_id]
    base = LedgerEntry.objects.filter(
        scheme=claim.scheme, item_code=item.code, on__gte=year_start, on__lte=year_end, points__gt=0
    )
    reversed_ids = set(
        LedgerEntry.objects.filter(
            scheme=claim.scheme, source="reversal", reverses__item_code=item.code, on__gte=year_start,
            on__lte=year_end,
        ).values_list("reverses_id", flat=True)
    )  # fmt: skip
    pending = ClaimLine.objects.filter(
        claim__scheme=claim.scheme,
        claim__item__code=item.code,
        claim__state=Claim.State.NOTICE,
        claim__occurred_on__gte=year_start,
        claim__occurred_on__lte=year_end,
        state=ClaimLine.State.PENDING,
    ).exclude(claim=claim)
    by_person: list[tuple[int, date]] = [
        (pid, on)
        for pk, pid, on in base.filter(person_id__in=person_ids).values_list("pk", "person_id", "on")
        if pk not in reversed_ids
    ] + list(pending.filter(person_id__in=person_ids).values_list("person_id", "claim__occurred_on"))
    by_household: list[tuple[int, date]] = []
    if household_ids:
        by_household = [
            (hid, on)
            for pk, hid, on in base.filter(household_id__in=household_ids).values_list(
                "pk", "household_id", "on"
            )
            if pk not in reversed_ids
        ] + list(
            pending.filter(household_id__in=household_ids).values_list("household_id", "claim__occurred_on")
        )
    labels = {"month": "每月", "quarter": "每季", "year": "每年"}
    problems: list[str] = []
    for who, kind, limit in caps:
        period = periods.of_kind(kind, claim.occurred_on)
        if who == "person":
            for line in lines:
                used = _count_in(by_person, line.person_id, kind, period)
                if used + 1 > limit:
                    problems.append(
                        f"{line.person.name}：项目“{item.name}”个人{labels[kind]}上限{limit}次，"
                        f"{periods.label(period)}已有{used}次"
                    )
        else:
            in_claim: dict[int, int] = {}
            for line in lines:
                if line.household_id:
                    in_claim[line.household_id] = in_claim.get(line.household_id, 0) + 1
            for hid, n in in_claim.items():
                used = _count_in(by_household, hid, kind, period)
                if used + n > limit:
                    names = "、".join(line.person.name for line in lines if line.household_id == hid)
                    problems.append(
                        f"{names}所在户：项目“{item.name}”每户{labels[kind]}上限{limit}次，"
                        f"{periods.label(period)}已有{used}次，本次{n}次"
                    )
    return problems
