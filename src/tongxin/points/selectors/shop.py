"""Reads of the points shop: goods, redemptions and the monthly report."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum

from tongxin.accounts.models import User
from tongxin.core.scoping import get_scoped_or_404, scoped
from tongxin.points import access, periods
from tongxin.points.models import Goods, Redemption


def goods_for(user: User, perm: str = access.SHOP) -> QuerySet[Goods]:
    return scoped(Goods.objects.select_related("scheme"), user, perm).order_by("scheme", "name")


def goods_item_for(user: User, pk: int, perm: str = access.SHOP) -> Goods:
    return get_scoped_or_404(Goods.objects.select_related("scheme"), user, perm, pk=pk)


def redemptions_for(user: User, *, month: str = "") -> QuerySet[Redemption]:
    qs = Redemption.objects.none()
    for perm in (access.SHOP, access.VIEW):
        qs = qs | scoped(Redemption.objects.all(), user, perm)
    qs = qs.select_related("goods", "person", "actor").distinct()
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("-at", "-id")


def shop_report(user: User, *, month: str) -> list[dict[str, Any]]:
    """The monthly shop report: per goods, how many were redeemed for how many points."""
    periods.kind_of(month)
    rows: Any = (
        redemptions_for(user, month=month)
        .values("goods__name", "goods__scheme__name")
        .annotate(quantity=Sum("quantity"), points=Sum("points"), times=Count("id"))
        .order_by("goods__scheme__name", "goods__name")
    )
    return [dict(r) for r in rows]


def goods_kept_or_managed(user: User) -> QuerySet[Goods]:
    """Goods in the union of the user's shop-keeping and managing scopes, off the shelf too."""
    kept = goods_for(user, access.SHOP)
    managed = goods_for(user, access.MANAGE)
    return (kept | managed).select_related("scheme").order_by("scheme", "name")


def goods_item_kept_or_managed(user: User, pk: int) -> Goods:
    """One goods row the user keeps the shop of or manages; else ``Http404``, the refusal recorded as
    for any scoped lookup (the last lookup below raises it)."""
    goods = goods_for(user, access.SHOP).filter(pk=pk).first()
    return goods or goods_item_for(user, pk, access.MANAGE)
