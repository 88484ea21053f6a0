"""Helpers every app's pages share: the acting user or 404, domain errors onto forms, htmx detection,
file downloads and QR codes. Views import these instead of keeping copies of their own."""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING, Any, cast

import qrcode
import qrcode.image.svg
from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme

from tongxin.core.errors import DomainError

if TYPE_CHECKING:  # core imports no app at run time; the user model is only named for the type checker
    from tongxin.accounts.models import User

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
NOT_FOUND = "未找到该页面，或您无权查看。"


def user_with(request: HttpRequest, *perms: str) -> User:
    """The logged-in user when they hold one of ``perms`` somewhere in the tree; otherwise the page does
    not exist for them (``Http404``, never 403: no existence leaks). With no ``perms``, any logged-in user."""
    user = cast("User", request.user)
    if not user.is_authenticated:
        raise Http404(NOT_FOUND)
    if perms and not any(user.has_perm_anywhere(p) for p in perms):
        raise Http404(NOT_FOUND)
    return user


def form_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a refused write on the form: on the field the error names when the form has it, else on top.
    A message that starts with the field's label ("现场照片：…", as upload refusals do) loses it there,
    as the page shows the label before each error of the field."""
    field = exc.field if exc.field in form.fields else None
    message = exc.message.removeprefix(f"{form.fields[field].label}：") if field else exc.message
    form.add_error(field, message)


def is_htmx(request: HttpRequest) -> bool:
    """Whether the request came from htmx (it then gets a ``fragment_*.html`` instead of a whole page)."""
    return request.headers.get("HX-Request") == "true"


def file_response(data: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    """A download: the right type, the file name in RFC 6266 form (Chinese names survive), never sniffed."""
    response = HttpResponse(data, content_type=content_type)
    # None only for an inline response without a file name, which this helper never makes.
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_file(data: bytes, filename: str, *, stamped: bool = True) -> HttpResponse:
    """An Excel download named ``filename``-YYYYMMDD.xlsx (today's local date) unless ``stamped`` is off."""
    stem = filename.removesuffix(".xlsx")
    if stamped:
        stem = f"{stem}-{timezone.localdate():%Y%m%d}"
    return file_response(data, f"{stem}.xlsx", XLSX)


@functools.lru_cache(maxsize=512)
def qr_svg(data: str, box_size: int = 6) -> str:
    """The QR code of ``data`` as inline SVG markup; cached, as the URLs encoded are stable."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def int_param(request: HttpRequest, name: str) -> int | None:
    """A whole-number query parameter, None when missing or not a number."""
    raw: Any = request.GET.get(name, "")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` the request names (POST first, then GET) when it points into this site, else
    ``fallback``: a link such as ``?next=https://evil.example`` never sends anyone off-site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(fallback)
