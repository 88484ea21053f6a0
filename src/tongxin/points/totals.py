"""Rebuilding the derived tables (person totals, household totals, wallets) from the ledger and the
redemptions: ``tongxin points rebuild-totals``. The ledger is the record; these tables are a cache
that ``append_entries`` keeps up to date and that ``points verify --totals`` checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.orgs.models import Household
from tongxin.points import verify
from tongxin.points.ledger import (
    HOUSEHOLD_TOTAL_COLUMNS,
    PERSON_TOTAL_COLUMNS,
    WALLET_COLUMNS,
    ancestors,
    insert_rows,
    member_ids,
)
from tongxin.points.models import HouseholdTotal, LedgerEntry, PersonTotal, Redemption, Scheme, Wallet

BATCH = 10000


@dataclass(frozen=True)
class Rebuilt:
    differences: int  # rows that differed from the ledger before the rebuild
    person_totals: int
    household_totals: int
    wallets: int


def _period_sums(key: str, where: str) -> list[tuple[Any, ...]]:
    """(key, period, points, id of the last entry) per month, quarter and year, summed in SQL."""
    le = LedgerEntry._meta.db_table
    q = verify.quarter_sql("period")
    sql = f"""
        WITH m AS (SELECT {key} AS k, {verify.month_sql()} AS period, SUM(points) AS pts, MAX(id) AS last
                   FROM {le}{where} GROUP BY 1, 2)
        SELECT k, period, pts, last FROM m
        UNION ALL SELECT k, {q}, SUM(pts), MAX(last) FROM m GROUP BY 1, 2
        UNION ALL SELECT k, substr(period, 1, 4), SUM(pts), MAX(last) FROM m GROUP BY 1, 2
        ORDER BY 1, 2
    """  # noqa: S608 — table and column names come from the models
    with connection.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def _person_rows() -> list[list[Any]]:
    # A total carries the region and household of the person's last entry in the period, as the
    # upsert in append_entries leaves it; membership is read as it is now.
    sums = _period_sums("person_id", "")
    rows: list[list[Any]] = []
    for i in range(0, len(sums), BATCH):
        batch = sums[i : i + BATCH]
        last = dict(
            (pk, (path, hid))
            for pk, path, hid in LedgerEntry.objects.filter(pk__in={r[3] for r in batch}).values_list(
                "pk", "region_path", "household_id"
            )
        )
        members = member_ids(list({r[0] for r in batch}))
        for pid, period, pts, last_id in batch:
            path, hid = last[last_id]
            rows.append([pid, period, int(pts), path, *ancestors(path), hid, pid in members])
    return rows


def _household_rows() -> list[list[Any]]:
    sums = _period_sums("household_id", " WHERE household_id IS NOT NULL")
    rows: list[list[Any]] = []
    for i in range(0, len(sums), BATCH):
        batch = sums[i : i + BATCH]
        paths = dict(Household.objects.filter(pk__in={r[0] for r in batch}).values_list("pk", "region_path"))
        rows += [[hid, period, int(pts), paths[hid], *ancestors(paths[hid])] for hid, period, pts, _ in batch]
    return rows


def _wallet_rows() -> list[list[Any]]:
    le, rd = LedgerEntry._meta.db_table, Redemption._meta.db_table
    cycle, params = verify.cycle_sql()
    sql = f"""
        SELECT s, p, c, SUM(el), SUM(sr) FROM (
            SELECT scheme_id AS s, person_id AS p, {cycle} AS c, SUM(points) AS el, 0 AS sr FROM {le} GROUP BY 1, 2, 3
            UNION ALL SELECT scheme_id, person_id, cycle, 0, SUM(points) FROM {rd} GROUP BY 1, 2, 3
        ) x GROUP BY s, p, c ORDER BY s, p, c
    """  # noqa: S608 — table and column names come from the models
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [[s, p, c, int(earned), int(spent)] for s, p, c, earned, spent in cur.fetchall()]


@service("points.totals.rebuild")
def rebuild_totals(*, actor: User) -> Rebuilt:
    """Replace person totals, household totals and wallets with what the ledger and the redemptions
    say, in one transaction. Appends and redemptions wait for it (the scheme rows and the tables are
    locked), and running it again changes nothing. Audited with the number of rows that differed."""
    list(Scheme.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    tables = [m._meta.db_table for m in (PersonTotal, HouseholdTotal, Wallet, LedgerEntry, Redemption)]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Reads go on; writers (appends, redemptions) queue until the rebuild commits. SQLite
            # needs nothing: its write transactions are already serialised (IMMEDIATE).
            cur.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
    differences = len(verify.totals_mismatches())
    before = {
        "person_totals": PersonTotal.objects.count(),
        "household_totals": HouseholdTotal.objects.count(),
        "wallets": Wallet.objects.count(),
    }
    person_rows, household_rows, wallet_rows = _person_rows(), _household_rows(), _wallet_rows()
    with connection.cursor() as cur:
        for model in (PersonTotal, HouseholdTotal, Wallet):
            cur.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 — the model's table
        for i in range(0, max(len(person_rows), len(household_rows), len(wallet_rows)), BATCH):
            insert_rows(cur, PersonTotal, PERSON_TOTAL_COLUMNS, person_rows[i : i + BATCH])
            insert_rows(cur, HouseholdTotal, HOUSEHOLD_TOTAL_COLUMNS, household_rows[i : i + BATCH])
            insert_rows(cur, Wallet, WALLET_COLUMNS, wallet_rows[i : i + BATCH])
    result = Rebuilt(
        differences=differences,
        person_totals=len(person_rows),
        household_totals=len(household_rows),
        wallets=len(wallet_rows),
    )
    audit.record(
        actor=actor, action="points.totals.rebuild", target_type="points.ledger", before=before,
        after={"differences": differences, "person_totals": result.person_totals,
               "household_totals": result.household_totals, "wallets": result.wallets},
    )  # fmt: skip
    return result
