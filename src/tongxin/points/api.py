"""The points API (/api/v1/points/...): the same selectors and services as the pages."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access, items_xlsx, periods, selectors, services
from tongxin.points.ledger import version_on
from tongxin.points.models import (
    Claim,
    Goods,
    LedgerEntry,
    Objection,
    PointItem,
    PublishedBoard,
    Redemption,
    Scheme,
    SchemeVersion,
)
from tongxin.points.views.common import goods_item_kept_or_managed, goods_kept_or_managed, user_with

router = Router(tags=["党群积分"])


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
def _payload_fields(**renames: str) -> Iterator[None]:
    """Services name the argument a refusal concerns (``region``); the answer names the payload's field
    (``region_id``), so a client can show it beside its input."""
    try:
        yield
    except DomainError as exc:
        exc.field = renames.get(exc.field or "", exc.field)
        raise


# --- schemes --------------------------------------------------------------------------------------


def _scheme_detail(scheme: Scheme) -> dict[str, Any]:
    v = version_on(scheme, timezone.localdate())
    return {
        **{f: getattr(scheme, f) for f in ("id", "name", "region_id", "is_sample", "is_active", "chain_seq", "chain_head")},
        "version": v.number, "effective_from": v.effective_from, "base_score": v.base_score, "reset": v.reset,
        "accrual": v.accrual, "notice_workdays": v.notice_workdays, "items": list(v.items.all()),
    }  # fmt: skip


@router.get("/schemes", response=list[SchemeOut], summary="积分方案列表")
@paginate(Pagination)
def list_schemes(request: HttpRequest) -> Any:
    return selectors.schemes_for(actor(request))


@router.get(
    "/schemes/{int:scheme_id}", response={200: SchemeDetailOut, **ERRORS}, summary="积分方案（现行版本）"
)
def get_scheme(request: HttpRequest, scheme_id: int) -> dict[str, Any]:
    return _scheme_detail(selectors.scheme_for(actor(request), scheme_id))


@router.post("/schemes", response={201: SchemeDetailOut, **ERRORS}, summary="新建积分方案（含首版积分项目）")
def create_scheme(request: HttpRequest, payload: SchemeIn) -> Status:
    """For a manager (`points.manage`) of the region; a region outside that scope is 404. A region has one
    active scheme, so a retried request is refused (400, `field` = `region_id`) once the first succeeded."""
    user = actor(request)
    region = selectors.region_for(user, payload.region_id, access.MANAGE)
    with _payload_fields(region="region_id"):
        scheme = services.create_scheme(
            actor=user, region=region, name=payload.name, items=[i.spec() for i in payload.items],
            effective_from=payload.effective_from or timezone.localdate(), base_score=payload.base_score,
            reset=payload.reset.value, accrual=payload.accrual.value, notice_workdays=payload.notice_workdays,
            is_sample=payload.is_sample,
        )  # fmt: skip
    return Status(201, _scheme_detail(scheme))


@router.post(
    "/schemes/{int:scheme_id}/versions",
    response={201: SchemeVersionOut, **ERRORS},
    summary="发布积分方案新版本（此前的积分流水不变）",
)
def add_scheme_version(request: HttpRequest, scheme_id: int, payload: SchemeVersionIn) -> Status:
    """For a manager (`points.manage`) of the scheme's region; outside that scope 404. Settings left out
    keep those of the version in force today; `items` is the new version's whole list. A version whose
    rules are those of the latest version is refused (400, `field` = `items`), so a retried request does
    not publish a second version; there is no idempotency key."""
    user = actor(request)
    scheme = selectors.scheme_for(user, scheme_id, access.MANAGE)
    current = version_on(scheme, timezone.localdate())
    version = services.add_scheme_version(
        actor=user, scheme=scheme, effective_from=payload.effective_from or timezone.localdate(),
        items=[i.spec() for i in payload.items],
        base_score=current.base_score if payload.base_score is None else payload.base_score,
        reset=current.reset if payload.reset is None else payload.reset.value,
        accrual=current.accrual if payload.accrual is None else payload.accrual.value,
        notice_workdays=current.notice_workdays if payload.notice_workdays is None else payload.notice_workdays,
        note=payload.note,
    )  # fmt: skip
    return Status(201, version)


@router.get(
    "/schemes/{int:scheme_id}/items.xlsx",
    response={200: None, **ERRORS},
    summary="积分方案现行版本的积分项目（Excel，可改后在页面上传为新版本）",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 工作簿",
                "content": {items_xlsx.XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_scheme_items_xlsx(request: HttpRequest, scheme_id: int) -> HttpResponse:
    scheme = selectors.scheme_for(actor(request), scheme_id)
    v = version_on(scheme, timezone.localdate())
    response = HttpResponse(items_xlsx.workbook_for(v.items.all()), content_type=items_xlsx.XLSX)
    response["Content-Disposition"] = f'attachment; filename="scheme-{scheme.pk}-v{v.number}-items.xlsx"'
    return response


# --- claims ---------------------------------------------------------------------------------------


@router.get("/claims", response=list[ClaimOut], summary="积分申报列表")
@paginate(Pagination)
def list_claims(request: HttpRequest, filters: Query[ClaimFilter]) -> Any:
    return selectors.claims_for(actor(request), state=filters.state.value if filters.state else "")


@router.get("/claims/{int:claim_id}", response={200: ClaimDetailOut, **ERRORS}, summary="积分申报详情")
def get_claim(request: HttpRequest, claim_id: int) -> Any:
    return selectors.claim_for(actor(request), claim_id)


@router.post("/claims", response={201: ClaimDetailOut, **ERRORS}, summary="登记积分申报（一人或多人）")
def create_claim(request: HttpRequest, payload: ClaimIn) -> Status:
    user = actor(request)
    scheme = selectors.schemes_for(user, access.RECORD).filter(pk=payload.scheme_id).first()
    if scheme is None:
        raise DomainError("积分方案不存在或不在您的登记范围内。", field="scheme_id")
    people = list(selectors.people_for(user, scheme).filter(pk__in=payload.person_ids))
    missing = sorted(set(payload.person_ids) - {p.pk for p in people})
    if missing:
        raise DomainError(f"以下人员不存在或不在本方案范围内：{missing}。", field="person_ids")
    claim = services.record_claim(
        actor=user, scheme=scheme, item_code=payload.item_code, occurred_on=payload.occurred_on,
        title=payload.title, people=people, idempotency_key=payload.idempotency_key,
    )  # fmt: skip
    return Status(201, claim)


@router.post(
    "/claims/{int:claim_id}/approve", response={200: ClaimDetailOut, **ERRORS}, summary="审核通过并公示"
)
def approve(request: HttpRequest, claim_id: int, payload: ReviewIn) -> Any:
    claim = selectors.claim_for(actor(request), claim_id, access.REVIEW)
    return services.approve_claim(actor=actor(request), claim=claim, note=payload.note)


@router.post("/claims/{int:claim_id}/reject", response={200: ClaimDetailOut, **ERRORS}, summary="驳回")
def reject(request: HttpRequest, claim_id: int, payload: ReasonIn) -> Any:
    claim = selectors.claim_for(actor(request), claim_id, access.REVIEW)
    return services.reject_claim(actor=actor(request), claim=claim, reason=payload.reason)


@router.post(
    "/lines/{int:line_id}/objections", response={201: ObjectionOut, **ERRORS}, summary="对公示提出异议"
)
def object_to(request: HttpRequest, line_id: int, payload: ReasonIn) -> Status:
    line = selectors.notice_line_for(actor(request), line_id)
    return Status(201, services.raise_objection(actor=actor(request), line=line, reason=payload.reason))


@router.post(
    "/objections/{int:objection_id}/decide", response={200: ObjectionOut, **ERRORS}, summary="处理异议"
)
def decide(request: HttpRequest, objection_id: int, payload: DecisionIn) -> Objection:
    objection = selectors.objection_for(actor(request), objection_id)
    return services.decide_objection(
        actor=actor(request), objection=objection, uphold=payload.uphold, reason=payload.reason
    )


# --- ledger -----------------------------------------------------------------------------------------


@router.get("/entries", response={200: list[EntryOut], **ERRORS}, summary="积分流水")
@paginate(Pagination)
def list_entries(request: HttpRequest, filters: Query[EntryFilter]) -> Any:
    user = actor(request)
    scheme = selectors.scheme_for(user, filters.scheme_id) if filters.scheme_id else None
    if filters.period:
        periods.kind_of(filters.period)
    return selectors.entries_for(user, scheme=scheme, period=filters.period)


@router.post("/entries/{int:entry_id}/reverse", response={201: EntryOut, **ERRORS}, summary="冲正一条流水")
def reverse(request: HttpRequest, entry_id: int, payload: ReasonIn) -> Status:
    entry = selectors.entry_for(actor(request), entry_id, access.MANAGE)
    reversal: LedgerEntry = services.reverse_entry(actor=actor(request), entry=entry, reason=payload.reason)
    return Status(201, reversal)


# --- boards -----------------------------------------------------------------------------------------


@router.get("/board", response={200: list[BoardRowOut], **ERRORS}, summary="积分榜（实时）")
def live_board(request: HttpRequest, filters: Query[BoardFilter]) -> Any:
    region = selectors.region_for(actor(request), filters.region_id)
    return selectors.board_rows(
        region=region,
        period=filters.period,
        by=filters.by.value,
        audience=filters.audience.value,
        size=filters.size,
    )


@router.get("/boards", response=list[PublishedOut], summary="已发布的积分榜")
@paginate(Pagination)
def list_published(request: HttpRequest) -> Any:
    return selectors.boards_for(actor(request))


@router.post("/boards", response={201: PublishedOut, **ERRORS}, summary="发布积分榜")
def publish(request: HttpRequest, payload: PublishIn) -> Status:
    user = actor(request)
    region = selectors.regions_for(user, access.MANAGE).filter(pk=payload.region_id).first()
    if region is None:
        raise DomainError("区划不存在或不在您的积分管理范围内。", field="region_id")
    board = services.publish_board(
        actor=user, region=region, period=payload.period, by=payload.by.value, audience=payload.audience.value,
        name_style=payload.name_style.value, size=payload.size, title=payload.title,
    )  # fmt: skip
    return Status(201, board)


@router.get(
    "/boards/{int:board_id}/nominations",
    response={200: NominationsOut, **ERRORS},
    summary="评先推荐名单（已发布积分榜的前N名，供研究决定）",
)
def get_nominations(request: HttpRequest, board_id: int, filters: Query[NominationFilter]) -> dict[str, Any]:
    """The list the published-boards page exports to Excel, for anyone who may see the board. A list for
    the village committee and representatives to decide on: asking for it decides and records nothing."""
    board = selectors.board_for(actor(request), board_id)
    listed = selectors.nominations(board, filters.top)
    return {
        "board_id": board.pk, "title": board.title, "period": board.period, "published_at": board.published_at,
        "top": listed.top, "rows": listed.rows, "basis": listed.basis, "note": listed.note,
    }  # fmt: skip


# --- me and the shop ------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **ERRORS}, summary="我的积分")
def me(request: HttpRequest) -> Any:
    mine = selectors.my_points(user=actor(request), today=timezone.localdate())
    if mine is None:
        raise DomainError("您的账号尚未关联村民信息。", field="person", code="not_linked")
    return {
        "person_id": mine.person.pk, "name": mine.person.name, "scheme_id": mine.scheme.pk if mine.scheme else None,
        "balance": mine.balance, "earned": mine.earned, "spent": mine.spent, "base_score": mine.base_score,
        "cycle": mine.cycle,
        "ranks": [{"period": p, "rank": r.rank, "of": r.of, "points": r.points} for p, r in mine.ranks.items()],
    }  # fmt: skip


@router.get("/goods", response=list[GoodsOut], summary="积分超市商品")
@paginate(Pagination)
def list_goods(request: HttpRequest) -> Any:
    """The goods of the shops the user keeps and of the schemes they manage, off the shelf too."""
    return goods_kept_or_managed(actor(request))


@router.post("/goods", response={201: GoodsOut, **ERRORS}, summary="上架新商品")
def create_goods(request: HttpRequest, payload: GoodsIn) -> Status:
    """On the shop of a scheme the user manages (`points.manage`); another scheme is 404."""
    user = actor(request)
    scheme = selectors.scheme_for(user, payload.scheme_id, access.MANAGE)
    with _payload_fields(scheme="scheme_id"):
        goods = services.create_goods(
            actor=user, scheme=scheme, name=payload.name, price=payload.price, stock=payload.stock
        )
    return Status(201, goods)


@router.patch("/goods/{int:goods_id}", response={200: GoodsOut, **ERRORS}, summary="修改商品名称或兑换积分")
def update_goods(request: HttpRequest, goods_id: int, payload: GoodsPatchIn) -> Goods:
    user = actor(request)
    goods: Goods = selectors.goods_item_for(user, goods_id, access.MANAGE)
    return services.update_goods(
        actor=user,
        goods=goods,
        name=goods.name if payload.name is None else payload.name,
        price=goods.price if payload.price is None else payload.price,
    )


@router.post("/goods/{int:goods_id}/active", response={200: GoodsOut, **ERRORS}, summary="商品上架或下架")
def set_goods_active(request: HttpRequest, goods_id: int, payload: GoodsActiveIn) -> Goods:
    user = actor(request)
    goods: Goods = selectors.goods_item_for(user, goods_id, access.MANAGE)
    return services.set_goods_active(actor=user, goods=goods, active=payload.is_active)


@router.post("/goods/{int:goods_id}/restock", response={200: GoodsOut, **ERRORS}, summary="商品入库")
def restock_goods(request: HttpRequest, goods_id: int, payload: RestockIn) -> Goods:
    """By a shop keeper or a manager of the goods' region, as on the shop page."""
    user = actor(request)
    goods = goods_item_kept_or_managed(user, goods_id)
    return services.restock_goods(actor=user, goods=goods, quantity=payload.quantity)


@router.post(
    "/goods/{int:goods_id}/redeem", response={201: RedemptionOut, **ERRORS}, summary="为村民兑换商品"
)
def redeem(request: HttpRequest, goods_id: int, payload: RedeemIn) -> Status:
    user = actor(request)
    goods: Goods = selectors.goods_item_for(user, goods_id)
    person: Person | None = (
        selectors.people_for(user, goods.scheme, access.SHOP).filter(pk=payload.person_id).first()
    )
    if person is None:
        raise DomainError("该村民不存在或不在本积分超市的服务范围内。", field="person_id")
    r: Redemption = services.redeem(
        actor=user, goods=goods, person=person, quantity=payload.quantity, request_key=payload.request_key
    )
    return Status(201, r)


@router.get("/shop/report", response={200: ShopReportOut, **ERRORS}, summary="积分超市月报")
def get_shop_report(request: HttpRequest, filters: Query[ShopReportFilter]) -> dict[str, Any]:
    """Per goods, how many were redeemed for how many points in the month: the shop report page as JSON,
    for shop keepers, managers and staff with `points.view` (others 404), over the shops in their scope."""
    user = user_with(request, access.SHOP, access.MANAGE, access.VIEW)
    month = filters.month or periods.month_of(timezone.localdate())
    rows = selectors.shop_report(user, month=month)
    return {
        "month": month,
        "month_label": periods.label(month),
        "total": sum(r["points"] for r in rows),
        "rows": [
            {"scheme_name": r["goods__scheme__name"], "goods_name": r["goods__name"], "times": r["times"],
             "quantity": r["quantity"], "points": r["points"]}
            for r in rows
        ],
    }  # fmt: skip
