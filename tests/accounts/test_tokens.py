"""API tokens: lifetime, revocation (password change, account disable, by hand), the CLI and the page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, World, api_client, login
from tongxin.accounts import services
from tongxin.accounts.models import ApiToken
from tongxin.accounts.system import SYSTEM
from tongxin.core.models import AuditEvent


def _cli(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_finding_4_tokens_expire_and_die_with_password_change(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    user = world.user("township_admin")
    client, auth = api_client(user)
    token = ApiToken.objects.get(user=user)
    lifetime = token.expires_at - token.created_at
    assert timedelta(days=settings.API_TOKEN_DAYS) - lifetime < timedelta(seconds=5)
    assert client.get("/api/v1/me", **auth).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", **auth).status_code == 401  # expired
    # A fresh token works until the password changes.
    client, auth = api_client(user)
    services.change_password(actor=user, user=user, new_password="Qiang-Mima-77")
    assert client.get("/api/v1/me", **auth).status_code == 401
    assert not ApiToken.objects.active().filter(user=user).exists()
    event = AuditEvent.objects.filter(action="accounts.password.change", target_id=str(user.pk)).latest("id")
    assert event.after == {"revoked_api_credentials": 1}


@pytest.mark.django_db
def test_token_lifetime_follows_the_setting(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.API_TOKEN_DAYS = 7
    token, _ = services.create_api_token(actor=SYSTEM, user=world.user("grid_worker"))
    assert abs((token.expires_at - timezone.now()) - timedelta(days=7)) < timedelta(seconds=5)


@pytest.mark.django_db
def test_disabling_an_account_ends_its_sessions_and_tokens_and_enabling_gives_none_back(world: World) -> None:
    target = world.user("village_secretary")
    token_client, auth = api_client(target)
    session = Client()
    session.force_login(target)
    assert session.get("/").status_code == 200
    admin = login(Client(), world.user("security_admin"))
    assert (
        admin.post(reverse("accounts:user_set_active", args=[target.pk]), {"active": "0"}).status_code == 302
    )
    target.refresh_from_db()
    assert target.is_active is False
    assert session.get("/").status_code == 302  # the old session no longer authenticates
    assert session.get("/api/v1/me").status_code == 401
    assert token_client.get("/api/v1/me", **auth).status_code == 401
    assert (
        Client().post("/accounts/login/", {"username": target.username, "password": PASSWORD}).status_code
        == 200
    )
    disable = AuditEvent.objects.get(action="accounts.user.disable", target_id=str(target.pk))
    assert disable.before == {"is_active": True} and disable.after == {
        "is_active": False,
        "revoked_api_credentials": 1,
    }
    admin.post(reverse("accounts:user_set_active", args=[target.pk]), {"active": "1"})
    target.refresh_from_db()
    assert target.is_active is True
    assert token_client.get("/api/v1/me", **auth).status_code == 401  # tokens stay revoked
    assert AuditEvent.objects.filter(action="accounts.user.enable", target_id=str(target.pk)).exists()


@pytest.mark.django_db
def test_cli_lists_and_revokes_tokens_and_disables_users(world: World) -> None:
    user = world.user("grid_worker")
    first = _cli("token", "create", "grid_worker", "--name", "phone").strip()
    _cli("token", "create", "grid_worker", "--name", "tablet")
    listing = _cli("token", "list", "grid_worker")
    assert listing.count("\tactive\t") == 2 and "phone" in listing and "tablet" in listing
    assert first not in listing  # the raw token is never shown again
    one = ApiToken.objects.get(user=user, name="phone")
    assert f"revoked token {one.pk}" in _cli("token", "revoke", str(one.pk))
    assert _cli("token", "list", "grid_worker").count("\tactive\t") == 1
    assert "revoked 1 token(s)" in _cli("token", "revoke", "--user", "grid_worker")
    assert not ApiToken.objects.active().filter(user=user).exists()
    revokes = AuditEvent.objects.filter(action__startswith="accounts.token.revoke", actor_username="system")
    assert revokes.count() == 2
    _cli("user", "disable", "grid_worker")
    user.refresh_from_db()
    assert user.is_active is False
    _cli("user", "enable", "grid_worker")
    user.refresh_from_db()
    assert user.is_active is True
    with pytest.raises(CommandError, match="不存在"):
        _cli("token", "list", "nobody")
    with pytest.raises(CommandError, match="不存在"):
        _cli("token", "revoke", "999999")


@pytest.mark.django_db
def test_token_page_shows_own_tokens_and_revokes_them(world: World) -> None:
    user = world.user("grid_worker")
    token, _ = services.create_api_token(actor=SYSTEM, user=user, name="my phone")
    client = login(Client(), user)
    page = client.get(reverse("accounts:token_list")).content.decode()
    assert "my phone" in page and token.key_prefix in page and "管理范围内" not in page
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_a_user_cannot_see_or_revoke_someone_elses_token(world: World) -> None:
    token, _ = services.create_api_token(actor=SYSTEM, user=world.user("village_secretary"))
    client = login(Client(), world.user("grid_worker"))
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert token.key_prefix not in client.get(reverse("accounts:token_list")).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_security_admin_sees_and_revokes_tokens_in_scope(world: World) -> None:
    token, _ = services.create_api_token(actor=SYSTEM, user=world.user("village_secretary"), name="村里电脑")
    client = login(Client(), world.user("security_admin"))
    page = client.get(reverse("accounts:token_list")).content.decode()
    assert "管理范围内" in page and "村里电脑" in page
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
