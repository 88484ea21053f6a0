"""Figures and files: the coverage report (两个覆盖), findings, Excel import and export."""

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.views import xlsx_file
from tongxin.orgs import excel, selectors
from tongxin.orgs.api.schemas import FindingOut, Id, filter_region, finding
from tongxin.orgs.report import Row, coverage_report

router = Router(tags=["组织体系"])


class RowOut(Schema):
    key: str
    label: str
    region_id: int | None
    units: int
    org_covered: int
    org_rate: float
    work_covered: int
    work_rate: float
    gig_workers: int
    gig_members: int
    applications: int


class CoverageOut(Schema):
    region_id: int | None
    start: date
    end: date
    total: RowOut
    by_region: list[RowOut]
    by_industry: list[RowOut]
    rule_set: str = Field(..., description="the rule set's code and version, e.g. orgs_coverage@2019.1")
    rule_version: str = Field(..., description="the version of the rule set the figures were computed with")
    basis: str = Field(..., description="the same in words, as pages show it (口径：… 版)")


class CoverageFilter(Schema):
    region_id: Id | None = None
    start: date | None = None
    end: date | None = None


def _row(r: Row) -> dict[str, Any]:
    return {k: getattr(r, k) for k in RowOut.model_fields}


@router.get(
    "/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="两个覆盖：按区划、按行业的数字（区划须在本人范围内，否则 404；注明计算口径的规则版本）",
)
def get_coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> dict[str, Any]:
    user = actor(request)
    perm = selectors.REPORTS if user.has_perm_anywhere(selectors.REPORTS) else selectors.VIEW
    if not user.has_perm_anywhere(perm):
        raise Http404
    today = timezone.localdate()
    start = filters.start or date(today.year, 1, 1)
    end = filters.end or today
    region = filter_region(request, filters.region_id, perm)
    rep = coverage_report(selectors.units_for(user, perm), region=region, start=start, end=end)
    return {
        "region_id": rep.focus.pk if rep.focus else None,
        "start": start,
        "end": end,
        "total": _row(rep.total),
        "by_region": [_row(r) for r in rep.by_region],
        "by_industry": [_row(r) for r in rep.by_industry],
        "rule_set": rep.rule_set.ref,
        "rule_version": rep.rule_set.version,
        "basis": rep.basis,
    }


class FindingFilter(Schema):
    region_id: Id | None = None
    rule: str = Field("", max_length=40)


@router.get("/findings", response={200: list[FindingOut], **ERRORS}, summary="待办事项（两个覆盖规则的发现）")
@paginate(Pagination)
def list_findings(request: HttpRequest, filters: Query[FindingFilter]) -> Any:
    user = actor(request)
    ev = selectors.evaluation_for(user, region=filter_region(request, filters.region_id))
    return [finding(f) for f in ev.findings if not filters.rule or f.rule == filters.rule]


class ImportOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[RowErrorOut]


@router.post(
    "/imports/{kind}",
    response={200: ImportOut, 409: ImportErrorOut, **ERRORS},
    summary="导入 Excel（units、people、memberships）：全部导入或一行不导入",
)
def import_file(request: HttpRequest, kind: str, file: File[UploadedFile]) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(selectors.EDIT):
        raise Http404
    try:
        result = excel.import_file(actor=user, kind=kind, data=file.read())
    except excel.ImportRejected as exc:
        errors = [{"row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]
        return Status(
            409, {"code": "rows_invalid", "message": exc.message, "field": "file", "errors": errors}
        )
    return {"kind": result.kind, "rows": result.rows, "created": result.created, "updated": result.updated}


@router.get(
    "/exports/{kind}", response={200: None, **ERRORS}, summary="导出 Excel（units、people、memberships）"
)
def export_file(request: HttpRequest, kind: str) -> HttpResponse:
    user = actor(request)
    if kind == "units":
        data = excel.export_units(user, selectors.units_for(user))
    elif kind == "people":
        data = excel.export_people(user, selectors.people_for(user))
    elif kind == "memberships":
        data = excel.export_memberships(user, selectors.memberships_for(user))
    else:
        raise Http404
    return xlsx_file(data, kind, stamped=False)
