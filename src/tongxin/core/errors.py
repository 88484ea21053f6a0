"""Domain errors: a message a person can act on, in Chinese, and the field it concerns."""

from __future__ import annotations


class DomainError(Exception):
    """A refused write. ``message`` is shown to the user as is; ``field`` names the input it concerns."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotFound(DomainError):
    """The object does not exist or lies outside the acting user's scope (no existence leaks)."""

    code = "not_found"

    def __init__(
        self,
        message: str = "未找到该记录，或您无权查看。",
        *,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
