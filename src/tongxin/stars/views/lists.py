"""Lists (五星/四星/三星/三星以下/软弱涣散), pairings, and the county view 抓两头带中间 — each list
also as an Excel file (``?format=xlsx``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, int_param, user_with
from tongxin.stars import selectors, services
from tongxin.stars.forms import PairingForm, ReasonForm, WeakForm
from tongxin.stars.models import RectificationTask
from tongxin.stars.selectors import APPROVE, LEVEL_LABELS, LIST_KINDS, MANAGE, SUPERVISE, VIEW
from tongxin.stars.views.params import list_download, year_param


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    user = user_with(request, VIEW)
    year = year_param(request)
    kind = request.GET.get("kind", "five")
    if kind not in LIST_KINDS:
        kind = "five"
    township = int_param(request, "township")
    xlsx = request.GET.get("format") == "xlsx"
    if kind == "weak":
        weak_qs = selectors.weak_list(user, year=year, township=township)
        if xlsx:
            return list_download(
                f"{year}年软弱涣散党组织.xlsx",
                "软弱涣散",
                ["乡镇（街道）", "村（社区）", "党组织", "原因", "整顿方案", "状态", "列入时间", "摘帽理由"],
                (
                    (w.township.name, w.region.name, w.org.name, w.reason, w.plan, w.get_state_display(),
                     w.listed_at.strftime("%Y-%m-%d"), w.lift_reason)
                    for w in weak_qs.iterator(chunk_size=2000)
                ),
            )  # fmt: skip
        page: Any = Paginator(weak_qs, 50).get_page(request.GET.get("page"))
    else:
        level_qs = selectors.level_list(user, year=year, level=kind, township=township)
        if xlsx:
            return list_download(
                f"{year}年{LIST_KINDS[kind]}党组织.xlsx",
                LIST_KINDS[kind],
                ["乡镇（街道）", "村（社区）", "党组织", "星级", "星数", "获得的星", "目标星级"],
                (
                    (c.township.name, c.region.name, c.org.name, LEVEL_LABELS.get(c.current_level, ""),
                     c.current_count, "、".join(c.current_stars), c.target_stars)
                    for c in level_qs.iterator(chunk_size=2000)
                ),
            )  # fmt: skip
        page = Paginator(level_qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "stars/lists.html",
        {
            "year": year,
            "kind": kind,
            "kinds": LIST_KINDS,
            "page": page,
            "township": township,
            "townships": selectors.townships_for(user),
            "query": f"kind={kind}&year={year}" + (f"&township={township}" if township else ""),
        },
    )


@login_required
def weak(request: HttpRequest) -> HttpResponse:
    """The weak branches with their plans, and the strong–weak pairings; the county adds to both."""
    user = user_with(request, VIEW)
    year = year_param(request)
    can_manage = user.has_perm_anywhere(MANAGE)
    orgs = selectors.branches_for(user, MANAGE) if can_manage else selectors.branches_for(user).none()
    weak_form = WeakForm(request.POST or None, orgs=orgs, prefix="weak")
    pairing_form = PairingForm(request.POST or None, orgs=orgs, prefix="pair")
    if request.GET.get("format") == "xlsx":
        return list_download(
            f"{year}年结对共建.xlsx",
            "结对共建",
            ["先进村党组织", "后进村党组织", "帮扶内容", "结对时间"],
            (
                (p.strong.name, p.weak.name, p.note, p.created_at.strftime("%Y-%m-%d"))
                for p in selectors.pairings(user, year=year).iterator(chunk_size=2000)
            ),
        )
    if request.method == "POST":
        user_with(request, MANAGE)
        form_name = request.POST.get("form")
        try:
            if form_name == "weak" and weak_form.is_valid():
                services.list_weak_branch(actor=user, year=year, **weak_form.cleaned_data)
                messages.success(request, "已列入软弱涣散党组织名单。")
                return redirect(f"{request.path}?year={year}")
            if form_name == "pair" and pairing_form.is_valid():
                services.pair_branches(actor=user, year=year, **pairing_form.cleaned_data)
                messages.success(request, "已结对。")
                return redirect(f"{request.path}?year={year}")
        except DomainError as exc:
            form_error(weak_form if form_name == "weak" else pairing_form, exc)
    return render(
        request,
        "stars/weak.html",
        {
            "year": year,
            "weak": selectors.weak_list(user, year=year)[:500],
            "pairings": selectors.pairings(user, year=year)[:500],
            "can_manage": can_manage,
            "weak_form": weak_form,
            "pairing_form": pairing_form,
            "lift_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def weak_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, MANAGE)
    item = selectors.weak_for(user, pk, MANAGE)
    try:
        services.lift_weak_branch(actor=user, weak=item, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{item.org.name}已摘帽。")
    return redirect(f"/stars/weak/?year={item.year}")


@login_required
@require_POST
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, MANAGE)
    pairing = selectors.pairing_for(user, pk)
    try:
        services.end_pairing(actor=user, pairing=pairing)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"/stars/weak/?year={pairing.year}")


@login_required
def county(request: HttpRequest) -> HttpResponse:
    """抓两头带中间: levels by township, weak branches, rectification by state, overdue, on time."""
    user = user_with(request, VIEW)
    if not (user.has_perm_anywhere(APPROVE) or user.has_perm_anywhere(SUPERVISE)):
        raise Http404("未找到该页面，或您无权查看。")
    year = year_param(request)
    view = selectors.county_view(user, year=year)
    if request.GET.get("format") == "xlsx":
        return list_download(
            f"{year}年五星支部创建县级总览.xlsx",
            "抓两头带中间",
            [view.by, "分包县级领导", "五星", "四星", "三星", "三星以下", "未评定", "软弱涣散",
             "整改中", "待核验", "退回重改", "已销号", "超期", "按期完成率%"],
            (
                (r.township.name, "、".join(view.assignments.get(r.township.pk, [])), r.levels.get("five", 0),
                 r.levels.get("four", 0), r.levels.get("three", 0), r.levels.get("below", 0),
                 r.levels.get("none", 0), r.weak, r.tasks.get("open", 0), r.tasks.get("reported", 0),
                 r.tasks.get("returned", 0), r.tasks.get("verified", 0), r.overdue, r.on_time_rate)
                for r in view.rows
            ),
        )  # fmt: skip
    names = [r.township.name for r in view.rows]
    chart = {
        "townships": names,
        "by": view.by,
        "levels": {
            code: [r.levels.get(code, 0) for r in view.rows]
            for code in ("five", "four", "three", "below", "none")
        },
        "weak": [r.weak for r in view.rows],
        "task_states": [
            {"name": label, "value": view.task_states.get(code, 0)}
            for code, label in RectificationTask.State.choices
        ],
        "overdue": [r.overdue for r in view.rows],
        "on_time": [r.on_time_rate for r in view.rows],
    }
    return render(
        request,
        "stars/county.html",
        {
            "year": year,
            "view": view,
            "chart": chart,
            "task_labels": dict(RectificationTask.State.choices),
            "can_view": user.has_perm_anywhere(VIEW),
        },
    )
