"""Verification of published boards: the chains up to the heads a board names and its rows recomputed
from the ledger (the public verification page, ``tongxin points verify``). The chains, the derived
tables and the anchors are checked by ``tongxin.points.verify``, re-exported here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum

from tongxin.core.scoping import prefix_q
from tongxin.orgs.models import Person
from tongxin.points import periods
from tongxin.points.ledger import member_ids
from tongxin.points.models import LedgerEntry, PublishedBoard, Scheme
from tongxin.points.selectors.boards import board_meta, content_hash, household_names, public_row, ranked
from tongxin.points.verify import ChainCheck, totals_mismatches, verify_chain

__all__ = ["BoardCheck", "ChainCheck", "recompute_board", "totals_mismatches", "verify_board", "verify_chain"]


@dataclass
class BoardCheck:
    board: PublishedBoard
    ok: bool
    problems: list[str]
    chains: list[ChainCheck]


def recompute_board(board: PublishedBoard) -> list[dict[str, Any]]:
    """The board recomputed from the ledger itself (not the totals), up to the chain heads recorded
    at publication."""
    start, end = periods.bounds(board.period)
    heads_q = Q(pk__in=[])
    for scheme_id, (seq, _head) in board.heads.items():
        heads_q |= Q(scheme_id=int(scheme_id), seq__lte=seq)
    qs = LedgerEntry.objects.filter(
        heads_q, prefix_q("region_path", board.region_path), on__gte=start, on__lte=end
    )
    if board.by == PublishedBoard.By.HOUSEHOLD:
        sums = list(
            qs.filter(household__isnull=False).values("household_id").annotate(total=Sum("points"))
            .values_list("household_id", "total")
        )  # fmt: skip
        names = household_names([h for h, _ in sums])
        rows = [(h, names.get(h, ""), t) for h, t in sums]
    else:
        sums = list(qs.values("person_id").annotate(total=Sum("points")).values_list("person_id", "total"))
        if board.audience != PublishedBoard.Audience.ALL:
            members = member_ids([p for p, _ in sums])
            want = board.audience == PublishedBoard.Audience.MEMBERS
            sums = [(p, t) for p, t in sums if (p in members) == want]
        names = dict(Person.objects.filter(pk__in=[p for p, _ in sums]).values_list("pk", "name"))
        rows = [(p, names.get(p, ""), t) for p, t in sums]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return [public_row(r, board.name_style) for r in ranked(rows[: board.size])]


def verify_board(board: PublishedBoard) -> BoardCheck:
    """Check a published board: its stored content, the chains up to the heads it names, and its
    rows against the ledger recomputed from scratch."""
    problems: list[str] = []
    if content_hash(board.rows, board.heads, board_meta(board)) != board.content_hash:
        problems.append("积分榜快照内容与发布时的摘要不符")
    chains: list[ChainCheck] = []
    schemes = {s.pk: s for s in Scheme.objects.filter(pk__in=[int(k) for k in board.heads])}
    for scheme_id, (seq, head) in sorted(board.heads.items()):
        scheme = schemes.get(int(scheme_id))
        if scheme is None:
            problems.append(f"积分方案 {scheme_id} 不存在")
            continue
        check = verify_chain(scheme, upto=seq, upto_hash=head)
        chains.append(check)
        if not check.ok:
            problems.append(f"{scheme.name}：{check.message}")
    recomputed = recompute_board(board)
    if recomputed != board.rows:
        problems.append(_diff(board.rows, recomputed))
    return BoardCheck(board=board, ok=not problems, problems=problems, chains=chains)


def _diff(published: list[dict[str, Any]], recomputed: list[dict[str, Any]]) -> str:
    for i, (a, b) in enumerate(zip(published, recomputed, strict=False), start=1):
        if a != b:
            return (
                f"第{i}行不符：发布为“{a['name']} {a['points']}分”，按流水重算为“{b['name']} {b['points']}分”"
            )
    return f"行数不符：发布{len(published)}行，按流水重算{len(recomputed)}行"
