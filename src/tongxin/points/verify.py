"""Checking the ledger: every hash chain, the derived tables against SQL aggregates over the ledger,
and the chain heads against the anchors kept outside the database. System-level reads (``tongxin
points verify``, the public verification page); they change nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection

from tongxin.points import chain
from tongxin.points.models import (
    HouseholdTotal,
    LedgerEntry,
    PersonTotal,
    Redemption,
    Scheme,
    SchemeVersion,
    Wallet,
)


@dataclass
class ChainCheck:
    scheme: Scheme
    checked: int = 0
    ok: bool = True
    message: str = ""
    bad_entry_id: int | None = None
    old_format: int = 0  # entries hashed with format 1 (before the names and region were covered)
    upto: int | None = None  # the head checked against (a published board's), None for the whole chain
    upto_hash: str = ""


def _chain_rows(scheme_id: int, upto: int | None) -> Iterator[tuple[int, Sequence[str], str]]:
    """The entries of one chain in seq order as (pk, values of ``chain.ALL_FIELDS`` as canonical
    text, stored hash). Read with a raw cursor and formatted in SQL: verification reads every entry,
    and Django's per-field conversions would cost more than the hashing."""
    table = LedgerEntry._meta.db_table
    pg = connection.vendor == "postgresql"
    cols = []
    for name in chain.ALL_FIELDS:
        if name == "on":
            cols.append('"on"::text' if pg else 'CAST("on" AS TEXT)')
        elif name == "created_at":
            # As text: Django's SQLite converters would parse every value into a datetime and back.
            # Django stores UTC in SQLite as "YYYY-MM-DD HH:MM:SS[.ffffff]"; other lengths (another
            # writer's offset) are parsed in Python below.
            cols.append(
                """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
                if pg
                else "CASE length(created_at) WHEN 26 THEN replace(created_at, ' ', 'T') || 'Z' "
                "WHEN 19 THEN replace(created_at, ' ', 'T') || '.000000Z' ELSE CAST(created_at AS TEXT) END"
            )
        else:
            cols.append(f"COALESCE(CAST(\"{name}\" AS {'text' if pg else 'TEXT'}), '')")
    limit = "" if upto is None else " AND seq <= %s"
    params: list[Any] = [scheme_id] if upto is None else [scheme_id, upto]
    sql = f"SELECT id, {', '.join(cols)}, hash FROM {table} WHERE scheme_id = %s{limit} ORDER BY seq"  # noqa: S608 — names from the model
    at = chain.ALL_FIELDS.index("created_at")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while True:
            batch = cur.fetchmany(10000)
            if not batch:
                return
            for row in batch:
                values = row[1:-1]
                if len(values[at]) != STAMP_LENGTH:
                    values = [*values[:at], _sqlite_stamp(values[at]), *values[at + 1 :]]
                yield row[0], values, row[-1]


STAMP_LENGTH = len("2026-01-01T00:00:00.000000Z")


def _sqlite_stamp(text: str) -> str:
    # A time another writer stored with an offset ("…+08:00"), read as such.
    moment = datetime.fromisoformat(text.removesuffix("Z"))
    return chain.stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def verify_chain(scheme: Scheme, *, upto: int | None = None, upto_hash: str = "") -> ChainCheck:
    """Recompute the hash of every entry of ``scheme`` (up to seq ``upto``) and check the links;
    names the first entry that does not match. Formats only move forward along a chain."""
    result = ChainCheck(scheme=scheme, upto=upto, upto_hash=upto_hash)
    prev = chain.GENESIS
    expected_seq = 0
    seq_at, prev_at = chain.ALL_FIELDS.index("seq"), chain.ALL_FIELDS.index("prev_hash")
    allowed: tuple[int, ...] = (chain.CURRENT, 1)
    for pk, values, stored in _chain_rows(scheme.pk, upto):
        expected_seq += 1
        seq = int(values[seq_at])
        if seq != expected_seq:
            return _bad(result, pk, f"第{expected_seq}条流水缺失（下一条序号为{seq}）")
        if values[prev_at] != prev:
            return _bad(result, pk, f"第{seq}条流水（#{pk}）的前序哈希与上一条不一致")
        version = chain.row_matches(values, stored, allowed)
        if version is None:
            return _bad(result, pk, f"第{seq}条流水（#{pk}）内容与其哈希不符，可能被篡改")
        if version == 1:
            result.old_format += 1
            allowed = (1, chain.CURRENT)
        else:
            allowed = (chain.CURRENT,)
        prev = stored
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


def heads_sql() -> str:
    """SQL for (scheme id, head sequence, head hash) of every chain, for reading on a connection of
    its own (the backup's snapshot)."""
    return f"SELECT id, chain_seq, chain_head FROM {Scheme._meta.db_table} ORDER BY id"  # noqa: S608


# --- anchors --------------------------------------------------------------------------------------


def anchor_mismatches(path: Path, *, scheme_id: int | None = None) -> list[str]:
    """Every anchored head (``chain.anchor_heads``) that the ledger no longer contains: a chain shorter
    than an anchored sequence (newest entries deleted and the head rolled back) or an entry at that
    sequence whose hash differs (the chain rewritten)."""
    if not path.exists():
        return []
    anchors, problems = chain.read_anchors(path)
    if scheme_id is not None:
        anchors = [a for a in anchors if a.scheme_id == scheme_id]
    schemes = dict(
        Scheme.objects.filter(pk__in={a.scheme_id for a in anchors}).values_list("pk", "chain_seq")
    )
    hashes = {
        (s, q): h
        for s, q, h in LedgerEntry.objects.filter(
            scheme_id__in=schemes, seq__in={a.seq for a in anchors}
        ).values_list("scheme_id", "seq", "hash")
    }
    for a in anchors:
        where = f"锚点（{path.name} 第{a.line}行，积分榜 {a.board_id}，{a.at}）"
        if a.scheme_id not in schemes:
            problems.append(f"{where}：积分方案 {a.scheme_id} 不存在")
        elif schemes[a.scheme_id] < a.seq:
            problems.append(
                f"{where}：方案 {a.scheme_id} 发布时链头为第{a.seq}条，现在只有{schemes[a.scheme_id]}条——"
                "最新的流水可能被删除、链头被回退"
            )
        elif hashes.get((a.scheme_id, a.seq)) != a.head:
            problems.append(
                f"{where}：方案 {a.scheme_id} 第{a.seq}条流水的哈希与锚定的链头不符——流水可能被改写"
            )
    return problems


# --- derived tables -------------------------------------------------------------------------------


def month_sql() -> str:
    """SQL for the month key (``periods.month_of``) of an entry's ``on``."""
    return "to_char(\"on\", 'YYYY-MM')" if connection.vendor == "postgresql" else 'substr("on", 1, 7)'


def quarter_sql(month: str) -> str:
    """SQL for the quarter key (``periods.quarter_of``) of a month key."""
    return f"substr({month}, 1, 4) || 'Q' || ((CAST(substr({month}, 6, 2) AS INTEGER) + 2) / 3)"


def cycle_sql() -> tuple[str, list[Any]]:
    """SQL for an entry's wallet cycle (``ledger.cycle_of`` of the version in force on its day) and
    its parameters: the year for yearly-reset versions, 'all' otherwise."""
    year = "to_char(\"on\", 'YYYY')" if connection.vendor == "postgresql" else 'substr("on", 1, 4)'
    by_scheme: dict[int, dict[Any, str]] = {}
    for sid, start, reset in SchemeVersion.objects.order_by(
        "scheme_id", "effective_from", "number"
    ).values_list("scheme_id", "effective_from", "reset"):
        by_scheme.setdefault(sid, {})[start] = reset  # the highest number of a day wins, as in version_on
    whens: list[str] = []
    params: list[Any] = []
    adapt = connection.ops.adapt_datefield_value
    for sid, starts in by_scheme.items():
        resets = list(starts.values())
        value = {r: year if r == SchemeVersion.Reset.YEARLY else "'all'" for r in set(resets)}
        if len(set(resets)) == 1:
            whens.append(f"WHEN scheme_id = %s THEN {value[resets[0]]}")
            params.append(sid)
            continue
        ordered = sorted(starts.items(), reverse=True)
        for start, reset in ordered[:-1]:
            whens.append(f'WHEN scheme_id = %s AND "on" >= %s THEN {value[reset]}')
            params += [sid, adapt(start)]
        whens.append(f"WHEN scheme_id = %s THEN {value[ordered[-1][1]]}")  # the first version, also before it
        params.append(sid)
    if not whens:
        return "'all'", []
    return f"CASE {' '.join(whens)} ELSE 'all' END", params


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def person_total_diffs() -> list[tuple[int, str, int, int]]:
    """(person, period, ledger sum, stored) for every person total that differs from the ledger."""
    return _period_diffs("person_id", PersonTotal._meta.db_table, "person_id", "")


def household_total_diffs() -> list[tuple[int, str, int, int]]:
    """(household, period, ledger sum, stored) for every household total that differs."""
    return _period_diffs(
        "household_id", HouseholdTotal._meta.db_table, "household_id", " WHERE household_id IS NOT NULL"
    )


def _period_diffs(key: str, table: str, table_key: str, where: str) -> list[tuple[int, str, int, int]]:
    le = LedgerEntry._meta.db_table
    q = quarter_sql("period")
    sql = f"""
        WITH m AS (SELECT {key} AS k, {month_sql()} AS period, SUM(points) AS pts FROM {le}{where} GROUP BY 1, 2)
        SELECT k, period, SUM(ledger), SUM(stored) FROM (
            SELECT k, period, pts AS ledger, 0 AS stored FROM m
            UNION ALL SELECT k, {q}, pts, 0 FROM m
            UNION ALL SELECT k, substr(period, 1, 4), pts, 0 FROM m
            UNION ALL SELECT {table_key}, period, 0, points FROM {table}
        ) x GROUP BY k, period HAVING SUM(ledger) <> SUM(stored) ORDER BY k, period
    """  # noqa: S608 — table and column names come from the models
    return [(int(k), str(p), int(a), int(b)) for k, p, a, b in _fetch(sql, [])]


@dataclass(frozen=True)
class WalletDiff:
    scheme_id: int
    person_id: int
    cycle: str
    earned: int  # from the ledger
    stored_earned: int
    spent: int  # from the redemptions
    stored_spent: int


def wallet_diffs() -> list[WalletDiff]:
    """Every wallet whose earned points differ from the ledger or whose spent points differ from the
    redemptions (and every ledger or redemption sum that has no wallet)."""
    le, rd, wt = LedgerEntry._meta.db_table, Redemption._meta.db_table, Wallet._meta.db_table
    cycle, params = cycle_sql()
    sql = f"""
        SELECT s, p, c, SUM(el), SUM(ew), SUM(sr), SUM(sw) FROM (
            SELECT scheme_id AS s, person_id AS p, {cycle} AS c, SUM(points) AS el, 0 AS ew, 0 AS sr, 0 AS sw
              FROM {le} GROUP BY 1, 2, 3
            UNION ALL SELECT scheme_id, person_id, cycle, 0, 0, SUM(points), 0 FROM {rd} GROUP BY 1, 2, 3
            UNION ALL SELECT scheme_id, person_id, cycle, 0, earned, 0, spent FROM {wt}
        ) x GROUP BY s, p, c HAVING SUM(el) <> SUM(ew) OR SUM(sr) <> SUM(sw) ORDER BY s, p, c
    """  # noqa: S608 — table and column names come from the models
    return [
        WalletDiff(int(s), int(p), str(c), *(int(v) for v in vals)) for s, p, c, *vals in _fetch(sql, params)
    ]


def totals_mismatches() -> list[str]:
    """Every difference between the derived tables (person totals, household totals, wallets) and
    the ledger, one line each."""
    out = [
        f"人员积分合计 人员{k} {p}：合计表为{b}分，按流水汇总为{a}分" for k, p, a, b in person_total_diffs()
    ]
    out += [
        f"户积分合计 户{k} {p}：合计表为{b}分，按流水汇总为{a}分" for k, p, a, b in household_total_diffs()
    ]
    for w in wallet_diffs():
        line = f"积分钱包 方案{w.scheme_id} 人员{w.person_id} {w.cycle}："
        parts = []
        if w.earned != w.stored_earned:
            parts.append(f"累计获得为{w.stored_earned}分，按流水汇总为{w.earned}分")
        if w.spent != w.stored_spent:
            parts.append(f"已兑换为{w.stored_spent}分，按兑换记录汇总为{w.spent}分")
        out.append(line + "，".join(parts))
    return out
