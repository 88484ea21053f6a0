"""The points API (/api/v1/points/...): the same selectors and services as the pages."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access, items_xlsx, periods, selectors, services
from tongxin.points.models import Claim, Goods, LedgerEntry, Objection, PublishedBoard, Redemption
from tongxin.points.views.common import goods_item_kept_or_managed, goods_kept_or_managed

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


class ClaimFilter(Schema):
    state: Claim.State | None = None


class EntryFilter(Schema):
    scheme_id: int | None = None
    period: str = Field("", max_length=7)


# --- schemes --------------------------------------------------------------------------------------


@router.get("/schemes", response=list[SchemeOut], summary="积分方案列表")
@paginate(Pagination)
def list_schemes(request: HttpRequest) -> Any:
    return selectors.schemes_for(actor(request))


@router.get(
    "/schemes/{int:scheme_id}", response={200: SchemeDetailOut, **ERRORS}, summary="积分方案（现行版本）"
)
def get_scheme(request: HttpRequest, scheme_id: int) -> dict[str, Any]:
    from django.utils import timezone

    from tongxin.points.ledger import version_on

    scheme = selectors.scheme_for(actor(request), scheme_id)
    v = version_on(scheme, timezone.localdate())
    return {
        **{f: getattr(scheme, f) for f in ("id", "name", "region_id", "is_sample", "is_active", "chain_seq", "chain_head")},
        "version": v.number, "effective_from": v.effective_from, "base_score": v.base_score, "reset": v.reset,
        "accrual": v.accrual, "notice_workdays": v.notice_workdays, "items": list(v.items.all()),
    }  # fmt: skip


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
    from django.utils import timezone

    from tongxin.points.ledger import version_on

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


# --- me and the shop ------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **ERRORS}, summary="我的积分")
def me(request: HttpRequest) -> Any:
    from django.utils import timezone

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
