"""Writes on users, grants and API tokens. Each runs in one transaction and is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import ApiToken, Grant, User
from tongxin.accounts.roles import ROLES
from tongxin.accounts.selectors import managed_users
from tongxin.core import audit, trees
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.models import TreeNode
from tongxin.core.pii import lookup_hash, normalise_mobile

USER_FIELDS = ["username", "real_name", "mobile", "is_active", "must_change_password"]


def _check_manager(actor: User | None) -> None:
    if actor is not None and not actor.has_perm_anywhere("accounts.manage"):
        raise DomainError("只有安全管理员可以管理用户和授权。", code="forbidden")


def _check_manages(actor: User, user: User) -> None:
    """``actor`` is a security administrator whose scope covers ``user`` (or the system)."""
    _check_manager(actor)
    if not actor.is_system and not managed_users(actor).filter(pk=user.pk).exists():
        raise DomainError("该用户不在您的管理范围内。", field="user", code="not_found")


def _revoke_tokens(user: User, now: datetime) -> int:
    return ApiToken.objects.active().filter(user=user).update(revoked_at=now)


@service("accounts.user.create")
def create_user(
    *,
    actor: User | None,
    username: str,
    real_name: str,
    password: str,
    mobile: str = "",
    must_change_password: bool = True,
    validate_password: bool = True,
) -> User:
    """Create a login. The password is checked against the policy; mobile is normalised and encrypted.

    ``actor=None`` is the system (the demo loader, the first administrator from the command line).
    """
    _check_manager(actor)
    username = username.strip()
    if not username:
        raise DomainError("请填写用户名。", field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名“{username}”已被使用。", field="username")
    if not real_name.strip():
        raise DomainError("请填写姓名。", field="real_name")
    normalised = ""
    if mobile:
        try:
            normalised = normalise_mobile(mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="mobile") from None
    user = User(username=username, real_name=real_name.strip(), mobile=normalised)
    user.mobile_hash = lookup_hash(normalised) if normalised else ""
    if validate_password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise DomainError("；".join(exc.messages), field="password") from None
    user.set_password(password)
    user.must_change_password = must_change_password
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(
        actor=actor, action="accounts.user.create", target=user, after=audit.snapshot(user, USER_FIELDS)
    )
    return user


@service("accounts.password.change")
def change_password(*, actor: User, user: User, new_password: str) -> None:
    """Set a new password for ``user`` (the user themself, or a security administrator resetting it).

    A reset by someone else forces a change at the next login.
    """
    if actor.pk != user.pk:
        _check_manager(actor)
    if user.check_password(new_password):
        raise DomainError("新密码不能与当前密码相同。", field="new_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), field="new_password") from None
    now = timezone.now()
    user.set_password(new_password)
    user.password_changed_at = now
    user.must_change_password = actor.pk != user.pk
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    # A token is as good as the password it was made under: they all end with it.
    revoked = _revoke_tokens(user, now)
    audit.record(
        actor=actor,
        action="accounts.password.change" if actor.pk == user.pk else "accounts.password.reset",
        target=user,
        after={"revoked_api_credentials": revoked},
    )


@service("accounts.user.set_active")
def set_user_active(*, actor: User, user: User, active: bool) -> User:
    """Disable (or re-enable) a login. A disabled account's sessions stop authenticating at once (Django
    refuses inactive users on every request) and all its API tokens are revoked; re-enabling gives no
    token back."""
    _check_manages(actor, user)
    if actor.pk == user.pk and not active:
        raise DomainError("不能停用自己的账号。", field="is_active")
    before = audit.snapshot(user, ["is_active"])
    if user.is_active == active:
        return user  # idempotent: disabling a disabled account changes nothing
    user.is_active = active
    user.save(update_fields=["is_active"])
    revoked = 0 if active else _revoke_tokens(user, timezone.now())
    audit.record(
        actor=actor,
        action="accounts.user.enable" if active else "accounts.user.disable",
        target=user,
        before=before,
        after={"is_active": active, "revoked_api_credentials": revoked},
    )
    return user


@service("accounts.otp.enrol_start")
def start_enrolment(*, actor: User) -> TOTPDevice:
    """The user's authenticator being enrolled (unconfirmed): the one already started, or a new one.
    The setup page calls this after the login policy allowed enrolment (``policy.may_enrol_device``)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="手机动态验证码", confirmed=False)
        audit.record(actor=actor, action="accounts.otp.enrol_start", target=actor)
    return device


@service("accounts.otp.enrol")
def confirm_enrolment(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the authenticator being enrolled with one code from it; False when the code is
    wrong. Only the user's own unconfirmed device can be confirmed."""
    if device.user_id != actor.pk or device.confirmed:
        raise DomainError("该身份验证器不可确认。", field="token")
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=actor, action="accounts.otp.enrol", target=actor)
    return True


@service("accounts.otp.reset")
def reset_two_factor(*, actor: User, user: User) -> int:
    """Remove every authenticator of ``user`` (lost phone): at the next login they enrol a new one with
    their password. Only a security administrator over the user may do this, never for themself."""
    _check_manages(actor, user)
    if actor.pk == user.pk:
        raise DomainError("不能重置自己的两步验证，请联系另一位安全管理员。", field="user")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor=actor, action="accounts.otp.reset", target=user, after={"devices_removed": removed})
    return removed


@service("accounts.grant.create")
def grant_role(*, actor: User | None, user: User, role: str, node: TreeNode) -> Grant:
    """Give ``user`` the ``role`` on ``node`` and its subtree. A security administrator may only grant
    inside their own scope, and never the security roles to themself."""
    _check_manager(actor)
    if role not in ROLES:
        raise DomainError(f"未知的角色：{role}", field="role")
    tree = trees.tree_of(node)
    if actor is not None:
        allowed = actor.scope_paths("accounts.manage").get(tree, [])
        if not any(node.path.startswith(p) for p in allowed):
            raise DomainError("只能在您自己的管理范围内授权。", field="node")
        if actor.pk == user.pk:
            raise DomainError("不能给自己授权（三员分立）。", field="user")
    if Grant.objects.filter(
        user=user, role=role, tree=tree, node_id=node.pk, revoked_at__isnull=True
    ).exists():
        raise DomainError(f"{user.display_name} 已拥有该范围的{ROLES[role].label}角色。", field="role")
    grant = Grant.objects.create(
        user=user,
        role=role,
        tree=tree,
        node_id=node.pk,
        path=node.path,
        label=node.name,
        granted_by=None if actor is None or actor.is_system else actor,
    )
    audit.record(
        actor=actor,
        action="accounts.grant.create",
        target=grant,
        org_path=node.path,
        after={"user": user.username, "role": role, "tree": tree, "node": node.name},
    )
    return grant


@service("accounts.grant.revoke")
def revoke_grant(*, actor: User, grant: Grant) -> Grant:
    _check_manager(actor)
    if grant.revoked_at is not None:
        return grant  # idempotent: revoking twice is not an error
    allowed = actor.scope_paths("accounts.manage").get(grant.tree, [])
    if not any(grant.path.startswith(p) for p in allowed):
        raise DomainError("只能撤销您管理范围内的授权。", field="grant")
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="accounts.grant.revoke", target=grant, org_path=grant.path)
    return grant


@service("accounts.token.create")
def create_api_token(
    *, actor: User, user: User, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token for ``user``, valid ``days`` (default ``API_TOKEN_DAYS``); returns the row and
    the raw token, which is never stored. ``actor``: the user themself, a security administrator over
    them, or ``SYSTEM`` (``tongxin token create``)."""
    if actor.pk != user.pk:
        _check_manages(actor, user)
    if not user.is_active:
        raise DomainError("该账号已停用，不能签发令牌。", field="user")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise DomainError("令牌有效期应为1到366天。", field="days")
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_prefix=raw[:8],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        actor=actor,
        action="accounts.token.create",
        target=token,
        after={"user": user.username, "name": name, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@service("accounts.token.revoke")
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """End one token: its owner may, and a security administrator over its owner. Idempotent."""
    if actor.pk != token.user_id:
        _check_manages(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor, action="accounts.token.revoke", target=token, after={"user": token.user.username}
        )
    return token


@service("accounts.token.revoke_all")
def revoke_user_tokens(*, actor: User, user: User) -> int:
    """End every token of ``user`` (the user themself, or a security administrator over them); the
    number revoked."""
    if actor.pk != user.pk:
        _check_manages(actor, user)
    revoked = _revoke_tokens(user, timezone.now())
    audit.record(
        actor=actor,
        action="accounts.token.revoke_all",
        target=user,
        after={"revoked_api_credentials": revoked},
    )
    return revoked
