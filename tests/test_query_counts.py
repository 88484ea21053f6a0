"""Query counts of the dashboard and the security administrator's and auditor's list pages: fixed,
whatever the number of rows — a page that queries once per row (N+1) fails here long before it is slow.

Each test loads the page once (session and two-factor device are read on a first request), adds many
rows, and loads it again under ``django_assert_max_num_queries``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, api_client, login, make_user
from tongxin.accounts import services as account_services
from tongxin.accounts.system import SYSTEM
from tongxin.core import audit

MaxQueries = Callable[..., AbstractContextManager[Any]]

# Measured on 2026-12-01 (SQLite and PostgreSQL alike) plus 2, so one more query in a middleware does not
# fail them while one query per row (the tests add 5 to 60 rows) does.
HOME_MAX = 5 + 2
USER_LIST_MAX = 6 + 2
USER_DETAIL_MAX = 8 + 2
AUDIT_LIST_MAX = 6 + 2
API_ME_MAX = 2 + 2


def _many_users(world: World, n: int) -> None:
    for i in range(n):
        user = make_user(f"extra{i:03d}", real_name=f"居民{i}")
        account_services.grant_role(actor=SYSTEM, user=user, role="resident", node=world.village_a1)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county_admin", "village_secretary", "security_admin", "resident"])
def test_the_home_page_costs_the_same_with_many_grants(
    world: World, client: Client, django_assert_max_num_queries: MaxQueries, role: str
) -> None:
    user = world.user(role)
    login(client, user)
    client.get(reverse("dashboard:home"))
    for node in (world.village_a2, world.village_b1, world.village_b2, world.town_b, world.branch_b1):
        account_services.grant_role(actor=SYSTEM, user=user, role="resident", node=node)
    with django_assert_max_num_queries(HOME_MAX):
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert response.content.decode().count("tx-card") >= 1


@pytest.mark.django_db
def test_the_user_list_costs_the_same_for_fifty_users(
    world: World, client: Client, django_assert_max_num_queries: MaxQueries
) -> None:
    login(client, world.user("security_admin"))
    client.get(reverse("accounts:user_list"))
    _many_users(world, 50)
    with django_assert_max_num_queries(USER_LIST_MAX):
        response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200 and "extra000" in response.content.decode()


@pytest.mark.django_db
def test_a_user_page_costs_the_same_for_many_grants(
    world: World, client: Client, django_assert_max_num_queries: MaxQueries
) -> None:
    target = world.user("resident")
    login(client, world.user("security_admin"))
    url = reverse("accounts:user_detail", args=[target.pk])
    client.get(url)
    for node in (world.village_a2, world.village_b1, world.village_b2, world.town_a, world.town_b):
        account_services.grant_role(actor=SYSTEM, user=target, role="grid_worker", node=node)
    with django_assert_max_num_queries(USER_DETAIL_MAX):
        response = client.get(url)
    assert response.status_code == 200 and "乙二村" in response.content.decode()


@pytest.mark.django_db
def test_the_audit_log_costs_the_same_for_a_full_page(
    world: World, client: Client, django_assert_max_num_queries: MaxQueries
) -> None:
    auditor = world.user("auditor")
    login(client, auditor)
    client.get(reverse("accounts:audit_list"))
    actors = [world.user(role) for role in ("county_admin", "township_admin", "village_secretary")]
    for i in range(60):
        audit.record(actor=actors[i % 3], action="test.touch", target=world.village_a1, message=f"第{i}次")
    with django_assert_max_num_queries(AUDIT_LIST_MAX):
        response = client.get(reverse("accounts:audit_list"))
    assert response.status_code == 200 and "第59次" in response.content.decode()


@pytest.mark.django_db
def test_the_current_user_api_costs_the_same_for_many_grants(
    world: World, django_assert_max_num_queries: MaxQueries
) -> None:
    user = world.user("village_secretary")
    for node in (world.village_a2, world.village_b1, world.village_b2, world.town_b):
        account_services.grant_role(actor=SYSTEM, user=user, role="resident", node=node)
    api, headers = api_client(user)
    with django_assert_max_num_queries(API_ME_MAX):
        response = api.get("/api/v1/me", **headers)
    assert response.status_code == 200 and len(response.json()["grants"]) == 5
