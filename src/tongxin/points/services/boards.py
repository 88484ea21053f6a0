"""Publishing a board: the ranking of a region and period frozen with the chain heads it draws on."""

from __future__ import annotations

from django.db.models import Q

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Region
from tongxin.points import access, chain, periods, selectors
from tongxin.points.models import PublishedBoard, Scheme
from tongxin.points.services.schemes import rule


@service("points.board.publish")
def publish_board(
    *,
    actor: User,
    region: Region,
    period: str,
    by: str = PublishedBoard.By.PERSON,
    audience: str = PublishedBoard.Audience.ALL,
    name_style: str = PublishedBoard.NameStyle.FULL,
    size: int | None = None,
    title: str = "",
) -> PublishedBoard:
    """Freeze the board of ``region`` and ``period`` as published, with the chain heads of every
    scheme it draws on, so anyone can later check it against the ledger."""
    if not access.may(actor, access.MANAGE, region.path):
        raise DomainError("该区划不在您的积分管理范围内。", field="region")
    periods.kind_of(period)
    if by not in PublishedBoard.By.values:
        raise DomainError(f"排名对象“{by}”无效。", field="by")
    if audience not in PublishedBoard.Audience.values:
        raise DomainError(f"范围“{audience}”无效。", field="audience")
    if by == PublishedBoard.By.HOUSEHOLD and audience != PublishedBoard.Audience.ALL:
        raise DomainError("按户排名时范围只能是“全体”。", field="audience")
    if name_style not in PublishedBoard.NameStyle.values:
        raise DomainError(f"姓名显示方式“{name_style}”无效。", field="name_style")
    size = size or int(rule("board_size"))
    if size < 1 or size > 500:
        raise DomainError("名次数应为1到500。", field="size")
    schemes = list(
        Scheme.objects.select_for_update()
        .filter(Q(region_path__startswith=region.path) | Q(pk__in=selectors.ancestor_scheme_ids(region)))
        .order_by("pk")
    )
    heads = {str(s.pk): [s.chain_seq, s.chain_head] for s in schemes}
    rows = selectors.board_rows(region=region, period=period, by=by, audience=audience, size=size)
    stored = [selectors.public_row(r, name_style) for r in rows]
    title = title.strip() or f"{region.name}{periods.label(period)}积分榜（{PublishedBoard.By(by).label}）"
    board = PublishedBoard(
        region=region, region_path=region.path, title=title[:200], period=period, by=by, audience=audience,
        name_style=name_style, size=size, rows=stored, heads=heads, published_by=access.stored_user(actor),
    )  # fmt: skip
    board.content_hash = selectors.content_hash(stored, heads, selectors.board_meta(board))
    board.save()
    chain.anchor_heads(heads=heads, board_id=board.pk)
    audit.record(
        actor=actor, action="points.board.publish", target=board,
        after={"period": period, "by": by, "audience": audience, "rows": len(stored), "heads": heads},
    )  # fmt: skip
    return board
