"""Pages of the closed loop: report (phone first), my cases, the handling queue, a case with its
actions, the supervisor's overview and export, the inbox, and volunteer services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.accounts.models import User
from tongxin.cases import export, selectors, services
from tongxin.cases.forms import VALIDITY_CHOICES, IntakeForm, MemberForm, ServiceRecordForm, TeamForm
from tongxin.cases.models import Case, CasePhoto, Channel, State, TeamMember
from tongxin.core.errors import DomainError
from tongxin.core.scoping import scoped
from tongxin.orgs.models import PartyOrg, Person, Region

FIELD_LABELS = {
    "category": "问题类别",
    "description": "问题描述",
    "region": "所在区划",
    "address": "地址",
    "lat": "位置",
    "lng": "位置",
    "photos": "现场照片",
    "photo": "结果照片",
    "reporter_name": "上报人姓名",
    "reporter_mobile": "上报人手机号",
    "reason": "理由",
    "note": "办理结果",
    "rating": "评价",
    "assignee": "承办人",
    "org": "承办组织",
    "into": "合并目标",
    "validity": "有效性",
    "event": "操作",
    "body": "内容",
    "name": "名称",
    "person": "队员",
    "served_on": "服务日期",
    "quantity": "数量",
    "minutes": "服务时长",
    "kind": "类型",
    "team": "队伍",
}


def _user(request: HttpRequest, perm: str | None = None) -> User:
    user: User = request.user  # type: ignore[assignment]
    if perm and not user.has_perm_anywhere(perm):
        raise Http404("未找到该页面，或您无权查看。")
    return user


def _error_text(exc: DomainError) -> str:
    label = FIELD_LABELS.get(exc.field or "", exc.field or "")
    return f"{label}：{exc.message}" if label else exc.message


def _report_regions(user: User) -> QuerySet[Region]:
    """Where the user may file: the regions under their reporting or handling grants."""
    own = scoped(Region.objects.all(), user, selectors.REPORT)
    handled = scoped(Region.objects.all(), user, selectors.HANDLE)
    return (own | handled).order_by("path")


# --- reporter pages -------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.has_perm_anywhere(selectors.REPORT) or selectors.my_cases(user).exists()):
        raise Http404("未找到该页面，或您无权查看。")
    page = Paginator(selectors.my_cases(user), 20).get_page(request.GET.get("page"))
    return render(request, "cases/mine.html", {"page": page, "now": timezone.now()})


@login_required
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    staff = user.has_perm_anywhere(selectors.HANDLE)
    if not (user.has_perm_anywhere(selectors.REPORT) or staff):
        raise Http404("未找到该页面，或您无权查看。")
    kind = request.GET.get("kind", "")
    regions = _report_regions(user)
    if not regions.exists():
        raise Http404("您没有可以上报或登记事项的区划。")
    form = IntakeForm(
        request.POST or None,
        request.FILES or None,
        categories=selectors.categories(kind),
        regions=regions,
        staff=staff,
        initial={"region": regions.order_by("-depth").first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        on_behalf = staff and bool((data.get("reporter_name") or "").strip())
        intake = services.Intake(
            category=data["category"],
            description=data["description"],
            region=data["region"],
            lat=request.POST.get("lat", "").strip() or None,
            lng=request.POST.get("lng", "").strip() or None,
            address=data.get("address", ""),
            published=data.get("published", False),
            photos=tuple(data.get("photos") or ()),
            reporter=None if on_behalf else user,
            reporter_name=data.get("reporter_name", "") if on_behalf else "",
            reporter_mobile=data.get("reporter_mobile", "") if on_behalf else "",
            channel=data.get("channel") or Channel.APP,
        )
        try:
            case = services.submit_case(actor=user, intake=intake)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已上报，编号 {case.number}。处理进展会通知您。")
            return redirect(case)
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "staff": staff,
            "lat": request.POST.get("lat", ""),
            "lng": request.POST.get("lng", ""),
        },
    )


# --- one case -------------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
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
        "reporter_may_confirm": "confirm" in events
        and (is_reporter or (can_handle and case.reporter_id is None)),
    }
    if can_handle:
        ctx.update(
            {
                "assignees": services.assignable_users(case),
                "orgs": scoped(PartyOrg.objects.filter(is_active=True), user, selectors.VIEW).exclude(
                    pk=case.handling_org_id or 0
                )[:200],
                "duplicates": selectors.possible_duplicates(case) if case.is_open else [],
                "templates": services.reply_templates(),
                "validity_choices": VALIDITY_CHOICES,
            }
        )
    return render(request, "cases/detail.html", ctx)


@login_required
@require_POST
def act(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    """POST one workflow event (or a note) on a case; errors come back as "字段：原因" messages."""
    user = _user(request)
    case = selectors.case_for(user, pk)
    p = request.POST
    try:
        if event == "accept":
            services.accept_case(actor=user, case=case, note=p.get("note", ""))
        elif event == "reject":
            services.reject_case(actor=user, case=case, reason=p.get("reason", ""))
        elif event == "assign":
            assignee = next(
                (u for u in services.assignable_users(case) if str(u.pk) == p.get("assignee")), None
            )
            if assignee is None:
                raise DomainError("请选择承办人。", field="assignee")
            services.assign_case(actor=user, case=case, assignee=assignee, note=p.get("note", ""))
        elif event == "start":
            services.start_case(actor=user, case=case, note=p.get("note", ""))
        elif event == "resolve":
            services.resolve_case(
                actor=user, case=case, note=p.get("note", ""), photo=request.FILES.get("photo")
            )
        elif event == "transfer":
            org = scoped(PartyOrg.objects.all(), user, selectors.VIEW).filter(pk=p.get("org") or 0).first()
            if org is None:
                raise DomainError("请选择承办组织。", field="org")
            services.transfer_case(actor=user, case=case, org=org, reason=p.get("reason", ""))
        elif event == "merge":
            into = selectors.cases_for(user, selectors.HANDLE).filter(pk=_int(p.get("into"))).first()
            if into is None:
                raise DomainError("请选择要合并到的事项（编号有误或无权办理）。", field="into")
            services.merge_case(actor=user, case=case, into=into)
        elif event == "invalidate":
            services.invalidate_case(
                actor=user, case=case, validity=p.get("validity", ""), reason=p.get("reason", "")
            )
        elif event == "confirm":
            services.confirm_case(
                actor=user, case=case, rating=_int(p.get("rating")), feedback=p.get("feedback", "")
            )
        elif event == "reopen":
            services.reopen_case(actor=user, case=case, reason=p.get("reason", ""))
        elif event in ("note", "reply"):
            services.add_note(actor=user, case=case, body=p.get("body", ""), internal=event == "note")
        else:
            raise Http404("未知的操作")
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        case.refresh_from_db()
        label = services.EVENT_LABELS.get(event, "已保存")
        text = f"已{label}。" if event not in ("note", "reply") else "已保存。"
        if event == "confirm" and case.points_awarded:
            text = f"已确认，感谢评价！本次上报获得 {case.points_awarded} 积分。"
        messages.success(request, text)
    return redirect("cases:detail", pk=case.pk)


def _int(value: Any) -> int:
    try:
        return int(str(value).strip().lstrip("#").removeprefix("SB").removeprefix("SQ"))
    except (TypeError, ValueError):
        return 0


@login_required
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A case photo, to those who may see the case."""
    user = _user(request)
    row = CasePhoto.objects.select_related("case").filter(pk=pk).first()
    if row is None:
        raise Http404("未找到照片")
    selectors.case_for(user, row.case_id)
    return FileResponse(row.image.open("rb"), content_type="image/jpeg")


# --- handling and supervising -------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request, selectors.HANDLE)
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    qs = selectors.queue_for(user, state=state, overdue=overdue, now=now)
    # Page over the ids first (answered from the partial index alone), then load the 20 rows shown.
    page = Paginator(qs.values_list("pk", flat=True), 20).get_page(request.GET.get("page"))
    rows = {c.pk: c for c in Case.objects.select_related("category", "region").filter(pk__in=list(page))}
    shown: list[Case] = [rows[pk] for pk in page.object_list if pk in rows]
    page.object_list = shown  # type: ignore[assignment]
    template = "cases/fragment_queue_rows.html" if request.headers.get("HX-Request") else "cases/queue.html"
    return render(
        request,
        template,
        {"page": page, "state": state, "overdue": overdue, "states": State.choices, "now": now},
    )


def _period(request: HttpRequest) -> tuple[date | None, date | None]:
    def parse(name: str) -> date | None:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return parse("since"), parse("until")


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request, selectors.SUPERVISE)
    since, until = _period(request)
    now = timezone.now()
    data = selectors.overview(user, since=since, until=until, now=now)
    chart = {
        "categories": [r["category__name"] for r in data.by_category],
        "cat_total": [r["total"] for r in data.by_category],
        "cat_overdue": [r["overdue"] for r in data.by_category],
        "regions": [r["region"] for r in data.by_region],
        "reg_rate": [
            round(100 * r["in_time"] / r["resolved"], 1) if r["resolved"] else 0 for r in data.by_region
        ],
    }
    return render(
        request,
        "cases/overview.html",
        {
            "data": data,
            "chart": chart,
            "overdue": selectors.overdue_list(user, now=now)[:50],
            "recent": selectors.supervised_cases(user)
            .filter(resolved_at__isnull=False)
            .order_by("-resolved_at")[:20],
            "since": since,
            "until": until,
            "now": now,
        },
    )


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    user = _user(request, selectors.SUPERVISE)
    since, until = _period(request)
    qs = selectors.supervised_cases(user)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    content = export.cases_workbook(qs.order_by("created_at", "id"), now=timezone.now())
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
    return response


# --- inbox ----------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        n = services.mark_read(actor=user)
        messages.success(request, f"已将 {n} 条消息标为已读。")
        return redirect("cases:inbox")
    page = Paginator(selectors.inbox(user), 30).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page": page, "unread": selectors.unread_count(user)})


# --- volunteer services -----------------------------------------------------------------------


def _people(user: User) -> QuerySet[Person]:
    return scoped(Person.objects.filter(merged_into__isnull=True), user, selectors.HANDLE).order_by(
        "name", "id"
    )


def _handle_regions(user: User) -> QuerySet[Region]:
    return scoped(Region.objects.all(), user, selectors.HANDLE).order_by("path")


@login_required
def services_home(request: HttpRequest) -> HttpResponse:
    """Volunteer teams, service records and the tallies of the public reports for a region."""
    user = _user(request, selectors.VIEW)
    regions = scoped(Region.objects.all(), user, selectors.VIEW)
    if not regions.exists():
        # Organisation grants only (a branch): the regions where its organisations are.
        org_regions = scoped(PartyOrg.objects.all(), user, selectors.VIEW).values("region")
        regions = Region.objects.filter(pk__in=org_regions)
    regions = regions.order_by("depth", "path")
    region = regions.filter(pk=_int(request.GET.get("region"))).first() or regions.first()
    if region is None:
        raise Http404("没有可查看的区划")
    since, until = _period(request)
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
            regions=_handle_regions(user),
            orgs=scoped(PartyOrg.objects.filter(is_active=True), user, selectors.VIEW),
        )
        ctx["record_form"] = ServiceRecordForm(
            teams=selectors.teams_for(user),
            people=_people(user),
            regions=_handle_regions(user),
            initial={"served_on": timezone.localdate()},
        )
    return render(request, "cases/services.html", ctx)


@login_required
@require_POST
def team_create(request: HttpRequest) -> HttpResponse:
    user = _user(request, selectors.HANDLE)
    form = TeamForm(
        request.POST,
        regions=_handle_regions(user),
        orgs=scoped(PartyOrg.objects.filter(is_active=True), user, selectors.VIEW),
    )
    if not form.is_valid():
        for name, errs in form.errors.items():
            messages.error(request, f"{FIELD_LABELS.get(name, name)}：{errs[0]}")
        return redirect("cases:services")
    try:
        team = services.create_team(actor=user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
        return redirect("cases:services")
    messages.success(request, f"已成立“{team.name}”。")
    return redirect(team)


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request, selectors.VIEW)
    obj = selectors.team_for(user, pk)
    can_edit = selectors.teams_for(user).filter(pk=pk).exists() and user.has_perm_anywhere(selectors.HANDLE)
    form = MemberForm(request.POST or None, people=_people(user))
    if request.method == "POST":
        if not can_edit:
            raise Http404("无权管理该队伍")
        if request.POST.get("leave"):
            member = TeamMember.objects.filter(team=obj, pk=_int(request.POST.get("leave"))).first()
            if member is not None:
                try:
                    services.remove_team_member(actor=user, member=member)
                    messages.success(request, f"{member.person.name} 已退出。")
                except DomainError as exc:
                    messages.error(request, _error_text(exc))
            return redirect(obj)
        if form.is_valid():
            try:
                services.add_team_member(actor=user, team=obj, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, "已添加队员。")
            return redirect(obj)
    members = obj.members.select_related("person").filter(left_on__isnull=True)
    records = selectors.service_records_for(user).filter(team=obj)[:50]
    return render(
        request,
        "cases/team.html",
        {"team": obj, "members": members, "records": records, "form": form, "can_edit": can_edit},
    )


@login_required
@require_POST
def record_create(request: HttpRequest) -> HttpResponse:
    user = _user(request, selectors.HANDLE)
    form = ServiceRecordForm(
        request.POST, teams=selectors.teams_for(user), people=_people(user), regions=_handle_regions(user)
    )
    if not form.is_valid():
        for name, errs in form.errors.items():
            messages.error(request, f"{FIELD_LABELS.get(name, name)}：{errs[0]}")
        return redirect("cases:services")
    try:
        rec = services.record_service(actor=user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    else:
        extra = f"，{rec.points_note}" if rec.points_note else ""
        messages.success(request, f"已登记：{rec.get_kind_display()} {rec.quantity}{extra}。")
    return redirect(f"{_services_url()}?region={form.cleaned_data['region'].pk}")


def _services_url() -> str:
    from django.urls import reverse

    return reverse("cases:services")
