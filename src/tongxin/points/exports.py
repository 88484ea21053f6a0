"""Excel exports (openpyxl): boards, ledgers, nomination lists and the shop report."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from tongxin.core.views import XLSX, file_response
from tongxin.core.xlsx import append_row


def workbook_response(
    *,
    filename: str,
    title: str,
    headers: list[str],
    rows: Iterable[Iterable[Any]],
    notes: list[str] | None = None,
) -> HttpResponse:
    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    for note in notes or []:
        append_row(ws, [note])
    append_row(ws, headers)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
    for i, _ in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return file_response(buf.getvalue(), filename, XLSX)
