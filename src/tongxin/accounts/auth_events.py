"""Login, logout and failed logins go to the audit log (Django's auth signals; infrastructure, not a
domain effect)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.http import HttpRequest

from tongxin.core import audit


def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action="accounts.login", target=user)


def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action="accounts.logout", target=user)


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit.record(
        actor=None,
        action="accounts.login",
        success=False,
        username=str(credentials.get("username", ""))[:150],
        message="登录失败：用户名或密码错误，或账号已锁定",
    )


def connect() -> None:
    signals.user_logged_in.connect(_logged_in, dispatch_uid="tongxin_audit_login")
    signals.user_logged_out.connect(_logged_out, dispatch_uid="tongxin_audit_logout")
    signals.user_login_failed.connect(_login_failed, dispatch_uid="tongxin_audit_login_failed")
