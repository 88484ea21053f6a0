"""The WSGI entry point: bearer-token API calls and public pages take lean middleware chains.

Browser requests need sessions, CSRF, messages, two-factor, lockout and timeouts; a request to
``/api/`` that carries ``Authorization: Bearer …`` uses none of them (the token is its whole
authentication, checked by the API itself). Sending such requests through ``TOKEN_API_MIDDLEWARE``
(security headers, request context for the audit log, common) instead of the full ``MIDDLEWARE`` saves
most of the per-request cost of an API call.

Likewise a GET of a page that is public by design (``PUBLIC_PAGE_PREFIXES``: the published points
boards and their verification pages, opened by a whole village from the QR code on the wall) reads no
session and no login: it takes ``PUBLIC_PAGE_MIDDLEWARE``. Everything else goes through the full chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string


class LeanHandler(WSGIHandler):
    """A WSGI handler whose middleware chain is the setting named ``chain``."""

    def __init__(self, chain: str) -> None:
        self.chain = chain
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(getattr(settings, self.chain)):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


def is_token_api_call(environ: dict[str, Any]) -> bool:
    return environ.get("PATH_INFO", "").startswith("/api/") and environ.get(
        "HTTP_AUTHORIZATION", ""
    ).startswith("Bearer ")


def is_public_page(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") in ("GET", "HEAD") and environ.get("PATH_INFO", "").startswith(
        tuple(settings.PUBLIC_PAGE_PREFIXES)
    )


def make_application(full: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    token_api = LeanHandler("TOKEN_API_MIDDLEWARE")
    public = LeanHandler("PUBLIC_PAGE_MIDDLEWARE")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_token_api_call(environ):
            return token_api(environ, start_response)
        if is_public_page(environ):
            return public(environ, start_response)
        return full(environ, start_response)

    return application
