"""The handling side: the queue of open cases, the supervisor's overview and its Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tongxin.cases import export, selectors
from tongxin.cases.forms import parse_period
from tongxin.cases.models import Case, State
from tongxin.core.views import is_htmx, user_with, xlsx_file


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.HANDLE)
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    qs = selectors.queue_for(user, state=state, overdue=overdue, now=now)
    # Page over the ids first (answered from the partial index alone), then load the 20 rows shown.
    page = Paginator(qs.values_list("pk", flat=True), 20).get_page(request.GET.get("page"))
    rows = selectors.cases_by_ids(list(page))
    shown: list[Case] = [rows[pk] for pk in page.object_list if pk in rows]
    page.object_list = shown  # type: ignore[assignment]  # the page now holds the rows, not their ids
    template = "cases/fragment_queue_rows.html" if is_htmx(request) else "cases/queue.html"
    return render(
        request,
        template,
        {"page": page, "state": state, "overdue": overdue, "states": State.choices, "now": now},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.SUPERVISE)
    since, until = parse_period(request.GET)
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
    user = user_with(request, selectors.SUPERVISE)
    since, until = parse_period(request.GET)
    qs = selectors.supervised_cases(user)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    content = export.cases_workbook(qs.order_by("created_at", "id"), now=timezone.now())
    return xlsx_file(content, "cases")
