"""The cases API under /api/v1/cases/: the full workflow, scoped like the pages (same selectors)."""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tongxin.cases import selectors, services
from tongxin.cases.models import Case, Channel, State
from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError, NotFound

router = Router(tags=["事项"])


class CategoryOut(Schema):
    code: str
    kind: str
    name: str
    accept_hours: int
    resolve_days: int
    workdays: bool
    points: int
    public: bool
    rule_ref: str


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    category: str
    category_name: str
    state: str
    state_label: str
    description: str
    region_id: int
    region_name: str
    handling_org_id: int | None
    handling_org_name: str
    assignee_name: str
    reporter: str
    channel: str
    lat: float | None
    lng: float | None
    address: str
    published: bool
    validity: str
    created_at: datetime
    accept_due_at: datetime
    resolve_due_at: datetime
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    escalation_level: int
    resolution_note: str
    rating: int | None
    points_awarded: int
    points_note: str
    allowed_events: list[str]


def _out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "category": case.category.code,
        "category_name": case.category.name,
        "state": case.state,
        "state_label": case.get_state_display(),
        "description": case.description,
        "region_id": case.region_id,
        "region_name": case.region.name,
        "handling_org_id": case.handling_org_id,
        "handling_org_name": case.handling_org.name if case.handling_org else "",
        "assignee_name": case.assignee.display_name if case.assignee else "",
        "reporter": case.reporter_display,
        "channel": case.channel,
        "lat": float(case.lat) if case.lat is not None else None,
        "lng": float(case.lng) if case.lng is not None else None,
        "address": case.address,
        "published": case.published,
        "validity": case.validity,
        "created_at": case.created_at,
        "accept_due_at": case.accept_due_at,
        "resolve_due_at": case.resolve_due_at,
        "accepted_at": case.accepted_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "overdue": case.is_overdue(timezone.now()),
        "escalation_level": case.escalation_level,
        "resolution_note": case.resolution_note,
        "rating": case.rating,
        "points_awarded": case.points_awarded,
        "points_note": case.points_note,
        "allowed_events": sorted(services.allowed_events(case.state)),
    }


class _Rows:
    """Cases shown through ``_out`` for the paginator: it counts, then slices one page, so only the rows
    of that page are loaded and converted (not the whole queue of a county)."""

    def __init__(self, qs: QuerySet[Case]) -> None:
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [_out(c) for c in self.qs[page]]


class CaseIn(Schema):
    category: str
    description: str
    region_id: int
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    published: bool = True
    reporter_name: str = ""
    reporter_mobile: str = ""
    channel: str = Channel.APP


class EventIn(Schema):
    event: str
    reason: str = ""
    note: str = ""
    rating: int | None = None
    feedback: str = ""
    assignee_id: int | None = None
    org_id: int | None = None
    into_id: int | None = None
    validity: str = ""


class NoteIn(Schema):
    body: str
    internal: bool = True


class NoteOut(Schema):
    id: int
    body: str
    internal: bool
    created_at: datetime


class TransitionOut(Schema):
    event: str
    event_label: str
    from_state: str
    to_state: str
    actor_name: str
    at: datetime
    reason: str


class OverviewOut(Schema):
    total: int
    open: int
    overdue: int
    resolved: int
    on_time: int
    on_time_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    avg_rating: float | None
    by_category: list[dict[str, Any]]
    by_region: list[dict[str, Any]]


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    case_id: int | None
    created_at: datetime
    read_at: datetime | None


class RoutingIn(Schema):
    region_id: int
    org_id: int
    category: str | None = None


class RoutingOut(Schema):
    id: int
    category: str | None
    region_id: int
    region_name: str
    org_id: int
    org_name: str


def _routing_out(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "category": rule.category.code if rule.category else None,
        "region_id": rule.region_id,
        "region_name": rule.region.name,
        "org_id": rule.org_id,
        "org_name": rule.org.name,
    }


@router.get(
    "/routing", response={200: list[RoutingOut], **ERRORS}, summary="分派规则（类别 × 区划 → 承办组织）"
)
def list_routing(request: HttpRequest) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(selectors.MANAGE):
        raise NotFound()
    return [_routing_out(r) for r in selectors.routing_rules_for(user)]


@router.post("/routing", response={201: RoutingOut, **ERRORS}, summary="设置分派规则")
def set_routing(request: HttpRequest, payload: RoutingIn) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(selectors.MANAGE):
        raise NotFound()
    region = selectors.manage_region(user, payload.region_id)
    if region is None:
        raise NotFound("区划不存在或不在您的管理范围内。", field="region_id")
    org = selectors.routing_target(user, payload.org_id)
    if org is None:
        raise NotFound("承办组织不存在、已撤销或不在您的管理范围内。", field="org_id")
    category = None
    if payload.category:
        category = selectors.categories().filter(code=payload.category).first()
        if category is None:
            raise DomainError(f"类别“{payload.category}”不存在。", field="category")
    rule = services.set_routing_rule(actor=user, region=region, org=org, category=category)
    return Status(201, _routing_out(rule))


@router.get("/categories", response=list[CategoryOut], summary="事项类别（时限与积分）")
def list_categories(request: HttpRequest, kind: str = "") -> Any:
    return list(selectors.categories(kind))


@router.get("/mine", response=list[CaseOut], summary="我上报的事项")
@paginate(Pagination)
def list_mine(request: HttpRequest) -> Any:
    return _Rows(selectors.my_cases(actor(request)))


@router.get("/queue", response={200: list[CaseOut], **ERRORS}, summary="待办事项（承办组织）")
@paginate(Pagination)
def list_queue(request: HttpRequest, state: str = "", overdue: bool = False) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(selectors.HANDLE):
        raise NotFound()
    if state and state not in State.values:
        raise DomainError(f"状态“{state}”无效。", field="state")
    # The queue selector loads only what the queue page shows; the API's rows name the people too.
    rows = selectors.queue_for(user, state=state, overdue=overdue).select_related(
        "handling_org", "assignee", "reporter"
    )
    return _Rows(rows)


@router.get("/overview", response={200: OverviewOut, **ERRORS}, summary="督办概况")
def get_overview(request: HttpRequest, since: date | None = None, until: date | None = None) -> Any:
    user = actor(request)
    if not user.has_perm_anywhere(selectors.SUPERVISE):
        raise NotFound()
    return selectors.overview(user, since=since, until=until).__dict__


@router.get("/inbox", response=list[NotificationOut], summary="我的消息")
@paginate(Pagination)
def list_inbox(request: HttpRequest) -> Any:
    return selectors.inbox(actor(request))


@router.post("/", response={201: CaseOut, **ERRORS}, summary="上报问题 / 提出诉求（或代为登记）")
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    user = actor(request)
    category = selectors.categories().filter(code=payload.category).first()
    if category is None:
        raise DomainError(f"类别“{payload.category}”不存在。", field="category")
    region = selectors.report_regions(user).filter(pk=payload.region_id).first()
    if region is None:
        raise NotFound("区划不存在或不在您的上报范围内。", field="region_id")
    on_behalf = bool(payload.reporter_name.strip())
    if payload.channel not in (Channel.APP, Channel.PHONE, Channel.WALK_IN):
        raise DomainError(f"来源“{payload.channel}”无效。", field="channel")
    case = services.submit_case(
        actor=user,
        intake=services.Intake(
            category=category,
            description=payload.description,
            region=region,
            lat=payload.lat,
            lng=payload.lng,
            address=payload.address,
            published=payload.published,
            reporter=None if on_behalf else user,
            reporter_name=payload.reporter_name if on_behalf else "",
            reporter_mobile=payload.reporter_mobile if on_behalf else "",
            channel=payload.channel if on_behalf else Channel.API,
        ),
    )
    return Status(201, _out(selectors.case_for(user, case.pk)))


@router.get("/{int:case_id}", response={200: CaseOut, **ERRORS}, summary="事项详情")
def get_case(request: HttpRequest, case_id: int) -> Any:
    return _out(selectors.case_for(actor(request), case_id))


@router.get("/{int:case_id}/transitions", response={200: list[TransitionOut], **ERRORS}, summary="办理记录")
def list_transitions(request: HttpRequest, case_id: int) -> Any:
    case = selectors.case_for(actor(request), case_id)
    return list(case.transitions.all())


@router.post(
    "/{int:case_id}/events", response={200: CaseOut, **ERRORS}, summary="办理操作（受理、指派、办结、确认……）"
)
def post_event(request: HttpRequest, case_id: int, payload: EventIn) -> Any:
    user = actor(request)
    case = selectors.case_for(user, case_id)
    e = payload.event
    if e == "accept":
        services.accept_case(actor=user, case=case, note=payload.note)
    elif e == "reject":
        services.reject_case(actor=user, case=case, reason=payload.reason)
    elif e == "assign":
        assignee = next((u for u in services.assignable_users(case) if u.pk == payload.assignee_id), None)
        if assignee is None:
            raise DomainError("承办人无效或无办理权限。", field="assignee_id")
        services.assign_case(actor=user, case=case, assignee=assignee, note=payload.note)
    elif e == "start":
        services.start_case(actor=user, case=case, note=payload.note)
    elif e == "resolve":
        services.resolve_case(actor=user, case=case, note=payload.note)
    elif e == "transfer":
        org = selectors.transfer_target(user, payload.org_id)
        if org is None:
            raise DomainError("承办组织无效。", field="org_id")
        services.transfer_case(actor=user, case=case, org=org, reason=payload.reason)
    elif e == "merge":
        into = selectors.cases_for(user, selectors.HANDLE).filter(pk=payload.into_id or 0).first()
        if into is None:
            raise DomainError("合并目标无效。", field="into_id")
        services.merge_case(actor=user, case=case, into=into)
    elif e == "invalidate":
        services.invalidate_case(actor=user, case=case, validity=payload.validity, reason=payload.reason)
    elif e == "confirm":
        if payload.rating is None:
            raise DomainError("请给出1到5分的评价。", field="rating")
        services.confirm_case(actor=user, case=case, rating=payload.rating, feedback=payload.feedback)
    elif e == "reopen":
        services.reopen_case(actor=user, case=case, reason=payload.reason)
    else:
        raise DomainError(f"未知的操作“{e}”。", field="event")
    return _out(selectors.case_for(user, case_id))


@router.post("/{int:case_id}/notes", response={201: NoteOut, **ERRORS}, summary="内部备注或答复上报人")
def post_note(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    user = actor(request)
    case = selectors.case_for(user, case_id)
    return Status(201, services.add_note(actor=user, case=case, body=payload.body, internal=payload.internal))
