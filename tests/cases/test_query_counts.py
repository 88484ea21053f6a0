"""Query counts of the cases list pages and API lists: bounded, and the same for 3 rows as for 15 (no
query per row). The bounds are today's counts with a little room; a per-row query breaks them."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import Loop
from tests.factories import api_client, login
from tongxin.cases import services
from tongxin.cases.models import Case


def _fill(loop: Loop, n: int) -> None:
    sec = loop.world.user("village_secretary")
    team = services.create_team(actor=sec, name=f"队{n}", kind="volunteer", region=loop.world.village_a1)
    services.add_team_member(actor=sec, team=team, person=loop.rider_person)
    for i in range(n):
        case = loop.report(description=f"第{i}处隐患")
        services.accept_case(actor=sec, case=case)
        if i % 2:
            services.start_case(actor=sec, case=case)
            services.resolve_case(actor=sec, case=case, note="已处理")
        services.record_service(
            actor=sec, kind="door_to_door", person=loop.rider_person, region=loop.world.village_a1,
            served_on=date(2025, 6, 2), team=team,
        )  # fmt: skip


def _count(client: Client, url: str, **headers: str) -> int:
    client.get(url, **headers)  # warm up: the first request of a session loads the session and user
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **headers)
    assert r.status_code == 200, (url, r.status_code)
    return len(ctx.captured_queries)


PAGES = [
    # url, who, at most
    ("/cases/", "grid_worker", 14),
    ("/cases/queue/", "village_secretary", 14),
    ("/cases/queue/?state=resolved", "village_secretary", 14),
    ("/cases/overview/", "township_admin", 22),
    ("/cases/inbox/", "village_secretary", 14),
    ("/cases/services/", "village_secretary", 24),
]


@pytest.mark.parametrize(("url", "who", "most"), PAGES)
def test_list_pages_do_not_query_per_row(loop: Loop, url: str, who: str, most: int) -> None:
    client = login(Client(), loop.world.user(who))
    _fill(loop, 3)
    small = _count(client, url)
    _fill(loop, 12)
    assert Case.objects.count() == 15
    large = _count(client, url)
    assert large == small, f"{url}: {small} queries for 3 rows, {large} for 15"
    assert large <= most


API = [
    ("/api/v1/cases/mine", "grid_worker", 8),
    ("/api/v1/cases/queue", "village_secretary", 8),
    ("/api/v1/cases/inbox", "village_secretary", 8),
    ("/api/v1/cases/routing", "county_admin", 8),
    ("/api/v1/cases/categories", "grid_worker", 6),
    ("/api/v1/cases/overview", "township_admin", 16),
]


@pytest.mark.parametrize(("url", "who", "most"), API)
def test_api_lists_do_not_query_per_row(
    loop: Loop, url: str, who: str, most: int, django_assert_max_num_queries: object
) -> None:
    client, headers = api_client(loop.world.user(who))
    _fill(loop, 3)
    small = _count(client, url, **headers)
    _fill(loop, 12)
    large = _count(client, url, **headers)
    assert large == small, f"{url}: {small} queries for 3 rows, {large} for 15"
    with django_assert_max_num_queries(most):  # type: ignore[operator]
        client.get(url, **headers)
