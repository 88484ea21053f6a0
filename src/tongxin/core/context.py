"""Per-request context (source IP, acting user) for the audit log, held in a context variable."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""
    path: str = ""


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("tongxin_request", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def set_current(ctx: RequestContext) -> Token[RequestContext | None]:
    return _current.set(ctx)


def reset(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
