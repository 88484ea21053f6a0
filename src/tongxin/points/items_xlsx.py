"""积分项目 of a scheme as an Excel workbook, for villages that keep their item lists in spreadsheets.

One sheet 「积分项目」 (a header row, then one item per row) and a sheet 「说明」 that explains the
columns. Reading is all or nothing: every bad cell is collected and reported at once, by row number
and column name, in one ``ItemsWorkbookError``; no other exception escapes for bad input. Formulas
are refused (the cell shows one thing and may store another), so what the file shows is what is
imported. The meaning of the items is checked again by the services (``_check_items``).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tongxin.core import uploads
from tongxin.core.errors import DomainError
from tongxin.core.xlsx import append_row
from tongxin.points.demo import SUNZHUANG_ITEMS
from tongxin.points.models import PointItem
from tongxin.points.services import CAP_FIELDS, ItemSpec

SHEET = "积分项目"
HELP_SHEET = "说明"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 500
# Bounds of the input, not rules: a list of 500 items is a few dozen kilobytes. Blank rows (formatted
# ones too) are skipped, but only so far: a sheet reaching past MAX_SHEET_ROWS is refused, not read.
MAX_BYTES = 5 * 1024 * 1024
MAX_SHEET_ROWS = 20_000
MAX_COLUMNS = 32
MAX_NUMBER = 1_000_000
HEADER_FILL = PatternFill("solid", fgColor="F4D7D9")
YES, NO = "是", "否"

CATEGORY_LABELS = "、".join(PointItem.Category.labels)
ELIGIBLE_LABELS = "、".join(PointItem.Eligible.labels)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool
    help: str
    width: int


_CAP_LABELS = {
    "cap_person_month": "个人每月上限（次）",
    "cap_person_quarter": "个人每季上限（次）",
    "cap_person_year": "个人每年上限（次）",
    "cap_household_month": "每户每月上限（次）",
    "cap_household_quarter": "每户每季上限（次）",
    "cap_household_year": "每户每年上限（次）",
}
COLUMNS = [
    Column("code", "项目代码", True, "最多32个字符，同一方案内不能重复；申报和积分流水按代码找到项目。", 12),
    Column("name", "项目名称", True, "最多100个字符。", 30),
    Column(
        "category",
        "类别",
        True,
        f"{CATEGORY_LABELS}（也可填英文代码：{'、'.join(PointItem.Category.values)}）。",
        12,
    ),
    Column("points", "分值", True, "整数，不能为0：加分填正数，扣分填负数（如 -3）。", 8),
    Column(
        "eligible",
        "适用对象",
        False,
        f"{ELIGIBLE_LABELS}（也可填 all、villagers、members）；留空为“群众和党员”。",
        14,
    ),
    Column("evidence_required", "须照片", False, "是 / 否；留空为“否”。“是”表示申报时须上传现场照片。", 8),
    *(
        Column(cap, _CAP_LABELS[cap], False, "按次数计的上限，正整数；留空为不限。扣分项目一般不设上限。", 18)
        for cap in CAP_FIELDS
    ),
]
KEYS = [c.key for c in COLUMNS]


class ItemsWorkbookError(DomainError):
    """The workbook cannot be imported; ``problems`` lists every reason (row, column, what is wrong)."""

    def __init__(self, problems: list[str]) -> None:
        summary = "Excel 文件有误，未导入任何积分项目"
        super().__init__(f"{summary}：{'；'.join(problems)}。", field="items_file")
        self.summary = summary
        self.problems = problems


# --- writing ------------------------------------------------------------------------------------


def workbook_for(items: Iterable[ItemSpec | PointItem]) -> bytes:
    """The items as a workbook in the layout ``parse_workbook`` reads, to edit and upload again."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    append_row(ws, [c.label + ("*" if c.required else "") for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    categories = dict(PointItem.Category.choices)
    eligible = dict(PointItem.Eligible.choices)
    for item in items:
        append_row(
            ws,
            [
                item.code,
                item.name,
                categories.get(item.category, item.category),
                item.points,
                eligible.get(item.eligible, item.eligible),
                YES if item.evidence_required else NO,
                *(getattr(item, cap) for cap in CAP_FIELDS),
            ],
        )
    for i, column in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = column.width
    ws.column_dimensions["A"].number_format = "@"  # codes such as 001 stay text
    ws.freeze_panes = "A2"
    last = MAX_ROWS + 1
    for letter, values in (
        ("C", PointItem.Category.labels),
        ("E", PointItem.Eligible.labels),
        ("F", [YES, NO]),
    ):
        dv = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
    caps = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True)
    caps.add(f"G2:L{last}")
    ws.add_data_validation(caps)

    help_ws = wb.create_sheet(HELP_SHEET)
    append_row(help_ws, ["列", "必填", "说明和可填的值"])
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for column in COLUMNS:
        append_row(help_ws, [column.label, YES if column.required else "", column.help])
    append_row(help_ws, [])
    for note in (
        f"在「{SHEET}」表中从第2行起每行填一个项目，表头不要改动；最多{MAX_ROWS}个项目。",
        "整表要么全部导入，要么一个也不导入；有误的单元格会按行号和列名逐一列出。",
        "请直接填写数值和文字，不要使用公式。",
        "上传后表中的项目替换页面文本框中的项目；修改方案会发布新版本，已经入账的积分不受影响。",
    ):
        append_row(help_ws, [note])
    help_ws.column_dimensions["A"].width = 20
    help_ws.column_dimensions["B"].width = 6
    help_ws.column_dimensions["C"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template() -> bytes:
    """A workbook to start from: the items of the demo's sample scheme (样例方案)."""
    return workbook_for(SUNZHUANG_ITEMS)


# --- reading ------------------------------------------------------------------------------------


class _Formula:
    """A formula cell, kept apart from text so that it is reported, not imported."""

    def __init__(self, text: str) -> None:
        self.text = text


NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx）；旧版 .xls 或 CSV 文件请在 Excel 中另存为 .xlsx"
TOO_BIG = f"文件过大（超过{MAX_BYTES // 1024 // 1024}MB），积分项目表一般只有几十KB"
TOO_FAR = f"工作表「{SHEET}」的内容或格式延伸到第{MAX_SHEET_ROWS}行以后，请删除表格下方多余的行"
TOO_MANY = f"积分项目不能超过{MAX_ROWS}行，请分开整理或删去不用的项目"


def _read_sheet(data: bytes) -> list[tuple[int, list[Any]]]:
    """The non-blank rows of the sheet (row number, cell values), or the reason it cannot be read."""
    if len(data) > MAX_BYTES:
        raise ItemsWorkbookError([TOO_BIG])
    try:
        uploads.check_xlsx(data, field="items_file", label="积分项目表")  # zip-bomb limits before unzipping
    except DomainError as exc:
        raise ItemsWorkbookError([exc.message if exc.code == "too_large" else NOT_XLSX]) from None
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    # openpyxl raises many kinds (KeyError, XML and zip errors, ...) for an archive that is no workbook.
    except Exception:
        raise ItemsWorkbookError([NOT_XLSX]) from None
    try:
        if SHEET not in wb.sheetnames:
            raise ItemsWorkbookError([f"缺少工作表「{SHEET}」（现有：{'、'.join(wb.sheetnames) or '无'}）"])
        rows: list[tuple[int, list[Any]]] = []
        try:
            for number, row in enumerate(wb[SHEET].iter_rows(max_col=MAX_COLUMNS), start=1):
                if number > MAX_SHEET_ROWS:
                    raise ItemsWorkbookError([TOO_FAR])
                values = [
                    _Formula(str(getattr(c.value, "text", c.value))) if c.data_type == "f" else c.value
                    for c in row
                ]
                if all(_blank(v) for v in values):
                    continue
                rows.append((number, values))
                if len(rows) > MAX_ROWS + 1:  # the header and MAX_ROWS items
                    raise ItemsWorkbookError([TOO_MANY])
        except ItemsWorkbookError:
            raise
        except Exception:  # a damaged sheet inside a readable archive
            raise ItemsWorkbookError([NOT_XLSX]) from None
        return rows
    finally:
        wb.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _norm(label: str) -> str:
    """A header cell compared loosely: no spaces, no required mark, no "（次）"-style remark."""
    label = re.sub(r"[（(][^）)]*[）)]", "", label)
    return re.sub(r"[\s*＊]", "", label)


def _header(number: int, values: list[Any]) -> dict[str, int]:
    """Column index of every key, from the header row; every column must be there once."""
    wanted = {_norm(c.label): c for c in COLUMNS}
    found: dict[str, int] = {}
    problems: list[str] = []
    for i, value in enumerate(values):
        if isinstance(value, str) and (column := wanted.get(_norm(value))) is not None:
            if column.key in found:
                problems.append(f"第{number}行：表头「{column.label}」出现了两次")
            found[column.key] = i
    if not found:
        raise ItemsWorkbookError(
            [f"找不到表头：工作表「{SHEET}」第一行应为 {'、'.join(c.label for c in COLUMNS)}"]
        )
    missing = [c.label for c in COLUMNS if c.key not in found]
    if missing:
        problems.append(f"第{number}行：缺少表头{''.join(f'「{m}」' for m in missing)}")
    if problems:
        raise ItemsWorkbookError(problems)
    return found


class _Bad(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _shown(value: Any) -> str:
    text = str(value).strip()
    return text if len(text) <= 20 else text[:20] + "…"


def _refuse_special(value: Any, what: str) -> None:
    if isinstance(value, _Formula):
        raise _Bad(f"是公式“{_shown(value.text)}”，请直接填写{what}")
    if isinstance(value, datetime | date | time | timedelta):
        raise _Bad(f"是日期或时间，应填{what}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    _refuse_special(value, "文字")
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _integer(value: Any) -> int | None:
    """A whole number typed as a number (5, 5.0) or as text ("5", " -3 "); None when blank."""
    _refuse_special(value, "整数")
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _Bad(f"“{'TRUE' if value else 'FALSE'}”不是整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise _Bad(f"“{_shown(value)}”不是整数")
        number = int(value) if abs(value) <= MAX_NUMBER else MAX_NUMBER + 1
    else:
        raw = str(value).strip()
        try:
            decimal = Decimal(raw)
        except (InvalidOperation, ValueError):
            raise _Bad(f"“{_shown(raw)}”不是整数") from None
        if not decimal.is_finite() or decimal != decimal.to_integral_value():
            raise _Bad(f"“{_shown(raw)}”不是整数")
        number = int(decimal) if abs(decimal) <= MAX_NUMBER else MAX_NUMBER + 1
    if abs(number) > MAX_NUMBER:
        raise _Bad(f"不能超过{MAX_NUMBER}")
    return number


def _choice(value: Any, choices: Any, what: str, labels: str, default: str = "") -> str:
    raw = _text(value)
    if not raw:
        if default:
            return default
        raise _Bad("不能为空")
    for code, label in choices:
        if raw in (code, label):
            return str(code)
    raise _Bad(f"“{_shown(raw)}”不是可选的{what}（{labels}）")


def _cell(key: str, value: Any) -> Any:
    if key == "code":
        code = _text(value)
        if not code:
            raise _Bad("不能为空")
        if len(code) > 32:
            raise _Bad(f"“{_shown(code)}”超过32个字符")
        return code
    if key == "name":
        name = _text(value)
        if not name:
            raise _Bad("不能为空")
        if len(name) > 100:
            raise _Bad("超过100个字符")
        return name
    if key == "category":
        return _choice(value, PointItem.Category.choices, "类别", CATEGORY_LABELS)
    if key == "points":
        points = _integer(value)
        if points is None:
            raise _Bad("不能为空")
        if points == 0:
            raise _Bad("不能为0（加分填正数，扣分填负数）")
        return points
    if key == "eligible":
        return _choice(value, PointItem.Eligible.choices, "适用对象", ELIGIBLE_LABELS, PointItem.Eligible.ALL)
    if key == "evidence_required":
        raw = _text(value)
        if raw not in ("", YES, NO):
            raise _Bad(f"“{_shown(raw)}”应填“是”或“否”")
        return raw == YES
    cap = _integer(value)
    if cap is not None and cap < 1:
        raise _Bad(f"“{_shown(value)}”应为正整数，或留空表示不限")
    return cap


def parse_workbook(data: bytes) -> list[ItemSpec]:
    """The items of an uploaded workbook, all or nothing; raises ``ItemsWorkbookError`` naming every
    bad cell (“第3行「分值」：“五”不是整数”) and never anything else for bad input."""
    rows = _read_sheet(data)
    if not rows:
        raise ItemsWorkbookError([f"工作表「{SHEET}」是空的"])
    header_number, header_values = rows[0]
    where = _header(header_number, header_values)
    if len(rows) == 1:
        raise ItemsWorkbookError([f"工作表「{SHEET}」中没有积分项目（表头下面是空的）"])
    labels = {c.key: c.label for c in COLUMNS}
    problems: list[str] = []
    items: list[ItemSpec] = []
    first_row: dict[str, int] = {}
    for number, values in rows[1:]:
        parsed: dict[str, Any] = {}
        for key in KEYS:
            i = where[key]
            try:
                parsed[key] = _cell(key, values[i] if i < len(values) else None)
            except _Bad as bad:
                problems.append(f"第{number}行「{labels[key]}」：{bad.reason}")
                continue
            if key == "code" and parsed[key] in first_row:
                code = parsed.pop(key)
                problems.append(f"第{number}行「{labels[key]}」：“{_shown(code)}”与第{first_row[code]}行重复")
            elif key == "code":
                first_row[parsed[key]] = number
        if len(parsed) == len(KEYS):
            items.append(ItemSpec(**parsed))
    if problems:
        raise ItemsWorkbookError(problems)
    return items
