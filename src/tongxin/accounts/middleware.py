"""Session timeouts and the login policy for pages (``accounts.policy``; the API applies the same policy
in its authenticators, ``accounts.api``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from tongxin.accounts import policy

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
        # Whatever headers come with it, a request the session authenticates is timed out by the session.
        # (Bearer-token API calls carry no session user: see ``core.handlers``.)
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
            return JsonResponse({"code": "session_expired", "message": message, "field": None}, status=401)
        return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")


# The API applies the policy in its authenticators and answers in its own error shape.
_EXEMPT_PREFIXES = ("/accounts/logout", "/static/", "/api/", "/open311/", "/healthz", "/public/")


class LoginPolicyMiddleware:
    """Pages: a logged-in user who breaks the login policy is sent to the page that fixes it (two-factor
    setup or verification, password change) and may open only that page (and log out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        refused = policy.session_refusal(request)
        if refused is None:
            return self.get_response(request)
        target = reverse(
            {
                policy.TWO_FACTOR_SETUP: "accounts:otp_setup",
                policy.TWO_FACTOR_VERIFY: "accounts:otp_verify",
                policy.PASSWORD_CHANGE: "accounts:password_change",
            }[refused.code]
        )
        if request.path == target:
            return self.get_response(request)
        return redirect(target)
