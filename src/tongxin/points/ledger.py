"""Appending to the ledger: the one place entries, chain heads and totals are written together.

Only services call ``append_entries`` (inside their transaction). It locks the scheme row, so appends
to one scheme are serialised; it then writes the entries with their hashes, moves the chain head and
adds the points to the per-period totals and the spendable wallets with upserts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.db import connection
from django.utils import timezone

from tongxin.orgs.models import Household, Membership, Person
from tongxin.points import chain, periods
from tongxin.points.models import (
    HouseholdTotal,
    LedgerEntry,
    PersonTotal,
    PointItem,
    Scheme,
    SchemeVersion,
    Wallet,
)

MEMBER_STATUSES = (Membership.Status.PROBATIONARY, Membership.Status.FULL)


@dataclass(frozen=True)
class EntrySpec:
    person: Person
    household_id: int | None
    item_code: str
    item_name: str
    points: int
    on: date
    source: str
    source_ref: str
    reason: str
    reverses_id: int | None = None


def ancestors(path: str) -> tuple[str, str, str]:
    """The paths of the ancestors at depth 1, 2 and 3 of a region path ('' when shallower)."""
    segs = [s for s in path.split("/") if s]
    out = []
    for depth in (1, 2, 3):
        out.append("/" + "/".join(segs[: depth + 1]) + "/" if len(segs) > depth else "")
    return out[0], out[1], out[2]


def version_on(scheme: Scheme, day: date) -> SchemeVersion:
    """The version of ``scheme`` in force on ``day`` (the first version for earlier days)."""
    version = scheme.versions.filter(effective_from__lte=day).order_by("-effective_from", "-number").first()
    if version is None:
        version = scheme.versions.order_by("effective_from", "number").first()
    if version is None:
        raise LookupError(f"积分方案 {scheme.pk} 没有任何版本")
    return version


class _HasReset(Protocol):  # a SchemeVersion, or the cached VersionRules of one
    @property
    def reset(self) -> str: ...


def cycle_of(version: _HasReset, day: date) -> str:
    return str(day.year) if version.reset == SchemeVersion.Reset.YEARLY else "all"


# --- the scheme row an append locks, and the scheme's rules cached per process ----------------------


@dataclass
class LockedScheme:
    """The columns of a scheme row an append needs, read by the statement that locks the row."""

    pk: int
    name: str
    chain_seq: int
    chain_head: str
    rules_stamp: str


_LOCK_COLUMNS = "id, name, chain_seq, chain_head, rules_stamp"


def _locked(sql: str, params: list[Any]) -> LockedScheme | None:
    if connection.features.has_select_for_update:  # SQLite: transactions are IMMEDIATE, the file is locked
        sql += " FOR UPDATE"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return LockedScheme(*row) if row else None


def lock_scheme(scheme_id: int) -> LockedScheme:
    """Lock scheme ``scheme_id`` for an append (one statement, no ORM: this is the hot path)."""
    locked = _locked(f"SELECT {_LOCK_COLUMNS} FROM {Scheme._meta.db_table} WHERE id = %s", [scheme_id])  # noqa: S608
    if locked is None:
        raise Scheme.DoesNotExist(f"积分方案 {scheme_id} 不存在")
    return locked


def lock_scheme_covering(region_path: str) -> LockedScheme | None:
    """Find and lock the active scheme of the nearest region at or above ``region_path`` (what
    ``selectors.scheme_covering`` answers) in one statement; None when no scheme covers it."""
    segs = [s for s in region_path.split("/") if s]
    paths = ["/" + "/".join(segs[: i + 1]) + "/" for i in range(len(segs))] or ["/"]
    marks = ", ".join(["%s"] * len(paths))
    return _locked(
        f"SELECT {_LOCK_COLUMNS} FROM {Scheme._meta.db_table} WHERE region_path IN ({marks}) AND is_active "  # noqa: S608
        "ORDER BY region_path DESC LIMIT 1",
        paths,
    )


@dataclass(frozen=True)
class VersionRules:
    """What appends need of a scheme version: its dates, reset and accrual, and its items' names."""

    number: int
    effective_from: date
    reset: str
    accrual: str
    items: dict[str, str]  # code -> name


_RULES: dict[tuple[int, str], tuple[VersionRules, ...]] = {}
_RULES_MAX = 1024


def scheme_rules(scheme: LockedScheme) -> tuple[VersionRules, ...]:
    """The versions of ``scheme`` (oldest first) with their items. Versions and items are never
    changed and every new version gives the scheme a new ``rules_stamp``, so they are cached per
    process under (scheme, stamp): an append reads them once per scheme and version, not per call."""
    key = (scheme.pk, scheme.rules_stamp)
    rules = _RULES.get(key)
    if rules is None:
        items: dict[int, dict[str, str]] = defaultdict(dict)
        for version_id, code, name in PointItem.objects.filter(version__scheme_id=scheme.pk).values_list(
            "version_id", "code", "name"
        ):
            items[version_id][code] = name
        rules = tuple(
            VersionRules(number=n, effective_from=start, reset=reset, accrual=accrual, items=items[pk])
            for pk, n, start, reset, accrual in SchemeVersion.objects.filter(scheme_id=scheme.pk)
            .order_by("effective_from", "number")
            .values_list("pk", "number", "effective_from", "reset", "accrual")
        )
        if not rules:
            raise LookupError(f"积分方案 {scheme.pk} 没有任何版本")
        if len(_RULES) >= _RULES_MAX:
            _RULES.clear()
        _RULES[key] = rules
    return rules


def rules_on(rules: tuple[VersionRules, ...], day: date) -> VersionRules:
    """The version in force on ``day`` (the first version for earlier days), as ``version_on``."""
    best = rules[0]
    for version in rules:
        if version.effective_from <= day:
            best = version  # ordered by (effective_from, number): the last one that started wins
    return best


def member_ids(person_ids: list[int]) -> set[int]:
    return set(
        Membership.objects.filter(person_id__in=person_ids, status__in=MEMBER_STATUSES).values_list(
            "person_id", flat=True
        )
    )


# The entry columns written: the fields of the current hash format, then the hash.
_COLUMNS = (*chain.ALL_FIELDS, "hash")


_ENTRY_FIELDS = [f.attname for f in LedgerEntry._meta.concrete_fields]


# Column order of the rows ``_add_to_totals`` builds (and the benchmark generator loads).
PERSON_TOTAL_COLUMNS = (
    "person_id", "period", "points", "region_path", "anc1", "anc2", "anc3", "household_id", "is_member",
)  # fmt: skip
HOUSEHOLD_TOTAL_COLUMNS = ("household_id", "period", "points", "region_path", "anc1", "anc2", "anc3")
WALLET_COLUMNS = ("scheme_id", "person_id", "cycle", "earned", "spent")


def insert_rows(cur: Any, model: Any, columns: tuple[str, ...], rows: list[Any], tail: str = "") -> None:
    """``INSERT INTO model (columns) ... tail`` for ``rows``. On PostgreSQL one statement that unnests
    one array per column (a round trip per row is most of the cost of a bulk append there, and a
    multi-row VALUES list costs as much again in client-side parameter binding); on SQLite a
    prepared statement run per row (no round trips to save)."""
    if not rows:
        return
    table = model._meta.db_table
    head = f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in columns)})"
    if connection.vendor != "postgresql":
        cur.executemany(f"{head} VALUES ({', '.join(['%s'] * len(columns))}){tail}", rows)
        return
    fields = {f.column: f for f in model._meta.concrete_fields}
    types = [fields[c].db_type(connection) for c in columns]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    cur.execute(
        f"{head} SELECT * FROM unnest({arrays}){tail}",  # noqa: S608 — names and types come from the model
        [list(col) for col in zip(*rows, strict=True)],
    )


def append_entries(
    *,
    scheme_id: int,
    specs: list[EntrySpec],
    actor: Any,  # a User, SYSTEM (stored as no user, named 系统) or None
    locked: LockedScheme | None = None,
    unless_recorded: bool = False,
) -> list[LedgerEntry]:
    """Append ``specs`` to the chain of scheme ``scheme_id`` and update the totals. Call inside a
    transaction (a service); ``locked`` is the scheme row when the caller has locked it already.
    Returns the new entries, in chain order.

    ``unless_recorded`` (one spec only): when an entry of the same (source, source_ref, person) exists,
    write nothing and return ``[]`` — the INSERT skips the conflict, so an idempotent award needs
    neither a look-up first nor a savepoint to survive the unique constraint."""
    if not specs:
        return []
    if unless_recorded and len(specs) != 1:
        raise ValueError("unless_recorded appends one entry at a time (a skipped row would break the chain)")
    scheme = locked if locked is not None and locked.pk == scheme_id else lock_scheme(scheme_id)
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_name = chain.clean_text(actor.get_username() if actor_id else "系统")[:150]
    seq = scheme.chain_seq
    head = scheme.chain_head or chain.GENESIS
    rows: list[tuple[Any, ...]] = []
    ops = connection.ops
    created = ops.adapt_datetimefield_value(now)
    first_seq = seq + 1
    for spec in specs:
        seq += 1
        fields = {
            "scheme_id": scheme.pk, "seq": seq, "person_id": spec.person.pk, "household_id": spec.household_id,
            "region_path": spec.person.region_path, "item_code": chain.clean_text(spec.item_code),
            "item_name": chain.clean_text(spec.item_name)[:100], "points": spec.points, "on": spec.on,
            "source": chain.clean_text(spec.source), "source_ref": chain.clean_text(spec.source_ref),
            "reason": chain.clean_text(spec.reason)[:300], "reverses_id": spec.reverses_id,
            "actor_id": actor_id, "actor_name": actor_name, "created_at": now, "prev_hash": head,
        }  # fmt: skip
        digest = chain.entry_hash(**fields)
        fields.update(on=ops.adapt_datefield_value(spec.on), created_at=created)
        rows.append((*(fields[c] for c in _COLUMNS[:-1]), digest))
        head = digest
    # Plain INSERTs rather than bulk_create: appends are the hot path (a group claim, a bulk award),
    # and every value is already prepared.
    with connection.cursor() as cur:
        ids = _insert_entries(cur, rows, first_seq, seq, unless_recorded=unless_recorded)
        if not ids:
            return []
        cur.execute(
            f"UPDATE {Scheme._meta.db_table} SET chain_seq = %s, chain_head = %s WHERE id = %s",  # noqa: S608
            [seq, head, scheme.pk],
        )
    _add_to_totals(scheme, specs)
    # The entries as stored, built from the values just written rather than read back (``from_db``
    # with every concrete field in order: Django's fast positional path).
    entries = []
    for spec, row in zip(specs, rows, strict=True):
        values = dict(zip(_COLUMNS, row, strict=True))
        values.update(id=ids[values["seq"]], on=spec.on, created_at=now)
        entry = LedgerEntry.from_db(connection.alias, _ENTRY_FIELDS, [values[f] for f in _ENTRY_FIELDS])
        entry.person = spec.person
        entries.append(entry)
    scheme.chain_seq, scheme.chain_head = seq, head
    return entries


def _insert_entries(
    cur: Any, rows: list[tuple[Any, ...]], first_seq: int, last_seq: int, *, unless_recorded: bool = False
) -> dict[int, int]:
    """INSERT the entry rows; returns their ids by seq (empty when ``unless_recorded`` skipped the one
    row). One row or PostgreSQL: ``RETURNING``; many rows on SQLite: ``executemany``, then the ids of
    the seq range (an index range of the chain)."""
    table = LedgerEntry._meta.db_table
    skip = ' ON CONFLICT ("source", "source_ref", "person_id") DO NOTHING' if unless_recorded else ""
    if len(rows) == 1 and connection.vendor != "postgresql":
        names = ", ".join(f'"{c}"' for c in _COLUMNS)
        cur.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}){skip} RETURNING id, seq",  # noqa: S608
            rows[0],
        )
        return {seq: pk for pk, seq in cur.fetchall()}
    insert_rows(
        cur,
        LedgerEntry,
        _COLUMNS,
        rows,
        skip + (" RETURNING id, seq" if connection.vendor == "postgresql" else ""),
    )
    if connection.vendor == "postgresql":
        return {seq: pk for pk, seq in cur.fetchall()}
    scheme_id = rows[0][0]
    cur.execute(
        f"SELECT seq, id FROM {table} WHERE scheme_id = %s AND seq BETWEEN %s AND %s",  # noqa: S608
        [scheme_id, first_seq, last_seq],
    )
    return dict(cur.fetchall())


def _members_and_households(person_ids: set[int], household_ids: set[int]) -> tuple[set[int], dict[int, str]]:
    """Which of the people are party members (``member_ids``) and the region of each household, in
    one statement (an append runs once per award; two ORM queries cost as much as the writes)."""
    sql = (
        f"SELECT 'm', person_id, '' FROM {Membership._meta.db_table} "  # noqa: S608
        f"WHERE person_id IN ({', '.join(['%s'] * len(person_ids))}) "
        f"AND status IN ({', '.join(['%s'] * len(MEMBER_STATUSES))})"
    )
    params: list[Any] = [*person_ids, *MEMBER_STATUSES]
    if household_ids:
        sql += (
            f" UNION ALL SELECT 'h', id, region_path FROM {Household._meta.db_table} "  # noqa: S608
            f"WHERE id IN ({', '.join(['%s'] * len(household_ids))})"
        )
        params += list(household_ids)
    members: set[int] = set()
    paths: dict[int, str] = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for kind, pk, path in cur.fetchall():
            if kind == "m":
                members.add(pk)
            else:
                paths[pk] = path
    return members, paths


def _add_to_totals(scheme: LockedScheme, specs: list[EntrySpec]) -> None:
    members, household_paths = _members_and_households(
        {s.person.pk for s in specs}, {s.household_id for s in specs if s.household_id}
    )
    person_rows: dict[tuple[int, str], list[Any]] = {}
    household_rows: dict[tuple[int, str], list[Any]] = {}
    wallets: dict[tuple[int, str], int] = defaultdict(int)
    rules = scheme_rules(scheme)
    versions: dict[date, VersionRules] = {}
    for spec in specs:
        person = spec.person
        anc = ancestors(person.region_path)
        for period in periods.keys_of(spec.on):
            row = person_rows.get((person.pk, period))
            if row is None:
                person_rows[(person.pk, period)] = [
                    person.pk, period, spec.points, person.region_path, *anc,
                    spec.household_id, person.pk in members,
                ]  # fmt: skip
            else:
                row[2] += spec.points
            if spec.household_id:
                hpath = household_paths.get(spec.household_id, person.region_path)
                hrow = household_rows.get((spec.household_id, period))
                if hrow is None:
                    household_rows[(spec.household_id, period)] = [
                        spec.household_id, period, spec.points, hpath, *ancestors(hpath),
                    ]  # fmt: skip
                else:
                    hrow[2] += spec.points
        if spec.on not in versions:
            versions[spec.on] = rules_on(rules, spec.on)
        wallets[(person.pk, cycle_of(versions[spec.on], spec.on))] += spec.points
    pt, ht, wt = PersonTotal._meta.db_table, HouseholdTotal._meta.db_table, Wallet._meta.db_table
    with connection.cursor() as cur:
        insert_rows(
            cur,
            PersonTotal,
            PERSON_TOTAL_COLUMNS,
            [person_rows[k] for k in sorted(person_rows)],
            f" ON CONFLICT (person_id, period) DO UPDATE SET points = {pt}.points + excluded.points,"
            " region_path = excluded.region_path, anc1 = excluded.anc1, anc2 = excluded.anc2,"
            " anc3 = excluded.anc3, household_id = excluded.household_id, is_member = excluded.is_member",
        )
        insert_rows(
            cur,
            HouseholdTotal,
            HOUSEHOLD_TOTAL_COLUMNS,
            [household_rows[k] for k in sorted(household_rows)],
            f" ON CONFLICT (household_id, period) DO UPDATE SET points = {ht}.points + excluded.points",
        )
        insert_rows(
            cur,
            Wallet,
            WALLET_COLUMNS,
            [[scheme.pk, pid, cycle, pts, 0] for (pid, cycle), pts in sorted(wallets.items())],
            f" ON CONFLICT (scheme_id, person_id, cycle) DO UPDATE SET earned = {wt}.earned + excluded.earned",
        )
