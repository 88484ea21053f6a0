"""Rows for Excel exports: what people typed goes into a workbook as text, never as a formula.

openpyxl stores a string that starts with "=" as a formula (and "#N/A" and the like as error values),
so a villager named ``=HYPERLINK(...)`` would be a live link in a cadre's spreadsheet. Excel also
evaluates text starting with = + - @ (or a tab, CR or LF) once someone edits the cell (OWASP "CSV
injection"). Exporters therefore append rows with ``append_row``: every string becomes a string cell,
and one that looks like a formula also gets Excel's quote prefix — what Excel itself stores when one
types ``'=SUM(A1)`` — so the cell shows exactly the typed text, stays text when edited, and reads back
unchanged. Prefixing an apostrophe to the text instead (the CSV advice) would change what the cell
shows and what an import reads. Numbers, dates, booleans and None are written as they are.

Whole exports are built with ``workbook(Sheet(...), ...)`` (or ``table(...)`` for one sheet): a bold
title row, note rows, a bold header, column widths, written row by row in write-only mode, every row
through ``append_row``. Exporters do not style cells by hand.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# OWASP's list, and the full-width forms a Chinese input method types, which Excel may take for the
# half-width ones when the cell is edited.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def looks_like_formula(text: str) -> bool:
    """Whether Excel could take ``text`` for a formula when the cell is edited or the sheet re-read."""
    return text.startswith(FORMULA_START)


def safe(ws: Any, value: Any) -> Any:
    """``value`` ready for ``ws.append``: a string as a text cell of ``ws`` (quote-prefixed when it looks
    like a formula); anything else unchanged, so numbers (-5 too) and dates keep their type."""
    if not isinstance(value, str):
        return value
    # Control characters other than tab, LF and CR cannot be stored in the file format; openpyxl raises
    # on them, which would fail a whole export for one pasted name. They carry no meaning: dropped.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    # Placed by ``ws.append``; row and column only have to be set for write-only sheets.
    cell = Cell(ws, row=1, column=1, value=value)
    cell.data_type = "s"  # openpyxl guessed "f" for "=…" and "e" for "#N/A"; people typed text
    if looks_like_formula(value):
        cell.quotePrefix = True
    return cell


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """Append ``values`` as the next row of ``ws`` (normal or write-only), strings as text."""
    ws.append([safe(ws, v) for v in values])


# --- whole workbooks ------------------------------------------------------------------------------

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
MIN_WIDTH = 8
MAX_WIDTH = 60
# Characters Excel refuses in a sheet name.
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header and, when the header's length is a poor guide, its width."""

    label: str
    width: float | None = None

    @property
    def display_width(self) -> float:
        """``width``, or room for the header: a Chinese character is about two Latin ones wide."""
        if self.width is not None:
            return self.width
        wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in self.label)
        return float(min(MAX_WIDTH, max(MIN_WIDTH, wide + 4)))


@dataclass(frozen=True)
class Sheet:
    """One sheet: an optional title row (bold, large) and note rows, then a bold header and the rows.

    ``rows`` may be a generator: the workbook is written row by row (openpyxl's write-only mode), so an
    export of 100,000 rows never holds them all as cells.
    """

    name: str
    columns: Sequence[Column | str]
    rows: Iterable[Iterable[Any]]
    title: str = ""
    notes: Sequence[str] = ()

    @property
    def header(self) -> list[Column]:
        return [c if isinstance(c, Column) else Column(c) for c in self.columns]


def sheet_name(name: str) -> str:
    """``name`` as Excel accepts it for a sheet: without []:*?/\\, at most 31 characters, not empty."""
    return _SHEET_NAME_BAD.sub("", name)[:31] or "Sheet1"


def _styled(ws: Any, value: Any, font: Font) -> Any:
    cell = safe(ws, value)
    if not isinstance(cell, Cell):
        cell = WriteOnlyCell(ws, value=cell)
    cell.font = font
    return cell


def _write(ws: Any, sheet: Sheet) -> None:
    header = sheet.header
    # A write-only sheet takes column widths only before its first row.
    for i, column in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.display_width
    if sheet.title:
        ws.append([_styled(ws, sheet.title, TITLE_FONT)])
    for note in sheet.notes:
        append_row(ws, [note])
    ws.append([_styled(ws, column.label, HEADER_FONT) for column in header])
    for row in sheet.rows:
        append_row(ws, row)


def workbook(*sheets: Sheet) -> bytes:
    """The .xlsx file (bytes) of ``sheets``, in order, every string written as text (``append_row``).

    Serve it with ``core.views.xlsx_file(data, filename)``.
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    wb = Workbook(write_only=True)
    for sheet in sheets:
        _write(wb.create_sheet(title=sheet_name(sheet.name)), sheet)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table(
    *,
    name: str,
    columns: Sequence[Column | str],
    rows: Iterable[Iterable[Any]],
    title: str = "",
    notes: Sequence[str] = (),
) -> bytes:
    """A one-sheet workbook: ``workbook(Sheet(...))``."""
    return workbook(Sheet(name=name, columns=columns, rows=rows, title=title, notes=notes))
