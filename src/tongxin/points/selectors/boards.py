"""Reads of boards: the live ranking from the totals tables, published snapshots and their content
hash, and nominations for honour rolls."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.core import rules
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import Household, Region
from tongxin.points import access, periods
from tongxin.points.models import HouseholdTotal, PersonTotal, PublishedBoard


def region_q(region: Region) -> Q:
    if 1 <= region.depth <= 3:
        return Q(**{f"anc{region.depth}": region.path})
    return prefix_q("region_path", region.path)


def board_rows(
    *, region: Region, period: str, by: str = "person", audience: str = "all", size: int = 50
) -> list[dict[str, Any]]:
    """The live board of ``region`` and ``period`` from the totals tables: rank (ties share a rank),
    subject id, name and points, best first. System-level: callers check the region is in scope."""
    periods.kind_of(period)
    if by == PublishedBoard.By.HOUSEHOLD:
        hrows: list[tuple[int, int]] = list(
            HouseholdTotal.objects.filter(region_q(region), period=period)
            .order_by("-points", "household_id")
            .values_list("household_id", "points")[:size]
        )
        names = household_names([h for h, _ in hrows])
        return ranked([(h, names.get(h, ""), p) for h, p in hrows])
    qs = PersonTotal.objects.filter(region_q(region), period=period)
    if audience == PublishedBoard.Audience.MEMBERS:
        qs = qs.filter(is_member=True)
    elif audience == PublishedBoard.Audience.VILLAGERS:
        qs = qs.filter(is_member=False)
    prows = list(
        qs.order_by("-points", "person_id").values_list("person_id", "person__name", "points")[:size]
    )
    return ranked(prows)


def household_names(ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for pk, number, head in Household.objects.filter(pk__in=ids).values_list("pk", "number", "head__name"):
        out[pk] = f"{head}户" if head else f"{number}号户"
    return out


def ranked(rows: list[tuple[int, str, int]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    rank = 0
    last: int | None = None
    for i, (ref, name, points) in enumerate(rows, start=1):
        if points != last:
            rank = i
            last = points
        out.append({"rank": rank, "ref": ref, "name": name, "points": points})
    return out


def display_name(name: str, style: str) -> str:
    """姓氏加名字首字: 孙国强 → 孙国*, 孙斌 → 孙*; full names otherwise."""
    if style != PublishedBoard.NameStyle.INITIAL or len(name) < 2:
        return name
    if name.endswith("户"):
        return display_name(name[:-1], style) + "户"
    if len(name) == 2:
        return name[0] + "*"
    return name[:2] + "*"


def public_row(row: dict[str, Any], style: str) -> dict[str, Any]:
    return {
        "rank": row["rank"],
        "ref": row["ref"],
        "name": display_name(row["name"], style),
        "points": row["points"],
    }


def boards_for(user: User) -> QuerySet[PublishedBoard]:
    return scoped(PublishedBoard.objects.select_related("region"), user, access.VIEW)


def board_for(user: User, pk: int) -> PublishedBoard:
    return get_scoped_or_404(PublishedBoard.objects.select_related("region"), user, access.VIEW, pk=pk)


@dataclass(frozen=True)
class Nominations:
    """The top ``top`` of a published board (ties included) for honour rolls: a list for people to
    decide on (PIPL art. 24); producing it decides and records nothing."""

    top: int
    rows: list[dict[str, Any]]
    basis: str
    note: str = "本名单仅供村两委和群众代表研究，由人作出决定，系统不自动评定。"


def nominations(board: PublishedBoard, top: int | None = None) -> Nominations:
    """``top`` defaults to the rule ``points_defaults.nomination_top_n``."""
    rule = rules.in_force("points_defaults")["nomination_top_n"]
    top = top or int(rule.value)
    rows = [r for r in board.rows if r["rank"] <= top]
    return Nominations(top=top, rows=rows, basis=f"{rule.article}（{rule.mark}）")


def public_board(token: str) -> PublishedBoard:
    """A published board by its public token (the wall print-out and QR code need no login)."""
    board = PublishedBoard.objects.select_related("region").filter(token=token).first()
    if board is None:
        raise Http404("未找到该积分榜。")
    return board


def published_boards(*, region: Region) -> QuerySet[PublishedBoard]:
    """Published board snapshots of ``region`` and its subtree, newest first. System-level: callers
    scope (used by other modules as evidence links)."""
    return PublishedBoard.objects.filter(prefix_q("region_path", region.path)).order_by(
        "-published_at", "-id"
    )


def content_hash(rows: list[dict[str, Any]], heads: dict[str, list[Any]], meta: dict[str, Any]) -> str:
    """The digest a published board stores over its rows, chain heads and settings."""
    payload = json.dumps({"rows": rows, "heads": heads, "meta": meta}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def board_meta(board: PublishedBoard) -> dict[str, Any]:
    return {
        "region": board.region_id, "period": board.period, "by": board.by, "audience": board.audience,
        "name_style": board.name_style, "size": board.size,
    }  # fmt: skip
