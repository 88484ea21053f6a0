"""Schemes and their versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tongxin.core import rules
from tongxin.core.errors import DomainError
from tongxin.core.views import file_response, form_error, user_with
from tongxin.points import access, items_xlsx, selectors, services
from tongxin.points.forms import SchemeForm, VersionForm, items_text
from tongxin.points.ledger import version_on


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    return render(
        request,
        "points/scheme_list.html",
        {"schemes": selectors.schemes_for(user), "can_manage": user.has_perm_anywhere(access.MANAGE)},
    )


@login_required
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.VIEW)
    scheme = selectors.scheme_for(user, pk)
    today = timezone.localdate()
    current = version_on(scheme, today)
    return render(
        request,
        "points/scheme_detail.html",
        {
            "scheme": scheme,
            "current": current,
            "items": current.items.all(),
            "versions": scheme.versions.prefetch_related("items").order_by("-number"),
            "can_manage": selectors.schemes_for(user, access.MANAGE).filter(pk=scheme.pk).exists(),
            "notice_rule": rules.in_force("points_defaults", today)["notice_workdays"],
        },
    )


@login_required
def scheme_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.MANAGE)
    regions = selectors.regions_for(user, access.MANAGE).filter(kind__in=services.SCHEME_REGION_KINDS)
    default_notice = rules.in_force("points_defaults").value("notice_workdays")
    form = SchemeForm(
        request.POST or None,
        request.FILES or None,
        regions=regions,
        initial={"notice_workdays": default_notice},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            scheme = services.create_scheme(
                actor=user, region=d["region"], name=d["name"], items=d["items"], effective_from=d["effective_from"],
                base_score=d["base_score"], reset=d["reset"], accrual=d["accrual"],
                notice_workdays=d["notice_workdays"], is_sample=d["is_sample"],
            )  # fmt: skip
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已建立积分方案“{scheme.name}”。")
            return redirect("points:scheme_detail", pk=scheme.pk)
    return render(request, "points/scheme_form.html", {"form": form, "title": "新建积分方案"})


@login_required
def scheme_version(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.MANAGE)
    scheme = selectors.scheme_for(user, pk, access.MANAGE)
    current = version_on(scheme, timezone.localdate())
    initial = {
        "effective_from": timezone.localdate(),
        "base_score": current.base_score,
        "reset": current.reset,
        "accrual": current.accrual,
        "notice_workdays": current.notice_workdays,
        "items": items_text(current.items.all()),
    }
    form = VersionForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            version = services.add_scheme_version(
                actor=user, scheme=scheme, effective_from=d["effective_from"], items=d["items"],
                base_score=d["base_score"], reset=d["reset"], accrual=d["accrual"],
                notice_workdays=d["notice_workdays"], note=d["note"],
            )  # fmt: skip
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, f"已发布第{version.number}版，自{version.effective_from}起生效；此前的积分不受影响。"
            )
            return redirect("points:scheme_detail", pk=scheme.pk)
    return render(
        request,
        "points/scheme_form.html",
        {"form": form, "title": f"发布新版本：{scheme.name}", "scheme": scheme},
    )


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    return file_response(data, filename, items_xlsx.XLSX)


@login_required
def scheme_items_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The current version's items as a workbook, to edit and upload as a new version."""
    user = user_with(request, access.VIEW)
    scheme = selectors.scheme_for(user, pk)
    current = version_on(scheme, timezone.localdate())
    return _xlsx(
        items_xlsx.workbook_for(current.items.all()), f"{scheme.name}-第{current.number}版积分项目.xlsx"
    )


@login_required
def items_template(request: HttpRequest) -> HttpResponse:
    """A workbook to start a new scheme from (the sample scheme's items)."""
    user_with(request, access.MANAGE)
    return _xlsx(items_xlsx.template(), "积分项目模板.xlsx")
