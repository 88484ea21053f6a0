from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest

from tongxin.accounts.models import User
from tongxin.core.errors import DomainError


def user_with(request: HttpRequest, *perms: str) -> User:
    """The logged-in user, when they hold one of ``perms`` somewhere; else the page does not exist."""
    user: User = request.user  # type: ignore[assignment]
    if not any(user.has_perm_anywhere(p) for p in perms):
        raise Http404("未找到该页面，或您无权查看。")
    return user


def show_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))
