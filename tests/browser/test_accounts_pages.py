"""Account pages in a real browser: forced password change, two-factor enrolment, the security
administrator's user and grant pages, and the auditor's log."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tongxin.accounts import services
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM


@pytest.mark.django_db(transaction=True)
def test_first_login_forces_a_new_password(world: World, live_server, phone_page) -> None:  # type: ignore[no-untyped-def]
    services.create_user(actor=SYSTEM, username="newcomer", real_name="新来的村干部", password=PASSWORD)
    log_in(phone_page, live_server.url, "newcomer", PASSWORD)
    phone_page.wait_for_url("**/accounts/password/")
    phone_page.fill("input[name=old_password]", PASSWORD)
    phone_page.fill("input[name=new_password]", "12345678")
    phone_page.fill("input[name=new_password2]", "12345678")
    phone_page.click("main button[type=submit]")
    assert "新密码：" in phone_page.inner_text("main")
    shot(phone_page, "password-change-error-phone")
    phone_page.fill("input[name=old_password]", PASSWORD)
    phone_page.fill("input[name=new_password]", "Xin-Mima-2026")
    phone_page.fill("input[name=new_password2]", "Xin-Mima-2026")
    phone_page.click("main button[type=submit]")
    phone_page.wait_for_selector("[data-testid=roles]")
    assert "密码已修改" in phone_page.inner_text("main")


@pytest.mark.django_db(transaction=True)
def test_county_admin_enrols_two_factor(world: World, live_server, phone_page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = True
    log_in(phone_page, live_server.url, "county_admin", PASSWORD)
    phone_page.wait_for_url("**/accounts/2fa/setup/")
    assert phone_page.locator("svg").count() >= 1  # the QR code
    shot(phone_page, "otp-setup-phone")
    device = TOTPDevice.objects.get(user__username="county_admin", confirmed=False)
    phone_page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
    phone_page.click("main button[type=submit]")
    phone_page.wait_for_selector("[data-testid=roles]")
    assert TOTPDevice.objects.get(pk=device.pk).confirmed


@pytest.mark.django_db(transaction=True)
def test_security_admin_creates_a_user_and_grants_a_role(
    world: World, live_server, desktop_page, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    page = desktop_page
    log_in(page, live_server.url, "security_admin", PASSWORD)
    page.goto(f"{live_server.url}/accounts/users/")
    page.fill("input[name=username]", "wangwu")
    page.fill("input[name=real_name]", "王五")
    page.fill("input[name=mobile]", "13712345678")
    page.fill("input[name=password]", "Chushi-Mima-9")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/users/*/")
    page.select_option("select[name=role]", "village_secretary")
    page.select_option("select[name=node]", f"region:{world.village_a2.pk}")
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_selector("text=村（社区）党组织书记 · 甲二村")
    assert "137****5678" in page.inner_text("main")
    shot(page, "user-detail-desktop")
    assert User.objects.get(username="wangwu").grants.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_auditor_reads_the_log(world: World, live_server, phone_page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    log_in(phone_page, live_server.url, "township_admin", "wrong-Password-1")
    log_in(phone_page, live_server.url, "auditor", PASSWORD)
    phone_page.wait_for_selector("[data-testid=roles]")
    phone_page.goto(f"{live_server.url}/accounts/audit/?action=accounts.login&success=0")
    table = phone_page.inner_text("[data-testid=audit-table]")
    assert "township_admin" in table and "失败" in table
    shot(phone_page, "audit-phone")
