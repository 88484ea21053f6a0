"""Criteria as an Excel workbook, for county offices that keep their standards in spreadsheets.

Two sheets: 「标准」 (key in column A, value in column B: applies_to, title, source, effective_year,
precondition_star, five, four, three — the last three are the star counts of each level) and
「指标」 (one indicator per row, under a header row). The workbook becomes the same document as a
YAML file, and is checked by the same rules; cell problems are named by sheet, row and column.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tongxin.core import uploads
from tongxin.core.errors import DomainError
from tongxin.core.xlsx import Sheet, workbook
from tongxin.stars.criteria_io import CriteriaErrors, parse
from tongxin.stars.models import CriteriaSet

META_KEYS = ["applies_to", "title", "source", "effective_year", "precondition_star", "five", "four", "three"]
META_LABELS = {
    "applies_to": "适用对象（village 村 / community 城市社区）",
    "title": "名称",
    "source": "依据",
    "effective_year": "起用年度",
    "precondition_star": "前置星代码",
    "five": "五星所需星数",
    "four": "四星所需星数",
    "three": "三星所需星数",
}
COLUMNS = [
    ("star_code", "星代码"), ("star_name", "星名称"), ("pass_percent", "达标比例%"), ("code", "指标代码"),
    ("text", "指标"), ("method", "评判方式（yes_no/score/metric）"), ("max_score", "满分"), ("weight", "权重"),
    ("metric", "测算指标"), ("comparison", "比较（>= 或 <=）"), ("threshold", "阈值"), ("evidence", "需要的佐证"),
]  # fmt: skip
LEVEL_LABELS = {"five": "五星", "four": "四星", "three": "三星"}


def _int_cell(value: Any, where: str, errors: list[str]) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        errors.append(f"{where}：应为整数")
        return None


def load(raw: bytes) -> dict[str, Any]:
    """The workbook as a criteria document (not yet checked against the rules)."""
    try:
        uploads.check_xlsx(raw, field="file", label="标准文件")  # size and zip-bomb limits before unzipping
    except DomainError as exc:
        raise CriteriaErrors([exc.message]) from None
    try:
        wb = load_workbook(BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise CriteriaErrors(["文件不是有效的 Excel 工作簿（.xlsx）"]) from None
    missing = [name for name in ("标准", "指标") if name not in wb.sheetnames]
    if missing:
        raise CriteriaErrors([f"缺少工作表「{name}」" for name in missing])
    errors: list[str] = []
    meta: dict[str, Any] = {}
    for i, row in enumerate(wb["标准"].iter_rows(values_only=True), start=1):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        if key in META_KEYS:
            meta[key] = row[1] if len(row) > 1 else None
        elif i > 1:
            errors.append(f"标准表第{i}行：未知的项目“{key}”")
    stars: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(wb["指标"].iter_rows(values_only=True), start=1):
        if i == 1 or not row or all(v is None or v == "" for v in row):
            continue
        cells = dict(
            zip([c for c, _ in COLUMNS], list(row) + [None] * (len(COLUMNS) - len(row)), strict=False)
        )
        where = f"指标表第{i}行"
        code = str(cells["star_code"] or "").strip()
        if not code:
            errors.append(f"{where} 星代码：不能为空")
            continue
        star = stars.setdefault(
            code,
            {"code": code, "name": str(cells["star_name"] or "").strip(),
             "pass_percent": _int_cell(cells["pass_percent"], f"{where} 达标比例", errors), "indicators": []},
        )  # fmt: skip
        indicator: dict[str, Any] = {
            "code": str(cells["code"] or "").strip(),
            "text": str(cells["text"] or "").strip(),
            "method": str(cells["method"] or "").strip(),
            "weight": _int_cell(cells["weight"], f"{where} 权重", errors) or 1,
            "evidence": str(cells["evidence"] or "").strip(),
        }
        if indicator["method"] == "score":
            indicator["max_score"] = _int_cell(cells["max_score"], f"{where} 满分", errors)
        if indicator["method"] == "metric":
            indicator["metric"] = str(cells["metric"] or "").strip()
            indicator["comparison"] = str(cells["comparison"] or "").strip()
            indicator["threshold"] = cells["threshold"]
        star["indicators"].append(indicator)
    levels = [
        {
            "code": code,
            "label": LEVEL_LABELS[code],
            "min_stars": _int_cell(meta.get(code), f"标准表 {code}", errors),
        }
        for code in ("five", "four", "three")
        if meta.get(code) not in (None, "")
    ]
    document = {
        "applies_to": str(meta.get("applies_to") or "").strip(),
        "title": str(meta.get("title") or "").strip(),
        "source": str(meta.get("source") or "").strip(),
        "effective_year": _int_cell(meta.get("effective_year"), "标准表 effective_year", []),
        "sample": False,
        "rules": {"precondition_star": str(meta.get("precondition_star") or "").strip(), "levels": levels},
        "stars": list(stars.values()),
    }
    if errors:
        # List the rule problems too, so one correction round fixes everything.
        try:
            parse(document)
        except CriteriaErrors as exc:
            errors += exc.errors
        raise CriteriaErrors(errors)
    return document


def dump(cs: CriteriaSet) -> bytes:
    """A criteria set as a workbook in the same layout, to edit and import again."""
    levels = {lv["code"]: lv["min_stars"] for lv in cs.levels}
    values = {
        "applies_to": cs.applies_to, "title": cs.title, "source": cs.source, "effective_year": cs.effective_year,
        "precondition_star": cs.precondition, **levels,
    }  # fmt: skip
    meta = [[key, values.get(key, ""), META_LABELS[key]] for key in META_KEYS]
    indicators = (
        [
            star.code, star.name, star.pass_percent, ind.code, ind.text, ind.method,
            ind.max_score or None, ind.weight, ind.metric or None, ind.comparison or None,
            float(ind.threshold) if ind.threshold is not None else None, ind.evidence_hint,
        ]
        for star in cs.stars.all()
        for ind in star.indicators.all()
    )  # fmt: skip
    return workbook(
        Sheet(name="标准", columns=["项目", "内容", "说明"], rows=meta),
        Sheet(name="指标", columns=[label for _, label in COLUMNS], rows=indicators),
    )
