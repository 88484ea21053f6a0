"""Schemes of 党群积分: setting one up for a village or township, and publishing new versions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tongxin.accounts.models import User
from tongxin.core import audit, rules
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person, Region
from tongxin.points import access
from tongxin.points.models import PointItem, Scheme, SchemeVersion
from tongxin.points.models.schemes import new_rules_stamp
from tongxin.points.selectors import scheme_covering

RULES = "points_defaults"


def rule(key: str, on: date | None = None) -> Any:
    """The value of ``key`` in the points rule set in force on ``on`` (today by default)."""
    return rules.in_force(RULES, on).value(key)


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    category: str
    points: int
    eligible: str = PointItem.Eligible.ALL
    evidence_required: bool = False
    cap_person_month: int | None = None
    cap_person_quarter: int | None = None
    cap_person_year: int | None = None
    cap_household_month: int | None = None
    cap_household_quarter: int | None = None
    cap_household_year: int | None = None


CAP_FIELDS = [
    "cap_person_month", "cap_person_quarter", "cap_person_year",
    "cap_household_month", "cap_household_quarter", "cap_household_year",
]  # fmt: skip
CAP_LABELS = {
    "cap_person_month": "个人每月上限", "cap_person_quarter": "个人每季上限", "cap_person_year": "个人每年上限",
    "cap_household_month": "每户每月上限", "cap_household_quarter": "每户每季上限", "cap_household_year": "每户每年上限",
}  # fmt: skip

# Bounds of the input, not rules: the columns' lengths, numbers that fit the integer columns on every
# database, and a list a page or a request can reasonably hold (the Excel upload has the same 500).
# Past them a form or the API gets a refusal naming the item and field instead of a database error.
ITEMS_MAX = 500
ITEM_CODE_MAX = 32  # PointItem.code's max_length
ITEM_NAME_MAX = 100  # PointItem.name's max_length
ITEM_POINTS_MAX = 1_000_000
ITEM_CAP_MAX = 1_000_000


def _shown(value: str) -> str:
    """A value quoted back in a message, cut short: the message names it, it need not repeat it."""
    return value if len(value) <= 20 else value[:20] + "…"


# Control characters (other than none at all) have no place in a code or a name printed on the wall.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_items(items: list[ItemSpec]) -> None:
    """Refuse items a form, an upload or the API may send but the scheme cannot hold, listing every
    problem by item (第N项, in the order sent) and field at once."""
    if not items:
        raise DomainError("积分方案至少要有一个积分项目。", field="items")
    if len(items) > ITEMS_MAX:
        raise DomainError(f"积分项目不能超过{ITEMS_MAX}个（现有{len(items)}个）。", field="items")
    problems: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        where = f"第{n}项"
        # Stored stripped: "A" and " A" are the same code, and the database would refuse the second.
        code = item.code.strip()
        if not code:
            problems.append(f"{where}：项目代码不能为空")
        elif len(code) > ITEM_CODE_MAX:
            problems.append(
                f"{where}：项目代码“{_shown(code)}”超过{ITEM_CODE_MAX}个字符（现有{len(code)}个）"
            )
        elif code in seen:
            problems.append(f"{where}：项目代码“{code}”重复")
        seen.add(code)
        name = item.name.strip()
        if _CONTROL.search(item.code) or _CONTROL.search(item.name) or _CONTROL.search(item.category):
            problems.append(f"{where}：含有不可见的控制字符，请重新输入")
        if not name:
            problems.append(f"{where}：项目名称不能为空")
        elif len(name) > ITEM_NAME_MAX:
            problems.append(f"{where}：项目名称超过{ITEM_NAME_MAX}个字符（现有{len(name)}个）")
        # Every category is a code of PointItem.Category, all within the column's length.
        if item.category not in PointItem.Category.values:
            problems.append(f"{where}：类别“{_shown(item.category)}”无效")
        if item.points == 0:
            problems.append(f"{where}：分值不能为0（加分为正数，扣分为负数）")
        elif abs(item.points) > ITEM_POINTS_MAX:
            problems.append(f"{where}：分值应在-{ITEM_POINTS_MAX}到{ITEM_POINTS_MAX}之间")
        if item.eligible not in PointItem.Eligible.values:
            problems.append(f"{where}：适用对象“{_shown(item.eligible)}”无效")
        for cap in CAP_FIELDS:
            value = getattr(item, cap)
            if value is not None and value < 1:
                problems.append(f"{where}：{CAP_LABELS[cap]}须为正整数或留空")
            elif value is not None and value > ITEM_CAP_MAX:
                problems.append(f"{where}：{CAP_LABELS[cap]}不能超过{ITEM_CAP_MAX}次")
    if problems:
        raise DomainError("积分项目有误：" + "；".join(problems) + "。", field="items")


def _create_version(
    *,
    actor: User,
    scheme: Scheme,
    number: int,
    effective_from: date,
    base_score: int,
    reset: str,
    accrual: str,
    notice_workdays: int | None,
    items: list[ItemSpec],
    note: str,
) -> SchemeVersion:
    if reset not in SchemeVersion.Reset.values:
        raise DomainError(f"清零周期“{reset}”无效。", field="reset")
    if accrual not in SchemeVersion.Accrual.values:
        raise DomainError(f"积分归属“{accrual}”无效。", field="accrual")
    if base_score < 0:
        raise DomainError("基础分不能为负数。", field="base_score")
    if base_score > ITEM_POINTS_MAX:
        raise DomainError(f"基础分不能超过{ITEM_POINTS_MAX}分。", field="base_score")
    if notice_workdays is None:
        notice_workdays = int(rule("notice_workdays", effective_from))
    if notice_workdays < 1 or notice_workdays > 30:
        raise DomainError("公示期应为1到30个工作日。", field="notice_workdays")
    _check_items(items)
    version = SchemeVersion.objects.create(
        scheme=scheme,
        number=number,
        effective_from=effective_from,
        base_score=base_score,
        reset=reset,
        accrual=accrual,
        notice_workdays=notice_workdays,
        note=note.strip()[:200],
        created_by=access.stored_user(actor),
    )
    # Caches of the scheme's versions (``ledger.scheme_rules``) are keyed by this stamp.
    Scheme.objects.filter(pk=scheme.pk).update(rules_stamp=new_rules_stamp())
    PointItem.objects.bulk_create(
        [
            PointItem(
                version=version,
                code=i.code.strip(),
                name=i.name.strip(),
                category=i.category,
                points=i.points,
                eligible=i.eligible,
                evidence_required=i.evidence_required,
                **{cap: getattr(i, cap) for cap in CAP_FIELDS},
            )
            for i in items
        ]
    )
    return version


# The regions a scheme is set up for (the new-scheme page offers only these); a grid's people are
# covered by their village's scheme.
SCHEME_REGION_KINDS = (
    Region.Kind.COUNTY, Region.Kind.TOWNSHIP, Region.Kind.STREET, Region.Kind.VILLAGE, Region.Kind.COMMUNITY,
)  # fmt: skip


@service("points.scheme.create")
def create_scheme(
    *,
    actor: User,
    region: Region,
    name: str,
    items: list[ItemSpec],
    effective_from: date,
    base_score: int = 0,
    reset: str = SchemeVersion.Reset.YEARLY,
    accrual: str = SchemeVersion.Accrual.BOTH,
    notice_workdays: int | None = None,
    is_sample: bool = False,
) -> Scheme:
    """Set up the points scheme of a village or township with its first version. One active scheme
    per region; the notice period defaults to the rule ``points_defaults.notice_workdays``."""
    name = name.strip()
    if not name:
        raise DomainError("请填写方案名称。", field="name")
    if not access.may(actor, access.MANAGE, region.path):
        raise DomainError("该区划不在您的积分管理范围内。", field="region")
    if region.kind not in SCHEME_REGION_KINDS:
        raise DomainError(
            f"积分方案只能建在县（市、区）、乡镇（街道）或村（社区），“{region.name}”是{region.get_kind_display()}。",
            field="region",
        )
    if Scheme.objects.filter(region=region, is_active=True).exists():
        raise DomainError(f"“{region.name}”已有启用的积分方案，请在原方案上发布新版本。", field="region")
    scheme = Scheme.objects.create(
        region=region, region_path=region.path, name=name[:100], is_sample=is_sample
    )
    _create_version(
        actor=actor, scheme=scheme, number=1, effective_from=effective_from, base_score=base_score,
        reset=reset, accrual=accrual, notice_workdays=notice_workdays, items=items, note="首版",
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="points.scheme.create",
        target=scheme,
        after={"name": scheme.name, "region": region.pk, "items": len(items), "sample": is_sample},
    )
    return scheme


@service("points.scheme.new_version")
def add_scheme_version(
    *,
    actor: User,
    scheme: Scheme,
    effective_from: date,
    items: list[ItemSpec],
    base_score: int = 0,
    reset: str = SchemeVersion.Reset.YEARLY,
    accrual: str = SchemeVersion.Accrual.BOTH,
    notice_workdays: int | None = None,
    note: str = "",
) -> SchemeVersion:
    """Publish a new version of a scheme from ``effective_from`` on. Past versions, claims and ledger
    entries are never changed: entries keep the item name and points they were written with.

    A version whose rules (items, base score, reset, accrual, notice period) are those of the latest
    version is refused: it would change nothing, and it is what a repeated submission or a retried
    request sends. The scheme row is locked before the latest version is read, so of two concurrent
    identical requests one publishes and the other is refused."""
    if not access.may(actor, access.MANAGE, scheme.region_path):
        raise DomainError("该方案不在您的积分管理范围内。", field="scheme")
    if not note.strip():
        raise DomainError("请填写修订说明（为什么修改方案）。", field="note")
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    latest = scheme.versions.order_by("-number").first()
    if latest is not None and effective_from < latest.effective_from:
        raise DomainError(
            f"新版本的生效日期不能早于现行版本（{latest.effective_from}）。", field="effective_from"
        )
    notice = int(rule("notice_workdays", effective_from)) if notice_workdays is None else notice_workdays
    if latest is not None and _same_rules(
        latest, items=items, base_score=base_score, reset=reset, accrual=accrual, notice_workdays=notice
    ):
        raise DomainError(
            f"与第{latest.number}版（{latest.effective_from}起生效）完全相同：积分项目、基础分、清零周期、"
            f"积分归属和公示期都没有改变，未发布新版本。如是重复提交，第{latest.number}版已经发布。",
            field="items",
        )
    number = (latest.number if latest else 0) + 1
    version = _create_version(
        actor=actor, scheme=scheme, number=number, effective_from=effective_from, base_score=base_score,
        reset=reset, accrual=accrual, notice_workdays=notice_workdays, items=items, note=note,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="points.scheme.new_version",
        target=scheme,
        after={"version": number, "effective_from": effective_from.isoformat(), "note": note},
    )
    return version


def _item_key(item: ItemSpec | PointItem) -> tuple[Any, ...]:
    return (
        item.code.strip(), item.name.strip(), item.category, item.points, item.eligible,
        bool(item.evidence_required), *(getattr(item, cap) for cap in CAP_FIELDS),
    )  # fmt: skip


def _same_rules(
    version: SchemeVersion,
    *,
    items: list[ItemSpec],
    base_score: int,
    reset: str,
    accrual: str,
    notice_workdays: int,
) -> bool:
    """Whether these rules are exactly those of ``version`` (items in any order)."""
    if (version.base_score, version.reset, version.accrual, version.notice_workdays) != (
        base_score, reset, accrual, notice_workdays,
    ):  # fmt: skip
        return False
    return sorted(map(_item_key, version.items.all()), key=repr) == sorted(map(_item_key, items), key=repr)


def scheme_for_person(person: Person) -> Scheme:
    scheme = scheme_covering(person.region)
    if scheme is None:
        raise DomainError(
            f"“{person.region.name}”及其上级区划都没有启用的积分方案，无法记分。", field="person"
        )
    return scheme
