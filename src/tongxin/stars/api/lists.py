"""The lists (五星/四星/三星/三星以下, 软弱涣散) and the county view (抓两头带中间)."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.stars import selectors, services
from tongxin.stars.api.router import router
from tongxin.stars.api.schemas import (
    CountyOut,
    CycleOut,
    WeakIn,
    WeakOut,
)
from tongxin.stars.selectors import APPROVE, LIST_KINDS, MANAGE, SUPERVISE


@router.get("/lists/{kind}", response={200: list[CycleOut], **ERRORS}, summary="五星/四星/三星/三星以下名单")
@paginate(Pagination)
def level_list(
    request: HttpRequest,
    kind: str,
    year: int | None = Query(None, ge=2000, le=2100),
    township: int | None = None,
) -> Any:
    if kind not in LIST_KINDS or kind == "weak":
        raise Http404
    return selectors.level_list(
        actor(request), year=year or selectors.this_year(), level=kind, township=township
    )


@router.get("/weak", response=list[WeakOut], summary="软弱涣散党组织名单")
@paginate(Pagination)
def weak_list(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)) -> Any:
    return selectors.weak_list(actor(request), year=year or selectors.this_year())


@router.post("/weak", response={201: WeakOut, **ERRORS}, summary="列入软弱涣散党组织名单")
def list_weak(request: HttpRequest, payload: WeakIn) -> Status:
    user = actor(request)
    org = selectors.branch_for(user, payload.org_id, MANAGE)
    weak = services.list_weak_branch(
        actor=user, org=org, year=payload.year, reason=payload.reason, plan=payload.plan
    )
    return Status(201, weak)


@router.get("/county", response={200: CountyOut, **ERRORS}, summary="县级总览：抓两头带中间")
def county(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)) -> Any:
    user = actor(request)
    if not (user.has_perm_anywhere(APPROVE) or user.has_perm_anywhere(SUPERVISE)):
        raise Http404
    view = selectors.county_view(user, year=year or selectors.this_year())
    return {
        "year": view.year,
        "totals": view.totals,
        "task_states": view.task_states,
        "overdue": view.overdue,
        "on_time_rate": view.on_time_rate,
        "townships": [
            {"township_id": r.township.pk, "township": r.township.name,
             "leaders": view.assignments.get(r.township.pk, []), "levels": r.levels, "weak": r.weak,
             "tasks": r.tasks, "overdue": r.overdue, "on_time_rate": r.on_time_rate}
            for r in view.rows
        ],
    }  # fmt: skip
