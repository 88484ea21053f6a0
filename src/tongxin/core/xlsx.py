"""Rows for Excel exports: what people typed goes into a workbook as text, never as a formula.

openpyxl stores a string that starts with "=" as a formula (and "#N/A" and the like as error values),
so a villager named ``=HYPERLINK(...)`` would be a live link in a cadre's spreadsheet. Excel also
evaluates text starting with = + - @ (or a tab, CR or LF) once someone edits the cell (OWASP "CSV
injection"). Exporters therefore append rows with ``append_row``: every string becomes a string cell,
and one that looks like a formula also gets Excel's quote prefix — what Excel itself stores when one
types ``'=SUM(A1)`` — so the cell shows exactly the typed text, stays text when edited, and reads back
unchanged. Prefixing an apostrophe to the text instead (the CSV advice) would change what the cell
shows and what an import reads. Numbers, dates, booleans and None are written as they are.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

from tongxin.core.errors import DomainError

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


# Limits for a workbook uploaded for import, checked before openpyxl unzips anything. A real import of a
# few thousand rows unzips to a few MB; a 616 KB "zip bomb" declared 1.3 GB.
MAX_UNZIPPED = 50 * 1024 * 1024
MAX_ENTRIES = 500
MB = 1024 * 1024


def check_xlsx_archive(
    data: bytes, *, max_unzipped: int = MAX_UNZIPPED, max_entries: int = MAX_ENTRIES, field: str = "file"
) -> None:
    """Refuse an uploaded .xlsx whose zip archive would unzip to more than ``max_unzipped`` bytes or
    holds more than ``max_entries`` parts, reading only its directory (nothing is decompressed). Every
    import calls this before ``openpyxl.load_workbook``. The declared sizes are enough: Python's
    ``zipfile`` (which openpyxl reads through) never yields more than a member's declared size, and a
    member whose data does not match it fails its CRC check."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise DomainError("无法读取该文件：请上传 Excel（.xlsx）文件。", field=field) from None
    if len(members) > max_entries:
        raise DomainError(
            f"该文件包含{len(members)}个部件，超过{max_entries}个的上限，不像是正常的 Excel 文件。",
            field=field,
        )
    unzipped = sum(m.file_size for m in members)
    if unzipped > max_unzipped:
        raise DomainError(
            f"该文件解压后约{unzipped / MB:,.0f} MB，超过{max_unzipped / MB:,.0f} MB 的上限；"
            "请删除多余的工作表和格式，或分批导入。",
            field=field,
        )
