"""Reading a criteria document (YAML or JSON — the same shape as the sample files in
``tongxin/rules/stars_criteria_*.yaml``) and checking every part of it before anything is saved.

The shape, types and ranges are pydantic models; the cross-references (codes unique, the precondition
star among the stars) are checked beside them on the same document. All problems are reported
together, each naming where it is ("第2颗星第3项指标 threshold") and why, so a county administrator
can fix the file in one go.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from tongxin.core.errors import DomainError
from tongxin.core.rules import RULES_DIR
from tongxin.stars.metrics import METRICS

SAMPLE_FILES = {
    "village": RULES_DIR / "stars_criteria_village.yaml",
    "community": RULES_DIR / "stars_criteria_community.yaml",
}
APPLIES_TO = {"village": "村", "community": "城市社区"}
MAX_BYTES = 512 * 1024


class CriteriaErrors(DomainError):
    """Every problem found in a criteria document."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("标准文件有 {} 处问题：{}".format(len(errors), "；".join(errors)), field="file")
        self.errors = errors


# --- field types with their Chinese reasons -------------------------------------------------------


def _fail(reason: str) -> NoReturn:
    raise PydanticCustomError("criteria", reason)


def _between(low: int, high: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not low <= value <= high:
            _fail(f"应在 {low} 到 {high} 之间")
        return value

    return check


def _one_of(choices: Iterable[str], reason: str) -> Callable[[str], str]:
    choices = frozenset(choices)

    def check(value: str) -> str:
        if value not in choices:
            _fail(reason)
        return value

    return check


def _non_empty_list(reason: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, list) or not value:
            _fail(reason)
        return value

    return check


def _text(max_len: int) -> Any:
    return Field(min_length=1, max_length=max_len)


def _year(value: Any) -> int:
    try:
        year = int(str(value).strip()[:4])
    except ValueError:
        _fail("应为四位年份")
    if not 2000 <= year <= 2100:
        _fail("应为四位年份（2000 到 2100）")
    return year


def _unwrap_rule(value: Any) -> Any:
    """A rule may be written bare or as ``{label, value, article, verified}`` (the rule-set shape)."""
    return value.get("value") if isinstance(value, dict) else value


Weight = Annotated[int, Strict(), AfterValidator(_between(1, 100))]
Percent = Annotated[int, Strict(), AfterValidator(_between(1, 100))]
MinStars = Annotated[int, Strict(), AfterValidator(_between(1, 20))]
Code = Annotated[str, Field(min_length=1, max_length=40)]
Method = Annotated[
    str, AfterValidator(_one_of(("yes_no", "score", "metric"), "应为 yes_no、score 或 metric 之一"))
]
LevelCode = Annotated[str, AfterValidator(_one_of(("five", "four", "three"), "应为 five、four 或 three"))]
AppliesTo = Annotated[str, AfterValidator(_one_of(APPLIES_TO, "应为 village（村）或 community（城市社区）"))]


class _Doc(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, coerce_numbers_to_str=True, extra="ignore")


class IndicatorSpec(_Doc):
    code: Code
    text: Annotated[str, _text(300)]
    method: Method
    weight: Weight = 1
    max_score: int = Field(default=None, validate_default=True)  # 0 unless the method is score
    metric: str = Field(default="", validate_default=True)
    comparison: str = Field(default="", validate_default=True)
    threshold: Decimal | None = Field(default=None, validate_default=True)
    evidence: Annotated[str, Field(max_length=300)] = ""

    # Each check below applies to one method; it is skipped when the method itself is invalid (then
    # ``method`` is missing from ``info.data`` and already reported).
    @field_validator("max_score", mode="before")
    @classmethod
    def _max_score(cls, value: Any, info: ValidationInfo) -> int:
        if info.data.get("method") != "score":
            return 0
        if value is None:
            _fail("评分指标应写明满分")
        if isinstance(value, bool) or not isinstance(value, int):
            _fail("应为整数")
        return _between(1, 1000)(value)

    @field_validator("metric", mode="before")
    @classmethod
    def _metric(cls, value: Any, info: ValidationInfo) -> str:
        if info.data.get("method") != "metric":
            return ""
        name = str(value or "").strip()
        if name not in METRICS:
            _fail(f"未知的测算指标“{name}”，可用：{'、'.join(METRICS)}")
        return name

    @field_validator("comparison", mode="before")
    @classmethod
    def _comparison(cls, value: Any, info: ValidationInfo) -> str:
        if info.data.get("method") != "metric":
            return ""
        if value not in (">=", "<="):
            _fail('应为 ">=" 或 "<="')
        return str(value)

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any, info: ValidationInfo) -> Decimal | None:
        if info.data.get("method") != "metric":
            return None
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            _fail("应为数字")
        if isinstance(value, bool) or not number.is_finite():
            _fail("应为数字")
        return number


class StarSpec(_Doc):
    code: Annotated[str, Field(min_length=1, max_length=32)]
    name: Annotated[str, _text(50)]
    pass_percent: Percent
    description: Annotated[str, Field(max_length=2000)] = ""
    indicators: Annotated[list[IndicatorSpec], BeforeValidator(_non_empty_list("至少应有一项指标"))] = Field(
        default_factory=list, validate_default=True
    )


class LevelSpec(_Doc):
    code: LevelCode
    label: str = ""
    min_stars: MinStars


class RulesSpec(_Doc):
    precondition_star: Annotated[str, BeforeValidator(lambda v: _unwrap_rule(v) or "")] = ""
    levels: Annotated[
        list[LevelSpec],
        # Before-validators run last-first: unwrap the rule-set shape, then require a non-empty list.
        BeforeValidator(_non_empty_list("应列出星级档次（code、label、min_stars）")),
        BeforeValidator(_unwrap_rule),
    ] = Field(default_factory=list, validate_default=True)


class DocumentSpec(_Doc):
    applies_to: AppliesTo
    title: Annotated[str, _text(200)]
    source: Annotated[str, _text(500)]
    sample: bool = False
    effective_year: Annotated[int, BeforeValidator(_year)]
    rules: RulesSpec  # parse() passes {} when the document has none
    stars: Annotated[list[StarSpec], BeforeValidator(_non_empty_list("至少应有一颗星"))] = Field(
        default_factory=list, validate_default=True
    )


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


# --- reading and reporting ---------------------------------------------------------------------

LABELS = {
    "title": "title（名称）",
    "source": "source（依据）",
    "effective_year": "effective_year（起用年度）",
}
REASONS = {
    "missing": "不能为空",
    "string_too_short": "不能为空",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "model_type": "应为键值结构",
    "model_attributes_type": "应为键值结构",
    "dict_type": "应为键值结构",
    "list_type": "应为列表",
}


def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a person reads it: ("stars", 1, "indicators", 2, "method") →
    "第2颗星第3项指标 method"."""
    parts = list(loc)
    head = ""
    if parts[:1] == ["stars"] and len(parts) > 1 and isinstance(parts[1], int):
        head, parts = f"第{parts[1] + 1}颗星", parts[2:]
        if parts[:1] == ["indicators"] and len(parts) > 1 and isinstance(parts[1], int):
            head, parts = f"{head}第{parts[1] + 1}项指标", parts[2:]
    elif parts[:2] == ["rules", "levels"] and len(parts) > 2 and isinstance(parts[2], int):
        head, parts = f"rules.levels 第{parts[2] + 1}项", parts[3:]
    rest = ".".join(str(p) for p in parts)
    if not head:
        return LABELS.get(rest, rest)
    return f"{head} {rest}" if rest else head


def _reason(err: ErrorDetails) -> str:
    if err["type"] == "string_too_long":
        return f"超过 {(err.get('ctx') or {}).get('max_length')} 个字"
    if err["type"].startswith("decimal") or err["type"] == "finite_number":
        return "应为数字"
    return REASONS.get(err["type"], err["msg"])


def _cross_references(data: dict[str, Any]) -> list[str]:
    """What one field cannot see: codes unique among the stars and within each star, the precondition
    star one of the stars. Read from the document as written, so these are listed with the rest."""
    errors: list[str] = []
    stars = data.get("stars") if isinstance(data.get("stars"), list) else []
    seen_stars: set[str] = set()
    for i, star in enumerate(stars or [], start=1):
        if not isinstance(star, dict):
            continue
        code = str(star.get("code") or "").strip()
        if code and code in seen_stars:
            errors.append(f"第{i}颗星 code：与前面的星重复（{code}）")
        seen_stars.add(code)
        seen: set[str] = set()
        indicators = star.get("indicators") if isinstance(star.get("indicators"), list) else []
        for j, ind in enumerate(indicators or [], start=1):
            ind_code = str(ind.get("code") or "").strip() if isinstance(ind, dict) else ""
            if ind_code and ind_code in seen:
                errors.append(f"第{i}颗星第{j}项指标 code：与本星前面的指标重复（{ind_code}）")
            seen.add(ind_code)
    rules = data.get("rules") if isinstance(data.get("rules"), dict) else {}
    precondition = str(_unwrap_rule((rules or {}).get("precondition_star")) or "").strip()
    if precondition and precondition not in seen_stars:
        errors.append(f"rules.precondition_star：前置星“{precondition}”不在 stars 中")
    return errors


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


def parse(data: dict[str, Any]) -> CriteriaSpec:
    """Check a whole criteria document; raise ``CriteriaErrors`` listing every problem."""
    fields = {
        **data,
        "effective_year": data.get("effective_year") or data.get("effective_from"),
        "rules": {} if data.get("rules") is None else data["rules"],
    }
    errors: list[str] = []
    doc: DocumentSpec | None = None
    try:
        doc = DocumentSpec.model_validate(fields)
    except ValidationError as exc:
        errors = [f"{_where(err['loc'])}：{_reason(err)}" for err in exc.errors(include_url=False)]
    errors += _cross_references(data)
    if errors or doc is None:
        raise CriteriaErrors(errors)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return CriteriaSpec(
        applies_to=doc.applies_to,
        title=doc.title,
        source=doc.source,
        sample=doc.sample,
        effective_year=doc.effective_year,
        rules={
            "precondition_star": doc.rules.precondition_star,
            "levels": [lv.model_dump() for lv in doc.rules.levels],
        },
        stars=doc.stars,
        document=json.loads(canonical),
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def dump(document: dict[str, Any]) -> str:
    """A stored document as YAML, to download, edit and import again."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
