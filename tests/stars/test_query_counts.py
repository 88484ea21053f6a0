"""Every stars list page and API list costs a fixed number of queries, however many rows it shows:
the counts below hold with two rows and with eight (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import World, api_client, login
from tests.stars.conftest import at, fill_all
from tongxin.orgs.models import PartyOrg
from tongxin.stars import services
from tongxin.stars.models import StarCycle

FIVE = ["party_strength", "prosperity", "ecology", "rule_of_law", "civility"]

# (url, the queries it takes as measured) — pages as the county administrator, API lists by token.
PAGES = [
    ("/stars/?year=2026", 13),
    ("/stars/lists/?kind=five&year=2026", 10),
    ("/stars/lists/?kind=weak&year=2026", 10),
    ("/stars/weak/?year=2026", 12),
    ("/stars/county/?year=2026", 9),
    ("/stars/queue/", 7),
    ("/stars/notice/", 5),
    ("/stars/visits/", 8),
    ("/stars/tasks/", 10),
    ("/stars/tasks/?overdue=1", 10),
    ("/stars/criteria/", 5),
]
# The counts include the token principal (token, user, grants) and the login policy's authenticator check.
API = [
    ("/api/v1/stars/criteria", 5),
    ("/api/v1/stars/cycles?year=2026", 9),
    ("/api/v1/stars/lists/five?year=2026", 9),
    ("/api/v1/stars/weak?year=2026", 9),
    ("/api/v1/stars/county?year=2026", 9),
    ("/api/v1/stars/visits", 5),
    ("/api/v1/stars/tasks", 10),
    ("/api/v1/stars/notice", 5),
]


def _rated(world: World, declared: Callable[..., StarCycle]) -> None:
    cycle = declared()
    fill_all(cycle, world.user("village_secretary"))
    services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    services.rate_cycle(actor=world.user("township_admin"), cycle=cycle, stars=FIVE, reason="初评")
    services.approve_cycle(actor=world.user("county_admin"), cycle=cycle, stars=FIVE, now=at(2026, 11, 2))
    services.close_due_notices(at(2026, 11, 20))


def _add_rows(world: World, n: int, weak: PartyOrg) -> None:
    """``n`` more visits and overdue open tasks, and one more weak branch."""
    leader, admin = world.user("county_leader"), world.user("county_admin")
    for i in range(n):
        visit = services.record_visit(
            actor=leader, region=world.village_a1, visited_on=date(2026, 11, 1), summary=f"督导{i}",
            now=at(2026, 11, 2),
        )  # fmt: skip
        services.create_task(
            actor=leader, org=world.branch_a1, problem=f"问题{i}",
            required_outcome="补齐", owner=world.user("village_secretary"), deadline=date(2026, 11, 10),
            visit=visit, now=at(2026, 11, 2),
        )  # fmt: skip
    services.list_weak_branch(actor=admin, org=weak, year=2026, reason="班子软弱", plan="选派第一书记")


def _counts(client: Client, urls: list[tuple[str, int]], **headers: str) -> dict[str, int]:
    client.get(urls[0][0], **headers)  # the first request saves the session / stamps the token once
    out = {}
    for url, _ in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        out[url] = len(ctx.captured_queries)
    return out


@pytest.fixture
def few_then_many(world: World, declared: Callable[..., StarCycle]) -> Callable[[], None]:
    _rated(world, declared)
    _add_rows(world, 2, world.branch_b1)

    def more() -> None:
        _add_rows(world, 6, world.branch_b2)

    return more


def test_list_pages_take_a_fixed_number_of_queries(
    world: World, few_then_many: Callable[[], None], client: Client, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    login(client, world.user("county_admin"))
    few = _counts(client, PAGES)
    few_then_many()
    many = _counts(client, PAGES)
    assert many == few  # no query per row
    for url, most in PAGES:
        with django_assert_max_num_queries(most):
            client.get(url)


def test_api_lists_take_a_fixed_number_of_queries(
    world: World, few_then_many: Callable[[], None], django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client, auth = api_client(world.user("county_admin"))
    few = _counts(client, API, **auth)
    few_then_many()
    many = _counts(client, API, **auth)
    assert many == few  # no query per row
    for url, most in API:
        with django_assert_max_num_queries(most):
            client.get(url, **auth)
