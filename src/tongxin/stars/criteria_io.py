"""Reading a criteria document (YAML or JSON — the same shape as the sample files in
``tongxin/rules/stars_criteria_*.yaml``) and checking every part of it before anything is saved.

All problems are collected and reported together, each naming where it is ("第2颗星第3项指标 threshold")
and why, so a county administrator can fix the file in one go.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from tongxin.core.errors import DomainError
from tongxin.core.rules import RULES_DIR
from tongxin.stars.metrics import METRICS

SAMPLE_FILES = {
    "village": RULES_DIR / "stars_criteria_village.yaml",
    "community": RULES_DIR / "stars_criteria_community.yaml",
}
APPLIES_TO = {"village": "村", "community": "城市社区"}
METHODS = {"yes_no", "score", "metric"}
COMPARISONS = {">=", "<="}
MAX_BYTES = 512 * 1024


@dataclass
class IndicatorSpec:
    code: str
    text: str
    method: str
    weight: int
    max_score: int = 0
    metric: str = ""
    comparison: str = ""
    threshold: Decimal | None = None
    evidence: str = ""


@dataclass
class StarSpec:
    code: str
    name: str
    pass_percent: int
    description: str = ""
    indicators: list[IndicatorSpec] = field(default_factory=list)


@dataclass
class CriteriaSpec:
    applies_to: str
    title: str
    source: str
    sample: bool
    effective_year: int
    rules: dict[str, Any]
    stars: list[StarSpec]
    document: dict[str, Any]
    digest: str


class CriteriaErrors(DomainError):
    """Every problem found in a criteria document."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("标准文件有 {} 处问题：{}".format(len(errors), "；".join(errors)), field="file")
        self.errors = errors


def load(raw: bytes, *, filename: str = "") -> dict[str, Any]:
    if len(raw) > MAX_BYTES:
        raise CriteriaErrors([f"文件超过 {MAX_BYTES // 1024} KB"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CriteriaErrors(["文件不是 UTF-8 编码的文本（YAML 或 JSON）"]) from None
    try:
        data = json.loads(text) if filename.lower().endswith(".json") else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CriteriaErrors([f"无法解析文件：{str(exc).splitlines()[0]}"]) from None
    if not isinstance(data, dict):
        raise CriteriaErrors(["文件的顶层应为键值结构（id、title、stars……）"])
    return data


def load_sample(applies_to: str) -> dict[str, Any]:
    return load(Path(SAMPLE_FILES[applies_to]).read_bytes(), filename="sample.yaml")


def _rule_value(rules: dict[str, Any], key: str) -> Any:
    value = rules.get(key)
    return value.get("value") if isinstance(value, dict) else value


def _int(value: Any, where: str, errors: list[str], *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(f"{where}：应为整数")
        return 0
    if not low <= value <= high:
        errors.append(f"{where}：应在 {low} 到 {high} 之间")
    return value


def _text(value: Any, where: str, errors: list[str], *, max_len: int, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            errors.append(f"{where}：不能为空")
        return ""
    text = str(value).strip()
    if len(text) > max_len:
        errors.append(f"{where}：超过 {max_len} 个字")
    return text


def _indicator(raw: Any, where: str, errors: list[str]) -> IndicatorSpec | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}：应为键值结构")
        return None
    code = _text(raw.get("code"), f"{where} code", errors, max_len=40)
    text = _text(raw.get("text"), f"{where} text", errors, max_len=300)
    method = str(raw.get("method", ""))
    if method not in METHODS:
        errors.append(f"{where} method：应为 yes_no、score 或 metric 之一")
    weight = _int(raw.get("weight", 1), f"{where} weight", errors, low=1, high=100)
    spec = IndicatorSpec(
        code=code, text=text, method=method, weight=weight, evidence=str(raw.get("evidence", ""))[:300]
    )
    if method == "score":
        spec.max_score = _int(raw.get("max_score"), f"{where} max_score", errors, low=1, high=1000)
    if method == "metric":
        spec.metric = str(raw.get("metric", ""))
        if spec.metric not in METRICS:
            errors.append(f"{where} metric：未知的测算指标“{spec.metric}”，可用：{'、'.join(METRICS)}")
        spec.comparison = str(raw.get("comparison", ""))
        if spec.comparison not in COMPARISONS:
            errors.append(f'{where} comparison：应为 ">=" 或 "<="')
        try:
            spec.threshold = Decimal(str(raw.get("threshold")))
            if not spec.threshold.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            errors.append(f"{where} threshold：应为数字")
    return spec


def parse(data: dict[str, Any]) -> CriteriaSpec:
    """Check a whole criteria document; raise ``CriteriaErrors`` listing every problem."""
    errors: list[str] = []
    applies_to = str(data.get("applies_to", ""))
    if applies_to not in APPLIES_TO:
        errors.append("applies_to：应为 village（村）或 community（城市社区）")
    title = _text(data.get("title"), "title（名称）", errors, max_len=200)
    source = _text(data.get("source"), "source（依据）", errors, max_len=500)
    eff = data.get("effective_year") or str(data.get("effective_from", ""))[:4]
    try:
        effective_year = int(eff)
    except (TypeError, ValueError):
        effective_year = 0
        errors.append("effective_year（起用年度）：应为四位年份")
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        errors.append("rules：应为键值结构")
        rules = {}
    levels = _rule_value(rules, "levels")
    clean_levels: list[dict[str, Any]] = []
    if not isinstance(levels, list) or not levels:
        errors.append("rules.levels：应列出星级档次（code、label、min_stars）")
    else:
        for i, lv in enumerate(levels, start=1):
            if not isinstance(lv, dict) or lv.get("code") not in ("five", "four", "three"):
                errors.append(f"rules.levels 第{i}项：code 应为 five、four 或 three")
                continue
            n = _int(lv.get("min_stars"), f"rules.levels 第{i}项 min_stars", errors, low=1, high=20)
            clean_levels.append({"code": lv["code"], "label": str(lv.get("label", "")), "min_stars": n})
    precondition = str(_rule_value(rules, "precondition_star") or "")

    stars_raw = data.get("stars")
    stars: list[StarSpec] = []
    if not isinstance(stars_raw, list) or not stars_raw:
        errors.append("stars：至少应有一颗星")
        stars_raw = []
    seen_stars: set[str] = set()
    for i, raw in enumerate(stars_raw, start=1):
        where = f"第{i}颗星"
        if not isinstance(raw, dict):
            errors.append(f"{where}：应为键值结构")
            continue
        code = _text(raw.get("code"), f"{where} code", errors, max_len=32)
        if code in seen_stars:
            errors.append(f"{where} code：与前面的星重复（{code}）")
        seen_stars.add(code)
        star = StarSpec(
            code=code,
            name=_text(raw.get("name"), f"{where} name", errors, max_len=50),
            pass_percent=_int(raw.get("pass_percent"), f"{where} pass_percent", errors, low=1, high=100),
            description=str(raw.get("description", ""))[:2000],
        )
        inds = raw.get("indicators")
        if not isinstance(inds, list) or not inds:
            errors.append(f"{where} indicators：至少应有一项指标")
            inds = []
        seen_inds: set[str] = set()
        for j, ind_raw in enumerate(inds, start=1):
            ind = _indicator(ind_raw, f"{where}第{j}项指标", errors)
            if ind is None:
                continue
            if ind.code in seen_inds:
                errors.append(f"{where}第{j}项指标 code：与本星前面的指标重复（{ind.code}）")
            seen_inds.add(ind.code)
            star.indicators.append(ind)
        stars.append(star)
    if precondition and precondition not in seen_stars:
        errors.append(f"rules.precondition_star：前置星“{precondition}”不在 stars 中")
    if errors:
        raise CriteriaErrors(errors)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return CriteriaSpec(
        applies_to=applies_to,
        title=title,
        source=source,
        sample=bool(data.get("sample", False)),
        effective_year=effective_year,
        rules={"precondition_star": precondition, "levels": clean_levels},
        stars=stars,
        document=json.loads(canonical),
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def dump(document: dict[str, Any]) -> str:
    """A stored document as YAML, to download, edit and import again."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
