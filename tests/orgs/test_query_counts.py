"""Query counts of the registry's list pages and API lists: bounded, whatever the number of rows (no
query per row). Each list holds 20 rows here; one query per row would blow every bound."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, api_client, login
from tests.orgs.helpers import add_members, make_unit
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services
from tongxin.orgs.models import Membership

ROWS = 20


@pytest.fixture
def registry(world: World) -> World:
    for i in range(ROWS):
        services.create_region(actor=SYSTEM, name=f"网格{i:02d}", kind="grid", parent=world.village_a1)
        unit = make_unit(world, f"站点{i:02d}", region=world.village_a1 if i % 2 else world.village_b1)
        add_members(world, unit, full=1, probationary=1, start=2 * i, org=world.branch_a1)
        services.create_party_org(
            actor=SYSTEM, name=f"党小组{i:02d}", kind="group", parent=world.branch_a1, region=world.village_a1
        )
    for m in Membership.objects.filter(org=world.branch_a1, status="full")[:ROWS]:
        services.start_transfer(
            actor=SYSTEM, membership=m, to_org=world.branch_b1, reason="工作调动", started_on=date(2026, 1, 5)
        )
    return world


# Measured 6, 15, 6 and 8 with 20 rows (session, user, grants, the page, its count, related rows).
PAGES = {
    "orgs:org_list": 8,
    "orgs:unit_list": 17,
    "orgs:person_list": 8,
    "orgs:transfer_list": 10,
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_list_pages_run_a_bounded_number_of_queries(
    registry: World, client: Client, django_assert_max_num_queries, name: str
) -> None:  # type: ignore[no-untyped-def]
    login(client, registry.user("county_admin"))
    client.get(reverse(name))  # warm caches (sessions, grants) as a returning user would have them
    with django_assert_max_num_queries(PAGES[name]):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.content.decode().count("<tr") > ROWS  # the rows are on the page


# Measured 3 (token, count, page) for each list; 10 for the findings, computed by the coverage engine.
# Each API call also pays the token principal (token, user, grants) and the login policy's check of a
# confirmed authenticator for roles that need two-factor (accounts/principal.py, accounts/policy.py).
API = {
    "/api/v1/regions": 6,
    "/api/v1/orgs": 6,
    "/api/v1/units": 6,
    "/api/v1/people": 6,
    "/api/v1/memberships": 6,
    "/api/v1/transfers": 6,
    "/api/v1/findings": 13,
}


@pytest.mark.parametrize("url", sorted(API))
def test_api_lists_run_a_bounded_number_of_queries(
    registry: World, django_assert_max_num_queries, url: str
) -> None:  # type: ignore[no-untyped-def]
    api, auth = api_client(registry.user("county_admin"))
    api.get(url, **auth)
    with django_assert_max_num_queries(API[url]):
        response = api.get(url + "?page_size=200", **auth)
    assert response.status_code == 200
    assert response.json()["count"] >= ROWS
