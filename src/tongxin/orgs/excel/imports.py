"""Importing a workbook: all rows or none; every bad row reported with its row, column and reason.

A row whose key matches an existing record (unit: credit code, or name in the same region; person: ID
number; membership: the person's ID number) updates it, so exporting a list and importing it again
changes nothing. The archive is checked (``core.uploads.check_xlsx``) before it is unzipped.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from tongxin.accounts.models import User
from tongxin.core import audit, uploads
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.pii import lookup_hash, normalise_id_card, normalise_mobile
from tongxin.orgs import services
from tongxin.orgs.excel.columns import (
    KINDS,
    MAX_ROWS,
    STAGE_DATES,
    STATUS_DATE,
    ImportRejected,
    ImportResult,
    Lookups,
    RowError,
    RowProblem,
    cell_bool,
    cell_choice,
    cell_date,
    cell_int,
    cell_text,
)
from tongxin.orgs.models import Household, Membership, Person, Unit

# --- reading a workbook -------------------------------------------------------------------------


def read_rows(data: bytes, kind: str) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The data rows of the first sheet as (row number, {column key: value}), and header errors."""
    columns = KINDS[kind][1]
    uploads.check_xlsx(data, field="file", label="导入文件")  # size and zip-bomb limits before unzipping
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
        label = cell_text(cell).rstrip("*＊ ")
        if label in by_label:
            positions[by_label[label].key] = i
    missing = [c.label for c in columns if c.required and c.key not in positions]
    if missing:
        raise DomainError(f"表头缺少必填列：{'、'.join(missing)}。请使用下载的模板。", field="file")
    out: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(cell_text(v) == "" for v in values):
            continue
        out.append((number, {k: values[i] if i < len(values) else None for k, i in positions.items()}))
        if len(out) > MAX_ROWS:
            raise DomainError(f"一次最多导入{MAX_ROWS}行，请分批导入。", field="file")
    wb.close()
    return out, []


# --- importing ----------------------------------------------------------------------------------

RowFn = Callable[[Any, Lookups, dict[str, Any], dict[str, int]], bool]


def _unit_row(actor: User, lk: Lookups, row: dict[str, Any], seen: dict[str, int]) -> bool:
    name = cell_text(row.get("name"))
    if not name:
        raise RowProblem("name", "请填写单位名称。")
    code = cell_text(row.get("credit_code")).upper()
    if code and len(code) != 18:
        raise RowProblem("credit_code", "统一社会信用代码应为18位。")
    region = lk.region("region", cell_text(row.get("region")))
    key = code or f"{region.pk}:{name}"
    if key in seen:
        raise RowProblem("credit_code" if code else "name", f"与第{seen[key]}行重复。")
    seen[key] = row["__row__"]
    sup_raw = cell_text(row.get("supervising_org"))
    fields: dict[str, Any] = {
        "name": name,
        "credit_code": code,
        "kind": cell_choice("kind", row.get("kind"), Unit.Kind.choices, "单位类型"),
        "industry": cell_choice("industry", row.get("industry"), Unit.Industry.choices, "行业"),
        "region": region,
        "supervising_org": lk.org("supervising_org", sup_raw) if sup_raw else None,
        "address": cell_text(row.get("address")),
        "workforce": cell_int("workforce", row.get("workforce")),
        "gig_workers": cell_int("gig_workers", row.get("gig_workers")),
        "has_union": cell_bool("has_union", row.get("has_union")),
        "has_youth_league": cell_bool("has_youth_league", row.get("has_youth_league")),
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


def _person_row(actor: User, lk: Lookups, row: dict[str, Any], seen: dict[str, int]) -> bool:
    name = cell_text(row.get("name"))
    if not name:
        raise RowProblem("name", "请填写姓名。")
    raw_id = cell_text(row.get("id_card"))
    if not raw_id:
        raise RowProblem("id_card", "请填写身份证号码。")
    try:
        id_card = normalise_id_card(raw_id)
    except ValidationError as exc:
        raise RowProblem("id_card", exc.messages[0]) from None
    if id_card in seen:
        raise RowProblem("id_card", f"与第{seen[id_card]}行是同一人（身份证号码重复）。")
    seen[id_card] = row["__row__"]
    region = lk.region("region", cell_text(row.get("region")))
    unit_raw = cell_text(row.get("unit"))
    unit = lk.unit("unit", unit_raw) if unit_raw else None
    occupation = cell_choice(
        "occupation", row.get("occupation"), Person.Occupation.choices, "职业", required=False
    )
    gig = cell_bool("is_gig_worker", row.get("is_gig_worker"))
    mobile = cell_text(row.get("mobile"))
    number = cell_text(row.get("household"))
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
    try:
        return normalise_mobile(raw)
    except ValidationError as exc:
        raise RowProblem("mobile", exc.messages[0]) from None


def _membership_row(actor: User, lk: Lookups, row: dict[str, Any], seen: dict[str, int]) -> bool:
    raw_id = cell_text(row.get("id_card"))
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
    name = cell_text(row.get("name"))
    if name and name != person.name:
        raise RowProblem("name", f"该身份证号码登记的姓名是“{person.name}”，与“{name}”不一致。")
    org = lk.org("org", cell_text(row.get("org")))
    status = cell_choice("status", row.get("status"), Membership.Status.choices, "状态")
    dates = {
        stage: cell_date(STATUS_DATE[stage], row.get(STATUS_DATE[stage]))
        for stage in Membership.Status.values
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
    is_mobile = cell_bool("is_mobile", row.get("is_mobile"))
    home_raw, host_raw = cell_text(row.get("home_org")), cell_text(row.get("host_org"))
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
def import_file(*, actor: User, kind: str, data: bytes) -> ImportResult:
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
