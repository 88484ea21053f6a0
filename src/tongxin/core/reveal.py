"""Seeing a full ID or mobile number: a separate permission (``pii.reveal``), inside the actor's scope,
and every look is written to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models

from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import scoped

REVEALABLE = ("id_card", "mobile")


@service("pii.reveal")
def reveal_personal_data(*, actor: Any, obj: models.Model, field: str) -> str:
    """The full value of ``field`` of ``obj`` for an actor who holds ``pii.reveal`` over it."""
    if field not in REVEALABLE or not hasattr(obj, field):
        raise DomainError(f"字段“{field}”不能查看明文。", field="field")
    if (
        actor is None
        or not scoped(type(obj)._default_manager.filter(pk=obj.pk), actor, "pii.reveal").exists()
    ):
        raise DomainError("您没有查看完整个人信息的权限。", field=field, code="forbidden")
    audit.record(
        actor=actor,
        action="pii.reveal",
        target=obj,
        message=f"查看完整{'身份证号码' if field == 'id_card' else '手机号码'}",
    )
    return str(getattr(obj, field) or "")
