"""Who may revoke another user's API token, disable an account and reset two-factor (role × action ×
expected). The target is another village secretary of 甲一村 (甲镇); only a security administrator whose scope
covers them may act (a security administrator of 乙镇 may not); everyone else gets 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import ROLE_NODES, World, login, make_user
from tongxin.accounts import services
from tongxin.accounts.models import ApiToken, User
from tongxin.accounts.system import SYSTEM

ACTIONS = ["token.revoke", "user.disable", "user.enable", "otp.reset"]
ALLOWED = {"security_admin"}
ROLES = [*ROLE_NODES, "security_admin_of_town_b", "outsider"]


def _actor(world: World, role: str) -> User:
    if role == "outsider":
        assert world.outsider is not None
        return world.outsider
    if role == "security_admin_of_town_b":
        user = make_user("sa_b")
        services.grant_role(actor=SYSTEM, user=user, role="security_admin", node=world.town_b)
        return user
    return world.user(role)


def _act(client: Client, action: str, target: User, token: ApiToken) -> int:
    if action == "token.revoke":
        return client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code
    if action in ("user.disable", "user.enable"):
        active = "1" if action == "user.enable" else "0"
        return client.post(
            reverse("accounts:user_set_active", args=[target.pk]), {"active": active}
        ).status_code
    return client.post(reverse("accounts:otp_reset", args=[target.pk])).status_code


def _done(action: str, target: User, token: ApiToken) -> bool:
    target.refresh_from_db()
    token.refresh_from_db()
    return {
        "token.revoke": token.revoked_at is not None,
        "user.disable": not target.is_active,
        "user.enable": target.is_active,
        "otp.reset": not TOTPDevice.objects.filter(user=target).exists(),
    }[action]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.django_db
def test_account_actions_by_role(world: World, role: str, action: str) -> None:
    target = make_user("target")
    services.grant_role(actor=SYSTEM, user=target, role="village_secretary", node=world.village_a1)
    token, _ = services.create_api_token(actor=SYSTEM, user=target)
    TOTPDevice.objects.create(user=target, name="phone", confirmed=True)
    if action == "user.enable":
        User.objects.filter(pk=target.pk).update(is_active=False)
    client = login(Client(), _actor(world, role))
    status = _act(client, action, target, token)
    expected = role in ALLOWED
    assert _done(action, target, token) is expected, (role, action)
    assert status == (302 if expected else 404), (role, action)
