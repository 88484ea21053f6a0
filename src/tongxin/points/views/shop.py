"""积分超市: goods, redemption for a villager, monthly report."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.core.errors import DomainError
from tongxin.points import access, periods, selectors, services
from tongxin.points.exports import workbook_response
from tongxin.points.forms import GoodsForm, RedeemForm
from tongxin.points.ledger import cycle_of, version_on
from tongxin.points.views.common import show_error, user_with


@login_required
def shop(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.SHOP, access.MANAGE)
    perm = access.SHOP if user.has_perm_anywhere(access.SHOP) else access.MANAGE
    return render(
        request,
        "points/shop.html",
        {
            "goods": selectors.goods_for(user, perm),
            "recent": selectors.redemptions_for(user)[:20],
            "can_manage": user.has_perm_anywhere(access.MANAGE),
            "can_redeem": user.has_perm_anywhere(access.SHOP),
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
            show_error(form, exc)
        else:
            messages.success(request, f"已上架“{d['name']}”。")
            return redirect("points:shop")
    return render(request, "points/goods_form.html", {"form": form})


@login_required
def goods_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.SHOP)
    goods = selectors.goods_item_for(user, pk)
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
            show_error(form, exc)
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
@require_POST
def goods_restock(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.SHOP, access.MANAGE)
    perm = access.SHOP if user.has_perm_anywhere(access.SHOP) else access.MANAGE
    goods = selectors.goods_item_for(user, pk, perm)
    raw = request.POST.get("quantity", "")
    try:
        services.restock_goods(actor=user, goods=goods, quantity=int(raw) if raw.isdigit() else 0)
    except DomainError as exc:
        messages.error(request, f"入库数量：{exc.message}")
    else:
        messages.success(request, f"“{goods.name}”已入库。")
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
