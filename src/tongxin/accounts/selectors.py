"""Reads for accounts: users a security administrator manages, and the audit log an auditor sees."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import ApiToken, Grant, User
from tongxin.core.models import AuditEvent
from tongxin.core.scoping import collapse, prefix_q


def managed_users(actor: User) -> QuerySet[User]:
    """Users holding a grant under the actor's ``accounts.manage`` scope, plus users with no grant yet."""
    paths = actor.scope_paths("accounts.manage")
    if not paths:
        return User.objects.none()
    q = Q(grants__isnull=True)
    for tree, prefixes in paths.items():
        for p in collapse(prefixes):
            q |= Q(grants__tree=tree) & prefix_q("grants__path", p)
    return User.objects.filter(q).distinct().order_by("username")


def managed_user_or_none(actor: User, pk: int) -> User | None:
    return managed_users(actor).filter(pk=pk).first()


def user_grants(user: User) -> QuerySet[Grant]:
    return user.grants.filter(revoked_at__isnull=True).order_by("id")


def audit_events(
    actor: User,
    *,
    action: str = "",
    username: str = "",
    success: bool | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events an auditor may read: those under their grants, and system-wide ones (logins)."""
    paths = actor.scope_paths("audit.view")
    if not paths:
        return AuditEvent.objects.none()
    q = Q(org_path="")
    for prefixes in paths.values():
        for p in collapse(prefixes):
            q |= prefix_q("org_path", p)
    qs = AuditEvent.objects.filter(q)
    if action:
        qs = qs.filter(action__startswith=action)
    if username:
        qs = qs.filter(actor_username=username)
    if success is not None:
        qs = qs.filter(success=success)
    tz = ZoneInfo(settings.TIME_ZONE)
    if date_from:
        qs = qs.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return qs.select_related("actor").order_by("-at", "-id")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """A user's own API tokens, newest first (revoked and expired ones too, for the record)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def managed_tokens(actor: User) -> QuerySet[ApiToken]:
    """The tokens of every user under the actor's ``accounts.manage`` scope, newest first."""
    return (
        ApiToken.objects.filter(user__in=managed_users(actor).values("pk"))
        .select_related("user")
        .order_by("-created_at", "-id")
    )


def token_for(actor: User, pk: int) -> ApiToken | None:
    """One token the actor may see and revoke: their own, or one of a user they manage."""
    own = ApiToken.objects.filter(pk=pk, user=actor).select_related("user").first()
    return own or managed_tokens(actor).filter(pk=pk).first()


def managed_grant(actor: User, pk: int) -> Grant | None:
    """Grant ``pk`` of a user ``actor`` manages; None otherwise (the page answers 404)."""
    return Grant.objects.filter(pk=pk, user__in=managed_users(actor)).first()


def confirmed_devices(user: User) -> QuerySet[TOTPDevice]:
    """The user's confirmed authenticators (TOTP), the ones a verification code is checked against."""
    return TOTPDevice.objects.filter(user=user, confirmed=True)
