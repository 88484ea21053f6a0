"""The points API: the ledger, boards and "my points"."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Status
from ninja.pagination import paginate

from tongxin.core.api import ERRORS, Pagination, actor
from tongxin.core.errors import DomainError
from tongxin.points import access, periods, selectors, services
from tongxin.points.api.router import router
from tongxin.points.api.schemas import (
    BoardFilter,
    BoardRowOut,
    EntryFilter,
    EntryOut,
    MeOut,
    NominationFilter,
    NominationsOut,
    PublishedOut,
    PublishIn,
    ReasonIn,
)
from tongxin.points.models import (
    LedgerEntry,
)

# --- ledger -----------------------------------------------------------------------------------------


@router.get("/entries", response={200: list[EntryOut], **ERRORS}, summary="积分流水")
@paginate(Pagination)
def list_entries(request: HttpRequest, filters: Query[EntryFilter]) -> Any:
    user = actor(request)
    scheme = selectors.scheme_for(user, filters.scheme_id) if filters.scheme_id else None
    if filters.period:
        periods.kind_of(filters.period)
    return selectors.entries_for(user, scheme=scheme, period=filters.period)


@router.post("/entries/{int:entry_id}/reverse", response={201: EntryOut, **ERRORS}, summary="冲正一条流水")
def reverse(request: HttpRequest, entry_id: int, payload: ReasonIn) -> Status:
    entry = selectors.entry_for(actor(request), entry_id, access.MANAGE)
    reversal: LedgerEntry = services.reverse_entry(actor=actor(request), entry=entry, reason=payload.reason)
    return Status(201, reversal)


# --- boards -----------------------------------------------------------------------------------------


@router.get("/board", response={200: list[BoardRowOut], **ERRORS}, summary="积分榜（实时）")
def live_board(request: HttpRequest, filters: Query[BoardFilter]) -> Any:
    region = selectors.region_for(actor(request), filters.region_id)
    return selectors.board_rows(
        region=region,
        period=filters.period,
        by=filters.by.value,
        audience=filters.audience.value,
        size=filters.size,
    )


@router.get("/boards", response=list[PublishedOut], summary="已发布的积分榜")
@paginate(Pagination)
def list_published(request: HttpRequest) -> Any:
    return selectors.boards_for(actor(request))


@router.post("/boards", response={201: PublishedOut, **ERRORS}, summary="发布积分榜")
def publish(request: HttpRequest, payload: PublishIn) -> Status:
    user = actor(request)
    region = selectors.regions_for(user, access.MANAGE).filter(pk=payload.region_id).first()
    if region is None:
        raise DomainError("区划不存在或不在您的积分管理范围内。", field="region_id")
    board = services.publish_board(
        actor=user, region=region, period=payload.period, by=payload.by.value, audience=payload.audience.value,
        name_style=payload.name_style.value, size=payload.size, title=payload.title,
    )  # fmt: skip
    return Status(201, board)


@router.get(
    "/boards/{int:board_id}/nominations",
    response={200: NominationsOut, **ERRORS},
    summary="评先推荐名单（已发布积分榜的前N名，供研究决定）",
)
def get_nominations(request: HttpRequest, board_id: int, filters: Query[NominationFilter]) -> dict[str, Any]:
    """The list the published-boards page exports to Excel, for anyone who may see the board. A list for
    the village committee and representatives to decide on: asking for it decides and records nothing."""
    board = selectors.board_for(actor(request), board_id)
    listed = selectors.nominations(board, filters.top)
    return {
        "board_id": board.pk, "title": board.title, "period": board.period, "published_at": board.published_at,
        "top": listed.top, "rows": listed.rows, "basis": listed.basis, "note": listed.note,
    }  # fmt: skip


# --- me and the shop ------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **ERRORS}, summary="我的积分")
def me(request: HttpRequest) -> Any:
    mine = selectors.my_points(user=actor(request), today=timezone.localdate())
    if mine is None:
        raise DomainError("您的账号尚未关联村民信息。", field="person", code="not_linked")
    return {
        "person_id": mine.person.pk, "name": mine.person.name, "scheme_id": mine.scheme.pk if mine.scheme else None,
        "balance": mine.balance, "earned": mine.earned, "spent": mine.spent, "base_score": mine.base_score,
        "cycle": mine.cycle,
        "ranks": [{"period": p, "rank": r.rank, "of": r.of, "points": r.points} for p, r in mine.ranks.items()],
    }  # fmt: skip
