"""Query parameters and downloads particular to the stars pages (the shared ones are in
``tongxin.core.views``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from tongxin.core.views import xlsx_file
from tongxin.core.xlsx import table
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
    """A list as an Excel download named ``filename``-YYYYMMDD.xlsx (rows streamed by
    ``core.xlsx.table``, which writes text that looks like a formula as text)."""
    cells = (
        [v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v for v in row]
        for row in rows
    )
    return xlsx_file(table(name=title, columns=header, rows=cells), filename)
