"""The reporter's pages: report a problem (phone first; staff file on someone's behalf) and my cases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tongxin.cases import selectors, services
from tongxin.cases.forms import IntakeForm
from tongxin.cases.models import Channel
from tongxin.core.errors import DomainError
from tongxin.core.views import NOT_FOUND, form_error, user_with


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = user_with(request)
    if not (user.has_perm_anywhere(selectors.REPORT) or selectors.my_cases(user).exists()):
        raise Http404(NOT_FOUND)
    page = Paginator(selectors.my_cases(user), 20).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"page": page, "now": timezone.now()})


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.REPORT, selectors.HANDLE)
    staff = user.has_perm_anywhere(selectors.HANDLE)
    kind = request.GET.get("kind", "")
    regions = selectors.report_regions(user)
    if not regions.exists():
        raise Http404("您没有可以上报或登记事项的区划。")
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        categories=selectors.categories(kind),
        regions=regions,
        staff=staff,
        initial={"region": regions.order_by("-depth").first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        on_behalf = staff and bool((data.get("reporter_name") or "").strip())
        intake = services.Intake(
            category=data["category"],
            description=data["description"],
            region=data["region"],
            lat=request.POST.get("lat", "").strip() or None,
            lng=request.POST.get("lng", "").strip() or None,
            address=data.get("address", ""),
            published=data.get("published", False),
            photos=tuple(data.get("photos") or ()),
            reporter=None if on_behalf else user,
            reporter_name=data.get("reporter_name", "") if on_behalf else "",
            reporter_mobile=data.get("reporter_mobile", "") if on_behalf else "",
            channel=data.get("channel") or Channel.APP,
        )
        try:
            case = services.submit_case(actor=user, intake=intake)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已上报，编号 {case.number}。处理进展会通知您。")
            return redirect(case)
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "staff": staff,
            "lat": request.POST.get("lat", ""),
            "lng": request.POST.get("lng", ""),
        },
    )
