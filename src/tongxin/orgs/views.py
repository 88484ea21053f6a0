from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tongxin.accounts.models import User
from tongxin.core.errors import DomainError
from tongxin.orgs import selectors, services
from tongxin.orgs.forms import PartyOrgForm
from tongxin.orgs.models import PartyOrg


def _user(request: HttpRequest, perm: str = selectors.VIEW) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm_anywhere(perm):
        raise Http404("未找到该页面，或您无权查看。")
    return user


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "orgs/tree.html",
        {"regions": selectors.root_regions_for(user), "orgs": selectors.root_orgs_for(user)},
    )


@login_required
def region_children(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the child regions and the organisations of one region, loaded when it is opened."""
    user = _user(request)
    region = selectors.region_for(user, pk)
    return render(
        request,
        "orgs/fragment_region_children.html",
        {
            "region": region,
            "children": selectors.children_of_region(user, region),
            "orgs": selectors.orgs_in_region(user, region),
        },
    )


@login_required
def org_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    qs = selectors.party_orgs_for(user, q=q, kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = "orgs/fragment_org_rows.html" if request.headers.get("HX-Request") else "orgs/org_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": PartyOrg.Kind.choices,
            "can_edit": user.has_perm_anywhere(selectors.EDIT),
        },
    )


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    org = selectors.party_org_for(user, pk)
    children = selectors.party_orgs_for(user).filter(parent=org)
    can_edit = selectors.party_orgs_for(user, selectors.EDIT).filter(pk=org.pk).exists()
    return render(request, "orgs/org_detail.html", {"org": org, "children": children, "can_edit": can_edit})


@login_required
def org_create(request: HttpRequest) -> HttpResponse:
    user = _user(request, selectors.EDIT)
    initial = {}
    if parent_id := request.GET.get("parent"):
        initial["parent"] = parent_id
    form = PartyOrgForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_party_org(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已新建党组织“{org.name}”。")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": "新建党组织"})


@login_required
def org_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request, selectors.EDIT)
    org = selectors.party_org_for(user, pk, selectors.EDIT)
    initial = {
        "name": org.name,
        "kind": org.kind,
        "region": org.region_id,
        "code": org.code,
        "secretary_name": org.secretary_name,
        "established_on": org.established_on,
        "established_doc": org.established_doc,
    }
    form = PartyOrgForm(user, request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_party_org(actor=user, org=org, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": f"编辑：{org.name}", "org": org})
