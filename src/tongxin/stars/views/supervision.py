"""Supervision visits (督导) and rectification tasks (整改): list, create, report, verify, return."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, int_param, user_with
from tongxin.stars import selectors, services
from tongxin.stars.forms import TaskForm, TaskReportForm, TaskReturnForm, VisitForm
from tongxin.stars.models import RectificationTask
from tongxin.stars.selectors import SUPERVISE, VIEW
from tongxin.stars.services.access import may
from tongxin.stars.views.params import list_download


@login_required
def visits(request: HttpRequest) -> HttpResponse:
    user = user_with(request, VIEW)
    can_supervise = user.has_perm_anywhere(SUPERVISE)
    form = VisitForm(
        request.POST or None,
        regions=selectors.supervised_regions(user),
    )
    if request.method == "POST":
        user_with(request, SUPERVISE)
        if form.is_valid():
            try:
                visit = services.record_visit(actor=user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, "已记录督导情况，可在下方交办整改任务。")
                return redirect("stars:visit", pk=visit.pk)
    if request.GET.get("format") == "xlsx":
        return list_download(
            "督导记录.xlsx",
            "督导记录",
            ["督导日期", "乡镇（街道）", "督导地点", "督导人", "督导情况", "交办任务数"],
            (
                (v.visited_on.isoformat(), v.township.name, v.region.name, v.supervisor.display_name, v.summary,
                 v.n_tasks)
                for v in selectors.visits_for(user).select_related("township").annotate(n_tasks=Count("tasks"))
                .order_by("-visited_on", "-id").iterator(chunk_size=2000)
            ),
        )  # fmt: skip
    page = Paginator(selectors.visits_for(user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "stars/visits.html",
        {
            "page": page,
            "form": form,
            "can_supervise": can_supervise,
            "assigned": selectors.assigned_townships(user) if can_supervise else [],
        },
    )


@login_required
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, VIEW)
    item = selectors.visit_for(user, pk)
    can_supervise = may(user, SUPERVISE, region_path=item.region_path)
    orgs = selectors.branches_for(user, SUPERVISE).filter(region_path__startswith=item.region_path)
    form = TaskForm(request.POST or None, orgs=orgs, owners=selectors.owner_candidates(user))
    if request.method == "POST":
        item = selectors.visit_for(user, pk, SUPERVISE)
        if form.is_valid():
            try:
                task = services.create_task(actor=user, visit=item, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, f"已交办整改任务：{task.problem}")
                return redirect("stars:visit", pk=item.pk)
    return render(
        request,
        "stars/visit.html",
        {
            "visit": item,
            "tasks": item.tasks.select_related("org", "owner").order_by("id"),
            "form": form,
            "can_supervise": can_supervise,
            "today": timezone.localdate(),
        },
    )


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    user = user_with(request, VIEW)
    state = request.GET.get("state", "")
    if state not in dict(RectificationTask.State.choices):
        state = ""
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    township = int_param(request, "township")
    qs = selectors.tasks_for(user, VIEW, state=state, overdue=overdue, township=township, mine=mine)
    today = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        return list_download(
            "整改任务.xlsx",
            "整改任务",
            ["乡镇（街道）", "村（社区）", "问题", "整改要求", "责任人", "整改时限", "状态", "超期", "督办次数",
             "报告时间", "销号时间", "按期完成"],
            (
                (t.township.name, t.region.name, t.problem, t.required_outcome, t.owner.display_name,
                 t.deadline.isoformat(), t.get_state_display(), "是" if t.is_overdue(today) else "",
                 t.escalations, timezone.localtime(t.reported_at).strftime("%Y-%m-%d %H:%M") if t.reported_at else "",
                 timezone.localtime(t.verified_at).strftime("%Y-%m-%d %H:%M") if t.verified_at else "",
                 {True: "是", False: "否"}.get(t.on_time, "") if t.on_time is not None else "")
                for t in qs.iterator(chunk_size=2000)
            ),
        )  # fmt: skip
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = "&".join(
        p for p in [f"state={state}" if state else "", "overdue=1" if overdue else "", "mine=1" if mine else "",
                    f"township={township}" if township else ""] if p
    )  # fmt: skip
    return render(
        request,
        "stars/tasks.html",
        {
            "page": page,
            "state": state,
            "overdue": overdue,
            "mine": mine,
            "states": RectificationTask.State.choices,
            "today": today,
            "query": query,
        },
    )


@login_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request, VIEW)
    item = selectors.task_for(user, pk)
    is_owner = item.owner_id == user.pk
    can_supervise = may(user, SUPERVISE, region_path=item.region_path)
    report_form = TaskReportForm(prefix="report")
    return_form = TaskReturnForm(prefix="return")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "report" and is_owner:
                report_form = TaskReportForm(request.POST, request.FILES, prefix="report")
                if report_form.is_valid():
                    # One write: a refused report keeps neither the evidence row nor the file.
                    services.report_task_with_file(
                        actor=user, task=item, report=report_form.cleaned_data["report"],
                        file=report_form.cleaned_data["file"],
                    )  # fmt: skip
                    messages.success(request, "已报告整改完成，等待核验。")
                    return redirect("stars:task", pk=item.pk)
            elif action == "verify":
                item = selectors.task_for(user, pk, SUPERVISE)
                services.verify_task(actor=user, task=item, note=request.POST.get("note", ""))
                messages.success(request, "已核验销号。")
                return redirect("stars:task", pk=item.pk)
            elif action == "return":
                item = selectors.task_for(user, pk, SUPERVISE)
                return_form = TaskReturnForm(request.POST, prefix="return")
                if return_form.is_valid():
                    services.return_task(
                        actor=user, task=item, reason=return_form.cleaned_data["reason"],
                        new_deadline=return_form.cleaned_data["new_deadline"],
                    )  # fmt: skip
                    messages.success(request, "已退回重改。")
                    return redirect("stars:task", pk=item.pk)
            else:
                messages.error(request, "您不能执行这个操作。")
        except DomainError as exc:
            form_error(report_form if action == "report" else return_form, exc)
    return render(
        request,
        "stars/task.html",
        {
            "task": item,
            "transitions": item.transitions.select_related("actor").order_by("id"),
            "evidence": item.evidence.all(),
            "is_owner": is_owner,
            "can_supervise": can_supervise,
            "report_form": report_form,
            "return_form": return_form,
            "today": timezone.localdate(),
            "event_labels": services.TASK_EVENT_LABELS,
        },
    )
