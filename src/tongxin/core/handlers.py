"""The WSGI entry point: bearer-token API calls take a lean middleware chain; everything else, Django's
stock handler with the full ``MIDDLEWARE``.

Browser requests need sessions, CSRF, messages, two-factor, lockout and timeouts; a request to
``/api/`` that carries ``Authorization: Bearer …`` uses none of them (the token is its whole
authentication, checked — with the login policy — by the API itself). Such requests go through
``TOKEN_API_MIDDLEWARE`` (security headers, CSP, request context for the audit log, common): the stock
chain costs more than 15 % of their throughput (``bench/foundation/README.md``, same run).

Built from public pieces only: a stock ``WSGIHandler`` that loads its chain while ``MIDDLEWARE`` is
overridden with ``override_settings`` (``tests/core/test_wsgi.py`` pins which chain a request takes).
Public pages (the points boards) take the stock chain: a lean one measured within 15 % of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings


def handler_with(middleware: list[str]) -> WSGIHandler:
    """A stock WSGI handler whose middleware chain is ``middleware`` instead of ``settings.MIDDLEWARE``
    (the handler reads the setting once, when it is built)."""
    with override_settings(MIDDLEWARE=middleware):
        return WSGIHandler()


def is_token_api_call(environ: dict[str, Any]) -> bool:
    return environ.get("PATH_INFO", "").startswith("/api/") and environ.get(
        "HTTP_AUTHORIZATION", ""
    ).startswith("Bearer ")


def make_application(full: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    token_api = handler_with(list(settings.TOKEN_API_MIDDLEWARE))

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_token_api_call(environ):
            return token_api(environ, start_response)
        return full(environ, start_response)

    return application
