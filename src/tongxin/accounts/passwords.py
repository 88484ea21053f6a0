from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.core import audit
from tongxin.core.models import AuditEvent

_CLASSES = (
    ("小写字母", re.compile(r"[a-z]")),
    ("大写字母", re.compile(r"[A-Z]")),
    ("数字", re.compile(r"\d")),
    ("符号", re.compile(r"[^A-Za-z0-9]")),
)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower case, upper case, digits, symbols (等保 2.0 complexity)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for _, rx in _CLASSES if rx.search(password))
        if present < self.min_classes:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、符号中的至少{self.min_classes}类。",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"密码须包含小写字母、大写字母、数字、符号中的至少{self.min_classes}类。"


# Wrong current passwords on the change form count like failed logins (django-axes): after
# ``AXES_FAILURE_LIMIT`` of them within ``AXES_COOLOFF_TIME`` the form refuses every attempt until the
# window has passed. The audit log is the counter, so every worker sees the same count.
WRONG_OLD_PASSWORD = "accounts.password.check"


def change_locked(user: Any) -> bool:
    """Whether ``user`` has guessed their current password wrong too often to try again now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    wrong = AuditEvent.objects.filter(
        actor_username=user.get_username(), action=WRONG_OLD_PASSWORD, success=False, at__gte=since
    )
    return wrong.count() >= settings.AXES_FAILURE_LIMIT


def note_wrong_old_password(user: Any) -> None:
    """Record one wrong current password on the change form (the audit row is the counter)."""
    audit.record(
        actor=user, action=WRONG_OLD_PASSWORD, target=user, success=False, message="修改密码：当前密码错误"
    )
