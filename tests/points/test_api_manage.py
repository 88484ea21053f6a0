"""The managing endpoints of the points API (schemes and versions, goods, the shop report, nomination
lists) answer as the pages do, and item input is bounded on the page and in the API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, api_client, login, make_user
from tests.points.helpers import ITEMS, make_scheme, make_villagers
from tongxin.accounts import services as account_services
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError
from tongxin.orgs import services as org_services
from tongxin.points import services
from tongxin.points.models import Goods, LedgerEntry, PointItem, PublishedBoard, Scheme, SchemeVersion
from tongxin.points.services import ItemSpec

API = "/api/v1/points"


def _post(user: Any, path: str, payload: dict[str, Any]) -> Any:
    client, auth = api_client(user)
    return client.post(f"{API}{path}", json.dumps(payload), content_type="application/json", **auth)


def _get(user: Any, path: str, **query: Any) -> Any:
    client, auth = api_client(user)
    return client.get(f"{API}{path}", query, **auth)


def _item(**over: Any) -> dict[str, Any]:
    return {"code": "LAB", "name": "义务劳动", "category": "labour", "points": 5, **over}


def _scheme_payload(world: World, **over: Any) -> dict[str, Any]:
    return {
        "region_id": world.village_a1.pk, "name": "甲一村党群积分方案", "effective_from": "2026-01-01",
        "base_score": 60, "items": [_item(cap_person_month=3), _item(code="DED", name="乱倒垃圾", points=-3)],
        **over,
    }  # fmt: skip


def _version_payload(**over: Any) -> dict[str, Any]:
    items = [
        _item(name="义务劳动（新）", points=8),
        _item(code="VOL", name="志愿服务", category="volunteer", points=3),
    ]
    return {"effective_from": "2026-07-01", "note": "村民代表会议修订", "items": items, **over}


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "field"}
    return body


@dataclass
class Shop:
    scheme: Scheme
    foreign: Scheme
    goods: Goods
    board: PublishedBoard
    foreign_board: PublishedBoard


@pytest.fixture
def shop(world: World) -> Shop:
    """Schemes in 甲一村 and 乙一村, each with a redemption in April 2026 and a published board."""
    scheme = make_scheme(world.village_a1)
    foreign = make_scheme(world.village_b1, name="乙一村方案")
    people = make_villagers(world.village_a1, 4).people
    other = make_villagers(world.village_b1, 1, prefix="乙村民").people[0]
    for i, (person, points) in enumerate(zip(people, [9, 7, 7, 3], strict=True)):
        services.award_points(
            actor=None, person=person, points=points, source="test", source_ref=f"a{i}", reason="测试",
            on=date(2026, 4, 1),
        )  # fmt: skip
    services.award_points(
        actor=None, person=other, points=5, source="test", source_ref="b", reason="测试", on=date(2026, 4, 1)
    )
    goods = services.create_goods(actor=None, scheme=scheme, name="肥皂", price=2, stock=10)
    foreign_goods = services.create_goods(actor=None, scheme=foreign, name="毛巾", price=3, stock=10)
    keeper = world.user("points_recorder")
    services.redeem(actor=keeper, goods=goods, person=people[0], quantity=2, today=date(2026, 4, 20))
    services.redeem(actor=keeper, goods=goods, person=people[1], today=date(2026, 4, 21))
    foreign_keeper = make_user("recorder_b1")
    account_services.grant_role(
        actor=None, user=foreign_keeper, role="points_recorder", node=world.village_b1
    )
    services.redeem(actor=foreign_keeper, goods=foreign_goods, person=other, today=date(2026, 4, 21))
    board = services.publish_board(actor=None, region=world.village_a1, period="2026Q2")
    foreign_board = services.publish_board(actor=None, region=world.village_b1, period="2026Q2")
    return Shop(scheme=scheme, foreign=foreign, goods=goods, board=board, foreign_board=foreign_board)


# --- POST /schemes --------------------------------------------------------------------------------


def test_it_creates_a_scheme_with_its_first_version(world: World) -> None:
    response = _post(world.user("village_secretary"), "/schemes", _scheme_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    scheme = Scheme.objects.get()
    assert body["id"] == scheme.pk and body["region_id"] == world.village_a1.pk and body["version"] == 1
    assert body["base_score"] == 60 and body["notice_workdays"] == 3  # the rule's default
    items = [(i["code"], i["points"], i["cap_person_month"]) for i in body["items"]]
    assert items == [("DED", -3, None), ("LAB", 5, 3)]
    assert _get(world.user("points_recorder"), f"/schemes/{scheme.pk}").json() == body


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"name": ""}, "name", "不能为空"),
        ({"name": "名" * 101}, "name", "最多100个字符"),
        ({"region_id": "甲一村"}, "region_id", "应为整数"),
        ({"reset": "monthly"}, "reset", "不是允许的取值"),
        ({"notice_workdays": 31}, "notice_workdays", "不能大于30"),
        ({"base_score": -1}, "base_score", "不能小于0"),
        ({"items": []}, "items", "太少（至少1项）"),
        ({"items": [_item(name="名" * 101)]}, "items.0.name", "最多100个字符"),
        ({"items": [_item(code="C" * 33)]}, "items.0.code", "最多32个字符"),
        ({"items": [_item(code="")]}, "items.0.code", "不能为空"),
        ({"items": [_item(category="party")]}, "items.0.category", "不是允许的取值"),
        ({"items": [_item(points=1_000_001)]}, "items.0.points", "不能大于1000000"),
        ({"items": [_item(points=-1_000_001)]}, "items.0.points", "不能小于-1000000"),
        ({"items": [_item(cap_household_year=0)]}, "items.0.cap_household_year", "不能小于1"),
        ({"items": [_item(cap_person_month=1_000_001)]}, "items.0.cap_person_month", "不能大于1000000"),
        ({"items": [_item(code=f"C{i}") for i in range(501)]}, "items", "太多（最多500项）"),
    ],
)  # fmt: skip
def test_bad_scheme_input_is_422_naming_the_field(
    world: World, change: dict[str, Any], field: str, says: str
) -> None:
    body = _error(_post(world.user("village_secretary"), "/schemes", _scheme_payload(world, **change)), 422)
    assert body["field"] == field and says in body["message"]
    assert not Scheme.objects.exists()


@pytest.mark.parametrize(
    ("items", "says"),
    [
        ([_item(), _item(code=" LAB ", name="又一个")], "第2项：项目代码“LAB”重复"),
        ([_item(points=0)], "第1项：分值不能为0"),
        ([_item(name="   ")], "第1项：项目名称不能为空"),
        ([_item(name="义务\x0b劳动")], "第1项：含有不可见的控制字符"),
    ],
)
def test_items_the_service_refuses_are_400_on_items(world: World, items: list[Any], says: str) -> None:
    response = _post(world.user("village_secretary"), "/schemes", _scheme_payload(world, items=items))
    body = _error(response, 400)
    assert body["field"] == "items" and says in body["message"]
    assert not Scheme.objects.exists()


def test_a_region_with_a_scheme_or_a_grid_is_refused_on_region_id(world: World) -> None:
    make_scheme(world.village_a1)
    body = _error(_post(world.user("village_secretary"), "/schemes", _scheme_payload(world)), 400)
    assert body["field"] == "region_id" and "已有启用的积分方案" in body["message"]
    grid = org_services.create_region(actor=SYSTEM, name="一网格", kind="grid", parent=world.village_a1)
    body = _error(
        _post(world.user("village_secretary"), "/schemes", _scheme_payload(world, region_id=grid.pk)), 400
    )
    assert body["field"] == "region_id" and "“一网格”是网格" in body["message"]


def test_a_retried_create_makes_one_scheme(world: World) -> None:
    payload = _scheme_payload(world)
    assert _post(world.user("village_secretary"), "/schemes", payload).status_code == 201
    assert _error(_post(world.user("village_secretary"), "/schemes", payload), 400)["field"] == "region_id"
    assert Scheme.objects.count() == 1


def test_a_region_outside_the_scope_is_404(world: World) -> None:
    secretary = world.user("village_secretary")
    for region_id in (world.village_a2.pk, world.village_b1.pk, world.town_a.pk, 999_999):
        body = _error(_post(secretary, "/schemes", _scheme_payload(world, region_id=region_id)), 404)
        assert body["code"] == "not_found"
    assert not Scheme.objects.exists()


# --- POST /schemes/{id}/versions ------------------------------------------------------------------


def test_a_new_version_keeps_past_entries_and_the_settings_left_out(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    entry = services.award_points(
        actor=None, person=person, points=5, source="test", source_ref="x", reason="义务劳动", on=date(2026, 4, 8),
        item_code="LAB",
    )  # fmt: skip
    response = _post(world.user("township_admin"), f"/schemes/{scheme.pk}/versions", _version_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scheme_id"] == scheme.pk and body["number"] == 2 and body["effective_from"] == "2026-07-01"
    assert body["base_score"] == 60 and body["reset"] == "yearly" and body["note"] == "村民代表会议修订"
    assert sorted(i["code"] for i in body["items"]) == ["LAB", "VOL"]
    entry.refresh_from_db()
    assert entry.item_name == "义务劳动" and entry.points == 5
    assert sorted(scheme.versions.get(number=1).items.values_list("code", flat=True)) == sorted(
        i.code for i in ITEMS
    )
    later = services.award_points(
        actor=None, person=person, points=8, source="test", source_ref="y", reason="义务劳动", on=date(2026, 7, 8),
        item_code="LAB",
    )  # fmt: skip
    assert later.item_name == "义务劳动（新）"


def test_a_version_identical_to_the_latest_is_refused_so_a_retry_publishes_one(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    secretary = world.user("village_secretary")
    payload = _version_payload()
    assert _post(secretary, f"/schemes/{scheme.pk}/versions", payload).status_code == 201
    again = _version_payload(note="重试", effective_from="2026-08-01", items=list(reversed(payload["items"])))
    body = _error(_post(secretary, f"/schemes/{scheme.pk}/versions", again), 400)
    assert body["field"] == "items" and "与第2版（2026-07-01起生效）完全相同" in body["message"]
    assert scheme.versions.count() == 2
    changed = _version_payload(base_score=70)
    assert _post(secretary, f"/schemes/{scheme.pk}/versions", changed).status_code == 201
    assert scheme.versions.count() == 3


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"note": ""}, 422, "note"),
        ({"effective_from": "2026-13-01"}, 422, "effective_from"),
        ({"items": [_item(name="名" * 101)]}, 422, "items.0.name"),
        ({"effective_from": "2025-12-31"}, 400, "effective_from"),
        ({"note": "   "}, 400, "note"),
        ({"items": [_item(), _item(name="重复")]}, 400, "items"),
    ],
)
def test_bad_version_input_names_the_field(
    world: World, change: dict[str, Any], status: int, field: str
) -> None:
    scheme = make_scheme(world.village_a1)
    response = _post(
        world.user("village_secretary"), f"/schemes/{scheme.pk}/versions", _version_payload(**change)
    )
    assert _error(response, status)["field"] == field
    assert scheme.versions.count() == 1


def test_a_version_of_a_scheme_outside_the_scope_is_404(world: World) -> None:
    foreign = make_scheme(world.village_b1, name="乙一村方案")
    for pk in (foreign.pk, 999_999):
        body = _error(
            _post(world.user("village_secretary"), f"/schemes/{pk}/versions", _version_payload()), 404
        )
        assert body["code"] == "not_found"
    assert foreign.versions.count() == 1


# --- POST /goods ----------------------------------------------------------------------------------


def test_it_puts_goods_on_the_shelf(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    payload = {"scheme_id": scheme.pk, "name": " 洗衣粉 ", "price": 5, "stock": 12}
    response = _post(world.user("village_secretary"), "/goods", payload)
    assert response.status_code == 201, response.content
    goods = Goods.objects.get()
    assert response.json() == {
        "id": goods.pk, "scheme_id": scheme.pk, "name": "洗衣粉", "price": 5, "stock": 12, "is_active": True,
    }  # fmt: skip
    listed = _get(world.user("points_recorder"), "/goods").json()["items"]
    assert [g["id"] for g in listed] == [goods.pk]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"price": 0}, 422, "price"),
        ({"price": services.PRICE_MAX + 1}, 422, "price"),
        ({"stock": -1}, 422, "stock"),
        ({"stock": services.RESTOCK_MAX + 1}, 422, "stock"),
        ({"name": "名" * 101}, 422, "name"),
        ({"name": "  "}, 400, "name"),
    ],
)
def test_bad_goods_input_names_the_field(
    world: World, change: dict[str, Any], status: int, field: str
) -> None:
    scheme = make_scheme(world.village_a1)
    payload = {"scheme_id": scheme.pk, "name": "洗衣粉", "price": 5, **change}
    assert _error(_post(world.user("village_secretary"), "/goods", payload), status)["field"] == field
    assert not Goods.objects.exists()


def test_goods_on_a_scheme_outside_the_scope_are_404(world: World) -> None:
    foreign = make_scheme(world.village_b1, name="乙一村方案")
    for pk in (foreign.pk, 999_999):
        payload = {"scheme_id": pk, "name": "洗衣粉", "price": 5}
        assert _error(_post(world.user("village_secretary"), "/goods", payload), 404)["code"] == "not_found"
    assert not Goods.objects.exists()


# --- GET /shop/report -----------------------------------------------------------------------------


def test_the_shop_report_is_the_page_as_json(world: World, shop: Shop, client: Client) -> None:
    body = _get(world.user("points_recorder"), "/shop/report", month="2026-04").json()
    assert body == {
        "month": "2026-04", "month_label": "2026年4月", "total": 6,
        "rows": [{"scheme_name": "测试村积分方案", "goods_name": "肥皂", "times": 2, "quantity": 3, "points": 6}],
    }  # fmt: skip
    login(client, world.user("points_recorder"))
    page = client.get(reverse("points:shop_report"), {"month": "2026-04"})
    assert [dict(r) for r in page.context["rows"]] == [
        {
            "goods__name": "肥皂",
            "goods__scheme__name": "测试村积分方案",
            "quantity": 3,
            "points": 6,
            "times": 2,
        }
    ]
    township = _get(world.user("township_admin"), "/shop/report", month="2026-04").json()
    assert [r["goods_name"] for r in township["rows"]] == ["肥皂"]  # 乙一村's shop is outside 甲镇
    assert _get(world.user("points_recorder"), "/shop/report", month="2026-05").json()["rows"] == []


def test_the_shop_report_defaults_to_this_month_and_refuses_a_bad_one(world: World, shop: Shop) -> None:
    recorder = world.user("points_recorder")
    body = _get(recorder, "/shop/report").json()
    today = timezone.localdate()
    assert body["month"] == f"{today.year}-{today.month:02d}"
    for bad in ("2026-13", "2026Q2", "2026-4", "x" * 100):
        assert _error(_get(recorder, "/shop/report", month=bad), 422)["field"] == "month"


# --- GET /boards/{id}/nominations -----------------------------------------------------------------


def test_nominations_are_the_top_n_with_ties(world: World, shop: Shop) -> None:
    reviewer = world.user("points_reviewer")
    body = _get(reviewer, f"/boards/{shop.board.pk}/nominations", top=2).json()
    assert body["board_id"] == shop.board.pk and body["top"] == 2 and body["period"] == "2026Q2"
    assert [(r["rank"], r["points"]) for r in body["rows"]] == [(1, 9), (2, 7), (2, 7)]  # a tie is listed
    assert "系统不自动评定" in body["note"] and "地方默认" in body["basis"]
    default = _get(reviewer, f"/boards/{shop.board.pk}/nominations").json()
    assert default["top"] == 10 and len(default["rows"]) == 4  # rule nomination_top_n
    assert PublishedBoard.objects.count() == 2  # asking changes nothing


def test_bad_top_is_422_and_a_board_outside_the_scope_is_404(world: World, shop: Shop) -> None:
    reviewer = world.user("points_reviewer")
    for top in (0, 501, "十"):
        assert _error(_get(reviewer, f"/boards/{shop.board.pk}/nominations", top=top), 422)["field"] == "top"
    for pk in (shop.foreign_board.pk, 999_999):
        assert _error(_get(reviewer, f"/boards/{pk}/nominations"), 404)["code"] == "not_found"


# --- permission table -----------------------------------------------------------------------------


def _act(world: World, role: str, action: str) -> int:
    user = world.outsider if role == "outsider" else world.user(role)
    if action == "create_scheme":
        return int(_post(user, "/schemes", _scheme_payload(world)).status_code)
    scheme = make_scheme(world.village_a1)
    if action == "add_version":
        return int(_post(user, f"/schemes/{scheme.pk}/versions", _version_payload()).status_code)
    if action == "create_goods":
        return int(_post(user, "/goods", {"scheme_id": scheme.pk, "name": "肥皂", "price": 2}).status_code)
    if action == "shop_report":
        return int(_get(user, "/shop/report", month="2026-04").status_code)
    if action == "nominations":
        board = services.publish_board(actor=None, region=world.village_a1, period="2026Q2")
        return int(_get(user, f"/boards/{board.pk}/nominations").status_code)
    raise AssertionError(action)


ACTIONS = ["create_scheme", "add_version", "create_goods", "shop_report", "nominations"]
# 201/200 = it happened; 404 = the region, scheme, board or report does not exist for the user.
TABLE: dict[str, list[int]] = {
    "points_recorder":   [404, 404, 404, 200, 200],
    "points_reviewer":   [404, 404, 404, 200, 200],
    "village_secretary": [201, 201, 201, 200, 200],
    "township_admin":    [201, 201, 201, 200, 200],
    "resident":          [404, 404, 404, 404, 404],
    "outsider":          [404, 404, 404, 404, 404],
}  # fmt: skip


@pytest.mark.parametrize("role", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(world: World, role: str, action: str) -> None:
    assert _act(world, role, action) == TABLE[role][ACTIONS.index(action)]


def test_without_a_token_every_new_endpoint_is_401(world: World) -> None:
    client = Client()
    for method, path in [
        ("post", "/schemes"), ("post", "/schemes/1/versions"), ("post", "/goods"), ("get", "/shop/report"),
        ("get", "/boards/1/nominations"),
    ]:  # fmt: skip
        assert getattr(client, method)(f"{API}{path}").status_code == 401


# --- item bounds: the service, the page ---------------------------------------------------------


def test_the_bounds_are_the_columns(db: None) -> None:
    assert PointItem._meta.get_field("code").max_length == services.ITEM_CODE_MAX
    assert PointItem._meta.get_field("name").max_length == services.ITEM_NAME_MAX
    longest = max(len(c) for c in PointItem.Category.values)
    assert longest <= PointItem._meta.get_field("category").max_length  # type: ignore[operator]


def test_the_service_lists_every_bound_by_item_and_field(world: World) -> None:
    items = [
        ItemSpec(
            code="C" * 33, name="名" * 101, category="x" * 30, points=1_000_001, cap_person_year=1_000_001
        ),
        ItemSpec(
            code="OK", name="好", category="labour", points=-1_000_001, cap_household_month=0, eligible="?"
        ),
        ItemSpec(code=" OK", name="重复", category="labour", points=1_000_000, cap_person_month=1_000_000),
    ]
    with pytest.raises(DomainError) as caught:
        make_scheme(world.village_a1, items=items)
    message = caught.value.message
    assert caught.value.field == "items"
    for says in (
        "第1项：项目代码“CCCCCCCCCCCCCCCCCCCC…”超过32个字符（现有33个）",
        "第1项：项目名称超过100个字符（现有101个）",
        "第1项：类别“xxxxxxxxxxxxxxxxxxxx…”无效",
        "第1项：分值应在-1000000到1000000之间",
        "第1项：个人每年上限不能超过1000000次",
        "第2项：分值应在-1000000到1000000之间",
        "第2项：每户每月上限须为正整数或留空",
        "第2项：适用对象“?”无效",
        "第3项：项目代码“OK”重复",
    ):
        assert says in message, message
    assert "第3项：分值" not in message and "第3项：个人每月上限" not in message  # the bounds themselves pass
    with pytest.raises(DomainError) as caught:
        make_scheme(
            world.village_a1,
            items=[ItemSpec(code=f"C{i}", name="项", category="other", points=1) for i in range(501)],
        )
    assert caught.value.message == "积分项目不能超过500个（现有501个）。"
    assert not Scheme.objects.exists()


def _scheme_form(world: World, items: str) -> dict[str, Any]:
    return {
        "name": "甲一村新方案", "region": world.village_a1.pk, "effective_from": "2026-01-01", "base_score": 60,
        "reset": "yearly", "accrual": "both", "notice_workdays": 3, "items": items,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("LAB," + "名" * 101 + ",labour,5", "第1项：项目名称超过100个字符（现有101个）"),
        ("C" * 33 + ",义务劳动,labour,5", "第1项：项目代码“CCCCCCCCCCCCCCCCCCCC…”超过32个字符"),
        ("LAB,义务劳动,labour,3000000000", "第1项：分值应在-1000000到1000000之间"),
        ("LAB,义务劳动,labour,-3000000000", "第1项：分值应在-1000000到1000000之间"),
        ("LAB,义务劳动,labour,5,all,否,3000000000", "第1项：个人每月上限不能超过1000000次"),
        ("LAB,义务劳动,labour,5,all,否,,,,,,1000001", "第1项：每户每年上限不能超过1000000次"),
        ("LAB,义务劳动,labour,5\nLAB,又一个,labour,5", "第2项：项目代码“LAB”重复"),
    ],
)
def test_the_scheme_page_refuses_what_the_database_cannot_hold(
    world: World, client: Client, line: str, says: str
) -> None:
    # Before these bounds a 101-character name was saved on SQLite and a 500 (DataError) on PostgreSQL.
    login(client, world.user("village_secretary"))
    response = client.post(reverse("points:scheme_create"), _scheme_form(world, line))
    assert response.status_code == 200 and not Scheme.objects.exists()
    assert f"积分项目：积分项目有误：{says}" in response.content.decode()


def test_the_scheme_page_refuses_more_than_500_items(world: World, client: Client) -> None:
    login(client, world.user("village_secretary"))
    lines = "\n".join(f"C{i},项目{i},other,1" for i in range(501))
    response = client.post(reverse("points:scheme_create"), _scheme_form(world, lines))
    assert "积分项目不能超过500个（现有501个）。" in response.content.decode() and not Scheme.objects.exists()
    lines = "\n".join(f"C{i},项目{i},other,1" for i in range(500))
    assert client.post(reverse("points:scheme_create"), _scheme_form(world, lines)).status_code == 302
    assert Scheme.objects.get().versions.get().items.count() == 500


def test_the_version_page_refuses_an_unchanged_version(world: World, client: Client) -> None:
    scheme = make_scheme(world.village_a1)
    login(client, world.user("village_secretary"))
    url = reverse("points:scheme_version", args=[scheme.pk])
    form = client.get(url).context["form"]
    data = {
        **form.initial,
        "effective_from": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "note": "无",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "与第1版（2026-01-01起生效）完全相同" in response.content.decode()
    assert scheme.versions.count() == 1
    data["items"] += "NEW,扫雪除冰,labour,6\n"
    assert client.post(url, data).status_code == 302 and scheme.versions.count() == 2


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_versions_publish_one() -> None:
    import threading

    from tests.factories import build_world

    w = build_world()
    scheme = make_scheme(w.village_a1)
    items = [ItemSpec(code="NEW", name="扫雪除冰", category="labour", points=6)]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def call() -> None:
        try:
            barrier.wait()
            services.add_scheme_version(
                actor=None, scheme=scheme, effective_from=date(2026, 7, 1), items=items, note="同一次修订"
            )
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.field or "")
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["items", "ok"]
    assert SchemeVersion.objects.filter(scheme=scheme).count() == 2
    assert not LedgerEntry.objects.exists()


def test_the_scheme_page_refuses_odd_digits_and_a_huge_base_score(world: World, client: Client) -> None:
    """'²' passes str.isdigit() but not int(); a base score past the column failed on PostgreSQL."""
    login(client, world.user("village_secretary"))
    response = client.post(
        reverse("points:scheme_create"), _scheme_form(world, "LAB,义务劳动,labour,5,all,否,²")
    )
    assert response.status_code == 200 and "上限“²”应为正整数或留空" in response.content.decode()
    form = _scheme_form(world, "LAB,义务劳动,labour,5")
    form["base_score"] = "9999999999"
    response = client.post(reverse("points:scheme_create"), form)
    assert response.status_code == 200 and not Scheme.objects.exists()
    assert "基础分" in response.content.decode()
    with pytest.raises(DomainError) as err:
        services.create_scheme(
            actor=None, region=world.village_a1, name="方案", items=list(ITEMS), effective_from=date(2026, 1, 1),
            base_score=10**10,
        )  # fmt: skip
    assert err.value.field == "base_score"
