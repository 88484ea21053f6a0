from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from tongxin.accounts.roles import ROLE_CHOICES, ROLES, perms_of
from tongxin.core.pii import EncryptedTextField, mask_mobile


class User(AbstractUser):
    """A person who logs in. Real name and mobile number; the mobile number is encrypted at rest."""

    real_name = models.CharField("姓名", max_length=50, blank=True)
    mobile = EncryptedTextField("手机号码", blank=True, default="")
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    must_change_password = models.BooleanField("首次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    # True only for accounts.system.SYSTEM, the actor of jobs and commands.
    is_system = False

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    # --- grants and scope -------------------------------------------------------------------
    def active_grants(self) -> list[Grant]:
        cache: list[Grant] | None = getattr(self, "_grant_cache", None)
        if cache is None:
            cache = list(self.grants.filter(revoked_at__isnull=True).order_by("id"))
            self._grant_cache = cache
        return cache

    def role_codes(self) -> set[str]:
        return {g.role for g in self.active_grants()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes() & set(roles))

    def has_perm_anywhere(self, perm: str) -> bool:
        return any(perm in perms_of(g.role) for g in self.active_grants())

    def scope_paths(self, perm: str) -> dict[str, list[str]]:
        """Paths of the nodes where this user holds a role with ``perm``, by tree."""
        out: dict[str, list[str]] = {}
        for grant in self.active_grants():
            if perm in perms_of(grant.role):
                out.setdefault(grant.tree, []).append(grant.path)
        return out

    def needs_two_factor(self) -> bool:
        return self.has_role(*settings.TWO_FACTOR_ROLES)


class Grant(models.Model):
    """A role held on one node of a tree (a region or a party organisation) and its subtree."""

    TREE_CHOICES = [("region", "行政区划"), ("org", "党组织")]

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField("角色", max_length=32, choices=ROLE_CHOICES)
    tree = models.CharField(max_length=10, choices=TREE_CHOICES)
    node_id = models.BigIntegerField()
    path = models.CharField(max_length=255, db_index=True)
    label = models.CharField("范围", max_length=200)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="grants_given"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    SCOPE = {"region": "path", "org": "path"}

    class Meta:
        verbose_name = "授权"
        verbose_name_plural = "授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "tree", "node_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="grant_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role_label}@{self.label}"

    @property
    def role_label(self) -> str:
        return ROLES[self.role].label if self.role in ROLES else self.role


def token_expiry() -> datetime:
    """When a token made now stops working: ``API_TOKEN_DAYS`` (``TONGXIN_API_TOKEN_DAYS``, 90) from now."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        """Tokens that still authenticate: not revoked and not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField("有效期至", default=token_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "已撤销"
        if self.expires_at <= timezone.now():
            return "已过期"
        return "有效"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_raw() -> str:
        return "tx_" + secrets.token_urlsafe(32)


class SystemActor(User):
    """The actor of work no person started: ``tongxin tick`` jobs, management commands and the demo
    builder. Services take ``actor: User``; jobs pass ``accounts.system.SYSTEM`` instead of ``None`` so that
    "who did this" is always explicit. It holds every permission on the whole tree, is never saved, and
    is audited under the name ``system`` (``core.audit`` stores no user row for it)."""

    is_system = True

    class Meta:
        proxy = True
        verbose_name = "系统"
        verbose_name_plural = "系统"

    def active_grants(self) -> list[Grant]:
        return []

    def has_perm_anywhere(self, perm: str) -> bool:
        return True

    def scope_paths(self, perm: str) -> dict[str, list[str]]:
        return {"region": ["/"], "org": ["/"]}

    def needs_two_factor(self) -> bool:
        return False

    def save(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("The system actor is never saved.")
