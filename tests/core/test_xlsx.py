"""core.xlsx: text goes into a workbook as text (never a formula); numbers and dates keep their type."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tongxin.core.xlsx import Column, Sheet, append_row, looks_like_formula, sheet_name, table, workbook

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
    wb = Workbook()
    ws = wb.active
    append_row(ws, ["张\x0b三\x00", "=A1\x1f", 5])
    assert [c.value for c in ws[1]] == ["张三", "=A1", 5]
    assert ws["B1"].data_type == "s"


def _load(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def test_a_table_has_a_title_notes_a_bold_header_and_the_rows_as_typed() -> None:
    data = table(
        name="积分榜",
        title="甲一村 2026年第三季度积分榜",
        notes=["公示期：5个工作日", "=不是公式"],
        columns=["姓名", "积分"],
        rows=[["=HYPERLINK(1)", 12], ["李四", -3]],
    )
    ws = _load(data).worksheets[0]
    assert ws.title == "积分榜"
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["甲一村 2026年第三季度积分榜", None],
        ["公示期：5个工作日", None],
        ["=不是公式", None],
        ["姓名", "积分"],
        ["=HYPERLINK(1)", 12],
        ["李四", -3],
    ]
    assert ws["A1"].font.b and ws["A1"].font.sz == 14
    assert ws["A4"].font.b and ws["B4"].font.b and not ws["A5"].font.b
    assert ws["A3"].quotePrefix and ws["A5"].quotePrefix and ws["A5"].data_type == "s"
    assert ws["B5"].data_type == "n"


def test_without_title_or_notes_the_header_is_the_first_row() -> None:
    ws = _load(table(name="事项", columns=["编号"], rows=[["A1"]])).worksheets[0]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["编号"], ["A1"]]
    assert ws["A1"].font.b


def test_column_widths_are_given_or_fit_the_header() -> None:
    ws = _load(
        table(name="t", columns=[Column("办结时间", width=17), "处置结果与群众反馈意见说明", "ID"], rows=[])
    ).worksheets[0]
    assert ws.column_dimensions["A"].width == 17
    assert ws.column_dimensions["B"].width == 2 * 13 + 4  # thirteen Chinese characters, two wide each
    assert ws.column_dimensions["C"].width == 8  # never narrower than eight


def test_rows_stream_from_a_generator_into_several_sheets_in_order() -> None:
    consumed: list[int] = []

    def rows() -> Any:
        for i in range(5000):
            consumed.append(i)
            yield [f"居民{i}", i]

    wb = _load(
        workbook(
            Sheet(name="按区划", columns=["名称", "数"], rows=rows()),
            Sheet(name="说明", columns=["列"], rows=[]),
        )
    )
    assert [ws.title for ws in wb.worksheets] == ["按区划", "说明"]
    assert len(consumed) == 5000 and wb.worksheets[0].max_row == 5001
    assert wb.worksheets[0]["A5001"].value == "居民4999"


def test_sheet_names_lose_what_excel_refuses() -> None:
    assert sheet_name("2026/Q3 [甲镇]: 榜*?") == "2026Q3 甲镇 榜"
    assert sheet_name("甲" * 40) == "甲" * 31
    assert sheet_name("///") == "Sheet1"
    with pytest.raises(ValueError):
        workbook()
