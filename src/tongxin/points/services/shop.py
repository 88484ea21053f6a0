"""The points shop: goods on the shelf, stock, and redemptions paid from the spendable balance."""

from __future__ import annotations

from datetime import date

from django.db.models import F
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access, periods
from tongxin.points.ledger import cycle_of, version_on
from tongxin.points.models import Goods, Redemption, Scheme, Wallet

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
def create_goods(*, actor: User, scheme: Scheme, name: str, price: int, stock: int) -> Goods:
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
def update_goods(*, actor: User, goods: Goods, name: str, price: int) -> Goods:
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
def set_goods_active(*, actor: User, goods: Goods, active: bool) -> Goods:
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
def restock_goods(*, actor: User, goods: Goods, quantity: int) -> Goods:
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
    actor: User,
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
    today = today or timezone.localdate()
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
