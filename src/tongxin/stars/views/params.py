"""Query parameters and downloads particular to the stars pages (the shared ones are in
``tongxin.core.views``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any

from django.http import HttpRequest, HttpResponse
from openpyxl import Workbook

from tongxin.core.views import xlsx_file
from tongxin.core.xlsx import append_row
from tongxin.stars.selectors import this_year


def year_param(request: HttpRequest) -> int:
    """The ``year`` asked for, or this year when it is missing or not a plausible year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year()
    return year if 2000 <= year <= 2100 else this_year()


def list_download(
    filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A list as an Excel download named ``filename``-YYYYMMDD.xlsx (rows streamed into a write-only
    workbook; text that looks like a formula is neutralised by ``append_row``)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    append_row(ws, header)
    for row in rows:
        append_row(
            ws, [v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v for v in row]
        )
    buf = BytesIO()
    wb.save(buf)
    return xlsx_file(buf.getvalue(), filename)
