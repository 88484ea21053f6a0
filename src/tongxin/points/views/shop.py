"""积分超市: goods, redemption for a villager, monthly report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.accounts.models import User
from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, user_with
from tongxin.points import access, periods, selectors, services
from tongxin.points.exports import workbook_response
from tongxin.points.forms import GoodsEditForm, GoodsForm, RedeemForm, whole_number
from tongxin.points.ledger import cycle_of, version_on
from tongxin.points.models import Goods


@dataclass(frozen=True)
class ShelfRow:
    goods: Goods
    can_manage: bool  # edit, 上架/下架
    can_redeem: bool
    can_restock: bool


def shelf(user: User) -> list[ShelfRow]:
    """The goods on the shop page and what the user may do with each. A manager sees every goods of
    their scope, those off the shelf too (greyed, so they can be put back); a shop keeper sees only
    goods on the shelf. ``selectors.goods_for`` lists inactive goods as well, hence the filter here."""
    managed = selectors.goods_for(user, access.MANAGE)
    kept = selectors.goods_for(user, access.SHOP).filter(is_active=True)
    rows = []
    for g in (managed | kept).select_related("scheme").order_by("scheme", "name"):
        manage = access.may(user, access.MANAGE, g.region_path)
        keep = access.may(user, access.SHOP, g.region_path)
        rows.append(
            ShelfRow(g, can_manage=manage, can_redeem=keep and g.is_active, can_restock=manage or keep)
        )
    return rows


@login_required
def shop(request: HttpRequest) -> HttpResponse:
    user = user_with(request, *access.SHOP_OR_MANAGE)
    return render(
        request,
        "points/shop.html",
        {
            "shelf": shelf(user),
            "recent": selectors.redemptions_for(user)[:20],
            "can_manage": user.has_perm_anywhere(access.MANAGE),
            "month": periods.month_of(timezone.localdate()),
        },
    )


@login_required
def goods_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.MANAGE)
    form = GoodsForm(
        request.POST or None, schemes=selectors.schemes_for(user, access.MANAGE).filter(is_active=True)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.create_goods(
                actor=user, scheme=d["scheme"], name=d["name"], price=d["price"], stock=d["stock"]
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已上架“{d['name']}”。")
            return redirect("points:shop")
    return render(request, "points/goods_form.html", {"form": form})


@login_required
def goods_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.SHOP)
    goods = selectors.goods_item_for(user, pk)
    if not goods.is_active:
        messages.error(request, f"“{goods.name}”已下架，不能兑换。")
        return redirect("points:shop")
    people = selectors.people_for(user, goods.scheme, access.SHOP)
    form = RedeemForm(request.POST or None, people=people, initial={"request_key": uuid.uuid4().hex})
    today = timezone.localdate()
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            r = services.redeem(
                actor=user,
                goods=goods,
                person=d["person"],
                quantity=d["quantity"],
                request_key=d["request_key"] or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"{r.person.name} 兑换“{goods.name}”×{r.quantity}，消耗{r.points}分。")
            return redirect("points:shop")
    cycle = cycle_of(version_on(goods.scheme, today), today)
    person_id = request.GET.get("person", "")
    wallet = None
    if person_id.isdigit():
        person = people.filter(pk=int(person_id)).first()
        wallet = selectors.wallet_of(person, goods.scheme, cycle) if person else None
    return render(
        request, "points/redeem.html", {"form": form, "goods": goods, "wallet": wallet, "cycle": cycle}
    )


@login_required
def goods_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the name or price (managers). Stock is not on this form: only restock and redemption
    change it."""
    user = user_with(request, access.MANAGE)
    goods = selectors.goods_item_for(user, pk, access.MANAGE)
    form = GoodsEditForm(request.POST or None, initial={"name": goods.name, "price": goods.price})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_goods(actor=user, goods=goods, name=d["name"], price=d["price"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已保存“{d['name']}”：{d['price']}分。")
            return redirect("points:shop")
    return render(request, "points/goods_form.html", {"form": form, "goods": goods, "title": "编辑商品"})


@login_required
@require_POST
def goods_active(request: HttpRequest, pk: int) -> HttpResponse:
    """上架 (``active=1``) or 下架 (``active=0``). The wanted state is sent, not "toggle", so a double
    submission leaves the goods as the manager asked."""
    user = user_with(request, access.MANAGE)
    goods = selectors.goods_item_for(user, pk, access.MANAGE)
    raw = request.POST.get("active", "")
    if raw not in ("0", "1"):
        messages.error(request, "上架状态：请选择上架或下架。")
        return redirect("points:shop")
    active = raw == "1"
    label = "上架" if active else "下架"
    was = goods.is_active
    try:
        services.set_goods_active(actor=user, goods=goods, active=active)
    except DomainError as exc:
        messages.error(request, f"上架状态：{exc.message}")
    else:
        messages.success(request, f"“{goods.name}”{'已' if was != active else '本已'}{label}。")
    return redirect("points:shop")


@login_required
@require_POST
def goods_restock(request: HttpRequest, pk: int) -> HttpResponse:
    """入库, by a shop keeper or a manager of the goods' region: someone who keeps one village's shop and
    manages another may restock the goods of both. The service's messages name the field."""
    user = user_with(request, *access.SHOP_OR_MANAGE)
    goods = selectors.goods_item_kept_or_managed(user, pk)
    quantity = whole_number(request.POST.get("quantity", ""))
    try:
        services.restock_goods(actor=user, goods=goods, quantity=0 if quantity is None else quantity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{goods.name}”已入库{quantity}件，现有库存{goods.stock}件。")
    return redirect("points:shop")


def _month(request: HttpRequest) -> str:
    month = request.GET.get("month", "").strip() or periods.month_of(timezone.localdate())
    try:
        if periods.kind_of(month) != "month":
            raise DomainError("月份格式应为 2026-04。", field="month")
    except DomainError as exc:
        messages.error(request, f"月份：{exc.message}")
        month = periods.month_of(timezone.localdate())
    return month


@login_required
def shop_report(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.SHOP, access.MANAGE, access.VIEW)
    month = _month(request)
    rows = selectors.shop_report(user, month=month)
    return render(
        request,
        "points/shop_report.html",
        {
            "rows": rows,
            "month": month,
            "month_label": periods.label(month),
            "total": sum(r["points"] for r in rows),
            "months": periods.recent(timezone.localdate(), "month", 12),
        },
    )


@login_required
def shop_report_export(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.SHOP, access.MANAGE, access.VIEW)
    month = _month(request)
    rows = selectors.shop_report(user, month=month)
    return workbook_response(
        filename=f"积分超市月报{month}.xlsx",
        title=f"积分超市月报 {periods.label(month)}",
        headers=["方案", "商品", "兑换次数", "数量", "消耗积分"],
        rows=(
            (r["goods__scheme__name"], r["goods__name"], r["times"], r["quantity"], r["points"]) for r in rows
        ),
    )
