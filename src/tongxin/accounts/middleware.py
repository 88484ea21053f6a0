"""Session timeouts and the login policy (forced password change, two-factor for some roles)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

SESSION_AUTH_AT = "tx_auth_at"
SESSION_SEEN_AT = "tx_seen_at"
# Writing the session on every request would cost a write per page; a minute of slack is harmless.
_TOUCH_EVERY = 60


class SessionTimeoutMiddleware:
    """Logs out after ``SESSION_IDLE_TIMEOUT`` without a request, and ``SESSION_ABSOLUTE_TIMEOUT``
    after login whatever the activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_AUTHORIZATION" in request.META:
            return self.get_response(request)  # token clients have no session to time out
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            auth_at = request.session.get(SESSION_AUTH_AT)
            seen_at = request.session.get(SESSION_SEEN_AT, auth_at)
            if auth_at is None:
                request.session[SESSION_AUTH_AT] = now
                request.session[SESSION_SEEN_AT] = now
            elif now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                return self._expire(request, "登录已超过最长有效时间，请重新登录。")
            elif seen_at is not None and now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                return self._expire(request, "长时间未操作，已自动退出，请重新登录。")
            elif seen_at is None or now - seen_at > _TOUCH_EVERY:
                request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)

    def _expire(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        messages.info(request, message)
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"code": "session_expired", "message": message, "field": None}, status=401)
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")


_EXEMPT_PREFIXES = ("/accounts/logout", "/static/", "/api/", "/open311/", "/healthz", "/public/")


class LoginPolicyMiddleware:
    """Sends a logged-in user to change their password (first login, after a reset, or when older than
    ``PASSWORD_MAX_AGE_DAYS``) and to two-factor setup or verification when their role needs it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        change_url = reverse("accounts:password_change")
        setup_url = reverse("accounts:otp_setup")
        verify_url = reverse("accounts:otp_verify")
        if settings.ENFORCE_2FA and user.needs_two_factor() and not user.is_verified():
            from django_otp import devices_for_user

            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            target = verify_url if has_device else setup_url
            if request.path not in (setup_url, verify_url):
                return redirect(target)
            return self.get_response(request)
        if password_expired(user) and request.path != change_url:
            return redirect(change_url)
        return self.get_response(request)


def password_expired(user: object) -> bool:
    if getattr(user, "must_change_password", False):
        return True
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return True
    return (timezone.now() - changed).days >= settings.PASSWORD_MAX_AGE_DAYS
