"""Permission table for units, people, the coverage report and findings: role x action x result.

The world: county > town A (A1, A2), town B (B1, B2). Unit ``a`` lies in village A1, unit ``b`` in
town B; unit ``c`` in village B1 has the world's instructor appointed to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import reverse

from tests.factories import World, api_client, login
from tests.orgs.helpers import add_members, make_unit
from tongxin.accounts.system import SYSTEM
from tongxin.core.models import AuditEvent
from tongxin.orgs import services
from tongxin.orgs.models import Person, Unit


@dataclass
class Units:
    a: Unit
    b: Unit
    c: Unit
    person_a: Person
    person_b: Person


@pytest.fixture
def units(world: World) -> Units:
    a = make_unit(world, "甲村快递网点", region=world.village_a1, kind="courier", industry="express")
    b = make_unit(world, "乙镇配送站", region=world.town_b)
    c = make_unit(
        world, "乙一村货运公司", region=world.village_b1, kind="freight_company", industry="freight"
    )
    services.appoint_instructor(
        actor=SYSTEM, unit=c, instructor=world.user("instructor"), appointed_on=date(2025, 1, 1)
    )
    (pa,) = add_members(world, a, full=1, region=world.village_a1, org=world.branch_a1)
    (pb,) = add_members(world, b, full=1, region=world.town_b, org=world.station_branch, start=5)
    return Units(a=a, b=b, c=c, person_a=pa, person_b=pb)


# role -> (units listed, unit a, unit b, unit c, coverage page, findings page, people page, person a, person b)
TABLE: dict[str, tuple[set[str], int, int, int, int, int, int, int, int]] = {
    "county_admin": ({"a", "b", "c"}, 200, 200, 200, 200, 200, 200, 200, 200),
    "township_admin": ({"a"}, 200, 404, 404, 200, 200, 200, 200, 404),
    "county_leader": (set(), 404, 404, 404, 200, 404, 404, 404, 404),
    "village_secretary": ({"a"}, 200, 404, 404, 200, 200, 200, 200, 404),
    "branch_secretary": (set(), 404, 404, 404, 200, 200, 200, 404, 200),
    "instructor": ({"c"}, 404, 404, 200, 404, 404, 404, 404, 404),
    "points_recorder": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
    "points_reviewer": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
    "grid_worker": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
    "resident": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
    "trainer": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
    "security_admin": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
    "auditor": (set(), 404, 404, 404, 404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("role", sorted(TABLE))
def test_page_permission_table(world: World, units: Units, client, role: str) -> None:  # type: ignore[no-untyped-def]
    listed, unit_a, unit_b, unit_c, cov, findings, people, person_a, person_b = TABLE[role]
    login(client, world.user(role))
    response = client.get(reverse("orgs:unit_list"))
    assert response.status_code == (200 if listed or role in ("branch_secretary",) else 404)
    if response.status_code == 200:
        names = {k for k in ("a", "b", "c") if getattr(units, k).name in response.content.decode()}
        assert names == listed
    for key, expected in (("a", unit_a), ("b", unit_b), ("c", unit_c)):
        assert client.get(reverse("orgs:unit_detail", args=[getattr(units, key).pk])).status_code == expected
    assert client.get(reverse("orgs:coverage")).status_code == cov
    assert client.get(reverse("orgs:findings")).status_code == findings
    assert client.get(reverse("orgs:person_list")).status_code == people
    assert client.get(reverse("orgs:person_detail", args=[units.person_a.pk])).status_code == person_a
    assert client.get(reverse("orgs:person_detail", args=[units.person_b.pk])).status_code == person_b


@pytest.mark.parametrize("role", sorted(TABLE))
def test_api_permission_table(world: World, units: Units, role: str) -> None:
    listed, unit_a, unit_b, unit_c, _cov, _f, _p, person_a, person_b = TABLE[role]
    client, auth = api_client(world.user(role))
    response = client.get("/api/v1/units?page_size=200", **auth)
    assert response.status_code == 200
    names = {u["name"] for u in response.json()["items"]}
    assert names == {getattr(units, k).name for k in listed}
    for key, expected in (("a", unit_a), ("b", unit_b), ("c", unit_c)):
        assert client.get(f"/api/v1/units/{getattr(units, key).pk}", **auth).status_code == expected
    assert client.get(f"/api/v1/people/{units.person_a.pk}", **auth).status_code == person_a
    assert client.get(f"/api/v1/people/{units.person_b.pk}", **auth).status_code == person_b


# role -> may edit unit a (town A), may set up a joint branch for unit a, may appoint an instructor to a
WRITES = {
    "county_admin": (True, True),
    "township_admin": (True, True),
    "village_secretary": (False, False),
    "instructor": (False, False),
    "resident": (False, False),
}


@pytest.mark.parametrize("role", sorted(WRITES))
def test_write_permission_table(world: World, units: Units, client, role: str) -> None:  # type: ignore[no-untyped-def]
    may_edit, may_set_up = WRITES[role]
    login(client, world.user(role))
    edit = client.get(reverse("orgs:unit_update", args=[units.a.pk]))
    assert edit.status_code == (200 if may_edit else 404)
    api, auth = api_client(world.user(role))
    created = api.post(
        "/api/v1/set-up",
        {
            "unit_ids": [units.a.pk],
            "kind": "joint_branch",
            "name": "甲村联合党支部",
            "parent_id": world.committee_a.pk,
        },
        content_type="application/json",
        **auth,
    )
    assert created.status_code == (201 if may_set_up else 400), created.content


def test_a_township_admin_gets_404_for_another_townships_unit_and_the_refusal_is_audited(
    world: World, units: Units, client
) -> None:  # type: ignore[no-untyped-def]
    login(client, world.user("township_admin"))
    assert client.get(reverse("orgs:unit_detail", args=[units.b.pk])).status_code == 404
    assert client.get(reverse("orgs:unit_instructor", args=[units.b.pk])).status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", target_id=str(units.b.pk), success=False
    ).exists()


def test_personal_data_is_masked_on_pages_and_in_the_api(world: World, units: Units, client) -> None:  # type: ignore[no-untyped-def]
    login(client, world.user("county_admin"))
    page = client.get(reverse("orgs:person_detail", args=[units.person_a.pk])).content.decode()
    assert units.person_a.id_card not in page
    assert units.person_a.id_card_masked in page
    api, auth = api_client(world.user("county_admin"))
    body = api.get(f"/api/v1/people/{units.person_a.pk}", **auth).json()
    assert body["id_card_masked"] == units.person_a.id_card_masked
    assert units.person_a.id_card not in str(body)


def test_revealing_an_id_number_needs_the_permission_and_is_audited(
    world: World, units: Units, client
) -> None:  # type: ignore[no-untyped-def]
    login(client, world.user("county_admin"))
    client.post(reverse("orgs:person_reveal", args=[units.person_a.pk]), {"field": "id_card"})
    page = client.get(reverse("orgs:person_detail", args=[units.person_a.pk])).content.decode()
    assert units.person_a.id_card in page
    assert AuditEvent.objects.filter(action="pii.reveal", target_id=str(units.person_a.pk)).count() == 1
    client.logout()
    login(client, world.user("township_admin"))
    assert (
        client.post(reverse("orgs:person_reveal", args=[units.person_a.pk]), {"field": "id_card"}).status_code
        == 404
    )


def test_a_branch_secretary_sees_the_units_their_branch_covers(world: World, units: Units, client) -> None:  # type: ignore[no-untyped-def]
    services.set_org_units(actor=SYSTEM, org=world.station_branch, units=[units.b])
    login(client, world.user("branch_secretary"))
    assert client.get(reverse("orgs:unit_detail", args=[units.b.pk])).status_code == 200
    assert client.get(reverse("orgs:unit_detail", args=[units.a.pk])).status_code == 404
    assert client.get(reverse("orgs:unit_update", args=[units.b.pk])).status_code == 404  # view only
