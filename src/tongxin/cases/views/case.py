"""One case: its page with the actions the user may take, the POST of each action, and its photos."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.accounts.models import User
from tongxin.cases import selectors, services
from tongxin.cases.forms import VALIDITY_CHOICES, case_number, error_text
from tongxin.cases.models import Case
from tongxin.core import uploads
from tongxin.core.errors import DomainError
from tongxin.core.views import user_with


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request)
    case = selectors.case_for(user, pk)
    can_handle = selectors.may_handle(user, case)
    is_reporter = case.reporter_id == user.pk
    events = services.allowed_events(case.state)
    notes = case.notes.select_related("author").all()
    if not can_handle:
        notes = notes.filter(internal=False)
    ctx: dict[str, Any] = {
        "case": case,
        "can_handle": can_handle,
        "is_reporter": is_reporter,
        "events": events,
        "transitions": case.transitions.select_related("actor").all(),
        "notes": notes,
        "photos": case.photos.all(),
        "escalations": case.escalations.all(),
        "now": timezone.now(),
        "reporter_may_confirm": "confirm" in events and services.may_confirm(user, case),
    }
    if can_handle:
        ctx.update(
            {
                "assignees": services.assignable_users(case),
                "orgs": selectors.active_orgs_for(user).exclude(pk=case.handling_org_id or 0)[:200],
                "duplicates": selectors.possible_duplicates(case) if case.is_open else [],
                "templates": services.reply_templates(),
                "validity_choices": VALIDITY_CHOICES,
            }
        )
    return render(request, "cases/detail.html", ctx)


def _apply(user: User, case: Case, event: str, request: HttpRequest) -> None:
    p = request.POST
    if event == "accept":
        services.accept_case(actor=user, case=case, note=p.get("note", ""))
    elif event == "reject":
        services.reject_case(actor=user, case=case, reason=p.get("reason", ""))
    elif event == "assign":
        assignee = next((u for u in services.assignable_users(case) if str(u.pk) == p.get("assignee")), None)
        if assignee is None:
            raise DomainError("请选择承办人。", field="assignee")
        services.assign_case(actor=user, case=case, assignee=assignee, note=p.get("note", ""))
    elif event == "start":
        services.start_case(actor=user, case=case, note=p.get("note", ""))
    elif event == "resolve":
        services.resolve_case(actor=user, case=case, note=p.get("note", ""), photo=request.FILES.get("photo"))
    elif event == "transfer":
        org = selectors.transfer_target(user, case_number(p.get("org")))
        if org is None:
            raise DomainError("请选择承办组织。", field="org")
        services.transfer_case(actor=user, case=case, org=org, reason=p.get("reason", ""))
    elif event == "merge":
        into = selectors.cases_for(user, selectors.HANDLE).filter(pk=case_number(p.get("into"))).first()
        if into is None:
            raise DomainError("请选择要合并到的事项（编号有误或无权办理）。", field="into")
        services.merge_case(actor=user, case=case, into=into)
    elif event == "invalidate":
        services.invalidate_case(
            actor=user, case=case, validity=p.get("validity", ""), reason=p.get("reason", "")
        )
    elif event == "confirm":
        services.confirm_case(
            actor=user, case=case, rating=case_number(p.get("rating")), feedback=p.get("feedback", "")
        )
    elif event == "reopen":
        services.reopen_case(actor=user, case=case, reason=p.get("reason", ""))
    elif event in ("note", "reply"):
        services.add_note(actor=user, case=case, body=p.get("body", ""), internal=event == "note")
    else:
        raise Http404("未知的操作")


@login_required
@require_POST
def act(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    """POST one workflow event (or a note) on a case; errors come back as "字段：原因" messages."""
    user = user_with(request)
    case = selectors.case_for(user, pk)
    try:
        _apply(user, case, event, request)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        case.refresh_from_db()
        label = services.EVENT_LABELS.get(event, "已保存")
        text = f"已{label}。" if event not in ("note", "reply") else "已保存。"
        if event == "confirm" and case.points_awarded:
            text = f"已确认，感谢评价！本次上报获得 {case.points_awarded} 积分。"
        elif event == "confirm" and case.points_note:
            text = f"已确认，感谢评价！{case.points_note}。"
        messages.success(request, text)
    return redirect("cases:detail", pk=case.pk)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A case photo, to those who may see the case: typed from its content, never sniffed."""
    row = selectors.case_photo_for(user_with(request), pk)
    return uploads.serve(row.image, filename=f"{row.case.number}-照片{row.pk}", inline_images=True)
