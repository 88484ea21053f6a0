"""The tree browser and the party-organisation pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.core.errors import DomainError
from tongxin.core.text import by_pinyin
from tongxin.core.views import form_error, is_htmx, user_with
from tongxin.orgs import coverage, selectors, services
from tongxin.orgs.forms import CommitteeForm, MoveForm, OrgUnitsForm, PartyOrgForm
from tongxin.orgs.models import PartyOrg
from tongxin.orgs.views.common import query_without


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    return render(
        request,
        "orgs/tree.html",
        {"regions": selectors.root_regions_for(user), "orgs": selectors.root_orgs_for(user)},
    )


@login_required
def region_children(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the child regions and the organisations of one region, loaded when it is opened."""
    user = user_with(request, selectors.VIEW)
    region = selectors.region_for(user, pk)
    return render(
        request,
        "orgs/fragment_region_children.html",
        {
            "region": region,
            "children": selectors.children_of_region(user, region),
            "orgs": selectors.orgs_in_region(user, region),
            "unit_count": selectors.units_for(user, region=region).count(),
        },
    )


@login_required
def org_children(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the sub-organisations and covered units of one organisation, loaded when it is opened."""
    user = user_with(request, selectors.VIEW)
    org = selectors.party_org_for(user, pk)
    return render(
        request,
        "orgs/fragment_org_children.html",
        {
            "org": org,
            "children": selectors.party_orgs_for(user).filter(parent=org),
            "units": selectors.units_for(user).filter(covering_orgs=org),
        },
    )


@login_required
def org_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    qs = selectors.party_orgs_for(user, q=q, kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = "orgs/fragment_org_rows.html" if is_htmx(request) else "orgs/org_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "q": q,
            "kind": kind,
            "kinds": PartyOrg.Kind.choices,
            "query": query_without(request, "page"),
            "can_edit": user.has_perm_anywhere(selectors.EDIT),
        },
    )


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    org = selectors.party_org_for(user, pk)
    children = selectors.party_orgs_for(user).filter(parent=org)
    can_edit = selectors.party_orgs_for(user, selectors.EDIT).filter(pk=org.pk).exists()
    ev = selectors.org_evaluation(org)
    members = selectors.memberships_for(user, org=org).filter(org=org)
    return render(
        request,
        "orgs/org_detail.html",
        {
            "org": org,
            "children": children,
            "can_edit": can_edit,
            "facts": ev.orgs.get(org.pk),
            "findings": ev.for_org(org.pk),
            "units": by_pinyin(org.units.select_related("region"), lambda u: u.name),
            "stages": ev.stages,
            "stage_labels": coverage.STAGES,
            "committee": selectors.committee_of(org),
            "past_committee": selectors.committee_of(org, current=False).exclude(ended_on__isnull=True)[:20],
            "members": Paginator(members, 50).get_page(request.GET.get("page")),
            "transfers": selectors.transfers_for(user).filter(from_org=org).exclude(state="received")[:20],
            "incoming": selectors.transfers_for(user).filter(to_org=org).exclude(state="received")[:20],
        },
    )


@login_required
def org_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    initial = {}
    if parent_id := request.GET.get("parent"):
        initial["parent"] = parent_id
    form = PartyOrgForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_party_org(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已新建党组织“{org.name}”。")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": "新建党组织"})


@login_required
def org_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
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
            form_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": f"编辑：{org.name}", "org": org})


@login_required
def org_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    org = selectors.party_org_for(user, pk, selectors.EDIT)
    form = MoveForm(user, org, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_party_org(actor=user, org=org, parent=form.cleaned_data["parent"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, f"已将“{org.name}”及其下级组织、党员移到“{form.cleaned_data['parent'].name}”之下。"
            )
            return redirect("orgs:org_detail", pk=org.pk)
    return render(
        request, "orgs/org_form.html", {"form": form, "title": f"调整隶属关系：{org.name}", "org": org}
    )


@login_required
def org_units(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    org = selectors.party_org_for(user, pk, selectors.EDIT)
    candidates = selectors.units_for(user, selectors.EDIT)
    form = OrgUnitsForm(candidates, request.POST or None, initial={"units": list(org.units.all())})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_org_units(actor=user, org=org, units=list(form.cleaned_data["units"]))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已调整覆盖单位。")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": f"覆盖单位：{org.name}", "org": org})


@login_required
def committee_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    org = selectors.party_org_for(user, pk, selectors.EDIT)
    form = CommitteeForm(org, request.POST or None, initial={"term_start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.appoint_committee_member(actor=user, org=org, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已调整班子成员。")
            return redirect("orgs:org_detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": f"班子成员：{org.name}", "org": org})


@login_required
@require_POST
def committee_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    seat = selectors.seat_for(user, pk)
    try:
        services.end_committee_seat(actor=user, seat=seat, ended_on=timezone.localdate())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{seat.name}已离任。")
    return redirect("orgs:org_detail", pk=seat.org_id)
