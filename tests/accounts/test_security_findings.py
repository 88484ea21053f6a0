"""Issue 11 findings on the login policy, each a test that fails on the code before the fix."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, World, api_client, login
from tongxin.accounts import passwords
from tongxin.accounts.middleware import SESSION_SEEN_AT
from tongxin.core.models import AuditEvent

LOGIN = "/accounts/login/"
SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"


def _password_login(client: Client, username: str) -> None:
    assert client.post(LOGIN, {"username": username, "password": PASSWORD}).status_code == 302


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    device.throttle_reset()
    return f"{totp(device.bin_key):06d}"


# --- finding 1: two-factor bypass through enrolment -------------------------------------------------


@pytest.mark.django_db
def test_finding_1_2fa_setup_needs_verified_session(world: World, client: Client) -> None:
    """With the password alone, a user who already has an authenticator cannot enrol another one (and so
    cannot reach a verified session): setup sends them to the verification step."""
    victim = world.user("county_admin")
    TOTPDevice.objects.create(user=victim, name="phone", confirmed=True)
    _password_login(client, "county_admin")
    page = client.get(SETUP)
    assert page.status_code == 302 and page.url == reverse("accounts:otp_verify")
    assert not TOTPDevice.objects.filter(user=victim, confirmed=False).exists()  # no secret handed out
    assert client.post(SETUP, {"token": "123456"}).url == reverse("accounts:otp_verify")
    assert TOTPDevice.objects.filter(user=victim).count() == 1
    assert client.get("/").url == reverse("accounts:otp_verify")  # still unverified
    assert client.get("/api/v1/me").status_code == 403


@pytest.mark.parametrize("enforce", [True, False])
@pytest.mark.django_db
def test_finding_1_any_user_with_an_authenticator_enrols_another_only_verified(
    world: World,
    client: Client,
    settings,
    enforce: bool,  # type: ignore[no-untyped-def]
) -> None:
    """Also where the policy does not demand two-factor (other roles, or enforcement off)."""
    settings.ENFORCE_2FA = enforce
    user = world.user("township_admin")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _password_login(client, "township_admin")
    assert client.get(SETUP).url == reverse("accounts:otp_verify")
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="accounts.otp.enrol", success=False, actor=user).exists()


@pytest.mark.django_db
def test_a_verified_session_may_add_another_authenticator(world: World, client: Client) -> None:
    login(client, world.user("county_admin"))
    assert client.get(SETUP).status_code == 200
    new = TOTPDevice.objects.get(user=world.user("county_admin"), confirmed=False)
    assert client.post(SETUP, {"token": _code(new)}).status_code == 302
    assert TOTPDevice.objects.filter(user=world.user("county_admin"), confirmed=True).count() == 2


@pytest.mark.django_db
def test_finding_1_security_admin_resets_two_factor_then_the_user_enrols_anew(world: World) -> None:
    target = world.user("auditor")
    TOTPDevice.objects.create(user=target, name="lost phone", confirmed=True)
    admin = login(Client(), world.user("security_admin"))
    detail = admin.get(reverse("accounts:user_detail", args=[target.pk]))
    assert "重置两步验证" in detail.content.decode()
    response = admin.post(reverse("accounts:otp_reset", args=[target.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    event = AuditEvent.objects.get(action="accounts.otp.reset", target_id=str(target.pk))
    assert event.actor == world.user("security_admin") and event.after == {"devices_removed": 1}
    # The user now logs in with the password and is sent to enrol a new authenticator.
    client = Client()
    _password_login(client, "auditor")
    assert client.get("/").url == reverse("accounts:otp_setup")
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=target, confirmed=False)
    assert client.post(SETUP, {"token": _code(device)}).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_security_admin_cannot_reset_their_own_second_factor(world: World) -> None:
    admin = world.user("security_admin")
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client = login(Client(), admin)
    client.post(reverse("accounts:otp_reset", args=[admin.pk]))
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


# --- finding 2: the API under the same policy -----------------------------------------------------


@pytest.mark.parametrize("role", ["county_admin", "security_admin", "auditor"])
@pytest.mark.django_db
def test_finding_2_api_session_requires_two_factor(world: World, client: Client, role: str) -> None:
    _password_login(client, role)
    response = client.get("/api/v1/people")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_setup"
    TOTPDevice.objects.create(user=world.user(role), name="phone", confirmed=True)
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    assert response.json() == {
        "code": "two_factor_required",
        "message": "您的角色须通过两步验证后才能使用此功能。",
        "field": None,
    }


@pytest.mark.django_db
def test_finding_2_api_session_write_requires_two_factor(world: World) -> None:
    client = Client(enforce_csrf_checks=False)
    _password_login(client, "county_admin")
    response = client.post(
        "/api/v1/cases/routing",
        {"category_id": 1, "region_id": world.village_a1.pk, "org_id": world.branch_a1.pk},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "two_factor_setup"


@pytest.mark.django_db
def test_a_verified_session_uses_the_api(world: World) -> None:
    client = login(Client(), world.user("county_admin"))
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.django_db
def test_finding_2_api_enforces_password_change(world: World) -> None:
    user = world.user("township_admin")
    token_client, auth = api_client(user)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    session = Client()
    session.force_login(user)
    for response in (session.get("/api/v1/me"), token_client.get("/api/v1/me", **auth)):
        assert response.status_code == 403
        assert response.json()["code"] == "password_change_required"
    user.must_change_password = False
    user.password_changed_at = timezone.now() - timedelta(days=90)  # too old counts the same
    user.save(update_fields=["must_change_password", "password_changed_at"])
    assert token_client.get("/api/v1/me", **auth).json()["code"] == "password_change_required"


@pytest.mark.django_db
def test_finding_2_token_of_a_two_factor_role_needs_an_authenticator(world: World) -> None:
    client, auth = api_client(world.user("county_admin"))  # the helper enrols one
    assert client.get("/api/v1/me", **auth).status_code == 200
    TOTPDevice.objects.filter(user=world.user("county_admin")).delete()
    response = client.get("/api/v1/me", **auth)
    assert response.status_code == 403 and response.json()["code"] == "two_factor_setup"


@pytest.mark.parametrize("header", ["x", "Bearer", "Token abc", "Basic eDp5"])
@pytest.mark.django_db
def test_finding_2_bogus_authorization_header_does_not_skip_timeouts(
    world: World, client: Client, header: str
) -> None:
    client.force_login(world.user("township_admin"))
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_SEEN_AT] = time.time() - 31 * 60
    session.save()
    api = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert api.status_code == 401 and api.json()["code"] == "session_expired"
    page = client.get("/", HTTP_AUTHORIZATION=header)
    assert page.status_code == 302 and page.url.startswith(LOGIN)


# --- finding 4: next, old-password guesses ---------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "https:/\\evil.example", "javascript:alert(1)"]
)
@pytest.mark.django_db
def test_finding_4_next_offsite_refused(world: World, client: Client, target: str) -> None:
    user = world.user("county_admin")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _password_login(client, "county_admin")
    response = client.post(f"{VERIFY}?next={target}", {"token": _code(device)})
    assert response.status_code == 302 and response.url == reverse("dashboard:home")


@pytest.mark.django_db
def test_next_inside_the_site_is_followed_after_the_otp_step(world: World, client: Client) -> None:
    device = TOTPDevice.objects.create(user=world.user("county_admin"), name="phone", confirmed=True)
    _password_login(client, "county_admin")
    response = client.post(f"{VERIFY}?next=/orgs/", {"token": _code(device)})
    assert response.url == "/orgs/"


@pytest.mark.django_db
def test_finding_4_next_offsite_refused_at_login(world: World, client: Client) -> None:
    response = client.post(
        f"{LOGIN}?next=https://evil.example/", {"username": "township_admin", "password": PASSWORD}
    )
    assert response.status_code == 302 and "evil.example" not in response.url


def _change(client: Client, old: str, new: str = "Qiang-Mima-77") -> str:
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password": new, "new_password2": new},
    )
    return response.content.decode() if response.status_code == 200 else f"redirect {response.url}"


@pytest.mark.django_db
def test_finding_4_old_password_guesses_lock_the_change_form(world: World, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    user = world.user("township_admin")
    client.force_login(user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert "当前密码不正确" in _change(client, "Wrong-guess-1")
    assert "已暂停" in _change(client, "Wrong-guess-1")  # the fifth wrong guess locks
    # Locked: even the right password is refused, and the password is unchanged.
    assert "已暂停" in _change(client, PASSWORD)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    wrong = AuditEvent.objects.filter(action=passwords.WRONG_OLD_PASSWORD, success=False, actor=user)
    assert wrong.count() == settings.AXES_FAILURE_LIMIT
    # After the cool-off (here: the window shortened past the guesses) the form opens again.
    settings.AXES_COOLOFF_TIME = timezone.now() - wrong.earliest("at").at - timedelta(microseconds=1)
    assert _change(client, PASSWORD) == f"redirect {reverse('dashboard:home')}"


@pytest.mark.django_db
def test_a_few_wrong_old_passwords_do_not_lock(world: World, client: Client) -> None:
    client.force_login(world.user("township_admin"))
    _change(client, "Wrong-guess-1")
    _change(client, "Wrong-guess-2")
    assert _change(client, PASSWORD).startswith("redirect")
