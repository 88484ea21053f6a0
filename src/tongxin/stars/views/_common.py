from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from openpyxl import Workbook

from tongxin.accounts.models import User
from tongxin.core.xlsx import append_row
from tongxin.stars.selectors import VIEW, this_year


def user_with(request: HttpRequest, perm: str = VIEW) -> User:
    """The logged-in user, if they hold ``perm`` somewhere; otherwise the page does not exist (404)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_authenticated or not user.has_perm_anywhere(perm):
        raise Http404("未找到该页面，或您无权查看。")
    return user


def year_param(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year()
    return year if 2000 <= year <= 2100 else this_year()


def int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def xlsx_response(
    filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """An Excel file of a list (streamed row by row into a write-only workbook)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    append_row(ws, header)
    for row in rows:
        append_row(
            ws,
            [
                v.isoformat() if isinstance(v, date | datetime) and not isinstance(v, datetime) else v
                for v in row
            ],
        )
    buf = BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def form_error(form: Any, exc: Any) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
