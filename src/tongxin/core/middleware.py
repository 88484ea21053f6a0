from __future__ import annotations

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
