from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tongxin.core import context


class RequestContextMiddleware:
    """Makes the source IP of the request available to the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.set_current(
            context.RequestContext(
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                path=request.path[:200],
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class ContentSecurityPolicyMiddleware:
    """A ``Content-Security-Policy`` on every response. Scripts run only from this site or when they
    carry this response's nonce (``<script nonce="{{ request.csp_nonce }}">``); no plugins, no foreign
    ``<base>``, no framing. Inline event handlers (``onclick=``) never run: pages use ``static/tongxin.js``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined] # read by templates
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy(nonce)
        return response


def policy(nonce: str) -> str:
    return "; ".join(
        [
            f"script-src 'self' 'nonce-{nonce}'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )
