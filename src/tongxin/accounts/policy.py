"""The one login policy every door applies: pages (``middleware.LoginPolicyMiddleware``), API calls with
a session cookie and API calls with a bearer token (``accounts.api``).

A logged-in user must
- hold a verified second factor when their role needs one (``settings.TWO_FACTOR_ROLES``, on unless
  ``ENFORCE_2FA`` is off): a session is verified by the OTP step; a token counts as the possession
  factor only while its owner has a confirmed authenticator (tokens are minted from a verified session
  or by the operator on the command line);
- change their password when it is forced (first login, after a reset) or older than
  ``PASSWORD_MAX_AGE_DAYS``;
- and, for sessions, stay within the idle and absolute timeouts (``SessionTimeoutMiddleware``).

``refusal`` names the first rule a user breaks; each door turns it into its own answer (a redirect for
pages, 401/403 in the API's error shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_otp import user_has_device as _user_has_device

TWO_FACTOR_SETUP = "two_factor_setup"
TWO_FACTOR_VERIFY = "two_factor_required"
PASSWORD_CHANGE = "password_change_required"


@dataclass(frozen=True)
class Refusal:
    code: str  # one of the constants above; the API answers it as ``code``
    message: str


_MESSAGES = {
    TWO_FACTOR_SETUP: "您的角色须启用两步验证：请先在网页上绑定身份验证器。",
    TWO_FACTOR_VERIFY: "您的角色须通过两步验证后才能使用此功能。",
    PASSWORD_CHANGE: "须先修改密码（首次登录、被重置或已超过有效期）后才能使用此功能。",
}


def has_confirmed_device(user: Any) -> bool:
    return bool(_user_has_device(user, confirmed=True))


def password_expired(user: Any) -> bool:
    if getattr(user, "must_change_password", False):
        return True
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return True
    return (timezone.now() - changed).days >= settings.PASSWORD_MAX_AGE_DAYS


def needs_second_factor(user: Any) -> bool:
    return bool(settings.ENFORCE_2FA and user.needs_two_factor())


def refusal(user: Any, *, verified: bool) -> Refusal | None:
    """The first policy rule ``user`` breaks, or None. ``verified``: the request carries a second factor
    (an OTP-verified session; for a token: its owner has a confirmed authenticator)."""
    if needs_second_factor(user) and not verified:
        code = TWO_FACTOR_VERIFY if has_confirmed_device(user) else TWO_FACTOR_SETUP
        return Refusal(code, _MESSAGES[code])
    if password_expired(user):
        return Refusal(PASSWORD_CHANGE, _MESSAGES[PASSWORD_CHANGE])
    return None


def session_refusal(request: Any) -> Refusal | None:
    """The policy for a request authenticated by its session (page or API)."""
    user = request.user
    is_verified = getattr(user, "is_verified", None)
    return refusal(user, verified=bool(is_verified and is_verified()))


def token_refusal(user: Any) -> Refusal | None:
    """The policy for a request authenticated by a bearer token."""
    verified = not needs_second_factor(user) or has_confirmed_device(user)
    return refusal(user, verified=verified)


def may_enrol_device(request: Any) -> bool:
    """Enrolling an authenticator: a first one with the password alone (the policy then demands it), any
    further one only from a session already verified with an existing one. After a security
    administrator's reset (``services.reset_two_factor``) the user has none and enrols anew."""
    user = request.user
    if not has_confirmed_device(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())
