"""The ledger: list, entry with its reason, reversal, Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tongxin.core.errors import DomainError
from tongxin.core.views import user_with
from tongxin.points import access, periods, selectors, services
from tongxin.points.exports import workbook_response
from tongxin.points.forms import ReasonForm


def _filtered(request: HttpRequest) -> tuple[object, dict[str, str]]:
    user = user_with(request, access.VIEW)
    scheme = None
    params = {"scheme": request.GET.get("scheme", ""), "period": request.GET.get("period", "").strip()}
    if params["scheme"].isdigit():
        scheme = selectors.scheme_for(user, int(params["scheme"]))
    try:
        if params["period"]:
            periods.kind_of(params["period"])
    except DomainError as exc:
        messages.error(request, exc.message)
        params["period"] = ""
    return selectors.entries_for(user, scheme=scheme, period=params["period"]), params


@login_required
def ledger_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    qs, params = _filtered(request)
    page: Any = Paginator(qs, 50).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    return render(
        request,
        "points/ledger_list.html",
        {"page": page, "params": params, "schemes": selectors.schemes_for(user)},
    )


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    qs, params = _filtered(request)
    rows = (
        (e.scheme.name, e.seq, e.on, e.person.name, e.item_name, e.points, e.source_label, e.reason,
         e.actor_name, e.created_at.strftime("%Y-%m-%d %H:%M"), e.hash)
        for e in qs.iterator(chunk_size=2000)  # type: ignore[attr-defined]
    )  # fmt: skip
    return workbook_response(
        filename=f"积分流水{params['period']}.xlsx",
        title="积分流水",
        headers=[
            "方案",
            "序号",
            "日期",
            "姓名",
            "项目",
            "分值",
            "来源",
            "事由",
            "记录人",
            "入账时间",
            "哈希",
        ],
        rows=rows,
    )


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.VIEW)
    entry = selectors.entry_for(user, pk)
    can_reverse = (
        entry.source != "reversal"
        and selectors.entries_for(user).filter(pk=pk).exists()
        and (user.has_perm_anywhere(access.MANAGE) and access.may(user, access.MANAGE, entry.region_path))
    )
    return render(
        request,
        "points/entry_detail.html",
        {"entry": entry, "why": selectors.explain(entry), "can_reverse": can_reverse, "form": ReasonForm()},
    )


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.MANAGE)
    entry = selectors.entry_for(user, pk, access.MANAGE)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        reversal = services.reverse_entry(actor=user, entry=entry, reason=reason)
    except DomainError as exc:
        messages.error(request, f"理由：{exc.message}" if exc.field == "reason" else exc.message)
        return redirect("points:entry_detail", pk=pk)
    messages.success(request, f"已冲正，冲正流水第{reversal.seq}条。")
    return redirect("points:entry_detail", pk=reversal.pk)
