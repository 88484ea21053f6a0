"""Unit pages: list with coverage badges, detail, create/edit, instructor, setting up a branch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, is_htmx, user_with, xlsx_file
from tongxin.orgs import coverage, excel, selectors, services
from tongxin.orgs.forms import InstructorForm, SetUpForm, UnitForm
from tongxin.orgs.models import Unit
from tongxin.orgs.views.common import query_without, region_param

UNIT_PERMS = (selectors.VIEW, selectors.ASSIGNED)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, *UNIT_PERMS)
    filters = {
        "q": request.GET.get("q", "").strip(),
        "industry": request.GET.get("industry", ""),
        "kind": request.GET.get("kind", ""),
        "coverage": request.GET.get("coverage", ""),
    }
    region = region_param(request, user)
    qs = selectors.units_for(user, region=region, **filters)
    stage = request.GET.get("stage", "")
    if stage in coverage.STAGES:
        ev_all = selectors.units_evaluation(qs)
        qs = qs.filter(pk__in=[uid for uid, s in ev_all.stages.items() if s == stage])
    if request.GET.get("format") == "xlsx":
        return xlsx_file(excel.export_units(user, qs), "单位")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ev = selectors.units_evaluation(list(page))
    rows = [(u, ev.units[u.pk], ev.stages[u.pk], ev.for_unit(u.pk)) for u in page]
    context = {
        "page": page,
        "rows": rows,
        "region": region,
        "regions": selectors.regions_for(user).exclude(kind="grid").order_by("path")[:500],
        "stage": stage,
        "stages": coverage.STAGES,
        "industries": Unit.Industry.choices,
        "kinds": Unit.Kind.choices,
        "query": query_without(request, "page", "format"),
        "can_edit": user.has_perm_anywhere(selectors.EDIT),
        **filters,
    }
    template = "orgs/fragment_unit_rows.html" if is_htmx(request) else "orgs/unit_list.html"
    return render(request, template, context)


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, *UNIT_PERMS)
    unit = selectors.unit_for(user, pk)
    ev = selectors.unit_evaluation(unit)
    can_edit = selectors.units_for(user, selectors.EDIT).filter(pk=unit.pk).exists()
    people = selectors.people_for(user, unit=unit)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "facts": ev.units[unit.pk],
            "set_up_kind": "branch"
            if ev.units[unit.pk].formal >= int(ev.rule_set.value("own_branch_min_formal"))
            else "joint_branch",
            "stage": ev.stages[unit.pk],
            "stage_labels": coverage.STAGES,
            "findings": ev.findings,
            "orgs": selectors.covering_orgs_of(unit),
            "people": Paginator(people, 50).get_page(request.GET.get("page")),
            "history": unit.instructor_history.select_related("instructor")[:10],
            "can_edit": can_edit,
        },
    )


@login_required
def unit_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    form = UnitForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已登记单位“{unit.name}”。")
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(
        request, "orgs/org_form.html", {"form": form, "title": "登记单位", "back": "orgs:unit_list"}
    )


@login_required
def unit_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    unit = selectors.unit_for(user, pk, selectors.EDIT)
    fields = [
        "name",
        "credit_code",
        "kind",
        "industry",
        "address",
        "workforce",
        "gig_workers",
        "has_union",
        "has_youth_league",
    ]
    initial = {f: getattr(unit, f) for f in fields}
    initial.update(region=unit.region_id, supervising_org=unit.supervising_org_id)
    form = UnitForm(user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(actor=user, unit=unit, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(request, "orgs/org_form.html", {"form": form, "title": f"编辑：{unit.name}", "unit": unit})


@login_required
def unit_instructor(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    unit = selectors.unit_for(user, pk, selectors.EDIT)
    form = InstructorForm(user, request.POST or None, initial={"appointed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.appoint_instructor(actor=user, unit=unit, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已为“{unit.name}”选派党建指导员。")
            return redirect("orgs:unit_detail", pk=unit.pk)
    title = f"{'更换' if unit.instructor_id else '选派'}党建指导员：{unit.name}"
    return render(request, "orgs/org_form.html", {"form": form, "title": title, "unit": unit})


@login_required
def set_up(request: HttpRequest) -> HttpResponse:
    """Set up a branch for one unit or a joint branch for several; reached from a finding's link."""
    user = user_with(request, selectors.EDIT)
    editable = selectors.units_for(user, selectors.EDIT)
    preselected = [int(x) for x in request.GET.get("units", "").split(",") if x.isdigit()]
    kind = request.GET.get("kind", "joint_branch")
    # Candidates: the preselected units, and units with no own organisation yet in the same area.
    chosen = list(editable.filter(pk__in=preselected))
    candidates = selectors.units_for(user, selectors.EDIT, coverage="none")
    if chosen:
        area = (
            chosen[0].region.path.rsplit("/", 2)[0] + "/"
            if chosen[0].region.depth > 1
            else chosen[0].region_path
        )
        candidates = candidates.filter(region_path__startswith=area)
    candidates = (candidates | editable.filter(pk__in=preselected)).distinct().order_by("name")[:200]
    units_qs = editable.filter(pk__in=[u.pk for u in candidates])
    first = chosen[0] if chosen else None
    initial = {
        "kind": kind,
        "units": chosen,
        "name": (f"{first.name}党支部" if kind == "branch" else f"{first.name}等联合党支部") if first else "",
        "parent": first.supervising_org_id if first else None,
        "established_on": timezone.localdate(),
        "move_members": True,
    }
    facts = coverage.unit_facts(units_qs)
    form = SetUpForm(
        user,
        units_qs,
        request.POST or None,
        initial=initial,
        unit_label=lambda u: (
            f"{u.name}（正式党员{facts[u.pk].formal}名，预备党员{facts[u.pk].probationary}名）"
        ),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = services.set_up_party_org(actor=user, **{**data, "units": list(data["units"])})
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已组建“{org.name}”，覆盖{len(data['units'])}个单位。")
            return redirect("orgs:org_detail", pk=org.pk)
    rs = coverage.rule_set()
    return render(
        request,
        "orgs/set_up.html",
        {"form": form, "rule_set": rs, "max_units": rs["joint_branch_max_units"]},
    )
