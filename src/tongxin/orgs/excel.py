"""Excel (.xlsx) import and export of units, people and memberships.

Imports are all-or-nothing: every row is checked and written inside one transaction; if any row is
bad, nothing is kept and every bad row is reported with its row number, column and a Chinese reason.
A row whose key matches an existing record (unit: credit code, or name in the same region; person:
ID number; membership: the person's ID number) updates it, so exporting a list and importing it again
changes nothing. Exports use the same columns as the import template.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from tongxin.core import audit, uploads
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.pii import lookup_hash, mask_id_card, mask_mobile, normalise_id_card
from tongxin.core.xlsx import append_row
from tongxin.orgs import selectors, services
from tongxin.orgs.models import Household, Membership, PartyOrg, Person, Region, Unit

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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bool(key: str, value: Any) -> bool:
    raw = _text(value)
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise RowProblem(key, f"应填“是”或“否”，不是“{raw}”。")


def _int(key: str, value: Any) -> int:
    raw = _text(value)
    if not raw:
        return 0
    try:
        number = int(raw)
    except ValueError:
        raise RowProblem(key, f"应为整数，不是“{raw}”。") from None
    if number < 0:
        raise RowProblem(key, "不能为负数。")
    return number


def _date(key: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        raw = _text(value).replace("/", "-").replace(".", "-")
        try:
            day = date.fromisoformat("-".join(p.zfill(2) for p in raw.split("-")))
        except ValueError:
            raise RowProblem(key, f"日期格式应为 年-月-日，不是“{raw}”。") from None
    if day > timezone.localdate():
        raise RowProblem(key, "日期不能晚于今天。")
    return day


def _choice(key: str, value: Any, choices: Any, what: str, *, required: bool = True) -> str:
    raw = _text(value)
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

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        # Administrative divisions are public; whether the actor may use one is the services' call.
        self.regions = {r.pk: r for r in Region.objects.all()}
        self._region_key: dict[str, list[Region]] = {}
        for r in self.regions.values():
            for key in {r.code, r.name, self.region_label(r)} - {""}:
                self._region_key.setdefault(key, []).append(r)
        orgs = selectors.party_orgs_for(actor) if actor else PartyOrg.objects.all()
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
        qs = selectors.units_for(self.actor) if self.actor else Unit.objects.filter(is_active=True)
        found = list(qs.filter(credit_code=raw.upper())[:2]) or list(qs.filter(name=raw)[:2])
        if not found:
            raise RowProblem(key, f"单位“{raw}”不存在或不在您的管理范围内。")
        if len(found) > 1:
            raise RowProblem(key, f"有多个名为“{raw}”的单位，请填写统一社会信用代码。")
        self._unit_cache[raw] = found[0]
        return found[0]


# --- reading a workbook -------------------------------------------------------------------------


def read_rows(data: bytes, kind: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The data rows of the first sheet as (row number, {column key: value}), and header errors."""
    columns = KINDS[kind][1]
    uploads.check_xlsx(data, field="file", label="Excel 文件")  # size and zip-bomb limits before unzipping
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise DomainError("无法读取该文件：请上传 Excel（.xlsx）文件。", field="file") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    by_label = {c.label: c for c in columns}
    positions: dict[str, int] = {}
    for i, cell in enumerate(header):
        label = _text(cell).rstrip("*＊ ")
        if label in by_label:
            positions[by_label[label].key] = i
    missing = [c.label for c in columns if c.required and c.key not in positions]
    if missing:
        raise DomainError(f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板。", field="file")
    out: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(_text(v) == "" for v in values):
            continue
        out.append((number, {k: values[i] if i < len(values) else None for k, i in positions.items()}))
        if len(out) > MAX_ROWS:
            raise DomainError(f"一次最多导入{MAX_ROWS}行，请分批导入。", field="file")
    wb.close()
    return out, []


# --- importing ----------------------------------------------------------------------------------

RowFn = Callable[[Any, Lookups, dict[str, Any], dict[str, int]], bool]


def _unit_row(actor: Any, lk: Lookups, row: dict[str, Any], seen: dict[str, int]) -> bool:
    name = _text(row.get("name"))
    if not name:
        raise RowProblem("name", "请填写单位名称。")
    code = _text(row.get("credit_code")).upper()
    if code and len(code) != 18:
        raise RowProblem("credit_code", "统一社会信用代码应为18位。")
    region = lk.region("region", _text(row.get("region")))
    key = code or f"{region.pk}:{name}"
    if key in seen:
        raise RowProblem("credit_code" if code else "name", f"与第{seen[key]}行重复。")
    seen[key] = row["__row__"]
    sup_raw = _text(row.get("supervising_org"))
    fields: dict[str, Any] = {
        "name": name,
        "credit_code": code,
        "kind": _choice("kind", row.get("kind"), Unit.Kind.choices, "单位类型"),
        "industry": _choice("industry", row.get("industry"), Unit.Industry.choices, "行业"),
        "region": region,
        "supervising_org": lk.org("supervising_org", sup_raw) if sup_raw else None,
        "address": _text(row.get("address")),
        "workforce": _int("workforce", row.get("workforce")),
        "gig_workers": _int("gig_workers", row.get("gig_workers")),
        "has_union": _bool("has_union", row.get("has_union")),
        "has_youth_league": _bool("has_youth_league", row.get("has_youth_league")),
    }
    existing = None
    if code:
        existing = Unit.objects.filter(credit_code=code, is_active=True).first()
    if existing is None:
        existing = Unit.objects.filter(name=name, region=region, is_active=True).first()
    if existing is None:
        services.create_unit(actor=actor, **fields)
        return True
    if existing.credit_code and code and existing.credit_code != code:
        raise RowProblem("credit_code", "该单位已登记了不同的统一社会信用代码。")
    if any(getattr(existing, k) != v for k, v in fields.items()):
        services.update_unit(actor=actor, unit=existing, **fields)
    return False


def _person_row(actor: Any, lk: Lookups, row: dict[str, Any], seen: dict[str, int]) -> bool:
    name = _text(row.get("name"))
    if not name:
        raise RowProblem("name", "请填写姓名。")
    raw_id = _text(row.get("id_card"))
    if not raw_id:
        raise RowProblem("id_card", "请填写身份证号码。")
    try:
        id_card = normalise_id_card(raw_id)
    except ValidationError as exc:
        raise RowProblem("id_card", exc.messages[0]) from None
    if id_card in seen:
        raise RowProblem("id_card", f"与第{seen[id_card]}行是同一人（身份证号码重复）。")
    seen[id_card] = row["__row__"]
    region = lk.region("region", _text(row.get("region")))
    unit_raw = _text(row.get("unit"))
    unit = lk.unit("unit", unit_raw) if unit_raw else None
    occupation = _choice(
        "occupation", row.get("occupation"), Person.Occupation.choices, "职业", required=False
    )
    gig = _bool("is_gig_worker", row.get("is_gig_worker"))
    mobile = _text(row.get("mobile"))
    number = _text(row.get("household"))
    household = None
    if number:
        household = Household.objects.filter(region=region, number=number).first()
        if household is None:
            household = services.create_household(actor=actor, region=region, number=number)
    existing = Person.objects.filter(id_card_hash=lookup_hash(id_card), merged_into__isnull=True).first()
    if existing is None:
        services.create_person(
            actor=actor,
            name=name,
            region=region,
            id_card=id_card,
            mobile=mobile,
            household=household,
            unit=unit,
            occupation=occupation,
            is_gig_worker=gig,
        )
        return True
    if existing.name != name:
        raise RowProblem("name", f"该身份证号码已登记为“{existing.name}”，姓名不一致。")
    changed = (
        existing.region_id != region.pk
        or (existing.mobile or "") != (mobile and _mobile(mobile))
        or existing.household_id != (household.pk if household else None)
        or existing.unit_id != (unit.pk if unit else None)
        or existing.occupation != occupation
        or existing.is_gig_worker != gig
    )
    if changed:
        services.update_person(
            actor=actor,
            person=existing,
            name=name,
            region=region,
            mobile=mobile,
            household=household,
            unit=unit,
            occupation=occupation,
            is_gig_worker=gig,
        )
    return False


def _mobile(raw: str) -> str:
    from tongxin.core.pii import normalise_mobile

    try:
        return normalise_mobile(raw)
    except ValidationError as exc:
        raise RowProblem("mobile", exc.messages[0]) from None


def _membership_row(actor: Any, lk: Lookups, row: dict[str, Any], seen: dict[str, int]) -> bool:
    raw_id = _text(row.get("id_card"))
    try:
        id_card = normalise_id_card(raw_id)
    except ValidationError as exc:
        raise RowProblem("id_card", exc.messages[0] if raw_id else "请填写身份证号码。") from None
    if id_card in seen:
        raise RowProblem("id_card", f"与第{seen[id_card]}行是同一人（身份证号码重复）。")
    seen[id_card] = row["__row__"]
    person = Person.objects.filter(id_card_hash=lookup_hash(id_card), merged_into__isnull=True).first()
    if person is None:
        raise RowProblem("id_card", "该身份证号码的人员尚未登记，请先导入人员。")
    name = _text(row.get("name"))
    if name and name != person.name:
        raise RowProblem("name", f"该身份证号码登记的姓名是“{person.name}”，与“{name}”不一致。")
    org = lk.org("org", _text(row.get("org")))
    status = _choice("status", row.get("status"), Membership.Status.choices, "状态")
    dates = {
        stage: _date(STATUS_DATE[stage], row.get(STATUS_DATE[stage])) for stage in Membership.Status.values
    }
    known = [(stage, d) for stage, d in dates.items() if d is not None]
    for (s1, d1), (s2, d2) in pairwise(known):
        if d2 < d1:
            raise RowProblem(STATUS_DATE[s2], f"{_label(s2)}早于{_label(s1)}，日期顺序不对。")
    since = dates[status]
    if since is None:
        raise RowProblem(STATUS_DATE[status], f"状态为“{_status_label(status)}”时须填写{_label(status)}。")
    later = [
        s for s, d in known if STAGE_DATES.index(STATUS_DATE[s]) > STAGE_DATES.index(STATUS_DATE[status])
    ]
    if later:
        raise RowProblem(
            STATUS_DATE[later[0]], f"状态为“{_status_label(status)}”，不应填写{_label(later[0])}。"
        )
    is_mobile = _bool("is_mobile", row.get("is_mobile"))
    home_raw, host_raw = _text(row.get("home_org")), _text(row.get("host_org"))
    home = lk.org("home_org", home_raw) if home_raw else None
    host = lk.org("host_org", host_raw) if host_raw else None
    history = {s: d for s, d in known if s != status}
    existing = Membership.objects.filter(person=person).first()
    if existing is not None and (
        existing.org_id == org.pk
        and existing.status == status
        and existing.is_mobile == is_mobile
        and existing.home_org_id == (home.pk if home else None)
        and existing.host_org_id == (host.pk if host else None)
        and all(getattr(existing, STATUS_DATE[s]) == d for s, d in dates.items())
    ):
        return False
    services.record_membership(
        actor=actor,
        person=person,
        org=org,
        status=status,
        since=since,
        is_mobile=is_mobile,
        home_org=home,
        host_org=host,
        history=history,
    )
    return existing is None


def _label(stage: str) -> str:
    return next(c.label for c in KINDS["memberships"][1] if c.key == STATUS_DATE[stage])


def _status_label(status: str) -> str:
    return str(dict(Membership.Status.choices)[status])


ROW_FNS: dict[str, RowFn] = {"units": _unit_row, "people": _person_row, "memberships": _membership_row}
# Fields a service may name in its DomainError, mapped to import columns.
FIELD_COLUMN = {"since": "status", "applied_on": "applied_on", "full_on": "full_on", "person": "id_card"}


@service("orgs.import")
def import_file(*, actor: Any, kind: str, data: bytes) -> ImportResult:
    """Import a workbook of ``kind`` (units, people, memberships): all rows or none."""
    if kind not in KINDS:
        raise DomainError("导入类型无效。", field="kind")
    rows, _ = read_rows(data, kind)
    if not rows:
        raise DomainError("文件中没有数据行。", field="file")
    labels = {c.key: c.label for c in KINDS[kind][1]}
    lk = Lookups(actor)
    fn = ROW_FNS[kind]
    seen: dict[str, int] = {}
    result = ImportResult(kind=kind, rows=len(rows))
    for number, row in rows:
        row["__row__"] = number
        try:
            created = fn(actor, lk, row, seen)
            result.created += int(created)
        except RowProblem as exc:
            result.errors.append(RowError(number, labels.get(exc.key, exc.key), exc.reason))
        except DomainError as exc:
            column = FIELD_COLUMN.get(exc.field or "", exc.field or "")
            result.errors.append(RowError(number, labels.get(column, "（整行）"), exc.message))
    if result.errors:
        raise ImportRejected(result.errors)
    result.updated = result.rows - result.created
    audit.record(
        actor=actor,
        action="orgs.import",
        target_type=f"orgs.{kind}",
        org_path="",
        after={"kind": kind, "rows": result.rows, "created": result.created},
    )
    return result


# --- exporting ----------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="F4D7D9")


def _workbook(kind: str, rows: Iterable[list[Any]], *, note: str = "") -> bytes:
    title, columns = KINDS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = title
    append_row(ws, [c.label + ("*" if c.required else "") for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        append_row(ws, row)
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(c.label) * 2 + 4)
    help_ws = wb.create_sheet("填写说明")
    append_row(help_ws, ["列", "必填", "说明"])
    for c in columns:
        append_row(help_ws, [c.label, "是" if c.required else "", c.help])
    append_row(help_ws, [])
    append_row(help_ws, ["整表要么全部导入，要么一行也不导入；有误的行会逐行列出行号、列和原因。"])
    if note:
        append_row(help_ws, [note])
    help_ws.column_dimensions["C"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template(kind: str) -> bytes:
    """An empty workbook with the columns of ``kind`` and a sheet explaining them."""
    return _workbook(kind, [])


def _yes(value: bool) -> str:
    return "是" if value else "否"


def export_units(actor: Any, units: QuerySet[Unit]) -> bytes:
    lk = Lookups(actor)
    rows = [
        [
            u.name,
            u.credit_code,
            u.get_kind_display(),
            u.get_industry_display(),
            u.region.code or lk.region_label(u.region),
            (u.supervising_org.code or u.supervising_org.name) if u.supervising_org else "",
            u.address,
            u.workforce,
            u.gig_workers,
            _yes(u.has_union),
            _yes(u.has_youth_league),
        ]
        for u in units.select_related("region", "supervising_org")
    ]
    _audit_export(actor, "units", len(rows), revealed=False)
    return _workbook("units", rows)


def _may_reveal(actor: Any) -> bool:
    return bool(actor is not None and actor.has_perm_anywhere("pii.reveal"))


def export_people(actor: Any, people: QuerySet[Person]) -> bytes:
    """People with full ID and mobile numbers for users holding ``pii.reveal`` (the export is audited
    as such), masked for everyone else (such a file cannot be imported again)."""
    lk = Lookups(actor)
    reveal = _may_reveal(actor)
    if reveal:
        people = people.filter(pk__in=selectors.people_for(actor, "pii.reveal").values("pk"))
    rows = [
        [
            p.name,
            p.id_card if reveal else mask_id_card(p.id_card),
            p.mobile if reveal else mask_mobile(p.mobile),
            p.region.code or lk.region_label(p.region),
            p.household.number if p.household else "",
            (p.unit.credit_code or p.unit.name) if p.unit else "",
            p.get_occupation_display() if p.occupation else "",
            _yes(p.is_gig_worker),
        ]
        for p in people.select_related("region", "household", "unit")
    ]
    _audit_export(actor, "people", len(rows), revealed=reveal)
    note = "" if reveal else "本表身份证号码和手机号码已脱敏，不能用于重新导入。"
    return _workbook("people", rows, note=note)


def export_memberships(actor: Any, memberships: QuerySet[Membership]) -> bytes:
    reveal = _may_reveal(actor)
    if reveal:
        memberships = memberships.filter(pk__in=selectors.memberships_for(actor, "pii.reveal").values("pk"))

    def org(o: PartyOrg | None) -> str:
        return (o.code or o.name) if o else ""

    rows = [
        [
            m.person.id_card if reveal else mask_id_card(m.person.id_card),
            m.person.name,
            org(m.org),
            m.get_status_display(),
            *[getattr(m, d) for d in STAGE_DATES],
            _yes(m.is_mobile),
            org(m.home_org),
            org(m.host_org),
        ]
        for m in memberships.select_related("person", "org", "home_org", "host_org")
    ]
    _audit_export(actor, "memberships", len(rows), revealed=reveal)
    note = "" if reveal else "本表身份证号码已脱敏，不能用于重新导入。"
    return _workbook("memberships", rows, note=note)


def _audit_export(actor: Any, kind: str, count: int, *, revealed: bool) -> None:
    audit.record(
        actor=actor,
        action="orgs.export",
        target_type=f"orgs.{kind}",
        message=f"导出{KINDS[kind][0]}{count}行" + ("（含完整身份证号码和手机号码）" if revealed else ""),
        after={"kind": kind, "rows": count, "revealed": revealed},
    )


EXPORTERS = {"units": export_units, "people": export_people, "memberships": export_memberships}
