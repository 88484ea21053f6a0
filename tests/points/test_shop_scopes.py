"""积分超市: bounded quantities and mixed grants.

Restocking and redeeming refuse quantities past the storage bounds with a message naming the field
(never a database error, on SQLite or PostgreSQL); the API answers such input with 422 in the common
shape. Restocking and the goods list reach the union of the shop-keeping (points.shop) and managing
(points.manage) scopes, so someone who keeps one village's shop and manages another works on both,
and goods outside both stay 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, api_client, login, make_user
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.orgs.models import Region
from tongxin.points import services
from tongxin.points.models import Goods

TODAY = date(2026, 4, 20)
# The bounds, written out: the messages below quote them.
RESTOCK_MAX = 1_000_000
STOCK_MAX = 2**31 - 1  # PositiveIntegerField: int32 on PostgreSQL
REDEEM_MAX = 1000


def _goods(region: Region, name: str, *, stock: int = 10) -> Goods:
    scheme = make_scheme(region, name=f"{region.name}积分方案")
    return services.create_goods(actor=None, scheme=scheme, name=name, price=5, stock=stock)


def _stock(goods: Goods) -> int:
    return Goods.objects.get(pk=goods.pk).stock


def _restock_page(client: Client, goods: Goods, quantity: str) -> tuple[int, str]:
    """Post the shop's 入库 form; the status of the answer and the page the user lands on."""
    r = client.post(reverse("points:goods_restock", args=[goods.pk]), {"quantity": quantity})
    if r.status_code != 302:
        return r.status_code, ""
    return r.status_code, client.get(r["Location"]).content.decode()


def _restock_api(user: User, goods: Goods, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    api, headers = api_client(user)
    r = api.post(f"/api/v1/points/goods/{goods.pk}/restock", body, content_type="application/json", **headers)
    return r.status_code, r.json()


def _listed(user: User) -> set[str]:
    api, headers = api_client(user)
    r = api.get("/api/v1/points/goods", **headers)
    assert r.status_code == 200, r.content
    return {g["name"] for g in r.json()["items"]}


# --- bounds in the services ---------------------------------------------------------------------------


def test_it_refuses_a_restock_past_the_bound_and_names_the_field(world: World) -> None:
    goods = _goods(world.village_a1, "肥皂")
    keeper = world.user("points_recorder")
    with pytest.raises(DomainError) as exc:
        services.restock_goods(actor=keeper, goods=goods, quantity=RESTOCK_MAX + 1)
    assert exc.value.field == "quantity"
    assert exc.value.message == "入库数量每次不能超过1000000件。"
    assert _stock(goods) == 10
    services.restock_goods(actor=keeper, goods=goods, quantity=RESTOCK_MAX)
    assert _stock(goods) == 10 + RESTOCK_MAX


def test_it_refuses_a_restock_that_would_overflow_the_stock_column(world: World) -> None:
    goods = _goods(world.village_a1, "肥皂")
    Goods.objects.filter(pk=goods.pk).update(stock=STOCK_MAX - 5)
    keeper = world.user("points_recorder")
    with pytest.raises(DomainError) as exc:
        services.restock_goods(actor=keeper, goods=goods, quantity=6)
    assert exc.value.field == "quantity"
    assert exc.value.message == "入库数量过大：入库后库存将超过2147483647件（现有2147483642件）。"
    assert _stock(goods) == STOCK_MAX - 5
    services.restock_goods(actor=keeper, goods=goods, quantity=5)  # exactly up to the bound
    assert _stock(goods) == STOCK_MAX
    events = AuditEvent.objects.filter(action="points.goods.restock")
    assert [e.success for e in events.order_by("id")] == [False, True]


def test_it_refuses_a_redemption_past_the_bound_and_names_the_field(world: World) -> None:
    goods = _goods(world.village_a1, "肥皂", stock=5000)
    person = make_villagers(world.village_a1, 1).people[0]
    with pytest.raises(DomainError) as exc:
        services.redeem(
            actor=world.user("points_recorder"),
            goods=goods,
            person=person,
            quantity=REDEEM_MAX + 1,
            today=TODAY,
        )
    assert exc.value.field == "quantity"
    assert exc.value.message == "兑换数量每次不能超过1000件。"
    assert _stock(goods) == 5000


# --- the 入库 form on the shop page ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1000001", "入库数量每次不能超过1000000件。"),
        ("9999999999", "入库数量每次不能超过1000000件。"),  # past int32: a DataError on PostgreSQL
        ("9" * 30, "入库数量每次不能超过1000000件。"),  # past int64: an OverflowError on SQLite
        ("0", "入库数量须为正整数。"),
        ("-3", "入库数量须为正整数。"),
        ("三", "入库数量须为正整数。"),
        ("²", "入库数量须为正整数。"),  # str.isdigit() takes it, int() does not
        ("", "入库数量须为正整数。"),
    ],
)
def test_the_restock_form_refuses_bad_quantities_with_a_message(
    world: World, client: Client, typed: str, message: str
) -> None:
    goods = _goods(world.village_a1, "肥皂")
    login(client, world.user("points_recorder"))
    status, page = _restock_page(client, goods, typed)
    assert status == 302 and message in page
    assert "入库数量：入库数量" not in page
    assert _stock(goods) == 10


def test_the_restock_form_refuses_a_stock_past_the_column(world: World, client: Client) -> None:
    goods = _goods(world.village_a1, "肥皂")
    Goods.objects.filter(pk=goods.pk).update(stock=STOCK_MAX - 1)
    login(client, world.user("village_secretary"))
    status, page = _restock_page(client, goods, "2")
    assert status == 302 and "入库后库存将超过2147483647件" in page
    assert _stock(goods) == STOCK_MAX - 1


def test_the_restock_form_takes_full_width_digits(world: World, client: Client) -> None:
    goods = _goods(world.village_a1, "肥皂")
    login(client, world.user("points_recorder"))
    status, page = _restock_page(client, goods, " １２ ")
    assert status == 302 and "“肥皂”已入库12件，现有库存22件。" in page
    assert _stock(goods) == 22


def test_the_redeem_form_refuses_a_quantity_past_the_bound(world: World, client: Client) -> None:
    goods = _goods(world.village_a1, "肥皂", stock=5000)
    person = make_villagers(world.village_a1, 1).people[0]
    login(client, world.user("points_recorder"))
    r = client.post(
        reverse("points:goods_redeem", args=[goods.pk]),
        {"person": str(person.pk), "quantity": "99999999999"},
    )
    assert r.status_code == 200 and "兑换数量每次不能超过1000件。" in r.content.decode()
    assert _stock(goods) == 5000


# --- the API: bad input is 422, a refusal 400, never 500 --------------------------------------------


@pytest.mark.parametrize("quantity", [RESTOCK_MAX + 1, 9_999_999_999, 10**30, 0, -3, "五", None])
def test_api_restock_answers_bad_quantities_with_422(world: World, quantity: object) -> None:
    goods = _goods(world.village_a1, "肥皂")
    body = {} if quantity is None else {"quantity": quantity}
    status, answer = _restock_api(world.user("points_recorder"), goods, body)
    assert status == 422
    assert answer["code"] == "invalid" and answer["field"] == "quantity"
    assert str(answer["message"]).startswith("字段 quantity ")
    assert _stock(goods) == 10


def test_api_restock_refuses_a_stock_past_the_column_in_the_common_shape(world: World) -> None:
    goods = _goods(world.village_a1, "肥皂")
    Goods.objects.filter(pk=goods.pk).update(stock=STOCK_MAX)
    status, answer = _restock_api(world.user("village_secretary"), goods, {"quantity": 1})
    assert status == 400
    assert answer == {
        "code": "invalid",
        "message": "入库数量过大：入库后库存将超过2147483647件（现有2147483647件）。",
        "field": "quantity",
    }


def test_api_restock_adds_to_the_stock(world: World) -> None:
    goods = _goods(world.village_a1, "肥皂")
    status, answer = _restock_api(world.user("points_recorder"), goods, {"quantity": 7})
    assert status == 200 and answer["stock"] == 17 and answer["id"] == goods.pk


def test_api_redeem_answers_a_quantity_past_the_bound_with_422(world: World) -> None:
    goods = _goods(world.village_a1, "肥皂", stock=5000)
    person = make_villagers(world.village_a1, 1).people[0]
    api, headers = api_client(world.user("points_recorder"))
    r = api.post(
        f"/api/v1/points/goods/{goods.pk}/redeem",
        {"person_id": person.pk, "quantity": 10**12},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 422 and r.json()["field"] == "quantity"
    assert _stock(goods) == 5000


# --- mixed grants: keeping one village's shop and managing another ---------------------------------


@dataclass
class Villages:
    kept: Goods  # 甲一村: the user keeps its shop (points.shop)
    managed: Goods  # 乙一村: the user manages it (points.manage)
    neither: list[Goods]  # 甲二村 and 乙二村


def _villages(world: World) -> Villages:
    return Villages(
        kept=_goods(world.village_a1, "甲一村肥皂"),
        managed=_goods(world.village_b1, "乙一村毛巾"),
        neither=[_goods(world.village_a2, "甲二村大米"), _goods(world.village_b2, "乙二村食用油")],
    )


def _mixed(world: World) -> User:
    user = make_user("keeper_and_manager")
    account_services.grant_role(actor=None, user=user, role="points_recorder", node=world.village_a1)
    account_services.grant_role(actor=None, user=user, role="village_secretary", node=world.village_b1)
    return User.objects.get(pk=user.pk)


def _denials(goods: Goods) -> int:
    return AuditEvent.objects.filter(action="access.denied", target_id=str(goods.pk)).count()


def test_a_keeper_who_manages_another_village_restocks_both_on_the_page(world: World, client: Client) -> None:
    v = _villages(world)
    login(client, _mixed(world))
    for goods in (v.kept, v.managed):
        status, page = _restock_page(client, goods, "3")
        assert status == 302 and f"“{goods.name}”已入库3件" in page
        assert _stock(goods) == 13
    for goods in v.neither:
        assert _restock_page(client, goods, "3")[0] == 404
        assert _stock(goods) == 10
        assert _denials(goods) == 1


def test_a_keeper_who_manages_another_village_restocks_both_in_the_api(world: World) -> None:
    v = _villages(world)
    user = _mixed(world)
    for goods in (v.kept, v.managed):
        status, answer = _restock_api(user, goods, {"quantity": 4})
        assert status == 200 and answer["stock"] == 14
    for goods in v.neither:
        status, answer = _restock_api(user, goods, {"quantity": 4})
        assert status == 404
        assert answer == {"code": "not_found", "message": "未找到该记录，或您无权查看。", "field": None}
        assert _stock(goods) == 10


def test_a_keeper_who_manages_another_village_sees_the_goods_of_both(world: World, client: Client) -> None:
    v = _villages(world)
    user = _mixed(world)
    assert _listed(user) == {"甲一村肥皂", "乙一村毛巾"}
    login(client, user)
    html = client.get(reverse("points:shop")).content.decode()
    assert f'id="goods-{v.kept.pk}"' in html and f'id="goods-{v.managed.pk}"' in html
    assert reverse("points:goods_restock", args=[v.managed.pk]) in html
    assert all(f'id="goods-{g.pk}"' not in html for g in v.neither)


def test_a_manager_without_the_shop_grant_sees_the_goods_of_the_schemes_they_manage(
    world: World, client: Client
) -> None:
    v = _villages(world)
    off = services.create_goods(actor=None, scheme=v.kept.scheme, name="甲一村毛巾", price=3, stock=4)
    services.set_goods_active(actor=None, goods=off, active=False)
    secretary = world.user("village_secretary")  # points.manage on 甲一村, no points.shop
    assert not secretary.has_perm_anywhere("points.shop")
    api, headers = api_client(secretary)
    items = api.get("/api/v1/points/goods", **headers).json()["items"]
    assert {(g["name"], g["is_active"]) for g in items} == {("甲一村肥皂", True), ("甲一村毛巾", False)}
    assert _listed(world.user("township_admin")) == {"甲一村肥皂", "甲一村毛巾", "甲二村大米"}
    login(client, secretary)
    html = client.get(reverse("points:shop")).content.decode()
    assert f'id="goods-{v.kept.pk}"' in html and f'id="goods-{off.pk}"' in html
    assert f'id="goods-{v.managed.pk}"' not in html


# --- who may restock and list: role x action ---------------------------------------------------------

ACTIONS = ["restock_page", "restock_api", "list_api"]

# "ok" = restocked (or the goods are listed); "404" = the page or goods do not exist for them;
# "empty" = the list answers but without the goods.
TABLE: dict[str, list[str]] = {
    "points_recorder":   ["ok",  "ok",  "ok"],
    "village_secretary": ["ok",  "ok",  "ok"],
    "township_admin":    ["ok",  "ok",  "ok"],
    "county_admin":      ["ok",  "ok",  "ok"],
    "points_reviewer":   ["404", "404", "empty"],
    "county_leader":     ["404", "404", "empty"],
    "resident":          ["404", "404", "empty"],
    "outsider":          ["404", "404", "empty"],
}  # fmt: skip


def _role_user(world: World, role: str) -> User:
    if role == "outsider":
        assert world.outsider is not None
        return world.outsider
    return world.user(role)


@pytest.mark.parametrize("role", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(world: World, client: Client, role: str, action: str) -> None:
    goods = _goods(world.village_a1, "肥皂")
    user = _role_user(world, role)
    if action == "restock_page":
        login(client, user)
        status, _ = _restock_page(client, goods, "2")
        result = "ok" if status == 302 and _stock(goods) == 12 else str(status)
    elif action == "restock_api":
        status, _ = _restock_api(user, goods, {"quantity": 2})
        result = "ok" if status == 200 and _stock(goods) == 12 else str(status)
    else:
        result = "ok" if _listed(user) == {"肥皂"} else "empty"
    assert result == TABLE[role][ACTIONS.index(action)]


def test_api_says_which_bound_a_number_broke(world: World) -> None:
    """A 422 names the field and the bound, not just 'bad format'."""
    goods = _goods(world.village_a1, "肥皂", stock=5000)
    person = make_villagers(world.village_a1, 1).people[0]
    api, headers = api_client(world.user("points_recorder"))
    r = api.post(
        f"/api/v1/points/goods/{goods.pk}/redeem",
        {"person_id": person.pk, "quantity": 10**12},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 422
    assert r.json()["message"] == "字段 quantity 不能大于1000。"


def test_goods_cannot_be_created_with_a_stock_past_the_column(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    with pytest.raises(DomainError) as err:
        services.create_goods(actor=None, scheme=scheme, name="肥皂", price=10, stock=10**10)
    assert err.value.field == "stock" and "1000000" in err.value.message
    assert not Goods.objects.filter(name="肥皂").exists()
