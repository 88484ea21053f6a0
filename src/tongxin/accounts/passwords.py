from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

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
