from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, World, make_user
from tongxin.accounts.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from tongxin.core.models import AuditEvent

LOGIN = "/accounts/login/"


def _post_login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_lockout_after_five_failures_for_ten_minutes(world: World, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        response = _post_login(client, "township_admin", "wrong-Password-1")
    assert response.status_code in (403, 429)
    assert "锁定" in response.content.decode()
    # Even the right password is refused while locked.
    locked = _post_login(client, "township_admin", PASSWORD)
    assert locked.status_code in (403, 429)
    assert (
        AuditEvent.objects.filter(
            action="accounts.login", success=False, actor_username="township_admin"
        ).count()
        >= 5
    )
    # Ten minutes later the account opens again.
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=11))
    assert _post_login(client, "township_admin", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_four_failures_do_not_lock(world: World, client: Client) -> None:
    for _ in range(4):
        assert _post_login(client, "township_admin", "wrong-Password-1").status_code == 200
    assert _post_login(client, "township_admin", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_first_login_forces_a_password_change(db: None, client: Client) -> None:
    from tongxin.accounts import services

    services.create_user(
        actor=None, username="newcomer", real_name="新人", password=PASSWORD, must_change_password=True
    )
    assert _post_login(client, "newcomer", PASSWORD).status_code == 302
    assert client.get("/").url == reverse("accounts:password_change")
    weak = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "password", "new_password2": "password"},
    )
    assert weak.status_code == 200
    assert "新密码：" in weak.content.decode()  # the field is named with the reason
    ok = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password": "Qiang-Mima-77", "new_password2": "Qiang-Mima-77"},
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_password_older_than_90_days_must_be_changed(world: World, client: Client) -> None:
    user = world.user("township_admin")
    user.password_changed_at = timezone.now() - timedelta(days=90)
    user.save(update_fields=["password_changed_at"])
    client.force_login(user)
    assert client.get("/").url == reverse("accounts:password_change")


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Abcdef1!", True), ("abcdef12", False), ("Abcdefgh", False), ("Ab1!", False), ("Password1", False)],
)
@pytest.mark.django_db
def test_password_policy(password: str, ok: bool) -> None:
    from tongxin.accounts import services
    from tongxin.core.errors import DomainError

    if ok:
        services.create_user(actor=None, username="p", real_name="甲", password=password)
    else:
        with pytest.raises(DomainError) as exc:
            services.create_user(actor=None, username="p", real_name="甲", password=password)
        assert exc.value.field == "password"


@pytest.mark.django_db
def test_idle_timeout_logs_out(world: World, client: Client) -> None:
    client.force_login(world.user("township_admin"))
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_SEEN_AT] = time.time() - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert client.get("/").url.startswith(LOGIN)  # really logged out


@pytest.mark.django_db
def test_activity_within_the_idle_limit_keeps_the_session(world: World, client: Client) -> None:
    client.force_login(world.user("township_admin"))
    client.get("/")
    session = client.session
    session[SESSION_SEEN_AT] = time.time() - 29 * 60
    session.save()
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_absolute_timeout_after_12_hours_despite_activity(world: World, client: Client) -> None:
    client.force_login(world.user("township_admin"))
    client.get("/")
    session = client.session
    session[SESSION_AUTH_AT] = time.time() - 12 * 3600 - 5
    session[SESSION_SEEN_AT] = time.time()
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.django_db
def test_logout_flushes_the_session(world: World, client: Client) -> None:
    client.force_login(world.user("township_admin"))
    old_key = client.session.session_key
    assert client.get("/accounts/logout/").status_code == 405  # logout is a POST
    client.post("/accounts/logout/")
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()


@pytest.mark.parametrize("role", ["county_admin", "security_admin", "auditor"])
@pytest.mark.django_db
def test_two_factor_required_for_the_three_roles(world: World, client: Client, role: str) -> None:
    assert _post_login(client, role, PASSWORD).status_code == 302
    # No device yet: every page leads to enrolment.
    assert client.get("/").url == reverse("accounts:otp_setup")
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=world.user(role), confirmed=False)
    wrong = client.post(
        reverse("accounts:otp_setup"), {"token": "000000" if totp(device.bin_key) != 0 else "111111"}
    )
    assert "动态验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows down guessing after a wrong code; skip the wait
    code = f"{totp(device.bin_key):06d}"
    assert client.post(reverse("accounts:otp_setup"), {"token": code}).status_code == 302
    assert client.get("/").status_code == 200
    # A new login with an enrolled device asks for the code before anything else.
    client.post("/accounts/logout/")
    _post_login(client, role, PASSWORD)
    assert client.get("/").url == reverse("accounts:otp_verify")


@pytest.mark.parametrize("role", ["township_admin", "village_secretary", "grid_worker", "resident"])
@pytest.mark.django_db
def test_other_roles_need_no_second_factor(world: World, client: Client, role: str) -> None:
    _post_login(client, role, PASSWORD)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_demo_mode_turns_two_factor_off(world: World, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    _post_login(client, "county_admin", PASSWORD)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_login_page_says_demo_only_in_demo_mode(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    assert "演示系统" not in client.get(LOGIN).content.decode()
    settings.DEMO_MODE = True
    assert "演示系统" in client.get(LOGIN).content.decode()


@pytest.mark.django_db
def test_unknown_user_failure_is_audited(db: None, client: Client) -> None:
    make_user("someone")
    _post_login(client, "nobody", "x")
    assert AuditEvent.objects.filter(action="accounts.login", success=False, actor_username="nobody").exists()
