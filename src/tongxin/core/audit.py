"""Writing the audit log. A write records its event inside its own transaction; a refused write
records a failure event after its transaction has rolled back."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.db import models, transaction

from tongxin.core import context
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.core.pii import mask_sensitive

P = ParamSpec("P")
R = TypeVar("R")

_depth: ContextVar[int] = ContextVar("tongxin_service_depth", default=0)


def _actor_fields(actor: Any) -> dict[str, Any]:
    if getattr(actor, "is_system", False):  # accounts.system.SYSTEM: jobs and commands, never a user row
        return {"actor": None, "actor_username": "system"}
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_username": getattr(actor, "username", "") or ""}
    return {"actor": actor, "actor_username": actor.get_username()}


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    org_path: str = "",
    success: bool = True,
    message: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one audit event. Sensitive values in ``before``/``after`` are masked before storing."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        org_path = org_path or getattr(target, "audit_path", lambda: "")() or getattr(target, "path", "")
    fields = _actor_fields(actor)
    if username and not fields["actor_username"]:
        fields["actor_username"] = username
    return AuditEvent.objects.create(
        source_ip=context.current().ip,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        org_path=org_path or "",
        success=success,
        message=message[:2000],
        before=mask_sensitive(before) if before is not None else None,
        after=mask_sensitive(after) if after is not None else None,
        **fields,
    )


def service(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a service function in one transaction; on a refused write, record a failure event.

    The service itself records its success event (it knows the target and the before/after values).
    When services nest, only the outermost one records the failure, once.
    """

    def decorator(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            depth_token = _depth.set(_depth.get() + 1)
            try:
                with transaction.atomic():
                    return fn(*args, **kwargs)
            except DomainError as exc:
                if _depth.get() == 1:
                    record(
                        actor=kwargs.get("actor"),
                        action=action,
                        success=False,
                        message=exc.message + (f" [{exc.field}]" if exc.field else ""),
                    )
                raise
            finally:
                _depth.reset(depth_token)

        return wrapper

    return decorator


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """A JSON-safe dict of the named fields of ``obj``, for before/after values."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name, None)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)
        out[name] = value
    return out
