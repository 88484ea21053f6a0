"""Generate the points benchmark data: 1,000,000 people in 300,000 households in 600 villages of 20
townships, a scheme per village, and 10,000,000 hash-chained ledger entries over 2026 with their
per-period totals and wallets — written in bulk (executemany on SQLite, COPY on PostgreSQL) into a
separate database that is kept between runs.

    .venv/bin/python bench/points/generate.py --db sqlite|postgres [--people 1000000 --households 300000 --entries 10000000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import RESULTS, configure

TOWNSHIPS = 20
VILLAGES_PER_TOWNSHIP = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.db == "postgres":
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "tongxin_bench_points"], check=False,
                       capture_output=True)  # fmt: skip
    configure(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tongxin.points.models import Scheme

    started = time.monotonic()
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
    if Scheme.objects.exists():
        villages, spans, schemes = resume()
        print(
            f"resuming: {sum(1 for s in schemes.values() if s.chain_seq == 0)} villages without entries",
            flush=True,
        )
    else:
        villages = build_regions()
        print(f"regions: {len(villages)} villages ({time.monotonic() - started:.0f}s)", flush=True)
        spans = build_people(villages, args.people, args.households)
        print(f"people and households ({time.monotonic() - started:.0f}s)", flush=True)
        schemes = build_schemes(villages)
        print(f"schemes ({time.monotonic() - started:.0f}s)", flush=True)
    per_village = args.entries // len(villages)
    todo = [v for v in villages if schemes[v.pk].chain_seq == 0]
    if todo:
        # Load without secondary indexes, then build them once: far faster than keeping them up to date.
        drop_indexes()
        for n, village in enumerate(todo):
            build_entries(village, schemes[village.pk], spans[village.pk], per_village, seed=village.pk)
            if n % 20 == 19:
                elapsed = time.monotonic() - started
                print(
                    f"entries: {(n + 1) * per_village:,} of {len(todo) * per_village:,} ({elapsed:.0f}s)",
                    flush=True,
                )
    restore_indexes()
    print(f"indexes ({time.monotonic() - started:.0f}s)", flush=True)
    analyse()
    print(f"done in {time.monotonic() - started:.0f}s", flush=True)


TABLES = ["points_ledgerentry", "points_persontotal", "points_householdtotal", "points_wallet"]


def _saved() -> Any:
    from django.db import connection

    return RESULTS / f"points-indexes-{connection.vendor}.json"


def drop_indexes() -> None:
    """Drop the secondary indexes and unique constraints of the ledger and totals tables, keeping their
    definitions in a file so that an interrupted run can still restore them."""
    import json

    from django.db import connection

    path = _saved()
    if path.exists():
        return
    defs: list[list[str]] = []
    with connection.cursor() as cur:
        for table in TABLES:
            if connection.vendor == "sqlite":
                cur.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=%s AND sql IS NOT NULL",
                    [table],
                )
                defs += [[f'DROP INDEX "{name}"', sql] for name, sql in cur.fetchall()]
            else:
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
                    [table],
                )
                cons = cur.fetchall()
                defs += [[f'ALTER TABLE {table} DROP CONSTRAINT "{name}"', f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}']
                         for name, d in cons]  # fmt: skip
                names = {name for name, _ in cons}
                cur.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
                    [table, "%pkey"],
                )
                defs += [[f'DROP INDEX "{name}"', d] for name, d in cur.fetchall() if name not in names]
    path.write_text(json.dumps(defs, ensure_ascii=False, indent=1))
    with connection.cursor() as cur:
        for drop, _ in defs:
            cur.execute(drop)


def restore_indexes() -> None:
    import json

    from django.db import connection

    path = _saved()
    if not path.exists():
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET maintenance_work_mem = '1GB'")
        for _, create in json.loads(path.read_text()):
            t0 = time.monotonic()
            cur.execute(create)
            print(f"  {create[:90]} ({time.monotonic() - t0:.0f}s)", flush=True)
    path.unlink()


def resume() -> tuple[list[Any], dict[int, tuple[int, int, list[int]]], dict[int, Any]]:
    from tongxin.orgs.models import Person, Region

    villages = list(Region.objects.filter(kind="village").order_by("pk"))
    schemes = {s.region_id: s for s in Scheme_objects()}
    spans: dict[int, tuple[int, int, list[int]]] = {}
    for v in villages:
        if schemes[v.pk].chain_seq:
            continue
        rows = list(Person.objects.filter(region=v).order_by("pk").values_list("pk", "household_id"))
        spans[v.pk] = (rows[0][0], rows[-1][0], [h for _, h in rows])
    return villages, spans, schemes


def Scheme_objects() -> Any:
    from tongxin.points.models import Scheme

    return Scheme.objects.all()


def build_regions() -> list[Any]:
    from tongxin.accounts.system import SYSTEM
    from tongxin.orgs import services as org_services

    city = org_services.create_region(actor=SYSTEM, name="基准市", kind="city")
    county = org_services.create_region(actor=SYSTEM, name="基准县", kind="county", parent=city)
    villages = []
    for t in range(TOWNSHIPS):
        town = org_services.create_region(actor=SYSTEM, name=f"第{t + 1}镇", kind="township", parent=county)
        for v in range(VILLAGES_PER_TOWNSHIP):
            villages.append(
                org_services.create_region(
                    actor=SYSTEM, name=f"第{t + 1}镇{v + 1}村", kind="village", parent=town
                )
            )
    return villages


def build_people(villages: list[Any], people: int, households: int) -> dict[int, tuple[int, int, list[int]]]:
    """Households and people, village by village, inserted in bulk with every column's model default;
    returns village id → (first person id, last person id, household id of each person in order)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tongxin.orgs.models import Household, Person

    rng = random.Random(1)
    spans: dict[int, tuple[int, int, list[int]]] = {}
    per_village_people = people // len(villages)
    per_village_households = households // len(villages)
    now = timezone.now()
    for village in villages:
        with transaction.atomic():
            _insert_models(
                connection, Household,
                [{"region_id": village.pk, "region_path": village.path, "number": f"{i:04d}", "created_at": now,
                  "updated_at": now} for i in range(per_village_households)],
            )  # fmt: skip
            hids = list(Household.objects.filter(region=village).order_by("pk").values_list("pk", flat=True))
            members = [hids[i % len(hids)] for i in range(per_village_people)]
            rng.shuffle(members)
            _insert_models(
                connection, Person,
                [{"name": f"村民{village.pk}-{i}", "region_id": village.pk, "region_path": village.path,
                  "household_id": members[i], "created_at": now, "updated_at": now} for i in range(per_village_people)],
            )  # fmt: skip
            ids = list(Person.objects.filter(region=village).order_by("pk").values_list("pk", flat=True))
        spans[village.pk] = (ids[0], ids[-1], members)
        assert ids[-1] - ids[0] + 1 == len(ids)
    return spans


def _insert_models(connection: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows of ``model`` in bulk: given values, else each field's default, prepared as Django would."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    cols = tuple(f.column for f in fields)
    prepared = [
        tuple(f.get_db_prep_save(row.get(f.attname, defaults[f.attname]), connection) for f in fields)
        for row in rows
    ]
    _bulk(connection, model._meta.db_table, cols, prepared)


def build_schemes(villages: list[Any]) -> dict[int, Any]:
    from tongxin.accounts.system import SYSTEM
    from tongxin.points import services
    from tongxin.points.services import ItemSpec

    items = [
        ItemSpec(code="LAB", name="义务劳动", category="labour", points=5, cap_person_month=3),
        ItemSpec(code="VOL", name="志愿服务", category="volunteer", points=3),
        ItemSpec(code="ENV", name="庭院整洁", category="sanitation", points=2),
        ItemSpec(code="FIL", name="孝老爱亲", category="filial", points=8),
        ItemSpec(code="LIT", name="乱倒垃圾", category="sanitation", points=-3),
    ]
    return {
        v.pk: services.create_scheme(actor=SYSTEM, region=v, name=f"{v.name}积分方案", items=items,
                                     effective_from=date(2026, 1, 1))
        for v in villages
    }  # fmt: skip


ITEMS = [
    ("LAB", "义务劳动", 5),
    ("VOL", "志愿服务", 3),
    ("ENV", "庭院整洁", 2),
    ("FIL", "孝老爱亲", 8),
    ("LIT", "乱倒垃圾", -3),
]
WEIGHTS = [40, 30, 20, 5, 5]


def build_entries(village: Any, scheme: Any, span: tuple[int, int, list[int]], n: int, seed: int) -> None:
    from django.db import connection, transaction

    from tongxin.points import chain, periods
    from tongxin.points.ledger import ancestors
    from tongxin.points.models import HouseholdTotal, LedgerEntry, PersonTotal, Scheme, Wallet

    rng = random.Random(seed)
    first, last, households = span
    anc = ancestors(village.path)
    start = date(2026, 1, 1)
    days = sorted(rng.randrange(365) for _ in range(n))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    head = chain.GENESIS
    rows: list[tuple[Any, ...]] = []
    ptot: dict[tuple[int, str], int] = defaultdict(int)
    htot: dict[tuple[int, str], int] = defaultdict(int)
    wallet: dict[int, int] = defaultdict(int)
    picks = rng.choices(range(len(ITEMS)), weights=WEIGHTS, k=n)
    for seq in range(1, n + 1):
        pid = rng.randint(first, last)
        hid = households[pid - first]
        on = start + timedelta(days=days[seq - 1])
        code, name, pts = ITEMS[picks[seq - 1]]
        created = base + timedelta(days=days[seq - 1], microseconds=seq)
        ref = f"{village.pk}:{seq}"
        fields = (scheme.pk, seq, pid, hid, village.path, code, name, pts, on, "bench", ref, name, None, None,
                  "系统", created, head)  # fmt: skip
        digest = chain.digest(chain.canonical_values(chain.CURRENT, fields))
        rows.append((*fields, digest))
        head = digest
        for p in periods.keys_of(on):
            ptot[(pid, p)] += pts
            htot[(hid, p)] += pts
        wallet[pid] += pts
    cols = (*chain.ALL_FIELDS, "hash")  # the fields of the current hash format, in its order
    prow = [
        (pid, p, v, village.path, *anc, households[pid - first], pid % 10 == 0)
        for (pid, p), v in ptot.items()
    ]
    hrow = [(hid, p, v, village.path, *anc) for (hid, p), v in htot.items()]
    wrow = [(scheme.pk, pid, "2026", v, 0) for pid, v in wallet.items()]
    from tongxin.points.ledger import HOUSEHOLD_TOTAL_COLUMNS as hcols
    from tongxin.points.ledger import PERSON_TOTAL_COLUMNS as pcols
    from tongxin.points.ledger import WALLET_COLUMNS as wcols

    with transaction.atomic():
        _bulk(connection, LedgerEntry._meta.db_table, cols, rows)
        _bulk(connection, PersonTotal._meta.db_table, pcols, prow)
        _bulk(connection, HouseholdTotal._meta.db_table, hcols, hrow)
        _bulk(connection, Wallet._meta.db_table, wcols, wrow)
        Scheme.objects.filter(pk=scheme.pk).update(chain_seq=n, chain_head=head)


def _bulk(connection: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    quoted = ", ".join(f'"{c}"' for c in cols)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in cols)
            for i in range(0, len(rows), 10000):
                cur.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows[i : i + 10000])


def analyse() -> None:
    """Planner statistics; on PostgreSQL also VACUUM, which sets the visibility map so rank counts
    are index-only scans. Autovacuum does this after a bulk load in normal operation, but this
    machine's PostgreSQL runs with autovacuum off, so the generator does it itself."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


if __name__ == "__main__":
    main()
