"""Claims: record (one person or a group), review, notice and objections."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.core import uploads
from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, user_with
from tongxin.points import access, selectors, services
from tongxin.points.forms import ClaimForm, ReasonForm, ReviewForm
from tongxin.points.models import Claim, Objection


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    state = request.GET.get("state", "")
    if state not in Claim.State.values:
        state = ""
    page = Paginator(selectors.claims_for(user, state=state), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "points/claim_list.html",
        {
            "page": page,
            "state": state,
            "states": Claim.State.choices,
            "can_record": user.has_perm_anywhere(access.RECORD),
        },
    )


@login_required
def claim_create(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.RECORD)
    schemes = list(selectors.schemes_for(user, access.RECORD).filter(is_active=True))
    if not schemes:
        messages.info(request, "您的范围内还没有启用的积分方案。")
        return redirect("points:home")
    scheme_id = request.GET.get("scheme") or request.POST.get("scheme")
    scheme = next((s for s in schemes if str(s.pk) == scheme_id), None)
    if scheme is None:
        if len(schemes) > 1:
            return render(request, "points/claim_pick_scheme.html", {"schemes": schemes})
        scheme = schemes[0]
    people = selectors.people_for(user, scheme)
    today = timezone.localdate()
    form = ClaimForm(
        request.POST or None,
        request.FILES or None,
        scheme=scheme,
        people=people,
        on=today,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.record_claim(
                actor=user,
                scheme=scheme,
                item_code=data["item_code"],
                occurred_on=data["occurred_on"],
                title=data["title"],
                people=list(data["people"]),
                evidence=data.get("evidence"),
                idempotency_key=data.get("idempotency_key") or "",
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已登记申报“{claim.title}”，共{claim.lines.count()}人，等待审核。")
            return redirect("points:claim_detail", pk=claim.pk)
    return render(request, "points/claim_form.html", {"form": form, "scheme": scheme, "people": people})


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.VIEW)
    claim = selectors.claim_for(user, pk)
    can_review = (
        claim.state == Claim.State.SUBMITTED
        and selectors.claims_for(user, perm=access.REVIEW).filter(pk=claim.pk).exists()
        and claim.recorded_by_id != user.pk
    )
    return render(
        request,
        "points/claim_detail.html",
        {
            "claim": claim,
            "lines": selectors.claim_lines(claim),
            "can_review": can_review,
            "review_form": ReviewForm(),
            "reject_form": ReasonForm(),
            "caps": services.check_caps(claim) if can_review else [],
        },
    )


@login_required
def claim_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim's photo, to those who may see the claim: always an attachment, typed by its content
    (photos stored before re-encoding may still hide a web page), never sniffed by the browser."""
    user = user_with(request, access.VIEW)
    claim = selectors.claim_for(user, pk)
    if not claim.evidence:
        raise Http404("该申报没有照片。")
    return uploads.serve(claim.evidence, filename=f"积分申报{claim.pk}-现场照片")


@login_required
@require_POST
def claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.REVIEW)
    claim = selectors.claim_for(user, pk, access.REVIEW)
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        claim = services.approve_claim(actor=user, claim=claim, note=form.cleaned_data.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已审核通过，公示至 {claim.notice_until}。")
    return redirect("points:claim_detail", pk=pk)


@login_required
@require_POST
def claim_reject(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.REVIEW)
    claim = selectors.claim_for(user, pk, access.REVIEW)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "理由：驳回须写明理由。")
        return redirect("points:claim_detail", pk=pk)
    try:
        services.reject_claim(actor=user, claim=claim, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已驳回。")
    return redirect("points:claim_detail", pk=pk)


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    """公示: approved claims in notice, where villagers may object to a line."""
    user = user_with(request, access.VIEW, access.SELF)
    return render(
        request, "points/notice.html", {"claims": selectors.notice_with_lines(user), "form": ReasonForm()}
    )


@login_required
@require_POST
def objection_raise(request: HttpRequest, line_pk: int) -> HttpResponse:
    user = user_with(request, access.VIEW, access.SELF)
    line = selectors.notice_line_for(user, line_pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.raise_objection(actor=user, line=line, reason=reason)
    except DomainError as exc:
        messages.error(request, f"异议理由：{exc.message}" if exc.field == "reason" else exc.message)
    else:
        messages.success(request, f"已对“{line.person.name}”提出异议，审核员将核实处理。")
    return redirect("points:notice")


@login_required
def objection_list(request: HttpRequest) -> HttpResponse:
    user = user_with(request, access.VIEW)
    state = request.GET.get("state", Objection.State.OPEN)
    if state not in Objection.State.values:
        state = ""
    objections = selectors.objections_for(user, state=state)[:200]
    return render(
        request,
        "points/objection_list.html",
        {
            "objections": objections,
            "state": state,
            "states": Objection.State.choices,
            "can_review": user.has_perm_anywhere(access.REVIEW),
            "form": ReasonForm(),
        },
    )


@login_required
@require_POST
def objection_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, access.REVIEW)
    objection = selectors.objection_for(user, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    uphold = request.POST.get("decision") == "uphold"
    try:
        services.decide_objection(actor=user, objection=objection, uphold=uphold, reason=reason)
    except DomainError as exc:
        messages.error(request, f"处理理由：{exc.message}" if exc.field == "reason" else exc.message)
    else:
        messages.success(
            request, "异议成立，该人员的积分已撤销。" if uphold else "异议不成立，积分按期入账。"
        )
    return redirect("points:objection_list")
