"""积分超市: correcting goods (name, price) and taking them off the shelf (下架) and back (上架).

Only managers of the goods' region may do either; an edit never touches stock or past redemptions;
setting the state the goods are already in is not an error and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, api_client, login, make_user
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.orgs.models import Person
from tongxin.points import services
from tongxin.points.models import Goods, Redemption, Scheme, Wallet

TODAY = date(2026, 4, 20)


@dataclass
class Shop:
    scheme: Scheme
    goods: Goods  # on the shelf
    off: Goods  # off the shelf
    person: Person


def _shop(world: World) -> Shop:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    services.award_points(
        actor=None,
        person=person,
        points=50,
        source="test",
        source_ref="earn",
        reason="测试",
        on=date(2026, 4, 1),
    )
    goods = services.create_goods(actor=None, scheme=scheme, name="肥皂", price=5, stock=10)
    off = services.create_goods(actor=None, scheme=scheme, name="毛巾", price=3, stock=4)
    services.set_goods_active(actor=None, goods=off, active=False)
    return Shop(scheme=scheme, goods=goods, off=off, person=person)


def _events(action: str, **filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


# --- the services ---------------------------------------------------------------------------------


def test_it_corrects_name_and_price_and_records_before_and_after(world: World) -> None:
    s = _shop(world)
    secretary = world.user("village_secretary")
    goods = services.update_goods(actor=secretary, goods=s.goods, name="  香皂  ", price=7)
    assert (goods.name, goods.price, goods.stock, goods.is_active) == ("香皂", 7, 10, True)
    (event,) = _events("points.goods.update", success=True)
    assert event.actor == secretary and event.target_id == str(goods.pk)
    assert event.org_path == world.village_a1.path
    assert event.before == {"name": "肥皂", "price": 5}
    assert event.after == {"name": "香皂", "price": 7}


@pytest.mark.parametrize(
    ("name", "price", "field"),
    [
        ("", 5, "name"),
        ("   ", 5, "name"),
        ("肥皂", 0, "price"),
        ("肥皂", -3, "price"),
        ("肥皂", 1_000_001, "price"),
    ],
)
def test_it_refuses_bad_input_with_the_messages_of_create(
    world: World, name: str, price: int, field: str
) -> None:
    s = _shop(world)
    secretary = world.user("village_secretary")
    with pytest.raises(DomainError) as created:
        services.create_goods(actor=secretary, scheme=s.scheme, name=name, price=price, stock=1)
    with pytest.raises(DomainError) as updated:
        services.update_goods(actor=secretary, goods=s.goods, name=name, price=price)
    assert (updated.value.message, updated.value.field) == (created.value.message, created.value.field)
    assert updated.value.field == field
    s.goods.refresh_from_db()
    assert (s.goods.name, s.goods.price) == ("肥皂", 5)
    assert not _events("points.goods.update", success=True)
    assert len(_events("points.goods.update", success=False)) == 1


def test_a_price_change_leaves_past_redemptions_alone(world: World) -> None:
    s = _shop(world)
    keeper = world.user("points_recorder")
    first = services.redeem(actor=keeper, goods=s.goods, person=s.person, quantity=2, today=TODAY)
    services.update_goods(actor=world.user("village_secretary"), goods=s.goods, name="肥皂", price=20)
    first.refresh_from_db()
    assert first.points == 10
    wallet = Wallet.objects.get(person=s.person, scheme=s.scheme, cycle="2026")
    assert (wallet.spent, wallet.balance) == (10, 40)
    second = services.redeem(actor=keeper, goods=s.goods, person=s.person, today=TODAY)
    assert second.points == 20
    assert [r.points for r in Redemption.objects.order_by("id")] == [10, 20]
    s.goods.refresh_from_db()
    assert s.goods.stock == 7


def test_an_edit_never_writes_back_a_stale_stock(world: World) -> None:
    s = _shop(world)
    stale = Goods.objects.get(pk=s.goods.pk)  # read before the stock changes
    services.restock_goods(actor=world.user("points_recorder"), goods=s.goods, quantity=3)
    services.redeem(actor=world.user("points_recorder"), goods=s.goods, person=s.person, today=TODAY)
    services.update_goods(actor=world.user("village_secretary"), goods=stale, name="香皂", price=6)
    assert Goods.objects.get(pk=s.goods.pk).stock == 12


def test_an_edit_that_changes_nothing_records_nothing(world: World) -> None:
    s = _shop(world)
    services.update_goods(actor=world.user("village_secretary"), goods=s.goods, name="肥皂 ", price=5)
    assert not _events("points.goods.update")


def test_goods_off_the_shelf_are_refused_by_redeem_until_put_back(world: World) -> None:
    s = _shop(world)
    keeper, secretary = world.user("points_recorder"), world.user("village_secretary")
    with pytest.raises(DomainError) as exc:
        services.redeem(actor=keeper, goods=s.off, person=s.person, today=TODAY)
    assert (exc.value.message, exc.value.field) == ("“毛巾”已下架。", "goods")
    services.set_goods_active(actor=secretary, goods=s.off, active=True)
    assert services.redeem(actor=keeper, goods=s.off, person=s.person, today=TODAY).points == 3
    services.set_goods_active(actor=secretary, goods=s.goods, active=False)
    with pytest.raises(DomainError):
        services.redeem(actor=keeper, goods=s.goods, person=s.person, today=TODAY)
    s.goods.refresh_from_db()
    assert s.goods.stock == 10 and Redemption.objects.count() == 1


def test_setting_the_same_state_again_is_not_an_error_and_records_one_event(world: World) -> None:
    s = _shop(world)
    secretary = world.user("village_secretary")
    for _ in range(2):
        goods = services.set_goods_active(actor=secretary, goods=s.goods, active=False)
        assert goods.is_active is False
    (event,) = _events("points.goods.set_active", actor=secretary)
    assert (event.before, event.after, event.success) == ({"is_active": True}, {"is_active": False}, True)
    services.set_goods_active(actor=secretary, goods=s.goods, active=True)
    services.set_goods_active(actor=secretary, goods=s.goods, active=True)
    assert [e.after for e in _events("points.goods.set_active", actor=secretary)] == [
        {"is_active": False},
        {"is_active": True},
    ]


@pytest.mark.parametrize("role", ["points_recorder", "points_reviewer", "resident"])
def test_only_managers_may_edit_or_shelve(world: World, role: str) -> None:
    s = _shop(world)
    with pytest.raises(DomainError) as exc:
        services.update_goods(actor=world.user(role), goods=s.goods, name="香皂", price=9)
    assert exc.value.field == "goods"
    with pytest.raises(DomainError):
        services.set_goods_active(actor=world.user(role), goods=s.goods, active=False)
    s.goods.refresh_from_db()
    assert (s.goods.name, s.goods.price, s.goods.is_active) == ("肥皂", 5, True)


def test_a_manager_of_another_village_may_not(world: World) -> None:
    scheme = make_scheme(world.village_a2, name="甲二村方案")
    goods = services.create_goods(actor=None, scheme=scheme, name="米", price=9, stock=1)
    with pytest.raises(DomainError) as exc:
        services.update_goods(actor=world.user("village_secretary"), goods=goods, name="大米", price=9)
    assert exc.value.message == "该商品不在您的积分管理范围内。"
    with pytest.raises(DomainError):
        services.set_goods_active(actor=world.user("village_secretary"), goods=goods, active=False)
    # the township admin above both villages may
    services.update_goods(actor=world.user("township_admin"), goods=goods, name="大米", price=9)
    assert Goods.objects.get(pk=goods.pk).name == "大米"


# --- permission table -------------------------------------------------------------------------------


def _user(world: World, role: str) -> User:
    if role == "outsider":
        assert world.outsider is not None
        return world.outsider
    if role == "shop_keeper":
        # No role holds points.shop alone: the shop is kept by a 积分员 (roles.py). A keeper of its
        # own, granted on the village like the world's users, next to the recorder's row.
        keeper = make_user("shop_keeper_a1")
        account_services.grant_role(actor=None, user=keeper, role="points_recorder", node=world.village_a1)
        return User.objects.get(pk=keeper.pk)
    return world.user(role)


def _do(client: Client, user: User, action: str, s: Shop) -> str:
    """Run ``action``; "ok" when a write happened, else the page's status (or what the shop shows)."""
    if action == "shop_page":
        return str(client.get(reverse("points:shop")).status_code)
    if action == "sees_off_shelf":
        page = client.get(reverse("points:shop"))
        if page.status_code != 200:
            return str(page.status_code)
        html = page.content.decode()
        return "shown" if f'id="goods-{s.off.pk}"' in html and "已下架" in html else "hidden"
    if action == "edit_page":
        return str(client.get(reverse("points:goods_edit", args=[s.goods.pk])).status_code)
    if action == "edit":
        r = client.post(reverse("points:goods_edit", args=[s.goods.pk]), {"name": "香皂", "price": "8"})
        s.goods.refresh_from_db()
        return "ok" if s.goods.price == 8 else str(r.status_code)
    if action == "take_off":
        r = client.post(reverse("points:goods_active", args=[s.goods.pk]), {"active": "0"})
        s.goods.refresh_from_db()
        return "ok" if not s.goods.is_active else str(r.status_code)
    if action == "put_back":
        r = client.post(reverse("points:goods_active", args=[s.off.pk]), {"active": "1"})
        s.off.refresh_from_db()
        return "ok" if s.off.is_active else str(r.status_code)
    if action == "redeem_off_shelf":
        return str(client.get(reverse("points:goods_redeem", args=[s.off.pk])).status_code)
    api, headers = api_client(user)
    if action == "api_edit":
        r = api.patch(
            f"/api/v1/points/goods/{s.goods.pk}", {"price": 8}, content_type="application/json", **headers
        )
        s.goods.refresh_from_db()
        return "ok" if r.status_code == 200 and s.goods.price == 8 else str(r.status_code)
    if action == "api_take_off":
        r = api.post(
            f"/api/v1/points/goods/{s.goods.pk}/active",
            {"is_active": False},
            content_type="application/json",
            **headers,
        )
        s.goods.refresh_from_db()
        return "ok" if r.status_code == 200 and not s.goods.is_active else str(r.status_code)
    raise AssertionError(action)


ACTIONS = [
    "shop_page", "sees_off_shelf", "edit_page", "edit", "take_off", "put_back", "redeem_off_shelf",
    "api_edit", "api_take_off",
]  # fmt: skip

# Expected result by role, in the order of ACTIONS. "ok" = allowed and it happened; "404" = the page or
# the goods do not exist for them; "302" = sent back to the shop ("已下架，不能兑换"); "shown"/"hidden" =
# whether the shop lists the goods that are off the shelf.
TABLE: dict[str, list[str]] = {
    "points_recorder":   ["200", "hidden", "404", "404", "404", "404", "302", "404", "404"],
    "shop_keeper":       ["200", "hidden", "404", "404", "404", "404", "302", "404", "404"],
    "points_reviewer":   ["404", "404",    "404", "404", "404", "404", "404", "404", "404"],
    "village_secretary": ["200", "shown",  "200", "ok",  "ok",  "ok",  "404", "ok",  "ok"],
    "township_admin":    ["200", "shown",  "200", "ok",  "ok",  "ok",  "404", "ok",  "ok"],
    "resident":          ["404", "404",    "404", "404", "404", "404", "404", "404", "404"],
    "outsider":          ["404", "404",    "404", "404", "404", "404", "404", "404", "404"],
}  # fmt: skip


@pytest.mark.parametrize("role", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(world: World, client: Client, role: str, action: str) -> None:
    s = _shop(world)
    user = _user(world, role)
    login(client, user)
    assert _do(client, user, action, s) == TABLE[role][ACTIONS.index(action)]


# --- pages ----------------------------------------------------------------------------------------


def test_the_edit_page_is_prefilled_and_saves(world: World, client: Client) -> None:
    s = _shop(world)
    login(client, world.user("village_secretary"))
    page = client.get(reverse("points:goods_edit", args=[s.goods.pk])).content.decode()
    assert 'value="肥皂"' in page and 'value="5"' in page and "库存10" in page
    assert 'name="stock"' not in page
    r = client.post(
        reverse("points:goods_edit", args=[s.goods.pk]), {"name": "香皂", "price": "6"}, follow=True
    )
    assert "已保存“香皂”：6分。" in r.content.decode()
    s.goods.refresh_from_db()
    assert (s.goods.name, s.goods.price, s.goods.stock) == ("香皂", 6, 10)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "", "price": "6"}, "商品名称：这个字段是必填项。"),
        ({"name": "新香皂", "price": "0"}, "兑换所需积分：确保该值大于或等于1。"),
        ({"name": "新香皂", "price": "六"}, "兑换所需积分：输入整数。"),
        ({"name": "新香皂", "price": "2000000"}, "兑换所需积分：兑换积分不能超过1000000分。"),
    ],
)
def test_bad_input_names_the_field_and_keeps_what_was_typed(
    world: World, client: Client, data: dict[str, str], error: str
) -> None:
    s = _shop(world)
    login(client, world.user("village_secretary"))
    r = client.post(reverse("points:goods_edit", args=[s.goods.pk]), data)
    html = r.content.decode()
    assert r.status_code == 200 and error in html
    for value in data.values():
        assert f'value="{value}"' in html or value == ""
    s.goods.refresh_from_db()
    assert (s.goods.name, s.goods.price) == ("肥皂", 5)


def test_the_shop_shows_managers_goods_off_the_shelf_greyed_and_hides_them_from_the_keeper(
    world: World, client: Client
) -> None:
    s = _shop(world)
    login(client, world.user("village_secretary"))
    html = client.get(reverse("points:shop")).content.decode()
    assert "毛巾" in html and "已下架" in html and "重新上架" in html and "text-body-secondary" in html
    assert reverse("points:goods_edit", args=[s.goods.pk]) in html
    login(client, world.user("points_recorder"))
    html = client.get(reverse("points:shop")).content.decode()
    assert "肥皂" in html and "毛巾" not in html
    assert reverse("points:goods_edit", args=[s.goods.pk]) not in html
    assert reverse("points:goods_redeem", args=[s.goods.pk]) in html
    r = client.get(reverse("points:goods_redeem", args=[s.off.pk]), follow=True)
    assert "“毛巾”已下架，不能兑换。" in r.content.decode()


def test_the_shelf_switch_takes_only_post_and_a_wanted_state(world: World, client: Client) -> None:
    s = _shop(world)
    login(client, world.user("village_secretary"))
    url = reverse("points:goods_active", args=[s.goods.pk])
    assert client.get(url).status_code == 405
    r = client.post(url, {"active": "toggle"}, follow=True)
    assert "上架状态：请选择上架或下架。" in r.content.decode()
    first = client.post(url, {"active": "0"}, follow=True).content.decode()
    again = client.post(url, {"active": "0"}, follow=True).content.decode()
    assert "“肥皂”已下架。" in first and "“肥皂”本已下架。" in again
    assert len(_events("points.goods.set_active", target_id=str(s.goods.pk))) == 1


def test_goods_outside_the_scope_are_404_everywhere(world: World, client: Client) -> None:
    scheme = make_scheme(world.village_b1, name="乙一村方案")
    goods = services.create_goods(actor=None, scheme=scheme, name="乙村食用油", price=9, stock=2)
    for role in ("village_secretary", "township_admin"):
        user = world.user(role)
        login(client, user)
        assert client.get(reverse("points:goods_edit", args=[goods.pk])).status_code == 404
        edit = client.post(reverse("points:goods_edit", args=[goods.pk]), {"name": "油", "price": "1"})
        off = client.post(reverse("points:goods_active", args=[goods.pk]), {"active": "0"})
        assert edit.status_code == off.status_code == 404
        assert "乙村食用油" not in client.get(reverse("points:shop")).content.decode()
        api, headers = api_client(user)
        r = api.patch(
            f"/api/v1/points/goods/{goods.pk}", {"price": 1}, content_type="application/json", **headers
        )
        assert r.status_code == 404
        assert r.json() == {"code": "not_found", "message": "未找到该记录，或您无权查看。", "field": None}
    goods.refresh_from_db()
    assert (goods.name, goods.price, goods.is_active) == ("乙村食用油", 9, True)
    # 4 refusals by each of 2 users, recorded once per user and row within the window (core.scoping)
    assert len(_events("access.denied", target_id=str(goods.pk))) == 2
    assert not _events("points.goods.update") and not _events(
        "points.goods.set_active", target_id=str(goods.pk)
    )


# --- API --------------------------------------------------------------------------------------------


def test_api_patch_changes_only_the_fields_sent(world: World) -> None:
    s = _shop(world)
    api, headers = api_client(world.user("village_secretary"))
    url = f"/api/v1/points/goods/{s.goods.pk}"
    r = api.patch(url, {"price": 8}, content_type="application/json", **headers)
    assert r.status_code == 200, r.content
    assert r.json() == {
        "id": s.goods.pk, "scheme_id": s.scheme.pk, "name": "肥皂", "price": 8, "stock": 10, "is_active": True
    }  # fmt: skip
    r = api.patch(url, {"name": "香皂"}, content_type="application/json", **headers)
    assert (r.json()["name"], r.json()["price"]) == ("香皂", 8)
    r = api.patch(url, {"stock": 999}, content_type="application/json", **headers)
    assert r.status_code == 200 and r.json()["stock"] == 10
    assert len(_events("points.goods.update", success=True)) == 2


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"name": "  "}, 400, "name", "请填写商品名称。"),
        ({"price": 0}, 400, "price", "兑换积分须为正整数。"),
        ({"price": 10**12}, 400, "price", "兑换积分不能超过1000000分。"),
        ({"name": "长" * 101}, 422, "name", "字段 name 太长（最多100个字符）。"),
        ({"price": "五"}, 422, "price", "字段 price 应为整数。"),
    ],
)
def test_api_refusals_have_the_common_shape(
    world: World, body: dict[str, object], status: int, field: str, message: str
) -> None:
    s = _shop(world)
    api, headers = api_client(world.user("village_secretary"))
    r = api.patch(f"/api/v1/points/goods/{s.goods.pk}", body, content_type="application/json", **headers)
    assert r.status_code == status
    assert r.json() == {"code": "invalid", "message": message, "field": field}
    s.goods.refresh_from_db()
    assert (s.goods.name, s.goods.price) == ("肥皂", 5)


def test_api_takes_goods_off_the_shelf_and_back(world: World) -> None:
    s = _shop(world)
    # The API redeems today, from this year's wallet.
    services.award_points(
        actor=None, person=s.person, points=5, source="test", source_ref="now", reason="测试",
        on=timezone.localdate(),
    )  # fmt: skip
    api, headers = api_client(world.user("village_secretary"))
    url = f"/api/v1/points/goods/{s.goods.pk}/active"
    for _ in range(2):
        r = api.post(url, {"is_active": False}, content_type="application/json", **headers)
        assert r.status_code == 200 and r.json()["is_active"] is False
    assert len(_events("points.goods.set_active", target_id=str(s.goods.pk))) == 1
    keeper, kh = api_client(world.user("points_recorder"))
    redeem = f"/api/v1/points/goods/{s.goods.pk}/redeem"
    r = keeper.post(redeem, {"person_id": s.person.pk}, content_type="application/json", **kh)
    assert r.status_code == 400 and r.json() == {
        "code": "invalid",
        "message": "“肥皂”已下架。",
        "field": "goods",
    }
    r = api.post(url, {"is_active": True}, content_type="application/json", **headers)
    assert r.json()["is_active"] is True
    r = keeper.post(redeem, {"person_id": s.person.pk}, content_type="application/json", **kh)
    assert r.status_code == 201 and r.json()["points"] == 5
    r = api.post(url, {}, content_type="application/json", **headers)
    assert r.status_code == 422 and r.json()["field"] == "is_active"
