"""Request and response schemas of the points API, and the payload-field naming of refusals."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from tongxin.core.errors import DomainError
from tongxin.points import selectors, services
from tongxin.points.models import (
    Claim,
    LedgerEntry,
    PointItem,
    PublishedBoard,
    SchemeVersion,
)

TAGS = ["党群积分"]


class SchemeOut(Schema):
    id: int
    name: str
    region_id: int
    is_sample: bool
    is_active: bool
    chain_seq: int
    chain_head: str


class ItemOut(Schema):
    code: str
    name: str
    category: str
    points: int
    eligible: str
    evidence_required: bool
    cap_person_month: int | None
    cap_person_quarter: int | None
    cap_person_year: int | None
    cap_household_month: int | None
    cap_household_quarter: int | None
    cap_household_year: int | None


class SchemeDetailOut(SchemeOut):
    version: int
    effective_from: date
    base_score: int
    reset: str
    accrual: str
    notice_workdays: int
    items: list[ItemOut]


class SchemeVersionOut(Schema):
    scheme_id: int
    number: int
    effective_from: date
    base_score: int
    reset: str
    accrual: str
    notice_workdays: int
    note: str
    created_at: datetime
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj: SchemeVersion) -> list[Any]:
        return list(obj.items.all())


def _cap(label: str) -> Any:
    return Field(None, ge=1, le=services.ITEM_CAP_MAX, description=f"{label}（次）；留空为不限")


class PointItemIn(Schema):
    """One 积分项目, as a line of the scheme form; the bounds are those of ``services._check_items``."""

    code: str = Field(..., min_length=1, max_length=services.ITEM_CODE_MAX, description="同一版本内不能重复")
    name: str = Field(..., min_length=1, max_length=services.ITEM_NAME_MAX)
    category: PointItem.Category
    points: int = Field(
        ...,
        ge=-services.ITEM_POINTS_MAX,
        le=services.ITEM_POINTS_MAX,
        description="加分为正数，扣分为负数，不能为0",
    )
    eligible: PointItem.Eligible = PointItem.Eligible.ALL
    evidence_required: bool = False
    cap_person_month: int | None = _cap("个人每月上限")
    cap_person_quarter: int | None = _cap("个人每季上限")
    cap_person_year: int | None = _cap("个人每年上限")
    cap_household_month: int | None = _cap("每户每月上限")
    cap_household_quarter: int | None = _cap("每户每季上限")
    cap_household_year: int | None = _cap("每户每年上限")

    def spec(self) -> services.ItemSpec:
        return services.ItemSpec(
            code=self.code, name=self.name, category=self.category.value, points=self.points,
            eligible=self.eligible.value, evidence_required=self.evidence_required,
            **{cap: getattr(self, cap) for cap in services.CAP_FIELDS},
        )  # fmt: skip


def _items() -> Any:
    return Field(..., min_length=1, max_length=services.ITEMS_MAX, description="全部积分项目（不是增量）")


class SchemeIn(Schema):
    region_id: int = Field(..., description="县（市、区）、乡镇（街道）或村（社区）")
    name: str = Field(..., min_length=1, max_length=100)
    effective_from: date | None = Field(None, description="留空为今天")
    # Not a rule but a storage bound, as for an item's points.
    base_score: int = Field(0, ge=0, le=services.ITEM_POINTS_MAX)
    reset: SchemeVersion.Reset = SchemeVersion.Reset.YEARLY
    accrual: SchemeVersion.Accrual = SchemeVersion.Accrual.BOTH
    notice_workdays: int | None = Field(None, ge=1, le=30, description="留空为规则 notice_workdays")
    is_sample: bool = False
    items: list[PointItemIn] = _items()


class SchemeVersionIn(Schema):
    """A new version. Omitted settings keep those of the version in force today, as the page fills them in;
    ``items`` is the whole list of the new version."""

    effective_from: date | None = Field(None, description="留空为今天；不能早于最新版本的生效日期")
    base_score: int | None = Field(None, ge=0, le=services.ITEM_POINTS_MAX)
    reset: SchemeVersion.Reset | None = None
    accrual: SchemeVersion.Accrual | None = None
    notice_workdays: int | None = Field(None, ge=1, le=30)
    note: str = Field(..., min_length=1, max_length=200, description="修订说明（为什么修改方案）")
    items: list[PointItemIn] = _items()


class LineOut(Schema):
    id: int
    person_id: int
    person_name: str
    points: int
    state: str

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.name)


class ClaimOut(Schema):
    id: int
    scheme_id: int
    item_code: str
    item_name: str
    occurred_on: date
    title: str
    state: str
    is_self_claim: bool
    recorded_by_id: int
    reviewed_by_id: int | None
    review_note: str
    notice_from: date | None
    notice_until: date | None

    @staticmethod
    def resolve_item_code(obj: Claim) -> str:
        return obj.item.code

    @staticmethod
    def resolve_item_name(obj: Claim) -> str:
        return obj.item.name


class ClaimDetailOut(ClaimOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Claim) -> list[Any]:
        return list(selectors.claim_lines(obj))


class ClaimIn(Schema):
    scheme_id: int
    item_code: str = Field(..., min_length=1, max_length=32)
    occurred_on: date
    title: str = Field(..., min_length=1, max_length=200)
    person_ids: list[int] = Field(..., min_length=1, max_length=2000)
    idempotency_key: str = Field("", max_length=64)


class ReviewIn(Schema):
    note: str = Field("", max_length=300)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500)


class DecisionIn(Schema):
    uphold: bool
    reason: str = Field(..., min_length=1, max_length=500)


class ObjectionOut(Schema):
    id: int
    line_id: int
    reason: str
    state: str
    decision_reason: str


class EntryOut(Schema):
    id: int
    scheme_id: int
    seq: int
    person_id: int
    person_name: str
    household_id: int | None
    item_code: str
    item_name: str
    points: int
    on: date
    source: str
    source_ref: str
    reason: str
    reverses_id: int | None
    created_at: datetime
    prev_hash: str
    hash: str

    @staticmethod
    def resolve_person_name(obj: LedgerEntry) -> str:
        return obj.person.name


class BoardFilter(Schema):
    region_id: int
    period: str = Field(..., max_length=7)
    by: PublishedBoard.By = PublishedBoard.By.PERSON
    audience: PublishedBoard.Audience = PublishedBoard.Audience.ALL
    size: int = Field(50, ge=1, le=500)


class BoardRowOut(Schema):
    rank: int
    ref: int
    name: str
    points: int


class PublishIn(Schema):
    region_id: int
    period: str = Field(..., max_length=7)
    by: PublishedBoard.By = PublishedBoard.By.PERSON
    audience: PublishedBoard.Audience = PublishedBoard.Audience.ALL
    name_style: PublishedBoard.NameStyle = PublishedBoard.NameStyle.FULL
    size: int | None = Field(None, ge=1, le=500)
    title: str = Field("", max_length=200)


class PublishedOut(Schema):
    id: int
    title: str
    region_id: int
    period: str
    by: str
    audience: str
    rows: list[BoardRowOut]
    heads: dict[str, list[Any]]
    content_hash: str
    published_at: datetime
    url: str

    @staticmethod
    def resolve_url(obj: PublishedBoard) -> str:
        return obj.get_absolute_url()


class RankOut(Schema):
    period: str
    rank: int | None
    of: int
    points: int


class MeOut(Schema):
    person_id: int
    name: str
    scheme_id: int | None
    balance: int
    earned: int
    spent: int
    base_score: int
    cycle: str
    ranks: list[RankOut]


class GoodsOut(Schema):
    id: int
    scheme_id: int
    name: str
    price: int
    stock: int
    is_active: bool


class GoodsIn(Schema):
    scheme_id: int
    name: str = Field(..., max_length=100)
    price: int = Field(..., ge=1, le=services.PRICE_MAX, description="兑换所需积分")
    stock: int = Field(0, ge=0, le=services.RESTOCK_MAX, description="初始库存")


class GoodsPatchIn(Schema):
    """Fields left out keep their value. Stock is not here: only restocking and redemptions change it."""

    name: str | None = Field(None, max_length=100)
    price: int | None = None


class GoodsActiveIn(Schema):
    is_active: bool


class RestockIn(Schema):
    quantity: int = Field(..., ge=1, le=services.RESTOCK_MAX)


class RedeemIn(Schema):
    person_id: int
    quantity: int = Field(1, ge=1, le=services.REDEEM_MAX)
    request_key: str = Field("", max_length=64)


class RedemptionOut(Schema):
    id: int
    goods_id: int
    person_id: int
    quantity: int
    points: int
    at: datetime


class ShopReportFilter(Schema):
    month: str = Field("", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$", description="如 2026-04；留空为本月")


class ShopReportRowOut(Schema):
    scheme_name: str
    goods_name: str
    times: int
    quantity: int
    points: int


class ShopReportOut(Schema):
    month: str
    month_label: str
    total: int
    rows: list[ShopReportRowOut]


class NominationFilter(Schema):
    top: int | None = Field(
        None, ge=1, le=500, description="前N名（并列者均列入）；留空为规则 nomination_top_n"
    )


class NominationsOut(Schema):
    """A list for people to decide on (评先推荐): nothing is decided or recorded by asking for it."""

    board_id: int
    title: str
    period: str
    published_at: datetime
    top: int
    rows: list[BoardRowOut]
    basis: str
    note: str


class ClaimFilter(Schema):
    state: Claim.State | None = None


class EntryFilter(Schema):
    scheme_id: int | None = None
    period: str = Field("", max_length=7)


@contextmanager
def payload_fields(**renames: str) -> Iterator[None]:
    """Services name the argument a refusal concerns (``region``); the answer names the payload's field
    (``region_id``), so a client can show it beside its input."""
    try:
        yield
    except DomainError as exc:
        exc.field = renames.get(exc.field or "", exc.field)
        raise
