"""Pages with charts and inline scripts still work under the Content-Security-Policy (the conftest fails
any test whose page logs a CSP refusal)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World


@pytest.mark.django_db(transaction=True)
def test_charts_render_under_the_csp(world: World, live_server, desktop_page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    page = desktop_page
    log_in(page, live_server.url, "county_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    response = page.goto(f"{live_server.url}/registry/coverage/")
    assert "nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector("#chart-regions canvas")  # ECharts drew, from the nonce'd inline script
    shot(page, "csp-coverage-desktop")


@pytest.mark.django_db(transaction=True)
def test_security_admin_disables_an_account_and_sees_tokens(
    world: World, live_server, desktop_page, settings
) -> None:  # type: ignore[no-untyped-def]
    from tongxin.accounts import services
    from tongxin.accounts.system import SYSTEM

    settings.ENFORCE_2FA = False
    target = world.user("village_secretary")
    services.create_api_token(actor=SYSTEM, user=target, name="村部电脑")
    page = desktop_page
    log_in(page, live_server.url, "security_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/accounts/users/{target.pk}/")
    assert "村部电脑" in page.inner_text("main")
    page.click("[data-testid=disable-user]")
    page.wait_for_selector("[data-testid=enable-user]")
    assert "已停用" in page.inner_text("main") and "已撤销" in page.inner_text("main")
    shot(page, "user-disabled-desktop")
    page.goto(f"{live_server.url}/accounts/tokens/")
    shot(page, "tokens-desktop")
