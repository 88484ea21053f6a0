"""The coverage report (两个覆盖) with charts, the findings list, and Excel import."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tongxin.core.errors import DomainError
from tongxin.core.views import user_with, xlsx_file
from tongxin.core.xlsx import Sheet, workbook
from tongxin.orgs import coverage, excel, selectors
from tongxin.orgs.forms import ImportForm
from tongxin.orgs.report import Report, coverage_report, focus_of
from tongxin.orgs.views.common import date_param, query_without, region_param

REPORTS = selectors.REPORTS


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    """Figures per region and industry for the user's area, with the engine's findings beside them."""
    user = user_with(request, REPORTS, selectors.VIEW)
    today = timezone.localdate()
    start = date_param(request, "start", date(today.year, 1, 1))
    end = date_param(request, "end", today)
    perm = selectors.VIEW if user.has_perm_anywhere(selectors.VIEW) else REPORTS
    region = region_param(request, user, perm)
    findings = None
    if perm == selectors.VIEW:
        # One pass over the units for both the figures and the findings.
        focus = focus_of(selectors.units_for(user), region)
        findings = selectors.evaluation_for(user, region=focus, period=(start, end))
        rep = coverage_report(
            selectors.units_for(user), region=focus, start=start, end=end, facts=findings.units
        )
    else:
        rep = coverage_report(selectors.units_for(user, REPORTS), region=region, start=start, end=end)
    if request.GET.get("format") == "xlsx":
        return xlsx_file(_report_xlsx(rep), "覆盖情况")
    chart = {
        "regions": [r.label for r in rep.by_region],
        "org_rate": [r.org_rate for r in rep.by_region],
        "work_rate": [r.work_rate for r in rep.by_region],
        "industries": [{"name": r.label, "value": r.units} for r in rep.by_industry],
        "stages": (
            [{"name": coverage.STAGES[k][0], "value": v} for k, v in findings.stage_counts().items()]
            if findings
            else []
        ),
    }
    return render(
        request,
        "orgs/coverage.html",
        {
            "report": rep,
            "columns": Report.COLUMNS,
            "findings": findings,
            "top_findings": findings.findings[:10] if findings else [],
            "chart": chart,
            "can_edit": user.has_perm_anywhere(selectors.EDIT),
            "start": start,
            "end": end,
            "query": query_without(request, "format"),
            "parent": rep.focus.parent if rep.focus and rep.focus.parent_id else None,
        },
    )


def _report_xlsx(rep: Report) -> bytes:
    header = [label for _, label in Report.COLUMNS]

    def cells(rows: Iterable[Any]) -> Iterator[list[Any]]:
        return ([getattr(row, key) for key, _ in Report.COLUMNS] for row in rows)

    return workbook(
        Sheet(
            name="按区划",
            title=f"{rep.focus.name if rep.focus else ''}两个覆盖情况（{rep.start} 至 {rep.end}）",
            notes=[rep.basis],
            columns=header,
            rows=cells([*rep.by_region, rep.total]),
        ),
        Sheet(name="按行业", notes=[rep.basis], columns=header, rows=cells(rep.by_industry)),
    )


@login_required
def findings_list(request: HttpRequest) -> HttpResponse:
    """Every open finding in the user's area, each with the action that resolves it."""
    user = user_with(request, selectors.VIEW)
    region = region_param(request, user)
    ev = selectors.evaluation_for(user, region=region)
    rule = request.GET.get("rule", "")
    found = [f for f in ev.findings if not rule or f.rule == rule]
    if request.GET.get("advisory") == "0":
        found = [f for f in found if not f.advisory]
    return render(
        request,
        "orgs/findings.html",
        {
            "page": Paginator(found, 50).get_page(request.GET.get("page")),
            "rule": rule,
            "rules": ev.rule_counts(),
            "rule_set": ev.rule_set,
            "basis": coverage.basis_label(ev.rule_set),
            "region": region,
            "focus": focus_of(selectors.units_for(user), region),
            "query": query_without(request, "page"),
            "can_edit": user.has_perm_anywhere(selectors.EDIT),
        },
    )


@login_required
def rules_page(request: HttpRequest) -> HttpResponse:
    """The rule set in force: every figure with its article and whether it is verified."""
    user_with(request, REPORTS, selectors.VIEW)
    return render(
        request, "orgs/rules.html", {"rule_set": coverage.rule_set(), "titles": coverage.RULE_TITLES}
    )


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    user = user_with(request, selectors.EDIT)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[excel.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = excel.import_file(actor=user, kind=form.cleaned_data["kind"], data=upload.read())
        except excel.ImportRejected as exc:
            errors = exc.errors
            messages.error(request, exc.message)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            label = excel.KINDS[result.kind][0]
            messages.success(
                request, f"已导入{label}{result.rows}行：新增{result.created}，更新或无变化{result.updated}。"
            )
            return redirect("orgs:import")
    return render(request, "orgs/import.html", {"form": form, "errors": errors, "kinds": excel.KINDS})


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    user_with(request, selectors.EDIT)
    if kind not in excel.KINDS:
        raise Http404("未找到该模板。")
    return xlsx_file(excel.template(kind), f"{excel.KINDS[kind][0]}导入模板")
