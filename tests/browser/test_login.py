"""Log in, see the home page, log out — on a phone and on a desktop."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_login_home_logout(world: World, live_server, request, device: str) -> None:  # type: ignore[no-untyped-def]
    page = request.getfixturevalue(f"{device}_page")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    shot(page, f"login-{device}")

    log_in(page, live_server.url, "township_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    assert "乡镇（街道）管理员 · 甲镇" in page.inner_text("[data-testid=roles]")
    shot(page, f"home-{device}")

    if device == "phone":
        page.click("button.navbar-toggler")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/accounts/login/")
    assert "您已安全退出" in page.content()
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_a_chinese_message(world: World, live_server, phone_page) -> None:  # type: ignore[no-untyped-def]
    log_in(phone_page, live_server.url, "township_admin", "wrong-password")
    assert "用户名或密码不正确" in phone_page.content()
