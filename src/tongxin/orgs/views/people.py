"""People pages: list, detail (personal data masked), create/edit, application, transfer, merge."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.core.errors import DomainError
from tongxin.core.reveal import reveal_personal_data
from tongxin.core.views import form_error, is_htmx, safe_next, user_with, xlsx_file
from tongxin.orgs import excel, selectors, services
from tongxin.orgs.forms import ApplicationForm, MembershipForm, MergeForm, PersonForm, TransferForm
from tongxin.orgs.models import Membership, Person
from tongxin.orgs.views.common import query_without, region_param


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    gig = {"1": True, "0": False}.get(request.GET.get("gig", ""))
    filters: dict[str, Any] = {
        "q": request.GET.get("q", "").strip(),
        "status": request.GET.get("status", ""),
        "occupation": request.GET.get("occupation", ""),
    }
    qs = selectors.people_for(user, region=region_param(request, user), gig=gig, **filters)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        return xlsx_file(excel.export_people(user, qs), "人员")
    if fmt == "memberships":
        members = selectors.memberships_for(user).filter(person__in=qs.values("pk"))
        return xlsx_file(excel.export_memberships(user, members), "党员身份")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": [("none", "非党员"), *Membership.Status.choices],
        "occupations": Person.Occupation.choices,
        "gig": request.GET.get("gig", ""),
        "query": query_without(request, "page", "format"),
        "can_edit": user.has_perm_anywhere(selectors.EDIT),
        **filters,
    }
    template = "orgs/fragment_person_rows.html" if is_htmx(request) else "orgs/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    person = selectors.person_for(user, pk)
    membership = selectors.membership_of(person)
    transfers = selectors.transfers_of(membership)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "membership": membership,
            "transfers": transfers,
            "seats": person.committee_seats.select_related("org").filter(ended_on__isnull=True),
            "can_edit": selectors.people_for(user, selectors.EDIT).filter(pk=person.pk).exists(),
            "can_reveal": user.has_perm_anywhere("pii.reveal"),
            "revealed": request.session.pop(f"tx_revealed_{person.pk}", None),
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID or mobile number once (audited); the value is not kept after the next page."""
    user = user_with(request, "pii.reveal")
    person = selectors.person_for(user, pk)
    field = request.POST.get("field", "")
    try:
        value = reveal_personal_data(actor=user, obj=person, field=field)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        request.session[f"tx_revealed_{person.pk}"] = {"field": field, "value": value}
    return redirect("orgs:person_detail", pk=person.pk)


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    form = PersonForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已登记{person.name}。")
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request, "orgs/org_form.html", {"form": form, "title": "登记人员", "back": "orgs:person_list"}
    )


@login_required
def person_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    person = selectors.person_for(user, pk, selectors.EDIT)
    initial = {
        "name": person.name,
        "region": person.region_id,
        "unit": person.unit_id,
        "occupation": person.occupation,
        "is_gig_worker": person.is_gig_worker,
    }
    # The number is shown masked (seeing it in full is a look through pii.reveal, audited).
    form = PersonForm(user, request.POST or None, initial=initial, editing=True, current_mobile=person.mobile)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor=user, person=person, household=person.household, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request, "orgs/org_form.html", {"form": form, "title": f"编辑：{person.name}", "person": person}
    )


@login_required
def person_apply(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    person = selectors.person_for(user, pk)
    form = ApplicationForm(user, request.POST or None, initial={"applied_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_application(actor=user, person=person, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已登记{person.name}的入党申请书。")
            return redirect("orgs:person_detail", pk=person.pk)
    return render(
        request,
        "orgs/org_form.html",
        {"form": form, "title": f"登记入党申请书：{person.name}", "person": person},
    )


@login_required
def transfer_start(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    membership = selectors.membership_for(user, pk, selectors.EDIT)
    form = TransferForm(user, membership, request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.start_transfer(actor=user, membership=membership, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已办理转出；对方党组织接收前，仍由本组织负责。")
            return redirect("orgs:person_detail", pk=membership.person_id)
    title = f"组织关系转出：{membership.person.name}"
    return render(request, "orgs/org_form.html", {"form": form, "title": title, "person": membership.person})


@login_required
@require_POST
def transfer_advance(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    transfer = selectors.transfer_for(user, pk)
    event = request.POST.get("event", "")
    if event not in ("dispatch", "receive"):
        raise Http404("未找到该操作。")
    try:
        services.advance_transfer(actor=user, transfer=transfer, event=event)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已接收，组织关系已转入。" if event == "receive" else "已标记为在途。")
    return redirect(safe_next(request, "orgs:transfer_list"))


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.VIEW)
    qs = selectors.transfers_for(user)
    if request.GET.get("open") != "0":
        qs = qs.exclude(state="received")
    editable = selectors.transfers_for(user, selectors.EDIT)
    return render(
        request,
        "orgs/transfer_list.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "editable": set(editable.values_list("pk", flat=True)),
            "sender_orgs": set(selectors.party_orgs_for(user, selectors.EDIT).values_list("pk", flat=True)),
            "show_all": request.GET.get("open") == "0",
        },
    )


@login_required
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    keep = selectors.person_for(user, pk, selectors.EDIT)
    candidates = selectors.people_for(user, selectors.EDIT).filter(name=keep.name).exclude(pk=keep.pk)
    form = MergeForm(candidates, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.merge_people(actor=user, keep=keep, duplicate=form.cleaned_data["duplicate"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已合并重复人员。")
            return redirect("orgs:person_detail", pk=keep.pk)
    return render(
        request, "orgs/org_form.html", {"form": form, "title": f"合并重复人员：{keep.name}", "person": keep}
    )


@login_required
def person_membership(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or advance a person's party standing (the decisions themselves are taken by people)."""
    user = user_with(request, selectors.EDIT)
    person = selectors.person_for(user, pk)
    current = selectors.membership_of(person)
    initial: dict[str, Any] = {"since": timezone.localdate()}
    if current is not None:
        initial.update(
            org=current.org_id,
            status=current.status,
            is_mobile=current.is_mobile,
            home_org=current.home_org_id,
            host_org=current.host_org_id,
        )
    form = MembershipForm(user, request.POST or None, initial=initial, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_membership(actor=user, person=person, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已登记党员身份。")
            return redirect("orgs:person_detail", pk=person.pk)
    title = f"登记党员身份：{person.name}"
    return render(request, "orgs/org_form.html", {"form": form, "title": title, "person": person})
