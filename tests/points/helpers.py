"""Small builders for points tests: a scheme with a few items, villagers in households."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services as org_services
from tongxin.orgs.models import Household, Person, Region
from tongxin.points import services
from tongxin.points.models import Scheme
from tongxin.points.services import ItemSpec

START = date(2026, 1, 1)

ITEMS = [
    ItemSpec(code="LAB", name="义务劳动", category="labour", points=5, cap_person_month=3),
    ItemSpec(code="VOL", name="志愿服务", category="volunteer", points=3, cap_household_quarter=2),
    ItemSpec(code="ENV", name="庭院整洁", category="sanitation", points=2, evidence_required=True),
    ItemSpec(code="MEM", name="党员先锋岗", category="governance", points=4, eligible="members"),
    ItemSpec(code="DED", name="乱倒垃圾", category="sanitation", points=-3),
]


def make_scheme(
    region: Region, *, name: str = "测试村积分方案", items: list[ItemSpec] | None = None
) -> Scheme:
    return services.create_scheme(
        actor=None, region=region, name=name, items=items or ITEMS, effective_from=START, base_score=60
    )


@dataclass
class Village:
    region: Region
    households: list[Household] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


def make_villagers(region: Region, n: int, *, per_household: int = 2, prefix: str = "村民") -> Village:
    village = Village(region=region)
    household: Household | None = None
    for i in range(n):
        if i % per_household == 0:
            head = org_services.create_person(actor=SYSTEM, name=f"{prefix}{i:03d}", region=region)
            household = org_services.create_household(
                actor=SYSTEM, region=region, head=head, number=f"{prefix}{i // per_household:03d}"
            )
            head.refresh_from_db()
            village.households.append(household)
            village.people.append(head)
            continue
        village.people.append(
            org_services.create_person(
                actor=SYSTEM, name=f"{prefix}{i:03d}", region=region, household=household
            )
        )
    return village


def approve_and_finalise(claim, reviewer, *, approved_on: date) -> None:  # type: ignore[no-untyped-def]
    """Approve ``claim`` on ``approved_on`` and run the notice job the day after its notice ends."""
    from datetime import timedelta

    claim = services.approve_claim(actor=reviewer, claim=claim, today=approved_on)
    services.finalise_due_claims(today=claim.notice_until + timedelta(days=1))
