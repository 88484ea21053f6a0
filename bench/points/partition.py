"""Experiment (issue 10, "past one machine"): the points ledger and person totals on PostgreSQL,
declaratively partitioned by region (LIST on the county path, one partition per county) against the same
tables unpartitioned, in the same run, at 10,000,000 entries.

The tables mirror ``points_ledgerentry`` and ``points_persontotal`` (same columns, types and indexes as the
app's migrations), in two schemas of one database: ``flat`` (as today) and ``part`` (partitioned). A
partitioned table needs its partition key in every unique constraint, so the chain's ``(scheme, seq)``
becomes ``(county, scheme, seq)`` and the totals' ``(person, period)`` becomes ``(anc1, person, period)``;
the ledger gets a ``county`` column (the depth-1 ancestor of ``region_path``, which the app would have to
add). Schemes are per village, so a chain never spans two partitions.

    .venv/bin/python bench/points/partition.py                 # generate (once) and measure
    .venv/bin/python bench/points/partition.py --fresh         # drop and regenerate
    .venv/bin/python bench/points/partition.py --entries 1000000 --rounds 5   # a quick small run

Data: 16 counties × 10 townships × 25 villages (4,000 village chains), 250 people a village (1,000,000
people), entries spread evenly (10 a person at the default size) over four quarters of 2026; one
person-total row per person and quarter. Loaded with INSERT … SELECT over generate_series, indexes built
afterwards, then VACUUM (ANALYZE) (this machine's PostgreSQL runs with autovacuum off).
Prints a table and writes bench/results/partition.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

COUNTIES, TOWNS, VILLAGES, PEOPLE = 16, 10, 25, 250
DSN_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "tongxin_bench_partition"
DSN = f"postgresql://postgres@127.0.0.1:5432/{DB}"
RESULTS = Path(__file__).resolve().parents[1] / "results"

LEDGER_COLUMNS = """
    id bigint NOT NULL,
    county varchar(255) NOT NULL,
    scheme_id integer NOT NULL,
    seq bigint NOT NULL,
    person_id bigint NOT NULL,
    household_id bigint,
    region_path varchar(255) NOT NULL,
    item_code varchar(32) NOT NULL,
    item_name varchar(100) NOT NULL,
    points integer NOT NULL,
    "on" date NOT NULL,
    source varchar(32) NOT NULL,
    source_ref varchar(64) NOT NULL,
    reason varchar(300) NOT NULL,
    reverses_id bigint,
    actor_id bigint,
    actor_name varchar(150) NOT NULL,
    created_at timestamptz NOT NULL,
    prev_hash varchar(64) NOT NULL,
    hash varchar(64) NOT NULL
"""
TOTAL_COLUMNS = """
    id bigint NOT NULL,
    person_id bigint NOT NULL,
    household_id bigint,
    period varchar(7) NOT NULL,
    points integer NOT NULL,
    region_path varchar(255) NOT NULL,
    anc1 varchar(255) NOT NULL,
    anc2 varchar(255) NOT NULL,
    anc3 varchar(255) NOT NULL,
    is_member boolean NOT NULL
"""


def county_path(c: int) -> str:
    return f"/41/{c:02d}/"


def town_path(c: int, t: int) -> str:
    return f"/41/{c:02d}/{t:02d}/"


def create(cur: Any, schema: str, partitioned: bool) -> None:
    cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    if partitioned:
        cur.execute(f"CREATE TABLE {schema}.ledger ({LEDGER_COLUMNS}) PARTITION BY LIST (county)")
        cur.execute(f"CREATE TABLE {schema}.ptotal ({TOTAL_COLUMNS}) PARTITION BY LIST (anc1)")
        for c in range(COUNTIES):
            cur.execute(
                f"CREATE TABLE {schema}.ledger_c{c:02d} PARTITION OF {schema}.ledger"
                f" FOR VALUES IN ('{county_path(c)}')"
            )
            cur.execute(
                f"CREATE TABLE {schema}.ptotal_c{c:02d} PARTITION OF {schema}.ptotal"
                f" FOR VALUES IN ('{county_path(c)}')"
            )
    else:
        cur.execute(f"CREATE TABLE {schema}.ledger ({LEDGER_COLUMNS})")
        cur.execute(f"CREATE TABLE {schema}.ptotal ({TOTAL_COLUMNS})")
    cur.execute(f"CREATE TABLE {schema}.head (scheme_id integer PRIMARY KEY, seq bigint NOT NULL)")


def load(cur: Any, schema: str, entries: int) -> float:
    """Fill both tables; returns seconds. Person p lives in village p // PEOPLE; village v in township
    v // VILLAGES, county v // (VILLAGES * TOWNS)."""
    people = COUNTIES * TOWNS * VILLAGES * PEOPLE
    per_person = max(1, entries // people)
    t0 = time.perf_counter()
    # Entry e belongs to person e % people; its seq in the village chain is (e // people) * PEOPLE + the
    # person's place in the village + 1, which numbers each chain 1..PEOPLE*per_person without gaps.
    cur.execute(
        f"""
        INSERT INTO {schema}.ledger
        SELECT e, '/41/' || lpad((v / {VILLAGES * TOWNS})::text, 2, '0') || '/',
               v, (e / {people}) * {PEOPLE} + (p % {PEOPLE}) + 1, p, p / 3,
               '/41/' || lpad((v / {VILLAGES * TOWNS})::text, 2, '0') || '/'
                 || lpad(((v / {VILLAGES}) % {TOWNS})::text, 2, '0') || '/' || lpad((v % {VILLAGES})::text, 2, '0') || '/',
               'A' || (e % 20), '参加志愿服务', 1 + (e % 10), date '2026-01-01' + (e % 360)::int,
               'claim', (e / 7)::text, '参加村内环境整治', NULL, 1, '张**', now(),
               md5((e - 1)::text) || md5((e - 1)::text || 'x'), md5(e::text) || md5(e::text || 'x')
        FROM generate_series(0, {people * per_person - 1}) AS e,
             LATERAL (SELECT e % {people} AS p) pp,
             LATERAL (SELECT (e % {people}) / {PEOPLE} AS v) vv
        """
    )
    cur.execute(
        f"""
        INSERT INTO {schema}.ptotal
        SELECT row_number() OVER (), person_id, max(household_id),
               to_char("on", 'YYYY') || 'Q' || to_char("on", 'Q'), sum(points), max(region_path),
               county, substr(max(region_path), 1, 10), max(region_path), (person_id % 4 = 0)
        FROM {schema}.ledger GROUP BY person_id, county, to_char("on", 'YYYY') || 'Q' || to_char("on", 'Q')
        """
    )
    cur.execute(
        f"INSERT INTO {schema}.head SELECT scheme_id, max(seq) FROM {schema}.ledger GROUP BY scheme_id"
    )
    part = schema == "part"
    key = "county, " if part else ""
    tkey = "anc1, " if part else ""
    cur.execute(f"ALTER TABLE {schema}.ledger ADD PRIMARY KEY ({key}id)")
    cur.execute(f"CREATE UNIQUE INDEX ON {schema}.ledger ({key}scheme_id, seq)")
    cur.execute(f'CREATE INDEX ON {schema}.ledger (person_id, "on")')
    cur.execute(f"CREATE INDEX ON {schema}.ledger (region_path varchar_pattern_ops)")
    cur.execute(f"ALTER TABLE {schema}.ptotal ADD PRIMARY KEY ({tkey}id)")
    cur.execute(f"CREATE UNIQUE INDEX ON {schema}.ptotal ({tkey}person_id, period)")
    for a in ("anc1", "anc2", "anc3"):
        cur.execute(f"CREATE INDEX ON {schema}.ptotal (period, {a}, points DESC)")
    return time.perf_counter() - t0


def timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(conn: Any, schema: str, rounds: int, rng: random.Random) -> dict[str, list[float]]:
    cur = conn.cursor()
    res: dict[str, list[float]] = {}

    def town() -> tuple[str, str]:
        c, t = rng.randrange(COUNTIES), rng.randrange(TOWNS)
        return county_path(c), town_path(c, t)

    def board_town() -> None:
        c, t = town()
        cur.execute(
            f"SELECT person_id, points FROM {schema}.ptotal WHERE period = '2026Q2' AND anc1 = %s"
            " AND anc2 = %s ORDER BY points DESC LIMIT 50",
            (c, t),
        )
        cur.fetchall()

    def board_county() -> None:
        c, _ = town()
        cur.execute(
            f"SELECT person_id, points FROM {schema}.ptotal WHERE period = '2026Q2' AND anc1 = %s"
            " ORDER BY points DESC LIMIT 50",
            (c,),
        )
        cur.fetchall()

    def board_province() -> None:
        cur.execute(
            f"SELECT person_id, points FROM {schema}.ptotal WHERE period = '2026Q2'"
            " ORDER BY points DESC LIMIT 50"
        )
        cur.fetchall()

    def rank_town() -> None:
        c, t = town()
        cur.execute(
            f"SELECT count(*) FROM {schema}.ptotal WHERE period = '2026Q2' AND anc1 = %s AND anc2 = %s"
            " AND points > %s",
            (c, t, rng.randrange(5, 40)),
        )
        cur.fetchone()

    def chain_read() -> None:
        v = rng.randrange(COUNTIES * TOWNS * VILLAGES)
        c = county_path(v // (VILLAGES * TOWNS))
        cur.execute(
            f"SELECT seq, prev_hash, hash FROM {schema}.ledger WHERE county = %s AND scheme_id = %s"
            " ORDER BY seq",
            (c, v),
        )
        cur.fetchall()

    def county_summary() -> None:
        c, _ = town()
        cur.execute(
            f"SELECT anc2, count(*), sum(points) FROM {schema}.ptotal WHERE anc1 = %s AND period = '2026Q2'"
            " GROUP BY anc2",
            (c,),
        )
        cur.fetchall()

    def statement() -> None:
        p = rng.randrange(COUNTIES * TOWNS * VILLAGES * PEOPLE)
        v = p // PEOPLE
        c = county_path(v // (VILLAGES * TOWNS))
        cur.execute(
            f'SELECT "on", item_name, points FROM {schema}.ledger WHERE county = %s AND person_id = %s'
            ' ORDER BY "on"',
            (c, p),
        )
        cur.fetchall()

    for name, fn in [
        ("township board, top 50", board_town),
        ("county board, top 50", board_county),
        ("province-wide top 50 (no pruning possible)", board_province),
        ("a person's rank in the township", rank_town),
        ("read one village chain (verify)", chain_read),
        ("county summary by township", county_summary),
        ("a person's statement", statement),
    ]:
        fn()  # warm
        res[name] = timed(fn, rounds)

    conn.autocommit = False
    conflict = "anc1, " if schema == "part" else ""

    def append() -> None:
        p = rng.randrange(COUNTIES * TOWNS * VILLAGES * PEOPLE)
        v = p // PEOPLE
        c = county_path(v // (VILLAGES * TOWNS))
        t = town_path(v // (VILLAGES * TOWNS), (v // VILLAGES) % TOWNS)
        rp = f"{t}{v % VILLAGES:02d}/"
        cur.execute(f"UPDATE {schema}.head SET seq = seq + 1 WHERE scheme_id = %s RETURNING seq", (v,))
        (seq,) = cur.fetchone()
        cur.execute(
            f"INSERT INTO {schema}.ledger VALUES (nextval('{schema}.ids'), %s, %s, %s, %s, %s, %s, 'A1',"
            " '参加志愿服务', 2, date '2026-05-01', 'claim', 'x', '基准', NULL, 1, '张**', now(), %s, %s)",
            (c, v, seq, p, p // 3, rp, "0" * 64, "1" * 64),
        )
        cur.execute(
            f"INSERT INTO {schema}.ptotal VALUES (nextval('{schema}.ids'), %s, %s, '2026Q2', 2, %s, %s, %s,"
            f" %s, false) ON CONFLICT ({conflict}person_id, period)"
            " DO UPDATE SET points = ptotal.points + excluded.points",
            (p, p // 3, rp, c, t, rp),
        )
        conn.commit()

    cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {schema}.ids START 900000000")
    conn.commit()
    append()
    res["append one entry + totals (one transaction)"] = timed(append, rounds * 20)
    conn.autocommit = True
    return res


def sizes(cur: Any, schema: str) -> dict[str, int]:
    cur.execute(
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind IN ('r', 'p')",
        (schema,),
    )
    return {"bytes": int(cur.fetchone()[0] or 0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=10_000_000)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()

    with psycopg.connect(DSN_ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone()
        if args.fresh and exists:
            admin.execute(f"DROP DATABASE {DB}")
            exists = None
        if not exists:
            admin.execute(f"CREATE DATABASE {DB}")
    load_s: dict[str, float] = {}
    with psycopg.connect(DSN, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT to_regclass('part.head') IS NOT NULL AND to_regclass('flat.head') IS NOT NULL")
        if not cur.fetchone()[0]:
            for schema, partitioned in (("flat", False), ("part", True)):
                create(cur, schema, partitioned)
                load_s[schema] = load(cur, schema, args.entries)
                print(f"loaded {schema} in {load_s[schema]:.0f} s", flush=True)
            t0 = time.perf_counter()
            cur.execute("VACUUM (ANALYZE)")
            load_s["vacuum"] = time.perf_counter() - t0
        counts = {s: cur.execute(f"SELECT count(*) FROM {s}.ledger").fetchone()[0] for s in ("flat", "part")}
        results: dict[str, dict[str, list[float]]] = {"flat": {}, "part": {}}
        # Alternate the two layouts, a third of the rounds at a time, so both see the same machine noise.
        for i in range(3):
            for schema in ("flat", "part") if i % 2 == 0 else ("part", "flat"):
                got = measure(conn, schema, max(1, args.rounds // 3), random.Random(1000 + i))
                for k, v in got.items():
                    results[schema].setdefault(k, []).extend(v)
        size = {s: sizes(cur, s)["bytes"] for s in ("flat", "part")}
        # Removing one county's data: a partition is detached and dropped; unpartitioned it is a DELETE.
        t0 = time.perf_counter()
        cur.execute("BEGIN")
        cur.execute("DELETE FROM flat.ledger WHERE county = %s", (county_path(COUNTIES - 1),))
        cur.execute("ROLLBACK")
        delete_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        cur.execute("BEGIN")
        cur.execute(f"ALTER TABLE part.ledger DETACH PARTITION part.ledger_c{COUNTIES - 1:02d}")
        cur.execute("ROLLBACK")
        detach_ms = (time.perf_counter() - t0) * 1000

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
    load1 = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True).stdout.split()[:3]
    print(f"\nledger rows: flat {counts['flat']:,}, partitioned {counts['part']:,}; load average {load1}")
    print("| measurement | unpartitioned median (min–max) | partitioned by county median (min–max) | ratio |")
    print("|---|---|---|---|")
    for k in results["flat"]:
        f, p = results["flat"][k], results["part"][k]
        mf, mp = statistics.median(f), statistics.median(p)
        print(
            f"| {k} | {mf:.2f} ms ({min(f):.2f}–{max(f):.2f}) | {mp:.2f} ms ({min(p):.2f}–{max(p):.2f})"
            f" | {mp / mf:.2f} |"
        )
    print(
        f"| size on disk (tables + indexes) | {size['flat'] / 2**30:.2f} GiB | {size['part'] / 2**30:.2f} GiB | |"
    )
    print(f"| remove one county: DELETE vs DETACH PARTITION | {delete_ms:.0f} ms | {detach_ms:.1f} ms | |")
    if load_s:
        print(f"load seconds: {load_s}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "partition.json").write_text(
        json.dumps(
            {
                "commit": commit.strip(),
                "counts": counts,
                "results": results,
                "sizes": size,
                "load_seconds": load_s,
                "remove_county_ms": {"delete": delete_ms, "detach": detach_ms},
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
