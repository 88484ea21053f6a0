"""The module's start page, and linking login accounts to registry people."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, user_with
from tongxin.points import access, selectors, services
from tongxin.points.forms import LinkForm
from tongxin.points.models import Claim, Objection
from tongxin.points.services.links import ACCOUNT_UNKNOWN


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW, access.SELF)
    if not user.has_perm_anywhere(access.VIEW):
        return redirect("points:me")
    claims = selectors.claims_for(user)
    return render(
        request,
        "points/home.html",
        {
            "submitted": claims.filter(state=Claim.State.SUBMITTED).count(),
            "in_notice": claims.filter(state=Claim.State.NOTICE).count(),
            "objections": selectors.objections_for(user, state=Objection.State.OPEN).count(),
            "schemes": selectors.schemes_for(user)[:20],
            "boards": selectors.boards_for(user)[:5],
            "can_record": user.has_perm_anywhere(access.RECORD),
            "can_review": user.has_perm_anywhere(access.REVIEW),
            "can_manage": user.has_perm_anywhere(access.MANAGE),
            "can_shop": user.has_perm_anywhere(access.SHOP),
        },
    )


@login_required
def links(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.MANAGE)
    people = selectors.linkable_people(user)
    form = LinkForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        account = selectors.account_for_link(user, form.cleaned_data["username"])
        if account is None:
            form.add_error("username", ACCOUNT_UNKNOWN)
        else:
            try:
                services.link_person(actor=user, user=account, person=form.cleaned_data["person"])
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, "已关联，该村民可以查看“我的积分”。")
                return redirect("points:links")
    existing = selectors.links_for(user)[:200]
    return render(request, "points/links.html", {"form": form, "links": existing})
