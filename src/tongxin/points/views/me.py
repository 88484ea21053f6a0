""" "My points" for a villager, and claiming for oneself with a photo."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, user_with
from tongxin.points import access, periods, selectors, services
from tongxin.points.forms import SelfClaimForm
from tongxin.points.ledger import version_on


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.SELF, access.VIEW)
    today = timezone.localdate()
    mine = selectors.my_points(user=user, today=today)
    claims = selectors.own_claims(user)
    return render(
        request,
        "points/me.html",
        {
            "mine": mine,
            "quarter": periods.quarter_of(today),
            "year": periods.year_of(today),
            "quarter_label": periods.label(periods.quarter_of(today)),
            "my_claims": claims,
            "ranks": [(periods.label(p), r) for p, r in mine.ranks.items()] if mine else [],
        },
    )


@login_required
def self_claim(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.SELF)
    today = timezone.localdate()
    person = services.linked_person(user)
    scheme = services.scheme_covering(person.region) if person else None
    if person is None or scheme is None:
        messages.error(request, "您的账号尚未关联村民信息或所在村没有积分方案，请联系村积分员。")
        return redirect("points:me")
    items = list(version_on(scheme, today).items.all())
    form = SelfClaimForm(request.POST or None, request.FILES or None, items=items, on=today)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_self_claim(
                actor=user, item_code=d["item_code"], occurred_on=d["occurred_on"], title=d["title"],
                evidence=d["evidence"],
            )  # fmt: skip
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已提交申报，审核通过并公示无异议后入账。")
            return redirect("points:me")
    return render(request, "points/self_claim.html", {"form": form, "scheme": scheme})
