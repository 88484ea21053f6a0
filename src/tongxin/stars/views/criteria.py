"""Criteria sets: read every version; a county administrator imports a new version (no code)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tongxin.core import rules
from tongxin.core.errors import DomainError
from tongxin.core.views import file_response, user_with, xlsx_file
from tongxin.stars import criteria_io, criteria_xlsx, selectors, services
from tongxin.stars.criteria_io import CriteriaErrors
from tongxin.stars.forms import CriteriaImportForm
from tongxin.stars.selectors import MANAGE, VIEW


@login_required
def criteria_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, VIEW)
    can_manage = user.has_perm_anywhere(MANAGE)
    form = CriteriaImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST":
        user_with(request, MANAGE)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                raw = upload.read()
                if (upload.name or "").lower().endswith(".xlsx"):
                    data = criteria_xlsx.load(raw)
                else:
                    data = criteria_io.load(raw, filename=upload.name or "")
                cs = services.import_criteria(actor=user, data=data)
            except CriteriaErrors as exc:
                errors = exc.errors
                form.add_error("file", f"文件有 {len(errors)} 处问题，见下方列表，未导入任何内容。")
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, f"已导入：{cs}。")
                return redirect("stars:criteria_detail", pk=cs.pk)
    sets = list(selectors.criteria_sets())
    kinds = {cs.applies_to for cs in sets}
    return render(
        request,
        "stars/criteria_list.html",
        {
            "sets": sets,
            "missing": [(k, v) for k, v in criteria_io.APPLIES_TO.items() if k not in kinds],
            "can_manage": can_manage,
            "form": form,
            "errors": errors,
            "procedure": rules.in_force("stars_procedure"),
        },
    )


@login_required
@require_POST
def criteria_load_sample(request: HttpRequest) -> HttpResponse:
    user = user_with(request, MANAGE)
    try:
        cs = services.load_sample_criteria(actor=user, applies_to=request.POST.get("applies_to", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("stars:criteria")
    messages.success(request, f"已载入：{cs}。")
    return redirect("stars:criteria_detail", pk=cs.pk)


@login_required
def criteria_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user_with(request, VIEW)
    cs = selectors.criteria_set(pk)
    return render(request, "stars/criteria_detail.html", {"cs": cs, "in_use": cs.cycles.count()})


@login_required
def criteria_download(request: HttpRequest, pk: int) -> HttpResponse:
    user_with(request, VIEW)
    cs = selectors.criteria_set(pk)
    name = f"五星标准-{cs.get_applies_to_display()}-第{cs.version}版"
    if request.GET.get("format") == "xlsx":
        return xlsx_file(criteria_xlsx.dump(cs), name, stamped=False)
    return file_response(
        criteria_io.dump(cs.document).encode(), f"{name}.yaml", "application/x-yaml; charset=utf-8"
    )
