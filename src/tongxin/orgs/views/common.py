"""Helpers shared by the registry's pages."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.orgs import selectors
from tongxin.orgs.models import Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_user(request: HttpRequest, *perms: str) -> User:
    """The logged-in user, if they hold one of ``perms`` somewhere; else the page does not exist (404)."""
    user: User = request.user  # type: ignore[assignment]
    if not any(user.has_perm_anywhere(p) for p in perms or (selectors.VIEW,)):
        raise Http404("未找到该页面，或您无权查看。")
    return user


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def xlsx(data: bytes, filename: str) -> HttpResponse:
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'{filename}-{stamp}.xlsx')}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def query_without(request: HttpRequest, *keys: str) -> str:
    """The current query string without ``keys`` (for pager and export links)."""
    return urlencode([(k, v) for k, v in request.GET.items() if k not in keys and v])


def region_param(request: HttpRequest) -> Region | None:
    raw = request.GET.get("region", "")
    if not raw.isdigit():
        return None
    return Region.objects.filter(pk=int(raw)).first()


def date_param(request: HttpRequest, name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def form_error(form: Any, exc: Any) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
