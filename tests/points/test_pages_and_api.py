"""Pages render for the people who use them; exports are real workbooks; the API follows the same rules."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import World, api_client, login
from tests.points.helpers import make_scheme, make_villagers
from tongxin.points import services
from tongxin.points.models import Claim, PublishedBoard


@pytest.fixture
def filled(world: World) -> World:
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 4).people
    claim = services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=date(2026, 4, 8),
        title="清扫村道", people=people, today=date(2026, 4, 8),
    )  # fmt: skip
    claim = services.approve_claim(actor=world.user("points_reviewer"), claim=claim, today=date(2026, 4, 8))
    services.finalise_due_claims(today=claim.notice_until + timedelta(days=1))
    services.link_person(actor=None, user=world.user("resident"), person=people[0])
    goods = services.create_goods(actor=None, scheme=scheme, name="肥皂", price=2, stock=5)
    services.redeem(
        actor=world.user("points_recorder"), goods=goods, person=people[0], today=date(2026, 4, 20)
    )
    services.publish_board(actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2")
    return world


PAGES = [
    ("points_recorder", "points:home", {}),
    ("points_recorder", "points:claim_create", {}),
    ("points_recorder", "points:claim_list", {"state": "final"}),
    ("points_reviewer", "points:objection_list", {}),
    ("points_reviewer", "points:notice", {}),
    ("village_secretary", "points:scheme_list", {}),
    ("village_secretary", "points:scheme_create", {}),
    ("village_secretary", "points:board", {"period": "2026Q2", "by": "person", "audience": "all"}),
    ("village_secretary", "points:published_list", {}),
    ("village_secretary", "points:ledger_list", {"period": "2026Q2"}),
    ("village_secretary", "points:links", {}),
    ("village_secretary", "points:shop", {}),
    ("points_recorder", "points:shop_report", {"month": "2026-04"}),
    ("resident", "points:me", {}),
    ("resident", "points:self_claim", {}),
]


@pytest.mark.parametrize(("role", "name", "query"), PAGES)
def test_pages_render(filled: World, client: Client, role: str, name: str, query: dict) -> None:
    login(client, filled.user(role))
    if name == "points:board":
        query = {**query, "region": filled.village_a1.pk}
    response = client.get(reverse(name), query)
    assert response.status_code == 200, response.content[:500]


def test_my_points_shows_balance_rank_and_why(filled: World, client: Client) -> None:
    login(client, filled.user("resident"))
    page = client.get(reverse("points:me")).content.decode()
    assert 'data-testid="balance">3<' in page  # 5 earned, 2 spent
    assert "公示至" in page and "无异议后入账" in page


@pytest.mark.parametrize(
    ("name", "query", "header"),
    [("points:ledger_export", {"period": "2026Q2"}, "积分流水"),
     ("points:shop_report_export", {"month": "2026-04"}, "积分超市月报 2026年4月"),
     ("points:board_export", {"period": "2026Q2", "by": "person", "audience": "all"}, "甲一村2026年第2季度积分榜")],
)  # fmt: skip
def test_excel_exports(filled: World, client: Client, name: str, query: dict, header: str) -> None:
    login(
        client,
        filled.user("village_secretary")
        if name != "points:shop_report_export"
        else filled.user("points_recorder"),
    )
    if name == "points:board_export":
        query = {**query, "region": filled.village_a1.pk}
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == header
    assert ws.max_row >= 3


def test_nomination_list_is_the_top_n_with_a_note(filled: World, client: Client) -> None:
    login(client, filled.user("village_secretary"))
    board = PublishedBoard.objects.get()
    response = client.get(reverse("points:nominations_export", args=[board.pk]), {"n": "2"})
    ws = load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "由人作出决定" in text
    assert ws.max_row == 4 + 4  # title, 2 notes, header, 4 people tied at rank 1


def test_record_a_group_claim_through_the_page(world: World, client: Client) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 5).people
    login(client, world.user("points_recorder"))
    data = {"item_code": "LAB", "occurred_on": "2026-04-08", "title": "修路", "people": [p.pk for p in people[:4]],
            "idempotency_key": "abc"}  # fmt: skip
    response = client.post(reverse("points:claim_create"), data)
    assert response.status_code == 302
    assert Claim.objects.get().lines.count() == 4
    client.post(reverse("points:claim_create"), data)  # double submit
    assert Claim.objects.count() == 1
    bad = client.post(reverse("points:claim_create"), {**data, "people": [], "idempotency_key": "x"})
    assert "参与人员：请至少选择一名参与人员。" in bad.content.decode()


def test_api_claim_lifecycle(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    client, headers = api_client(world.user("points_recorder"))
    r = client.post(
        "/api/v1/points/claims",
        {"scheme_id": scheme.pk, "item_code": "LAB", "occurred_on": "2026-04-08", "title": "修路",
         "person_ids": [p.pk for p in people]},
        content_type="application/json", **headers,
    )  # fmt: skip
    assert r.status_code == 201, r.content
    claim_id = r.json()["id"]
    assert len(r.json()["lines"]) == 3
    # the recorder cannot approve; the reviewer can
    assert (
        client.post(
            f"/api/v1/points/claims/{claim_id}/approve", {}, content_type="application/json", **headers
        ).status_code
        == 404
    )
    rc, rh = api_client(world.user("points_reviewer"))
    r = rc.post(
        f"/api/v1/points/claims/{claim_id}/approve", {"note": "ok"}, content_type="application/json", **rh
    )
    assert r.status_code == 200 and r.json()["state"] == "notice"
    services.finalise_due_claims(today=date.fromisoformat(r.json()["notice_until"]) + timedelta(days=1))
    r = rc.get("/api/v1/points/board", {"region_id": world.village_a1.pk, "period": "2026Q2"}, **rh)
    assert [row["points"] for row in r.json()] == [5, 5, 5]
    r = rc.get("/api/v1/points/entries", {"period": "2026Q2"}, **rh)
    assert r.json()["count"] == 3
    bad = client.post(
        "/api/v1/points/claims",
        {"scheme_id": scheme.pk, "item_code": "LAB", "occurred_on": "2026-04-08", "title": "x", "person_ids": [999999]},
        content_type="application/json", **headers,
    )  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "person_ids"


def test_api_scope(world: World) -> None:
    make_scheme(world.village_b1)
    client, headers = api_client(world.user("points_recorder"))
    assert client.get("/api/v1/points/schemes", **headers).json()["count"] == 0
    r = client.get("/api/v1/points/board", {"region_id": world.village_b1.pk, "period": "2026Q2"}, **headers)
    assert r.status_code == 404
    anon = client.get("/api/v1/points/schemes")
    assert anon.status_code == 401
