"""The points API: the points shop."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.core.views import user_with
from tongxin.orgs.models import Person
from tongxin.points import access, periods, selectors, services
from tongxin.points.api.router import router
from tongxin.points.api.schemas import (
    GoodsActiveIn,
    GoodsIn,
    GoodsOut,
    GoodsPatchIn,
    RedeemIn,
    RedemptionOut,
    RestockIn,
    ShopReportFilter,
    ShopReportOut,
    payload_fields,
)
from tongxin.points.models import (
    Goods,
    Redemption,
)


@router.get("/goods", response=list[GoodsOut], summary="积分超市商品")
@paginate(Pagination)
def list_goods(request: HttpRequest) -> Any:
    """The goods of the shops the user keeps and of the schemes they manage, off the shelf too."""
    return selectors.goods_kept_or_managed(actor(request))


@router.post("/goods", response={201: GoodsOut, **ERRORS}, summary="上架新商品")
def create_goods(request: HttpRequest, payload: GoodsIn) -> Status:
    """On the shop of a scheme the user manages (`points.manage`); another scheme is 404."""
    user = actor(request)
    scheme = selectors.scheme_for(user, payload.scheme_id, access.MANAGE)
    with payload_fields(scheme="scheme_id"):
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
    goods = selectors.goods_item_kept_or_managed(user, goods_id)
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
