"""Small builders for registry tests: units, people with valid ID numbers, members."""

from __future__ import annotations

import itertools
from datetime import date

from tests.factories import World
from tongxin.accounts.system import SYSTEM
from tongxin.core.pii import id_check_char
from tongxin.orgs import services
from tongxin.orgs.models import Membership, PartyOrg, Person, Region, Unit

_seq = itertools.count(1)


def id_number(born: date = date(1990, 1, 1), prefix: str = "410823") -> str:
    """A valid 18-character ID number (GB 11643 check digit), unique within the test run."""
    n = next(_seq)
    first17 = f"{prefix}{born:%Y%m%d}{n % 1000:03d}"
    if n >= 1000:  # vary the birth day too so that numbers stay unique
        first17 = f"{prefix}{born.year}{(n // 1000) % 12 + 1:02d}{(n // 12000) % 28 + 1:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def make_unit(world: World, name: str, region: Region | None = None, **kwargs: object) -> Unit:
    return services.create_unit(
        actor=SYSTEM,
        name=name,
        kind=kwargs.pop("kind", "platform_station"),  # type: ignore[arg-type]
        industry=kwargs.pop("industry", "delivery"),  # type: ignore[arg-type]
        region=region or world.town_b,
        supervising_org=kwargs.pop("supervising_org", world.industry),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def make_person(world: World, name: str, region: Region | None = None, **kwargs: object) -> Person:
    return services.create_person(
        actor=SYSTEM,
        name=name,
        region=region or world.town_b,
        id_card=id_number(),
        **kwargs,  # type: ignore[arg-type]
    )


def add_members(
    world: World,
    unit: Unit | None,
    *,
    full: int = 0,
    probationary: int = 0,
    org: PartyOrg | None = None,
    start: int = 0,
    region: Region | None = None,
) -> list[Person]:
    """``full`` formal and ``probationary`` probationary members working in ``unit``."""
    people = []
    for i, status in enumerate(["full"] * full + ["probationary"] * probationary, start=start):
        person = make_person(world, f"党员{i}", region=region, unit=unit, is_gig_worker=True)
        services.record_membership(
            actor=SYSTEM,
            person=person,
            org=org or world.industry,
            status=status,
            since=date(2020, 7, 1) if status == "full" else date(2026, 1, 1),
        )
        people.append(person)
    return people


def membership(person: Person) -> Membership:
    return Membership.objects.get(person=person)
