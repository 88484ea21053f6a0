"""Verification of the ledger: the hash chains, published boards against the ledger, and the
totals against the ledger (``tongxin points verify``)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Q, Sum

from tongxin.core.scoping import prefix_q
from tongxin.orgs.models import Person
from tongxin.points import chain, periods
from tongxin.points.ledger import member_ids
from tongxin.points.models import LedgerEntry, PersonTotal, PublishedBoard, Scheme
from tongxin.points.selectors.boards import board_meta, content_hash, household_names, public_row, ranked


@dataclass
class ChainCheck:
    scheme: Scheme
    checked: int = 0
    ok: bool = True
    message: str = ""
    bad_entry_id: int | None = None


def _chain_rows(scheme_id: int, upto: int | None) -> Any:
    """The entries of one chain in order, as (pk, seq, prev_hash, hash, canonical text without the
    previous hash). Read with a raw cursor: verification reads every entry, and Django's per-field
    conversions would cost more than the hashing. Dates and times are formatted as ``chain`` does."""
    table = LedgerEntry._meta.db_table
    limit = "" if upto is None else " AND seq <= %s"
    params: list[Any] = [scheme_id] if upto is None else [scheme_id, upto]
    if connection.vendor == "postgresql":
        on, created = (
            '"on"::text',
            """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
        )
    else:
        # As text: Django's SQLite converters would parse every value into a date and back.
        on, created = 'CAST("on" AS TEXT)', "CAST(created_at AS TEXT)"
    sql = (
        f"SELECT id, seq, person_id, household_id, item_code, points, {on}, source, source_ref, reason, "  # noqa: S608
        f"reverses_id, actor_id, {created}, prev_hash, hash FROM {table} WHERE scheme_id = %s{limit} ORDER BY seq"
    )
    sqlite = connection.vendor == "sqlite"
    sep = chain.SEP
    head = f"v1{sep}{scheme_id}{sep}"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while True:
            batch = cur.fetchmany(10000)
            if not batch:
                return
            for pk, seq, pid, hid, code, pts, day, src, ref, reason, rev, actor, stamp, prev, digest in batch:
                if sqlite:
                    # Django stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]" in SQLite; other writers may add
                    # an offset, which is read as such.
                    if len(stamp) == 26:
                        stamp = stamp.replace(" ", "T") + "Z"
                    elif len(stamp) == 19:
                        stamp = stamp.replace(" ", "T") + ".000000Z"
                    else:
                        moment = datetime.fromisoformat(stamp)
                        stamp = chain.stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
                text = (
                    f"{head}{seq}{sep}{pid}{sep}{'' if hid is None else hid}{sep}{code}{sep}{pts}{sep}{day}{sep}"
                    f"{src}{sep}{ref}{sep}{reason}{sep}{'' if rev is None else rev}{sep}"
                    f"{'' if actor is None else actor}{sep}{stamp}{sep}"
                )
                yield pk, seq, prev, digest, text


def verify_chain(scheme: Scheme, *, upto: int | None = None, upto_hash: str = "") -> ChainCheck:
    """Recompute the hash of every entry of ``scheme`` (up to seq ``upto``) and check the links;
    names the first entry that does not match."""
    result = ChainCheck(scheme=scheme)
    prev = chain.GENESIS
    expected_seq = 0
    sha256 = hashlib.sha256
    for pk, seq, prev_hash, digest, text in _chain_rows(scheme.pk, upto):
        expected_seq += 1
        if seq != expected_seq:
            return _bad(result, pk, f"第{expected_seq}条流水缺失（下一条序号为{seq}）")
        if prev_hash != prev:
            return _bad(result, pk, f"第{seq}条流水（#{pk}）的前序哈希与上一条不一致")
        if sha256((text + prev_hash).encode()).hexdigest() != digest:
            return _bad(result, pk, f"第{seq}条流水（#{pk}）内容与其哈希不符，可能被篡改")
        prev = digest
        result.checked += 1
    if upto is None:
        if expected_seq != scheme.chain_seq or (expected_seq and prev != scheme.chain_head):
            result.ok = False
            result.message = f"链头不符：方案记录第{scheme.chain_seq}条，流水实有{expected_seq}条"
    elif expected_seq != upto or (upto and prev != upto_hash):
        result.ok = False
        result.message = f"发布时的链头（第{upto}条）与流水不符"
    return result


def _bad(result: ChainCheck, pk: int, message: str) -> ChainCheck:
    result.ok = False
    result.bad_entry_id = pk
    result.message = message
    return result


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


def totals_mismatches(*, limit: int = 20) -> list[str]:
    """Person totals that differ from the ledger (a consistency check for ``points verify``)."""
    sums: dict[tuple[int, str], int] = defaultdict(int)
    for person_id, on, pts in LedgerEntry.objects.values_list("person_id", "on", "points").iterator(
        chunk_size=10000
    ):
        for p in periods.keys_of(on):
            sums[(person_id, p)] += pts
    out: list[str] = []
    stored = dict(
        ((p, per), pts) for p, per, pts in PersonTotal.objects.values_list("person_id", "period", "points")
    )
    for key in set(sums) | set(stored):
        if sums.get(key, 0) != stored.get(key, 0):
            out.append(f"人员{key[0]} {key[1]}：合计{stored.get(key, 0)}分，流水为{sums.get(key, 0)}分")
            if len(out) >= limit:
                break
    return out
