"""积分超市 in Chromium: the village secretary corrects a goods' price on a phone, takes it off the
shelf and sees it greyed as “已下架”; the shop keeper no longer sees it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tests.points.helpers import make_scheme
from tongxin.accounts.system import SYSTEM
from tongxin.points import services
from tongxin.points.models import Goods


def _login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/")


@pytest.mark.django_db(transaction=True)
def test_secretary_edits_the_price_and_takes_goods_off_the_shelf(
    world: World, live_server, phone_page
) -> None:  # type: ignore[no-untyped-def]
    scheme = make_scheme(world.village_a1)
    goods = services.create_goods(actor=SYSTEM, scheme=scheme, name="洗衣粉", price=10, stock=6)
    services.create_goods(actor=SYSTEM, scheme=scheme, name="毛巾", price=5, stock=3)
    page, base = phone_page, live_server.url
    _login(page, base, "village_secretary")
    page.goto(f"{base}/points/shop/")
    row = f"#goods-{goods.pk}"
    page.click(f"{row} >> text=编辑")
    assert page.input_value("input[name=price]") == "10"
    page.fill("input[name=price]", "0")
    page.click("main button[type=submit]")
    # The browser refuses 0 itself (min=1); a price beyond the bound reaches the server and comes back.
    assert page.input_value("input[name=price]") == "0"
    page.fill("input[name=price]", "2000000")
    page.click("main button[type=submit]")
    assert "兑换所需积分：兑换积分不能超过1000000分。" in page.inner_text(".errorlist")
    assert page.input_value("input[name=name]") == "洗衣粉"
    shot(page, "points-goods-edit-error-phone")
    page.fill("input[name=price]", "12")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已保存“洗衣粉”：12分。")
    assert "12分 · 库存6" in page.inner_text(row)

    page.click(f"{row} >> button:has-text('下架')")
    page.wait_for_selector("text=“洗衣粉”已下架。")
    assert "已下架" in page.inner_text(f"{row} .badge")
    assert "重新上架" in page.inner_text(row)
    goods.refresh_from_db()
    assert (goods.price, goods.stock, goods.is_active) == (12, 6, False)
    shot(page, "points-goods-off-shelf-phone")

    page.context.clear_cookies()
    _login(page, base, "points_recorder")
    page.goto(f"{base}/points/shop/")
    assert "毛巾" in page.inner_text("main") and "洗衣粉" not in page.inner_text("main")
    assert Goods.objects.filter(is_active=True).count() == 1
