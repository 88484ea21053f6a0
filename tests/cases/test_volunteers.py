"""Volunteer teams and service records; the tallies of the public reports are sums of records."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from tests.cases.conftest import Loop
from tests.factories import login
from tongxin.accounts.system import SYSTEM
from tongxin.cases import selectors, services
from tongxin.core.errors import DomainError
from tongxin.orgs import services as org_services
from tongxin.points.models import LedgerEntry


def _team(loop: Loop):  # type: ignore[no-untyped-def]
    team = services.create_team(
        actor=loop.world.user("township_admin"),
        name="甲镇爱心车队",
        kind="love_fleet",
        region=loop.world.town_a,
    )
    services.add_team_member(actor=SYSTEM, team=team, person=loop.rider_person, role="队长")
    return team


def test_records_feed_the_tallies_and_earn_points_once_a_second_person_confirms(loop: Loop) -> None:
    team = _team(loop)
    sec = loop.world.user("village_secretary")
    day = date(2025, 6, 10)
    for _ in range(3):
        services.record_service(
            actor=sec, kind="medicine_delivery", person=loop.rider_person, region=loop.world.village_a1,
            served_on=day, beneficiaries=1, minutes=30, team=team,
        )  # fmt: skip
    services.record_service(
        actor=sec,
        kind="leaflets",
        person=loop.rider_person,
        region=loop.world.village_a1,
        served_on=day,
        quantity=250,
    )
    services.record_service(
        actor=sec,
        kind="door_to_door",
        person=loop.rider_person,
        region=loop.world.village_a1,
        served_on=day,
        quantity=2,
    )
    loop.report()
    t = selectors.tally(region=loop.world.town_a)
    assert (t.medicine_deliveries, t.door_to_door, t.deliveries_and_visits, t.leaflets) == (3, 2, 5, 250)
    assert (t.hazards, t.reports, t.grid_workers, t.teams, t.service_minutes) == (1, 1, 1, 1, 90)
    assert selectors.tally(region=loop.world.town_b).leaflets == 0
    assert selectors.tally(region=loop.world.town_a, since=date(2025, 6, 11)).medicine_deliveries == 0
    entries = LedgerEntry.objects.filter(source="cases.service", person=loop.rider_person)
    assert entries.count() == 0  # recorded by one person: nothing is paid yet
    second = loop.world.user("township_admin")
    for record in selectors.service_records_for(second).filter(person=loop.rider_person):
        services.confirm_service(actor=second, record=record)
        services.confirm_service(actor=second, record=record)  # a retry pays nothing more
    assert entries.count() == 5  # one per record, each idempotent on the record


def test_bad_records_name_the_field(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    with pytest.raises(DomainError) as exc:
        services.record_service(
            actor=sec, kind="leaflets", person=loop.rider_person, region=loop.world.village_a1,
            served_on=date(2025, 6, 1), quantity=0,
        )  # fmt: skip
    assert exc.value.field == "quantity"
    with pytest.raises(DomainError) as exc:
        services.record_service(
            actor=sec,
            kind="leaflets",
            person=loop.rider_person,
            region=loop.world.village_b1,
            served_on=date(2025, 6, 1),
        )
    assert exc.value.field == "region"
    outsider = org_services.create_person(actor=SYSTEM, name="非队员", region=loop.world.village_a1)
    with pytest.raises(DomainError) as exc:
        services.record_service(
            actor=sec, kind="door_to_door", person=outsider, region=loop.world.village_a1,
            served_on=date(2025, 6, 1), team=_team(loop),
        )  # fmt: skip
    assert exc.value.field == "person"


def test_team_membership_rules(loop: Loop) -> None:
    team = _team(loop)
    with pytest.raises(DomainError) as exc:
        services.add_team_member(actor=SYSTEM, team=team, person=loop.rider_person)
    assert exc.value.field == "person"
    with pytest.raises(DomainError) as exc:
        services.create_team(
            actor=loop.world.user("township_admin"),
            name="甲镇爱心车队",
            kind="love_fleet",
            region=loop.world.town_a,
        )
    assert exc.value.field == "name"
    with pytest.raises(DomainError):
        services.create_team(
            actor=loop.world.user("village_secretary"),
            name="乙镇队",
            kind="volunteer",
            region=loop.world.town_b,
        )


def test_the_services_page_shows_computed_figures_and_records_a_service(loop: Loop) -> None:
    _team(loop)
    client = login(Client(), loop.world.user("township_admin"))
    page = client.get(f"/cases/services/?region={loop.world.town_a.pk}").content.decode()
    assert "甲镇爱心车队" in page and "不可手工填写" in page
    r = client.post(
        "/cases/services/records/new/",
        {
            "kind": "leaflets", "person": loop.rider_person.pk, "region": loop.world.village_a1.pk,
            "served_on": "2025-06-10", "quantity": 120, "minutes": 60, "beneficiaries": 40,
        },
    )  # fmt: skip
    assert r.status_code == 302
    page = client.get(f"/cases/services/?region={loop.world.town_a.pk}").content.decode()
    assert 'data-testid="tally-leaflets">120<' in page
    # Another township sees its own (empty) tallies, not 甲镇's teams.
    other = login(Client(), loop.world.user("county_leader"))
    assert other.get(f"/cases/services/?region={loop.world.town_a.pk}").status_code == 200
