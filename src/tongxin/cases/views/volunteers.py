"""Volunteer services: teams and their members, service records (confirmed by a second person before
any points), and the tallies of the public reports for a region."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.cases import selectors, services
from tongxin.cases.forms import (
    MemberForm,
    ServiceRecordForm,
    TeamForm,
    case_number,
    error_text,
    form_errors_text,
    parse_period,
)
from tongxin.core.errors import DomainError
from tongxin.core.views import user_with


@login_required
def services_home(request: HttpRequest) -> HttpResponse:
    """Volunteer teams, service records and the tallies of the public reports for a region."""
    user = user_with(request, selectors.VIEW)
    regions = selectors.view_regions(user)
    region = regions.filter(pk=case_number(request.GET.get("region"))).first() or regions.first()
    if region is None:
        raise Http404("没有可查看的区划")
    since, until = parse_period(request.GET)
    can_edit = user.has_perm_anywhere(selectors.HANDLE)
    ctx: dict[str, Any] = {
        "region": region,
        "regions": regions[:300],
        "tally": selectors.tally(region=region, since=since, until=until),
        "teams": selectors.teams_for(user).filter(region_path__startswith=region.path)[:100],
        "records": selectors.service_records_for(user).filter(region_path__startswith=region.path)[:30],
        "since": since,
        "until": until,
        "can_edit": can_edit,
    }
    if can_edit:
        ctx["team_form"] = TeamForm(
            regions=selectors.handle_regions(user), orgs=selectors.active_orgs_for(user)
        )
        ctx["record_form"] = ServiceRecordForm(
            teams=selectors.teams_for(user),
            people=selectors.people_for_handling(user),
            regions=selectors.handle_regions(user),
            initial={"served_on": timezone.localdate()},
        )
    return render(request, "cases/services.html", ctx)


@login_required
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.HANDLE)
    form = TeamForm(
        request.POST, regions=selectors.handle_regions(user), orgs=selectors.active_orgs_for(user)
    )
    if not form.is_valid():
        for text in form_errors_text(form):
            messages.error(request, text)
        return redirect("cases:services")
    try:
        team = services.create_team(actor=user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect("cases:services")
    messages.success(request, f"已成立“{team.name}”。")
    return redirect(team)


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    obj = selectors.team_for(user, pk)
    can_edit = selectors.teams_for(user).filter(pk=pk).exists() and user.has_perm_anywhere(selectors.HANDLE)
    form = MemberForm(request.POST or None, people=selectors.people_for_handling(user))
    if request.method == "POST":
        if not can_edit:
            raise Http404("无权管理该队伍")
        if request.POST.get("leave"):
            member = selectors.active_member(obj, case_number(request.POST.get("leave")))
            if member is not None:
                try:
                    services.remove_team_member(actor=user, member=member)
                    messages.success(request, f"{member.person.name} 已退出。")
                except DomainError as exc:
                    messages.error(request, error_text(exc))
            return redirect(obj)
        if form.is_valid():
            try:
                services.add_team_member(actor=user, team=obj, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, "已添加队员。")
            return redirect(obj)
    records = selectors.service_records_for(user).filter(team=obj)[:50]
    return render(
        request,
        "cases/team.html",
        {
            "team": obj,
            "members": selectors.team_members(obj),
            "records": records,
            "form": form,
            "can_edit": can_edit,
        },
    )


@login_required
@require_POST
def record_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.HANDLE)
    form = ServiceRecordForm(
        request.POST,
        teams=selectors.teams_for(user),
        people=selectors.people_for_handling(user),
        regions=selectors.handle_regions(user),
    )
    if not form.is_valid():
        for text in form_errors_text(form):
            messages.error(request, text)
        return redirect("cases:services")
    try:
        rec = services.record_service(actor=user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        extra = f"，{rec.points_note}" if rec.points_note else ""
        messages.success(request, f"已登记：{rec.get_kind_display()} {rec.quantity}{extra}。")
    return redirect(f"{reverse('cases:services')}?region={form.cleaned_data['region'].pk}")


@login_required
@require_POST
def record_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """A second person confirms a service record (its points, if any, are paid then)."""
    user = user_with(request, selectors.HANDLE)
    record = selectors.service_record_for(user, pk)
    try:
        rec = services.confirm_service(actor=user, record=record)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"已确认：{rec.person.name} {rec.get_kind_display()}，{rec.points_note}。")
    return redirect(f"{reverse('cases:services')}?region={record.region_id}")
