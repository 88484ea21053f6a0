"""Appending to the ledger: the one place entries, chain heads and totals are written together.

Only services call ``append_entries`` (inside their transaction). It locks the scheme row, so appends
to one scheme are serialised; it then writes the entries with their hashes, moves the chain head and
adds the points to the per-period totals and the spendable wallets with upserts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from tongxin.orgs.models import Household, Membership, Person
from tongxin.points import chain, periods
from tongxin.points.models import HouseholdTotal, LedgerEntry, PersonTotal, Scheme, SchemeVersion, Wallet

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


def cycle_of(version: SchemeVersion, day: date) -> str:
    return str(day.year) if version.reset == SchemeVersion.Reset.YEARLY else "all"


def member_ids(person_ids: list[int]) -> set[int]:
    return set(
        Membership.objects.filter(person_id__in=person_ids, status__in=MEMBER_STATUSES).values_list(
            "person_id", flat=True
        )
    )


# The entry columns written: the fields of the current hash format, then the hash.
_COLUMNS = (*chain.ALL_FIELDS, "hash")


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


def append_entries(*, scheme_id: int, specs: list[EntrySpec], actor: Any) -> list[LedgerEntry]:
    """Append ``specs`` to the chain of scheme ``scheme_id`` and update the totals. Call inside a
    transaction (a service). Returns the new entries, in chain order."""
    if not specs:
        return []
    scheme = Scheme.objects.select_for_update().get(pk=scheme_id)
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
        insert_rows(cur, LedgerEntry, _COLUMNS, rows)
    entries = list(
        LedgerEntry.objects.filter(scheme_id=scheme.pk, seq__gte=first_seq, seq__lte=seq).order_by("seq")
    )
    Scheme.objects.filter(pk=scheme.pk).update(chain_seq=seq, chain_head=head)
    _add_to_totals(scheme, specs)
    return entries


def _add_to_totals(scheme: Scheme, specs: list[EntrySpec]) -> None:
    members = member_ids([s.person.pk for s in specs])
    person_rows: dict[tuple[int, str], list[Any]] = {}
    household_rows: dict[tuple[int, str], list[Any]] = {}
    wallets: dict[tuple[int, str], int] = defaultdict(int)
    household_paths = dict(
        Household.objects.filter(pk__in={s.household_id for s in specs if s.household_id}).values_list(
            "pk", "region_path"
        )
    )
    versions: dict[date, SchemeVersion] = {}
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
            versions[spec.on] = version_on(scheme, spec.on)
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
