"""Writes of 党群积分. Keyword-only, one transaction each, audited in that transaction.

Other modules award points only through ``award_points``; everything else here is used by this app's
pages, API, demo loader and ``tick`` job.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tongxin.core import audit, rules, workdays
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person, Region
from tongxin.points import access, periods
from tongxin.points.ledger import EntrySpec, append_entries, cycle_of, member_ids, version_on
from tongxin.points.models import (
    Claim,
    ClaimLine,
    Goods,
    LedgerEntry,
    Objection,
    PersonLink,
    PointItem,
    PublishedBoard,
    Redemption,
    Scheme,
    SchemeVersion,
    Wallet,
)

RULES = "points_defaults"


def _today() -> date:
    return timezone.localdate()


def _rule(key: str, on: date | None = None) -> Any:
    return rules.in_force(RULES, on).value(key)


# --- schemes ------------------------------------------------------------------------------------


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
    actor: Any,
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
        notice_workdays = int(_rule("notice_workdays", effective_from))
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
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
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
    actor: Any,
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
    actor: Any,
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
    notice = int(_rule("notice_workdays", effective_from)) if notice_workdays is None else notice_workdays
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


def scheme_covering(region: Region) -> Scheme | None:
    """The active scheme of the nearest region at or above ``region`` (system-level lookup)."""
    segs = [s for s in region.path.split("/") if s]
    candidates = ["/" + "/".join(segs[: i + 1]) + "/" for i in range(len(segs))]
    return Scheme.objects.filter(region_path__in=candidates, is_active=True).order_by("-region_path").first()


def _scheme_for_person(person: Person) -> Scheme:
    scheme = scheme_covering(person.region)
    if scheme is None:
        raise DomainError(
            f"“{person.region.name}”及其上级区划都没有启用的积分方案，无法记分。", field="person"
        )
    return scheme


# --- awards from other modules ------------------------------------------------------------------


@service("points.award")
def award_points(
    *,
    actor: Any,
    person: Person,
    points: int,
    source: str,
    source_ref: str,
    reason: str,
    on: date | None = None,
    item_code: str = "",
) -> LedgerEntry:
    """Append a final entry for ``person`` in the scheme covering their region. Idempotent on
    (source, source_ref, person): a retry returns the existing entry and writes nothing new.

    Raises DomainError when no scheme covers the person, or the input is unusable.
    """
    source = source.strip()
    source_ref = str(source_ref).strip()
    if not source or source in ("claim", "reversal"):
        raise DomainError("来源无效：请写明调用模块（如 cases）。", field="source")
    if not source_ref:
        raise DomainError("请提供来源编号，用于防止重复记分。", field="source_ref")
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise DomainError("分值须为非零整数。", field="points")
    if not reason.strip():
        raise DomainError("请写明记分事由。", field="reason")
    existing = LedgerEntry.objects.filter(source=source, source_ref=source_ref, person=person).first()
    if existing is not None:
        return existing
    scheme = _scheme_for_person(person)
    on = on or _today()
    # Lock the scheme first: a concurrent retry waits here, then finds the entry written by the first.
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    existing = LedgerEntry.objects.filter(source=source, source_ref=source_ref, person=person).first()
    if existing is not None:
        return existing
    item_name = ""
    if item_code:
        item = version_on(scheme, on).items.filter(code=item_code).first()
        if item is None:
            raise DomainError(f"积分方案“{scheme.name}”中没有代码为“{item_code}”的项目。", field="item_code")
        item_name = item.name
    version = version_on(scheme, on)
    household_id = person.household_id if version.accrual != SchemeVersion.Accrual.PERSON else None
    try:
        with transaction.atomic():
            (entry,) = append_entries(
                scheme_id=scheme.pk,
                specs=[
                    EntrySpec(
                        person=person, household_id=household_id, item_code=item_code,
                        item_name=item_name or reason[:100], points=points, on=on, source=source,
                        source_ref=source_ref, reason=reason,
                    )
                ],
                actor=actor,
            )  # fmt: skip
    except IntegrityError:
        # Another process appended it first (a different scheme row lock, e.g. after a move).
        return LedgerEntry.objects.get(source=source, source_ref=source_ref, person=person)
    audit.record(
        actor=actor,
        action="points.award",
        target=entry,
        after={"person": person.pk, "points": points, "source": source, "source_ref": source_ref},
    )
    return entry


# --- claims ---------------------------------------------------------------------------------------


def _item_for(scheme: Scheme, code: str, on: date) -> tuple[SchemeVersion, PointItem]:
    version = version_on(scheme, on)
    item = version.items.filter(code=code).first()
    if item is None:
        raise DomainError(f"{on} 适用的方案版本中没有代码为“{code}”的积分项目。", field="item")
    return version, item


def _check_participants(scheme: Scheme, item: PointItem, people: list[Person]) -> None:
    if not people:
        raise DomainError("请至少选择一名参与人员。", field="people")
    if len({p.pk for p in people}) != len(people):
        raise DomainError("参与人员有重复，请检查。", field="people")
    outside = [p.name for p in people if not p.region_path.startswith(scheme.region_path)]
    if outside:
        raise DomainError(f"以下人员不在本方案范围内：{'、'.join(outside)}。", field="people")
    merged = [p.name for p in people if p.merged_into_id]
    if merged:
        raise DomainError(f"以下人员已合并为其他人员，不能记分：{'、'.join(merged)}。", field="people")
    if item.eligible != PointItem.Eligible.ALL:
        members = member_ids([p.pk for p in people])
        want_members = item.eligible == PointItem.Eligible.MEMBERS
        wrong = [p.name for p in people if (p.pk in members) != want_members]
        if wrong:
            who = "党员" if want_members else "群众"
            raise DomainError(
                f"项目“{item.name}”仅适用于{who}，以下人员不符合：{'、'.join(wrong)}。", field="people"
            )


@service("points.claim.record")
def record_claim(
    *,
    actor: Any,
    scheme: Scheme,
    item_code: str,
    occurred_on: date,
    title: str,
    people: list[Person],
    evidence: UploadedFile | None = None,
    idempotency_key: str = "",
    today: date | None = None,
) -> Claim:
    """A recorder records one claim for one person or for everyone who took part in an activity.
    A retry with the same ``idempotency_key`` returns the first claim."""
    if idempotency_key:
        existing = Claim.objects.filter(recorded_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not access.may(actor, access.RECORD, scheme.region_path):
        raise DomainError("该方案不在您的积分登记范围内。", field="scheme")
    today = today or _today()
    if occurred_on > today:
        raise DomainError("发生日期不能晚于今天。", field="occurred_on")
    title = title.strip()
    if not title:
        raise DomainError("请填写事由（如“11月2日清扫村道”）。", field="title")
    version, item = _item_for(scheme, item_code, occurred_on)
    if item.evidence_required and not evidence:
        raise DomainError(f"项目“{item.name}”须上传现场照片。", field="evidence")
    _check_participants(scheme, item, people)
    claim = Claim.objects.create(
        scheme=scheme,
        version=version,
        item=item,
        region_path=scheme.region_path,
        occurred_on=occurred_on,
        title=title[:200],
        evidence=evidence or "",
        recorded_by=actor,
        idempotency_key=idempotency_key[:64],
    )
    household = version.accrual != SchemeVersion.Accrual.PERSON
    ClaimLine.objects.bulk_create(
        [
            ClaimLine(
                claim=claim, person=p, household_id=p.household_id if household else None, points=item.points
            )
            for p in people
        ]
    )
    audit.record(
        actor=actor,
        action="points.claim.record",
        target=claim,
        after={"item": item.code, "people": [p.pk for p in people], "occurred_on": occurred_on.isoformat()},
    )
    return claim


def linked_person(user: Any) -> Person | None:
    link = PersonLink.objects.filter(user=user).select_related("person", "person__region").first()
    return link.person if link else None


@service("points.claim.self")
def record_self_claim(
    *,
    actor: Any,
    item_code: str,
    occurred_on: date,
    title: str,
    evidence: UploadedFile | None,
    today: date | None = None,
) -> Claim:
    """A villager claims for themself, with a photo; a reviewer decides as for any claim."""
    person = linked_person(actor)
    if person is None:
        raise DomainError("您的账号尚未关联村民信息，请联系村积分员。", field="person")
    if not evidence:
        raise DomainError("本人申报须上传现场照片。", field="evidence")
    scheme = _scheme_for_person(person)
    today = today or _today()
    if occurred_on > today:
        raise DomainError("发生日期不能晚于今天。", field="occurred_on")
    if not title.strip():
        raise DomainError("请填写事由。", field="title")
    version, item = _item_for(scheme, item_code, occurred_on)
    if item.points < 0:
        raise DomainError("扣分项目不能本人申报。", field="item")
    _check_participants(scheme, item, [person])
    claim = Claim.objects.create(
        scheme=scheme, version=version, item=item, region_path=scheme.region_path,
        occurred_on=occurred_on, title=title.strip()[:200], evidence=evidence, recorded_by=actor,
        is_self_claim=True,
    )  # fmt: skip
    household = version.accrual != SchemeVersion.Accrual.PERSON
    ClaimLine.objects.create(
        claim=claim,
        person=person,
        household_id=person.household_id if household else None,
        points=item.points,
    )
    audit.record(actor=actor, action="points.claim.self", target=claim, after={"item": item.code})
    return claim


def _lock_claim(claim: Claim, event: str) -> Claim:
    locked = Claim.objects.select_for_update().select_related("item", "scheme").get(pk=claim.pk)
    if event not in Claim.TRANSITIONS.get(locked.state, {}):
        raise DomainError(f"该申报当前为“{locked.get_state_display()}”，不能执行此操作。", field="state")
    return locked


def _count_in(entries: list[tuple[int, date]], key: int, kind: str, period: str) -> int:
    return sum(1 for k, on in entries if k == key and periods.of_kind(kind, on) == period)


def check_caps(claim: Claim) -> list[str]:
    """Every cap that approving ``claim`` would exceed, as messages naming the cap and the person.

    Counts final entries of the item plus lines of other claims of the item already approved and
    in notice, in the month, quarter and year of the claim's date.
    """
    item = claim.item
    caps = item.caps()
    if not caps:
        return []
    lines = list(claim.lines.select_related("person").filter(state=ClaimLine.State.PENDING))
    year_start, year_end = periods.bounds(periods.year_of(claim.occurred_on))
    person_ids = [line.person_id for line in lines]
    household_ids = [line.household_id for line in lines if line.household_id]
    base = LedgerEntry.objects.filter(
        scheme=claim.scheme, item_code=item.code, on__gte=year_start, on__lte=year_end, points__gt=0
    )
    reversed_ids = set(
        LedgerEntry.objects.filter(
            scheme=claim.scheme, source="reversal", reverses__item_code=item.code, on__gte=year_start,
            on__lte=year_end,
        ).values_list("reverses_id", flat=True)
    )  # fmt: skip
    pending = ClaimLine.objects.filter(
        claim__scheme=claim.scheme,
        claim__item__code=item.code,
        claim__state=Claim.State.NOTICE,
        claim__occurred_on__gte=year_start,
        claim__occurred_on__lte=year_end,
        state=ClaimLine.State.PENDING,
    ).exclude(claim=claim)
    by_person: list[tuple[int, date]] = [
        (pid, on)
        for pk, pid, on in base.filter(person_id__in=person_ids).values_list("pk", "person_id", "on")
        if pk not in reversed_ids
    ] + list(pending.filter(person_id__in=person_ids).values_list("person_id", "claim__occurred_on"))
    by_household: list[tuple[int, date]] = []
    if household_ids:
        by_household = [
            (hid, on)
            for pk, hid, on in base.filter(household_id__in=household_ids).values_list(
                "pk", "household_id", "on"
            )
            if pk not in reversed_ids
        ] + list(
            pending.filter(household_id__in=household_ids).values_list("household_id", "claim__occurred_on")
        )
    labels = {"month": "每月", "quarter": "每季", "year": "每年"}
    problems: list[str] = []
    for who, kind, limit in caps:
        period = periods.of_kind(kind, claim.occurred_on)
        if who == "person":
            for line in lines:
                used = _count_in(by_person, line.person_id, kind, period)
                if used + 1 > limit:
                    problems.append(
                        f"{line.person.name}：项目“{item.name}”个人{labels[kind]}上限{limit}次，"
                        f"{periods.label(period)}已有{used}次"
                    )
        else:
            in_claim: dict[int, int] = {}
            for line in lines:
                if line.household_id:
                    in_claim[line.household_id] = in_claim.get(line.household_id, 0) + 1
            for hid, n in in_claim.items():
                used = _count_in(by_household, hid, kind, period)
                if used + n > limit:
                    names = "、".join(line.person.name for line in lines if line.household_id == hid)
                    problems.append(
                        f"{names}所在户：项目“{item.name}”每户{labels[kind]}上限{limit}次，"
                        f"{periods.label(period)}已有{used}次，本次{n}次"
                    )
    return problems


@service("points.claim.approve")
def approve_claim(*, actor: Any, claim: Claim, note: str = "", today: date | None = None) -> Claim:
    """Approve a claim (two-person rule: not by whoever recorded it); caps are checked here, and the
    claim goes into public notice for the scheme's notice period in working days."""
    claim = _lock_claim(claim, "approve")
    if not access.may(actor, access.REVIEW, claim.region_path):
        raise DomainError("该申报不在您的审核范围内。", field="claim")
    if actor is not None and claim.recorded_by_id == actor.pk:
        raise DomainError("两人原则：登记人不能审核自己登记的申报，请由另一名审核员审核。", field="reviewer")
    problems = check_caps(claim)
    if problems:
        raise DomainError("超过积分上限，不能通过：" + "；".join(problems) + "。", field="lines")
    today = today or _today()
    claim.state = Claim.State.NOTICE
    claim.reviewed_by = actor
    claim.reviewed_at = timezone.now()
    claim.review_note = note.strip()[:300]
    claim.notice_from = today
    claim.notice_until = workdays.add_workdays(today, claim.version.notice_workdays)
    claim.save(
        update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "notice_from", "notice_until"]
    )
    audit.record(
        actor=actor,
        action="points.claim.approve",
        target=claim,
        before={"state": "submitted"},
        after={"state": claim.state, "notice_until": claim.notice_until.isoformat()},
    )
    return claim


@service("points.claim.reject")
def reject_claim(*, actor: Any, claim: Claim, reason: str) -> Claim:
    """Reject a claim with a reason the recorder will see (two-person rule as for approval)."""
    claim = _lock_claim(claim, "reject")
    if not access.may(actor, access.REVIEW, claim.region_path):
        raise DomainError("该申报不在您的审核范围内。", field="claim")
    if actor is not None and claim.recorded_by_id == actor.pk:
        raise DomainError("两人原则：登记人不能审核自己登记的申报。", field="reviewer")
    if not reason.strip():
        raise DomainError("驳回须写明理由。", field="reason")
    claim.state = Claim.State.REJECTED
    claim.reviewed_by = actor
    claim.reviewed_at = timezone.now()
    claim.review_note = reason.strip()[:300]
    claim.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    audit.record(
        actor=actor, action="points.claim.reject", target=claim, before={"state": "submitted"},
        after={"state": claim.state, "reason": claim.review_note},
    )  # fmt: skip
    return claim


# --- notice and objections ----------------------------------------------------------------------


@service("points.objection.raise")
def raise_objection(*, actor: Any, line: ClaimLine, reason: str, today: date | None = None) -> Objection:
    """A villager (or anyone who may see the notice) objects to one line of a claim in notice."""
    claim = line.claim
    if not (
        access.may(actor, access.SELF, claim.region_path) or access.may(actor, access.VIEW, claim.region_path)
    ):
        raise DomainError("该公示不在您所在的村（社区）。", field="line")
    today = today or _today()
    if claim.state != Claim.State.NOTICE or line.state != ClaimLine.State.PENDING:
        raise DomainError("该申报不在公示中，不能提出异议。", field="line")
    if claim.notice_until is not None and today > claim.notice_until:
        raise DomainError(f"公示已于 {claim.notice_until} 结束，不能再提出异议。", field="line")
    reason = reason.strip()
    min_chars = int(_rule("objection_reason_min_chars", today))
    if len(reason) < min_chars:
        raise DomainError(f"请写明异议理由（至少{min_chars}个字）。", field="reason")
    objection = Objection.objects.create(
        line=line, region_path=claim.region_path, reason=reason[:500], raised_by=actor
    )
    audit.record(
        actor=actor,
        action="points.objection.raise",
        target=objection,
        after={"line": line.pk, "reason": reason},
    )
    return objection


@service("points.objection.decide")
def decide_objection(
    *, actor: Any, objection: Objection, uphold: bool, reason: str, today: date | None = None
) -> Objection:
    """The reviewer upholds (the line leaves the claim and never reaches the ledger) or dismisses an
    objection, with a reason. A line whose notice is over is finalised at once when dismissed."""
    objection = Objection.objects.select_for_update().select_related("line__claim").get(pk=objection.pk)
    claim = objection.line.claim
    if not access.may(actor, access.REVIEW, objection.region_path):
        raise DomainError("该异议不在您的审核范围内。", field="objection")
    if objection.state != Objection.State.OPEN:
        raise DomainError("该异议已处理。", field="objection")
    if actor is not None and claim.recorded_by_id == actor.pk:
        raise DomainError("两人原则：登记人不能处理针对自己登记的申报的异议。", field="reviewer")
    if not reason.strip():
        raise DomainError("请写明处理理由。", field="reason")
    objection.state = Objection.State.UPHELD if uphold else Objection.State.DISMISSED
    objection.decided_by = actor
    objection.decided_at = timezone.now()
    objection.decision_reason = reason.strip()[:500]
    objection.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    if uphold:
        ClaimLine.objects.filter(pk=objection.line_id, state=ClaimLine.State.PENDING).update(
            state=ClaimLine.State.REMOVED
        )
    audit.record(
        actor=actor, action="points.objection.decide", target=objection,
        after={"state": objection.state, "reason": objection.decision_reason},
    )  # fmt: skip
    today = today or _today()
    if claim.notice_until is not None and today > claim.notice_until:
        _finalise(claim, actor=actor)
    return objection


def _finalise(claim: Claim, *, actor: Any) -> int:
    """Write the ledger entries of the claim's unchallenged lines; the claim is final when no line
    waits for an objection. Conditional on the claim still being in notice (safe to run twice)."""
    claim = Claim.objects.select_for_update().select_related("item", "scheme").get(pk=claim.pk)
    if claim.state != Claim.State.NOTICE:
        return 0
    open_lines = set(
        Objection.objects.filter(line__claim=claim, state=Objection.State.OPEN).values_list(
            "line_id", flat=True
        )
    )
    ready = [
        line
        for line in claim.lines.select_related("person").filter(state=ClaimLine.State.PENDING)
        if line.pk not in open_lines
    ]
    specs = [
        EntrySpec(
            person=line.person, household_id=line.household_id, item_code=claim.item.code,
            item_name=claim.item.name, points=line.points, on=claim.occurred_on, source="claim",
            source_ref=f"line:{line.pk}", reason=claim.title,
        )
        for line in ready
    ]  # fmt: skip
    append_entries(scheme_id=claim.scheme_id, specs=specs, actor=actor)
    ClaimLine.objects.filter(pk__in=[line.pk for line in ready]).update(state=ClaimLine.State.FINAL)
    if not open_lines:
        claim.state = Claim.State.FINAL
        claim.finalised_at = timezone.now()
        claim.save(update_fields=["state", "finalised_at"])
    return len(specs)


@service("points.notice.finalise")
def finalise_due_claims(*, actor: Any = None, today: date | None = None) -> int:
    """Every claim whose notice is over becomes ledger entries (lines with an open objection wait).
    Idempotent: run by ``tongxin tick`` and safe to run twice. Returns the number of entries written."""
    today = today or _today()
    due = list(
        Claim.objects.filter(state=Claim.State.NOTICE, notice_until__lt=today)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    written = 0
    for pk in due:
        written += _finalise(Claim(pk=pk), actor=actor)
    if written:
        audit.record(
            actor=actor,
            action="points.notice.finalise",
            target_type="points.claim",
            message=f"公示期满入账 {written} 条（{len(due)} 份申报）",
        )
    return written


# --- corrections --------------------------------------------------------------------------------


@service("points.entry.reverse")
def reverse_entry(*, actor: Any, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """Correct a ledger entry by appending its reversal (same person, date and period, opposite
    points) with a reason. An entry can be reversed once; reversals are not reversed."""
    if not access.may(actor, access.MANAGE, entry.region_path):
        raise DomainError("该流水不在您的积分管理范围内。", field="entry")
    if not reason.strip():
        raise DomainError("冲正须写明理由。", field="reason")
    if entry.source == "reversal":
        raise DomainError("冲正记录不能再冲正；如需更正，请重新记分。", field="entry")
    if LedgerEntry.objects.filter(
        source="reversal", source_ref=str(entry.pk), person_id=entry.person_id
    ).exists():
        raise DomainError("该流水已经冲正过。", field="entry")
    (reversal,) = append_entries(
        scheme_id=entry.scheme_id,
        specs=[
            EntrySpec(
                person=entry.person, household_id=entry.household_id, item_code=entry.item_code,
                item_name=entry.item_name, points=-entry.points, on=entry.on, source="reversal",
                source_ref=str(entry.pk), reason=f"冲正#{entry.seq}：{reason.strip()}", reverses_id=entry.pk,
            )
        ],
        actor=actor,
    )  # fmt: skip
    audit.record(
        actor=actor, action="points.entry.reverse", target=reversal,
        after={"reverses": entry.pk, "points": reversal.points, "reason": reason.strip()},
    )  # fmt: skip
    return reversal


# --- boards ---------------------------------------------------------------------------------------


def content_hash(rows: list[dict[str, Any]], heads: dict[str, list[Any]], meta: dict[str, Any]) -> str:
    payload = json.dumps({"rows": rows, "heads": heads, "meta": meta}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def board_meta(board: PublishedBoard) -> dict[str, Any]:
    return {
        "region": board.region_id, "period": board.period, "by": board.by, "audience": board.audience,
        "name_style": board.name_style, "size": board.size,
    }  # fmt: skip


@service("points.board.publish")
def publish_board(
    *,
    actor: Any,
    region: Region,
    period: str,
    by: str = PublishedBoard.By.PERSON,
    audience: str = PublishedBoard.Audience.ALL,
    name_style: str = PublishedBoard.NameStyle.FULL,
    size: int | None = None,
    title: str = "",
) -> PublishedBoard:
    """Freeze the board of ``region`` and ``period`` as published, with the chain heads of every
    scheme it draws on, so anyone can later check it against the ledger."""
    from tongxin.points import selectors

    if not access.may(actor, access.MANAGE, region.path):
        raise DomainError("该区划不在您的积分管理范围内。", field="region")
    periods.kind_of(period)
    if by not in PublishedBoard.By.values:
        raise DomainError(f"排名对象“{by}”无效。", field="by")
    if audience not in PublishedBoard.Audience.values:
        raise DomainError(f"范围“{audience}”无效。", field="audience")
    if by == PublishedBoard.By.HOUSEHOLD and audience != PublishedBoard.Audience.ALL:
        raise DomainError("按户排名时范围只能是“全体”。", field="audience")
    if name_style not in PublishedBoard.NameStyle.values:
        raise DomainError(f"姓名显示方式“{name_style}”无效。", field="name_style")
    size = size or int(_rule("board_size"))
    if size < 1 or size > 500:
        raise DomainError("名次数应为1到500。", field="size")
    schemes = list(
        Scheme.objects.select_for_update()
        .filter(Q(region_path__startswith=region.path) | Q(pk__in=selectors.ancestor_scheme_ids(region)))
        .order_by("pk")
    )
    heads = {str(s.pk): [s.chain_seq, s.chain_head] for s in schemes}
    rows = selectors.board_rows(region=region, period=period, by=by, audience=audience, size=size)
    stored = [selectors.public_row(r, name_style) for r in rows]
    title = title.strip() or f"{region.name}{periods.label(period)}积分榜（{PublishedBoard.By(by).label}）"
    board = PublishedBoard(
        region=region, region_path=region.path, title=title[:200], period=period, by=by, audience=audience,
        name_style=name_style, size=size, rows=stored, heads=heads, published_by=actor,
    )  # fmt: skip
    board.content_hash = content_hash(stored, heads, board_meta(board))
    board.save()
    audit.record(
        actor=actor, action="points.board.publish", target=board,
        after={"period": period, "by": by, "audience": audience, "rows": len(stored), "heads": heads},
    )  # fmt: skip
    return board


# --- accounts ↔ people ------------------------------------------------------------------------


@service("points.link.set")
def link_person(*, actor: Any, user: Any, person: Person) -> PersonLink:
    """Say which registry person a login account is, so the villager sees "my points"."""
    if not access.may(actor, access.MANAGE, person.region_path):
        raise DomainError("该人员不在您的积分管理范围内。", field="person")
    if PersonLink.objects.filter(person=person).exclude(user=user).exists():
        raise DomainError(f"“{person.name}”已关联其他账号。", field="person")
    link, _ = PersonLink.objects.update_or_create(
        user=user, defaults={"person": person, "region_path": person.region_path}
    )
    audit.record(
        actor=actor, action="points.link.set", target=link, after={"user": user.pk, "person": person.pk}
    )
    return link


# --- the shop ---------------------------------------------------------------------------------------


# Not a rule but a storage bound: a price must fit the integer column on every database, so that an
# absurd number is a clear refusal instead of a database error.
PRICE_MAX = 1_000_000


def _check_goods(name: str, price: int) -> None:
    """The checks that creating and editing goods share, with the same messages."""
    if not name.strip():
        raise DomainError("请填写商品名称。", field="name")
    if price < 1:
        raise DomainError("兑换积分须为正整数。", field="price")
    if price > PRICE_MAX:
        raise DomainError(f"兑换积分不能超过{PRICE_MAX}分。", field="price")


@service("points.goods.create")
def create_goods(*, actor: Any, scheme: Scheme, name: str, price: int, stock: int) -> Goods:
    """Put goods on the shelf of a scheme's points shop."""
    if not access.may(actor, access.MANAGE, scheme.region_path):
        raise DomainError("该方案不在您的积分管理范围内。", field="scheme")
    _check_goods(name, price)
    if stock < 0:
        raise DomainError("库存不能为负数。", field="stock")
    if stock > RESTOCK_MAX:
        raise DomainError(f"初始库存不能超过{RESTOCK_MAX}件。", field="stock")
    goods = Goods.objects.create(
        scheme=scheme, region_path=scheme.region_path, name=name.strip()[:100], price=price, stock=stock
    )
    audit.record(
        actor=actor, action="points.goods.create", target=goods, after={"price": price, "stock": stock}
    )
    return goods


@service("points.goods.update")
def update_goods(*, actor: Any, goods: Goods, name: str, price: int) -> Goods:
    """Correct the name or price of goods (a manager of the goods' region only), with the same checks
    and messages as ``create_goods``. Past redemptions keep the points they cost (they store their
    own); a new price applies from the next redemption. Stock is not touched: only ``restock_goods``
    and ``redeem`` change it. An edit that changes nothing writes nothing and records no event."""
    if not access.may(actor, access.MANAGE, goods.region_path):
        raise DomainError("该商品不在您的积分管理范围内。", field="goods")
    _check_goods(name, price)
    # Locked as a redemption locks it: the recorded "before" is the state this edit replaced.
    goods = Goods.objects.select_for_update().select_related("scheme").get(pk=goods.pk)
    name = name.strip()[:100]
    if goods.name == name and goods.price == price:
        return goods
    before = audit.snapshot(goods, ["name", "price"])
    goods.name = name
    goods.price = price
    goods.save(update_fields=["name", "price"])  # never "stock": a stale copy must not undo a redemption
    audit.record(
        actor=actor, action="points.goods.update", target=goods, before=before,
        after={"name": name, "price": price},
    )  # fmt: skip
    return goods


@service("points.goods.set_active")
def set_goods_active(*, actor: Any, goods: Goods, active: bool) -> Goods:
    """Take goods off the shelf (下架, ``active=False``; ``redeem`` then refuses them) or put them back
    (上架), by a manager of the goods' region. Idempotent: asking for the state the goods are already
    in is not an error and writes nothing, so a double click or a retried request records one event.
    The update is conditional on the current state, so of two concurrent requests one records it."""
    if not access.may(actor, access.MANAGE, goods.region_path):
        raise DomainError("该商品不在您的积分管理范围内。", field="goods")
    changed = Goods.objects.filter(pk=goods.pk, is_active=not active).update(is_active=active)
    goods.refresh_from_db(fields=["is_active"])
    if changed:
        audit.record(
            actor=actor, action="points.goods.set_active", target=goods,
            before={"is_active": not active}, after={"is_active": active},
        )  # fmt: skip
    return goods


# Storage bounds, not rules (like PRICE_MAX): stock is a PositiveIntegerField, at most 2^31-1 on every
# database, so a number past these is a clear refusal instead of a database error. A redemption costs
# at most PRICE_MAX x REDEEM_MAX points, which also fits that column.
RESTOCK_MAX = 1_000_000
STOCK_MAX = 2_147_483_647
REDEEM_MAX = 1000


@service("points.goods.restock")
def restock_goods(*, actor: Any, goods: Goods, quantity: int) -> Goods:
    """Add ``quantity`` (1 to ``RESTOCK_MAX``) to the stock, by a shop keeper or a manager of the
    goods' region. An F() update, never read-modify-write, conditional on the new stock staying
    within ``STOCK_MAX``: past it the stock is left as it was and the refusal names the field."""
    if not (
        access.may(actor, access.MANAGE, goods.region_path)
        or access.may(actor, access.SHOP, goods.region_path)
    ):
        raise DomainError("该商品不在您的管理范围内。", field="goods")
    if quantity < 1:
        raise DomainError("入库数量须为正整数。", field="quantity")
    if quantity > RESTOCK_MAX:
        raise DomainError(f"入库数量每次不能超过{RESTOCK_MAX}件。", field="quantity")
    added = Goods.objects.filter(pk=goods.pk, stock__lte=STOCK_MAX - quantity).update(
        stock=F("stock") + quantity
    )
    goods.refresh_from_db(fields=["stock"])
    if not added:
        raise DomainError(
            f"入库数量过大：入库后库存将超过{STOCK_MAX}件（现有{goods.stock}件）。", field="quantity"
        )
    audit.record(
        actor=actor,
        action="points.goods.restock",
        target=goods,
        after={"added": quantity, "stock": goods.stock},
    )
    return goods


@service("points.shop.redeem")
def redeem(
    *,
    actor: Any,
    goods: Goods,
    person: Person,
    quantity: int = 1,
    request_key: str = "",
    today: date | None = None,
) -> Redemption:
    """A shop keeper redeems goods for a villager. Spends the spendable balance of the current cycle,
    never the ranking points. Goods and wallet rows are locked, so stock and balance never go negative
    under concurrent redemptions. A retry with the same ``request_key`` returns the first redemption."""
    if request_key:
        done = Redemption.objects.filter(actor=actor, request_key=request_key).first()
        if done is not None:
            return done
    if not access.may(actor, access.SHOP, goods.region_path):
        raise DomainError("该积分超市不在您的范围内。", field="goods")
    if quantity < 1:
        raise DomainError("兑换数量须为正整数。", field="quantity")
    if quantity > REDEEM_MAX:
        raise DomainError(f"兑换数量每次不能超过{REDEEM_MAX}件。", field="quantity")
    if not person.region_path.startswith(goods.region_path):
        raise DomainError(f"“{person.name}”不在本积分超市的服务范围内。", field="person")
    today = today or _today()
    goods = Goods.objects.select_for_update().get(pk=goods.pk)
    if not goods.is_active:
        raise DomainError(f"“{goods.name}”已下架。", field="goods")
    if goods.stock < quantity:
        raise DomainError(
            f"“{goods.name}”库存不足：现有{goods.stock}件，需要{quantity}件。", field="quantity"
        )
    cost = goods.price * quantity
    cycle = cycle_of(version_on(goods.scheme, today), today)
    wallet = (
        Wallet.objects.select_for_update()
        .filter(scheme_id=goods.scheme_id, person=person, cycle=cycle)
        .first()
    )
    balance = wallet.balance if wallet else 0
    if balance < cost:
        raise DomainError(f"“{person.name}”可用积分不足：可用{balance}分，需要{cost}分。", field="person")
    assert wallet is not None
    Goods.objects.filter(pk=goods.pk).update(stock=F("stock") - quantity)
    Wallet.objects.filter(pk=wallet.pk).update(spent=F("spent") + cost)
    redemption = Redemption.objects.create(
        scheme_id=goods.scheme_id, goods=goods, person=person, region_path=person.region_path,
        quantity=quantity, points=cost, cycle=cycle, month=periods.month_of(today), actor=actor,
        request_key=request_key[:64],
    )  # fmt: skip
    audit.record(
        actor=actor, action="points.shop.redeem", target=redemption,
        after={"goods": goods.pk, "person": person.pk, "quantity": quantity, "points": cost},
    )  # fmt: skip
    return redemption


__all__ = [
    "ItemSpec",
    "add_scheme_version",
    "approve_claim",
    "award_points",
    "create_goods",
    "create_scheme",
    "decide_objection",
    "finalise_due_claims",
    "link_person",
    "publish_board",
    "raise_objection",
    "record_claim",
    "record_self_claim",
    "redeem",
    "reject_claim",
    "restock_goods",
    "reverse_entry",
    "scheme_covering",
    "set_goods_active",
    "update_goods",
]
