"""core.xlsx: text goes into a workbook as text (never a formula); numbers and dates keep their type."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tongxin.core.xlsx import append_row, looks_like_formula

HOSTILE = [
    "=SUM(A1)",
    '=HYPERLINK("http://example.com/?q="&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\n=1+1",
    "＝1+1",
    "#N/A",
]


def _round_trip(rows: list[list[Any]], *, write_only: bool = False, **load: Any) -> Any:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("表") if write_only else wb.active
    for row in rows:
        append_row(ws, row)
    buf = io.BytesIO()
    wb.save(buf)
    return load_workbook(io.BytesIO(buf.getvalue()), **load).worksheets[0]


@pytest.mark.parametrize("write_only", [False, True])
def test_text_that_looks_like_a_formula_is_written_as_the_text_typed(write_only: bool) -> None:
    ws = _round_trip([HOSTILE], write_only=write_only)
    cells = next(iter(ws.iter_rows()))
    assert [c.value for c in cells] == HOSTILE
    assert {c.data_type for c in cells} == {"s"}
    # Excel's own mark for text typed after an apostrophe: shown as typed, stays text when edited.
    assert [c.quotePrefix for c in cells] == [looks_like_formula(t) for t in HOSTILE]


def test_a_leading_carriage_return_is_text_too() -> None:
    # XML reads a bare CR as LF (the file format's rule, not ours); the cell is still text.
    cell = next(iter(_round_trip([["\r=1+1"]]).iter_rows()))[0]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("\n=1+1", "s", True)


def test_plain_text_is_text_without_a_quote_prefix() -> None:
    ws = _round_trip([["张三", "甲一村", "", "5", "1/2"]])
    cells = next(iter(ws.iter_rows()))
    assert [c.value for c in cells] == ["张三", "甲一村", None, "5", "1/2"]
    assert not any(c.quotePrefix for c in cells)


@pytest.mark.parametrize("write_only", [False, True])
def test_numbers_dates_and_booleans_keep_their_type(write_only: bool) -> None:
    ws = _round_trip(
        [[-5, 3, 2.5, Decimal("-1.5"), date(2026, 4, 8), datetime(2026, 4, 8, 9, 30), True, None, "x"]],
        write_only=write_only,
    )
    cells = next(iter(ws.iter_rows()))
    assert [c.value for c in cells] == [
        -5, 3, 2.5, -1.5, datetime(2026, 4, 8), datetime(2026, 4, 8, 9, 30), True, None, "x",
    ]  # fmt: skip
    assert [c.data_type for c in cells[:7]] == ["n", "n", "n", "n", "d", "d", "b"]
    assert cells[4].is_date and cells[5].is_date


@pytest.mark.parametrize(
    "load", [{}, {"read_only": True}, {"data_only": True}, {"read_only": True, "data_only": True}]
)
def test_every_way_of_reading_the_file_gets_the_text_back(load: dict[str, Any]) -> None:
    ws = _round_trip([["=SUM(A1)", -5, "-5"]], **load)
    assert [(c.value, c.data_type) for c in next(iter(ws.iter_rows()))] == [
        ("=SUM(A1)", "s"),
        (-5, "n"),
        ("-5", "s"),
    ]


def test_what_counts_as_formula_looking() -> None:
    assert all(looks_like_formula(t) for t in [*HOSTILE, "\r=1"] if t != "#N/A")
    assert not any(looks_like_formula(t) for t in ["", "张=三", "a-b", "1+1", " =1", "#N/A"])


def test_control_characters_are_dropped_not_fatal() -> None:
    from openpyxl import Workbook

    from tongxin.core.xlsx import append_row

    wb = Workbook()
    ws = wb.active
    append_row(ws, ["张\x0b三\x00", "=A1\x1f", 5])
    assert [c.value for c in ws[1]] == ["张三", "=A1", 5]
    assert ws["B1"].data_type == "s"
