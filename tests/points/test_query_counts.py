"""Every list page and API list of 党群积分 costs a fixed number of queries, however many rows it shows.

The data has at least 20 rows for every list (entries of one villager, claims, objections, boards,
goods, redemptions, links), so a query per row (N+1) would blow each bound below by 20 or more. The
bounds include the queries every request makes (session, user, grants).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, api_client, login, make_user
from tests.points.helpers import make_villagers
from tongxin.accounts.system import SYSTEM
from tongxin.points import services
from tongxin.points.models import Claim, LedgerEntry, Objection, PersonLink, PublishedBoard, Redemption
from tongxin.points.services import ItemSpec

ROWS = 20
ITEMS = [ItemSpec(code="LAB", name="义务劳动", category="labour", points=5)]
DAY = date(2026, 4, 1)


@pytest.fixture
def crowded(world: World) -> World:
    recorder, reviewer = world.user("points_recorder"), world.user("points_reviewer")
    scheme = services.create_scheme(
        actor=SYSTEM,
        region=world.village_a1,
        name="甲一村积分方案",
        items=ITEMS,
        effective_from=date(2026, 1, 1),
    )
    for region in (world.village_a2, world.village_b1, world.town_b, world.county):
        services.create_scheme(actor=SYSTEM, region=region, name=f"{region.name}方案", items=ITEMS,
                               effective_from=date(2026, 1, 1))  # fmt: skip
    people = make_villagers(world.village_a1, ROWS).people
    me = people[0]
    services.link_person(actor=SYSTEM, user=world.user("resident"), person=me)
    for i in range(1, 13):  # 12 claims finalised: 12 claim entries for "me", each explained by its claim
        claim = services.record_claim(
            actor=recorder, scheme=scheme, item_code="LAB", occurred_on=DAY + timedelta(days=i), title=f"清扫{i}",
            people=[me, people[i]], today=DAY + timedelta(days=i),
        )  # fmt: skip
        claim = services.approve_claim(actor=reviewer, claim=claim, today=DAY + timedelta(days=i))
        assert claim.notice_until is not None
        services.finalise_due_claims(actor=SYSTEM, today=claim.notice_until + timedelta(days=1))
    for i in range(ROWS - 12):  # and awards from other modules
        services.award_points(actor=SYSTEM, person=me, points=1, source="cases.case", source_ref=str(i),
                              reason="有效上报隐患", on=DAY)  # fmt: skip
    for i in range(ROWS):  # claims in notice, one objection each; and submitted ones
        claim = services.record_claim(
            actor=recorder, scheme=scheme, item_code="LAB", occurred_on=DAY, title=f"植树{i}",
            people=[people[i], people[(i + 1) % ROWS]], today=DAY,
        )  # fmt: skip
        if i % 2 == 0:
            claim = services.approve_claim(actor=reviewer, claim=claim, today=DAY)
            services.raise_objection(actor=world.user("resident"), line=claim.lines.first(),  # type: ignore[arg-type]
                                     reason="那天他不在村里，没有参加", today=DAY)  # fmt: skip
    for period in [f"2026-{m:02d}" for m in range(1, 13)] + [f"2026Q{q}" for q in range(1, 5)] + ["2026"] * 4:
        services.publish_board(actor=SYSTEM, region=world.village_a1, period=period)
    for i in range(ROWS):
        goods = services.create_goods(actor=SYSTEM, scheme=scheme, name=f"商品{i}", price=1, stock=5)
        services.redeem(actor=recorder, goods=goods, person=me, today=DAY + timedelta(days=20))
    for i in range(1, ROWS):
        services.link_person(actor=SYSTEM, user=make_user(f"villager{i}"), person=people[i])
    assert LedgerEntry.objects.filter(person=me).count() >= ROWS
    assert Claim.objects.count() >= ROWS and Objection.objects.count() >= ROWS // 2
    assert PublishedBoard.objects.count() >= ROWS and Redemption.objects.count() >= ROWS
    assert PersonLink.objects.count() >= ROWS
    return world


# (role, URL name, query string, at most this many queries). A page listing ROWS rows with one query
# per row would need at least ROWS more.
PAGES = [
    ("village_secretary", "points:home", {}, 11),
    ("resident", "points:me", {}, 19),
    ("village_secretary", "points:links", {}, 9),
    ("county_admin", "points:scheme_list", {}, 9),
    ("points_recorder", "points:claim_list", {}, 9),
    ("points_reviewer", "points:notice", {}, 10),
    ("points_reviewer", "points:objection_list", {}, 8),
    ("village_secretary", "points:ledger_list", {}, 10),
    ("village_secretary", "points:board", {"period": "2026Q2", "by": "person", "audience": "all"}, 11),
    ("village_secretary", "points:published_list", {}, 8),
    ("village_secretary", "points:shop", {}, 9),
    ("points_recorder", "points:shop_report", {"month": "2026-04"}, 8),
]


@pytest.mark.parametrize(("role", "name", "query", "most"), PAGES)
def test_list_page_costs_a_fixed_number_of_queries(
    crowded: World,
    client: Client,
    django_assert_max_num_queries,
    role: str,
    name: str,
    query: dict,
    most: int,
) -> None:  # type: ignore[no-untyped-def]
    login(client, crowded.user(role))
    if name == "points:board":
        query = {**query, "region": crowded.village_a1.pk}
    with django_assert_max_num_queries(most):
        response = client.get(reverse(name), query)
    assert response.status_code == 200


def test_my_points_page_lists_every_entry_with_its_reason(crowded: World, client: Client) -> None:
    login(client, crowded.user("resident"))
    page = client.get(reverse("points:me")).content.decode()
    assert page.count("无异议后入账") == 12  # each claim entry explained by its claim
    assert page.count("事项办结激励（") == ROWS - 12


# (role, API path, at most this many queries) for every list endpoint of /api/v1/points/. The counts
# include the token principal (token, user, grants) and the login policy's authenticator check.
API_LISTS = [
    ("county_admin", "/api/v1/points/schemes", 7),
    ("points_recorder", "/api/v1/points/claims", 6),
    ("village_secretary", "/api/v1/points/entries", 6),
    ("village_secretary", "/api/v1/points/board?period=2026Q2&region_id={village}", 6),
    ("village_secretary", "/api/v1/points/boards", 6),
    ("village_secretary", "/api/v1/points/goods", 6),
    ("resident", "/api/v1/points/me", 15),
]


@pytest.mark.parametrize(("role", "path", "most"), API_LISTS)
def test_api_list_costs_a_fixed_number_of_queries(
    crowded: World, django_assert_max_num_queries, role: str, path: str, most: int
) -> None:  # type: ignore[no-untyped-def]
    client, headers = api_client(crowded.user(role))
    with django_assert_max_num_queries(most):
        response = client.get(path.format(village=crowded.village_a1.pk), **headers)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    if "items" in body:
        assert len(body["items"]) >= 5
