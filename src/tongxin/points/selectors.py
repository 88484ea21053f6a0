"""Reads of 党群积分. Every user-facing read goes through the acting user's scope; the few
system-level selectors (for other modules and the public board) say so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from tongxin.core import rules
from tongxin.core.scoping import get_scoped_or_404, prefix_q, scoped
from tongxin.orgs.models import Household, Person, Region
from tongxin.points import access, periods
from tongxin.points.ledger import ancestors, member_ids
from tongxin.points.models import (
    Claim,
    ClaimLine,
    Goods,
    HouseholdTotal,
    LedgerEntry,
    Objection,
    PersonLink,
    PersonTotal,
    PublishedBoard,
    Redemption,
    Scheme,
    Wallet,
)
from tongxin.points.verify import ChainCheck, verify_chain

# --- schemes ------------------------------------------------------------------------------------


def schemes_for(user: Any, perm: str = access.VIEW) -> QuerySet[Scheme]:
    """Schemes of the regions the user may see for ``perm``."""
    return scoped(Scheme.objects.select_related("region"), user, perm).order_by("region_path", "id")


def scheme_for(user: Any, pk: int, perm: str = access.VIEW) -> Scheme:
    return get_scoped_or_404(Scheme.objects.select_related("region"), user, perm, pk=pk)


def ancestor_scheme_ids(region: Region) -> list[int]:
    """Schemes set up at ``region`` or above it (a county scheme covers villages without their own)."""
    segs = [s for s in region.path.split("/") if s]
    paths = ["/" + "/".join(segs[: i + 1]) + "/" for i in range(len(segs))]
    return list(Scheme.objects.filter(region_path__in=paths).values_list("pk", flat=True))


def regions_for(user: Any, perm: str = access.VIEW) -> QuerySet[Region]:
    return scoped(Region.objects.all(), user, perm).order_by("path")


def region_for(user: Any, pk: int, perm: str = access.VIEW) -> Region:
    return get_scoped_or_404(Region.objects.all(), user, perm, pk=pk)


def people_for(user: Any, scheme: Scheme, perm: str = access.RECORD, q: str = "") -> QuerySet[Person]:
    """People covered by ``scheme`` whom the user may record points for."""
    qs = scoped(Person.objects.select_related("household"), user, perm).filter(
        prefix_q("region_path", scheme.region_path), merged_into__isnull=True
    )
    if q:
        qs = qs.filter(name__contains=q)
    return qs.order_by("household_id", "name", "id")


def person_for(user: Any, pk: int, perm: str = access.VIEW) -> Person:
    return get_scoped_or_404(Person.objects.select_related("region", "household"), user, perm, pk=pk)


# --- claims ---------------------------------------------------------------------------------------


def claims_for(user: Any, *, state: str = "", perm: str = access.VIEW) -> QuerySet[Claim]:
    qs = scoped(Claim.objects.select_related("item", "scheme", "recorded_by"), user, perm)
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(people=Count("lines")).order_by("-recorded_at", "-id")


def claim_for(user: Any, pk: int, perm: str = access.VIEW) -> Claim:
    return get_scoped_or_404(
        Claim.objects.select_related("item", "scheme", "version", "recorded_by", "reviewed_by"),
        user,
        perm,
        pk=pk,
    )


def claim_lines(claim: Claim) -> QuerySet[ClaimLine]:
    return claim.lines.select_related("person", "household").prefetch_related("objections").order_by("id")


def notice_claims_for(user: Any) -> QuerySet[Claim]:
    """Claims now in public notice that the user may see (villagers see their own village's)."""
    q = Claim.objects.none()
    for perm in (access.VIEW, access.SELF):
        q = q | scoped(Claim.objects.filter(state=Claim.State.NOTICE), user, perm)
    return q.select_related("item").order_by("notice_until", "id").distinct()


def notice_line_for(user: Any, pk: int) -> ClaimLine:
    for perm in (access.VIEW, access.SELF):
        line = scoped(ClaimLine.objects.select_related("claim", "person"), user, perm).filter(pk=pk).first()
        if line is not None:
            return line
    raise Http404("未找到该记录，或您无权查看。")


def objections_for(user: Any, *, state: str = "", perm: str = access.VIEW) -> QuerySet[Objection]:
    qs = scoped(
        Objection.objects.select_related("line__person", "line__claim__item", "raised_by"), user, perm
    )
    if state:
        qs = qs.filter(state=state)
    return qs


def objection_for(user: Any, pk: int, perm: str = access.REVIEW) -> Objection:
    return get_scoped_or_404(
        Objection.objects.select_related("line__claim", "line__person"), user, perm, pk=pk
    )


# --- ledger ---------------------------------------------------------------------------------------


def entries_for(
    user: Any, *, scheme: Scheme | None = None, person: Person | None = None, period: str = ""
) -> QuerySet[LedgerEntry]:
    qs = scoped(LedgerEntry.objects.select_related("person", "scheme"), user, access.VIEW)
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    if person is not None:
        qs = qs.filter(person=person)
    if period:
        start, end = periods.bounds(period)
        qs = qs.filter(on__gte=start, on__lte=end)
    return qs.order_by("-created_at", "-seq")


def entry_for(user: Any, pk: int, perm: str = access.VIEW) -> LedgerEntry:
    return get_scoped_or_404(LedgerEntry.objects.select_related("person", "scheme"), user, perm, pk=pk)


def explain(entry: LedgerEntry) -> str:
    """Why this entry exists, in words a villager understands."""
    if entry.source == "claim":
        line = (
            ClaimLine.objects.select_related("claim__recorded_by", "claim__reviewed_by")
            .filter(pk=int(entry.source_ref.split(":", 1)[1]))
            .first()
        )
        if line is not None:
            c = line.claim
            return (
                f"申报“{c.title}”（{c.occurred_on}），{c.recorded_by.display_name}登记，"
                f"{c.reviewed_by.display_name if c.reviewed_by else ''}审核通过，"
                f"公示至{c.notice_until}无异议后入账"
            )
    if entry.source == "reversal":
        return f"冲正：{entry.reason}"
    return f"{entry.source_label}（{entry.source_ref}）：{entry.reason}"


# --- totals, boards and ranks ---------------------------------------------------------------------


def _region_q(region: Region) -> Q:
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
            HouseholdTotal.objects.filter(_region_q(region), period=period)
            .order_by("-points", "household_id")
            .values_list("household_id", "points")[:size]
        )
        names = household_names([h for h, _ in hrows])
        return _ranked([(h, names.get(h, ""), p) for h, p in hrows])
    qs = PersonTotal.objects.filter(_region_q(region), period=period)
    if audience == PublishedBoard.Audience.MEMBERS:
        qs = qs.filter(is_member=True)
    elif audience == PublishedBoard.Audience.VILLAGERS:
        qs = qs.filter(is_member=False)
    prows = list(
        qs.order_by("-points", "person_id").values_list("person_id", "person__name", "points")[:size]
    )
    return _ranked(prows)


def household_names(ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for pk, number, head in Household.objects.filter(pk__in=ids).values_list("pk", "number", "head__name"):
        out[pk] = f"{head}户" if head else f"{number}号户"
    return out


def _ranked(rows: list[tuple[int, str, int]]) -> list[dict[str, Any]]:
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


@dataclass(frozen=True)
class Rank:
    rank: int | None
    of: int
    points: int


def person_rank(*, person: Person, period: str, region: Region | None = None) -> Rank:
    """A person's rank in ``period`` among everyone of ``region`` (their village by default); ties
    share a rank. An index count on the totals table, never an aggregation over the ledger."""
    region = region or person.region
    mine = PersonTotal.objects.filter(person=person, period=period).values_list("points", flat=True).first()
    base = PersonTotal.objects.filter(_region_q(region), period=period)
    of = base.count()
    if mine is None:
        return Rank(rank=None, of=of, points=0)
    return Rank(rank=base.filter(points__gt=mine).count() + 1, of=of, points=mine)


@dataclass
class MyPoints:
    person: Person
    scheme: Scheme | None
    base_score: int
    balance: int
    earned: int
    spent: int
    cycle: str
    ranks: dict[str, Rank] = field(default_factory=dict)
    entries: list[tuple[LedgerEntry, str]] = field(default_factory=list)


def my_points(*, user: Any, today: date) -> MyPoints | None:
    """ "My points" for a villager whose account is linked to a registry person (None otherwise)."""
    from tongxin.points.ledger import cycle_of, version_on
    from tongxin.points.services import scheme_covering

    link = PersonLink.objects.select_related("person__region").filter(user=user).first()
    if link is None:
        return None
    person = link.person
    scheme = scheme_covering(person.region)
    base = 0
    cycle = str(today.year)
    if scheme is not None:
        version = version_on(scheme, today)
        base = version.base_score
        cycle = cycle_of(version, today)
    wallet = Wallet.objects.filter(person=person, scheme=scheme, cycle=cycle).first() if scheme else None
    entries = list(LedgerEntry.objects.filter(person=person).order_by("-on", "-seq")[:100])
    return MyPoints(
        person=person,
        scheme=scheme,
        base_score=base,
        balance=wallet.balance if wallet else 0,
        earned=wallet.earned if wallet else 0,
        spent=wallet.spent if wallet else 0,
        cycle=cycle,
        ranks={
            p: person_rank(person=person, period=p)
            for p in (periods.quarter_of(today), periods.year_of(today))
        },
        entries=[(e, explain(e)) for e in entries],
    )


def wallet_of(person: Person, scheme: Scheme, cycle: str) -> Wallet | None:
    return Wallet.objects.filter(person=person, scheme=scheme, cycle=cycle).first()


# --- published boards -------------------------------------------------------------------------


def boards_for(user: Any) -> QuerySet[PublishedBoard]:
    return scoped(PublishedBoard.objects.select_related("region"), user, access.VIEW)


def board_for(user: Any, pk: int) -> PublishedBoard:
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


def household_participation(*, region: Region, year: int) -> tuple[int, int]:
    """(households under ``region`` with at least one final positive entry in ``year``, all
    households under ``region``). System-level: callers scope."""
    start, end = periods.bounds(str(year))
    active = (
        LedgerEntry.objects.filter(
            prefix_q("region_path", region.path), on__gte=start, on__lte=end, points__gt=0,
            household__isnull=False,
        )
        .values("household_id")
        .distinct()
        .count()
    )  # fmt: skip
    total = Household.objects.filter(prefix_q("region_path", region.path)).count()
    return active, total


# --- verification -------------------------------------------------------------------------------


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
    return [public_row(r, board.name_style) for r in _ranked(rows[: board.size])]


def verify_board(board: PublishedBoard) -> BoardCheck:
    """Check a published board: its stored content, the chains up to the heads it names, and its
    rows against the ledger recomputed from scratch."""
    from tongxin.points.services import board_meta, content_hash

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


# --- shop ---------------------------------------------------------------------------------------


def goods_for(user: Any, perm: str = access.SHOP) -> QuerySet[Goods]:
    return scoped(Goods.objects.select_related("scheme"), user, perm).order_by("scheme", "name")


def goods_item_for(user: Any, pk: int, perm: str = access.SHOP) -> Goods:
    return get_scoped_or_404(Goods.objects.select_related("scheme"), user, perm, pk=pk)


def redemptions_for(user: Any, *, month: str = "") -> QuerySet[Redemption]:
    qs = Redemption.objects.none()
    for perm in (access.SHOP, access.VIEW):
        qs = qs | scoped(Redemption.objects.all(), user, perm)
    qs = qs.select_related("goods", "person", "actor").distinct()
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("-at", "-id")


def shop_report(user: Any, *, month: str) -> list[dict[str, Any]]:
    """The monthly shop report: per goods, how many were redeemed for how many points."""
    periods.kind_of(month)
    rows: Any = (
        redemptions_for(user, month=month)
        .values("goods__name", "goods__scheme__name")
        .annotate(quantity=Sum("quantity"), points=Sum("points"), times=Count("id"))
        .order_by("goods__scheme__name", "goods__name")
    )
    return [dict(r) for r in rows]


def vendor() -> str:
    return connection.vendor


__all__ = ["ancestors", "board_rows", "household_participation", "person_rank", "published_boards"]
