"""The columns of the registry's workbooks (units, people, memberships), reading cells, and resolving
names and codes to records within the actor's scope. Shared by imports and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core.errors import DomainError
from tongxin.orgs import selectors
from tongxin.orgs.models import Membership, PartyOrg, Person, Region, Unit

MAX_ROWS = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES = {"是", "有", "1", "true", "True", "TRUE", "Y", "y", "√"}
NO = {"否", "无", "0", "false", "False", "FALSE", "N", "n", ""}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    help: str = ""


KINDS: dict[str, tuple[str, list[Column]]] = {
    "units": (
        "单位",
        [
            Column("name", "单位名称", True),
            Column("credit_code", "统一社会信用代码", help="18位；有则按此识别已登记的单位"),
            Column("kind", "单位类型", True, "、".join(Unit.Kind.labels)),
            Column("industry", "行业", True, "、".join(Unit.Industry.labels)),
            Column(
                "region",
                "所在区划",
                True,
                "区划代码，或从市到本级的名称，用“/”分隔，如 焦作市/孟州市/河阳街道",
            ),
            Column("supervising_org", "主管党组织", help="党组织名称或组织代码"),
            Column("address", "地址"),
            Column("workforce", "从业人员数", help="整数"),
            Column("gig_workers", "新就业群体人数", help="整数"),
            Column("has_union", "已建工会", help="是/否"),
            Column("has_youth_league", "已建团组织", help="是/否"),
        ],
    ),
    "people": (
        "人员",
        [
            Column("name", "姓名", True),
            Column("id_card", "身份证号码", True, "18位，按此识别已登记的人员"),
            Column("mobile", "手机号码"),
            Column("region", "居住地", True, "区划代码，或从市到本级的名称，用“/”分隔"),
            Column("household", "户号", help="本村（社区）的户号；不存在时新建"),
            Column("unit", "工作单位", help="单位名称或统一社会信用代码"),
            Column("occupation", "职业", help="、".join(Person.Occupation.labels)),
            Column("is_gig_worker", "新就业群体", help="是/否"),
        ],
    ),
    "memberships": (
        "党员身份",
        [
            Column("id_card", "身份证号码", True, "须是已登记的人员"),
            Column("name", "姓名", help="核对用"),
            Column("org", "所在党组织", True, "党组织名称或组织代码"),
            Column("status", "状态", True, "、".join(Membership.Status.labels)),
            Column("applied_on", "递交申请书日期", help="年-月-日"),
            Column("activist_on", "确定为积极分子日期", help="年-月-日"),
            Column("candidate_on", "确定为发展对象日期", help="年-月-日"),
            Column("probationary_on", "接收为预备党员日期", help="年-月-日"),
            Column("full_on", "转正日期", help="年-月-日"),
            Column("is_mobile", "流动党员", help="是/否"),
            Column("home_org", "流出地党组织"),
            Column("host_org", "流入地党组织"),
        ],
    ),
}
STAGE_DATES = ["applied_on", "activist_on", "candidate_on", "probationary_on", "full_on"]
STATUS_DATE = dict(zip(Membership.Status.values, STAGE_DATES, strict=True))


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    column: str
    reason: str


class ImportRejected(DomainError):
    """Some rows are bad; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"共有{len({e.row for e in errors})}行有误，未导入任何数据。", field="file")
        self.errors = sorted(errors)


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)


class RowProblem(Exception):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key, self.reason = key, reason


# --- reading cells ------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_bool(key: str, value: Any) -> bool:
    raw = cell_text(value)
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise RowProblem(key, f"应填“是”或“否”，不是“{raw}”。")


def cell_int(key: str, value: Any) -> int:
    raw = cell_text(value)
    if not raw:
        return 0
    try:
        number = int(raw)
    except ValueError:
        raise RowProblem(key, f"应为整数，不是“{raw}”。") from None
    if number < 0:
        raise RowProblem(key, "不能为负数。")
    return number


def cell_date(key: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        raw = cell_text(value).replace("/", "-").replace(".", "-")
        try:
            day = date.fromisoformat("-".join(p.zfill(2) for p in raw.split("-")))
        except ValueError:
            raise RowProblem(key, f"日期格式应为 年-月-日，不是“{raw}”。") from None
    if day > timezone.localdate():
        raise RowProblem(key, "日期不能晚于今天。")
    return day


def cell_choice(key: str, value: Any, choices: Any, what: str, *, required: bool = True) -> str:
    raw = cell_text(value)
    if not raw:
        if required:
            raise RowProblem(key, f"请填写{what}。")
        return ""
    for code, label in choices:
        if raw in (code, label):
            return str(code)
    raise RowProblem(key, f"{what}“{raw}”不在可选范围内。")


# --- lookups within the actor's scope ----------------------------------------------------------


class Lookups:
    """Resolve names and codes to objects the actor may use, caching each answer."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        # Administrative divisions are public; whether the actor may use one is the services' call.
        self.regions = {r.pk: r for r in Region.objects.all()}
        self._region_key: dict[str, list[Region]] = {}
        for r in self.regions.values():
            for key in {r.code, r.name, self.region_label(r)} - {""}:
                self._region_key.setdefault(key, []).append(r)
        orgs = selectors.party_orgs_for(actor)
        self._org_key: dict[str, list[PartyOrg]] = {}
        for o in orgs.filter(is_active=True):
            for key in {o.code, o.name} - {""}:
                self._org_key.setdefault(key, []).append(o)
        self._unit_cache: dict[str, Unit] = {}

    def region_label(self, region: Region) -> str:
        names = []
        node: Region | None = region
        while node is not None:
            names.append(node.name)
            node = self.regions.get(node.parent_id) if node.parent_id else None
        return "/".join(reversed(names))

    def region(self, key: str, raw: str) -> Region:
        if not raw:
            raise RowProblem(key, "请填写区划。")
        found = self._region_key.get(raw.replace(" ", ""), [])
        if not found:
            raise RowProblem(key, f"区划“{raw}”不存在或不在您的管理范围内。")
        if len(found) > 1:
            raise RowProblem(key, f"有多个名为“{raw}”的区划，请填写区划代码或从市到本级的完整名称。")
        return found[0]

    def org(self, key: str, raw: str) -> PartyOrg:
        found = self._org_key.get(raw, [])
        if not found:
            raise RowProblem(key, f"党组织“{raw}”不存在或不在您的管理范围内。")
        if len(found) > 1:
            raise RowProblem(key, f"有多个名为“{raw}”的党组织，请填写组织代码。")
        return found[0]

    def unit(self, key: str, raw: str) -> Unit:
        if raw in self._unit_cache:
            return self._unit_cache[raw]
        qs = selectors.units_for(self.actor)
        found = list(qs.filter(credit_code=raw.upper())[:2]) or list(qs.filter(name=raw)[:2])
        if not found:
            raise RowProblem(key, f"单位“{raw}”不存在或不在您的管理范围内。")
        if len(found) > 1:
            raise RowProblem(key, f"有多个名为“{raw}”的单位，请填写统一社会信用代码。")
        self._unit_cache[raw] = found[0]
        return found[0]
