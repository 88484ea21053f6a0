"""The award path as a caller sees it, beside the raw database limit, in the same run.

    .venv/bin/python bench/points/award.py --db sqlite|postgres [--reps 7] [--calls 300] [--profile]

Builds its own small database (a fresh SQLite file under bench/results/award-sqlite/, or the PostgreSQL
database ``tx_points_award``): one county, township and village, a village scheme, 2,000 people in
500 households and ``--preload`` ledger entries. Then, ``--reps`` times, in alternating order:

* **service** — ``award_points``, one call per transaction, each with its audit row (what a case or a
  volunteer record calls);
* **internal** — ``append_entries`` of one entry in its own transaction (no validation, no audit);
* **internal+audit** — the same with the audit row ``award_points`` writes, in the same transaction;
* **raw** — the bare statements of one append in one transaction: INSERT the entry (hash computed in
  Python), move the chain head, upsert the person's month/quarter/year totals, the household's and
  the wallet; no ORM;
* **finalise** — a 100-person group claim recorded and approved, then finalised by
  ``finalise_due_claims`` (entries written per second of the finalisation).

Prints medians and min–max over the repetitions (the spread is the machine's noise), the ratio
service/raw, and the database queries one ``award_points`` call makes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PG_BASE = "postgres://postgres@127.0.0.1:5432/"
PG_NAME = "tx_points_award"
ON = date(2026, 5, 12)


def configure(db: str, src: Path) -> None:
    os.environ.update({"TONGXIN_LOG_LEVEL": "ERROR"})
    data = RESULTS / f"award-{db}"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    os.environ["TONGXIN_DATA_DIR"] = str(data)
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["TONGXIN_DATABASE_URL"] = PG_BASE + PG_NAME
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    sys.path.insert(0, str(src))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--preload", type=int, default=20000)
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="PostgreSQL: SET synchronous_commit = off for this session, for every kind alike (separates the"
        " wait for the WAL flush, which a disk shared with other work makes slow, from the cost of the code)",
    )
    parser.add_argument(
        "--profile",
        choices=["service", "internal+audit", "finalise"],
        help="profile 300 award_points calls, 300 audited internal appends or 5 finalisations, and stop",
    )
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src",
        help="the source tree to measure (e.g. an older commit unpacked with git archive), for before/after",
    )  # fmt: skip
    args = parser.parse_args()
    configure(args.db, args.src)

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tongxin.accounts import services as account_services
    from tongxin.accounts.system import SYSTEM
    from tongxin.core import audit
    from tongxin.orgs import services as org_services
    from tongxin.orgs.models import Household, Person
    from tongxin.points import chain, periods, services
    from tongxin.points.ledger import EntrySpec, ancestors, append_entries, insert_rows
    from tongxin.points.models import HouseholdTotal, LedgerEntry, PersonTotal, Scheme, Wallet

    if args.async_commit and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
    t0 = time.perf_counter()
    county = org_services.create_region(actor=SYSTEM, name="基准县", kind="county")
    town = org_services.create_region(actor=SYSTEM, name="基准镇", kind="township", parent=county)
    village = org_services.create_region(actor=SYSTEM, name="基准村", kind="village", parent=town)
    scheme = services.create_scheme(
        actor=SYSTEM, region=village, name="基准村积分方案", effective_from=date(2026, 1, 1),
        items=[services.ItemSpec(code="LAB", name="义务劳动", category="labour", points=5)],
    )  # fmt: skip
    heads = []
    for h in range(500):
        head = Person.objects.create(name=f"户主{h}", region=village, region_path=village.path)
        heads.append(head)
    households = Household.objects.bulk_create(
        [
            Household(region=village, region_path=village.path, head=p, number=f"{i:04d}")
            for i, p in enumerate(heads)
        ]
    )
    Person.objects.bulk_create(
        [
            Person(name=f"村民{h}-{k}", region=village, region_path=village.path, household=households[h])
            for h in range(500)
            for k in range(3)
        ]
    )
    for p, hh in zip(heads, households, strict=True):
        p.household = hh
    Person.objects.bulk_update(heads, ["household"])
    people = list(Person.objects.filter(region=village).order_by("pk"))
    recorder = account_services.create_user(
        actor=SYSTEM, username="bench-recorder", real_name="记分员", password="Bench-pass-2026",
        must_change_password=False,
    )  # fmt: skip
    reviewer = account_services.create_user(
        actor=SYSTEM, username="bench-reviewer", real_name="审核员", password="Bench-pass-2026",
        must_change_password=False,
    )  # fmt: skip
    account_services.grant_role(actor=SYSTEM, user=recorder, role="points_recorder", node=village)
    account_services.grant_role(actor=SYSTEM, user=reviewer, role="points_reviewer", node=village)
    done = 0
    while done < args.preload:
        batch = people[: min(1000, args.preload - done)]
        with transaction.atomic():
            append_entries(
                scheme_id=scheme.pk,
                specs=[
                    EntrySpec(person=p, household_id=p.household_id, item_code="LAB", item_name="义务劳动", points=5,
                              on=ON - timedelta(days=(done + i) % 120), source="bench.preload",
                              source_ref=f"{done + i}", reason="预置")
                    for i, p in enumerate(batch)
                ],
                actor=SYSTEM,
            )  # fmt: skip
        done += len(batch)
    print(
        f"{connection.vendor}: {len(people)} people, {LedgerEntry.objects.count()} entries "
        f"(set-up {time.perf_counter() - t0:.0f} s)",
        flush=True,
    )

    counter = iter(range(10**9))

    def service(n: int) -> float:
        run = next(counter)
        t = time.perf_counter()
        for i in range(n):
            services.award_points(
                actor=recorder, person=people[(run * n + i) % len(people)], points=5, source="bench.service",
                source_ref=f"{run}-{i}", reason="有效上报隐患", on=ON, item_code="LAB",
            )  # fmt: skip
        return n / (time.perf_counter() - t)

    def internal(n: int) -> float:
        run = next(counter)
        t = time.perf_counter()
        for i in range(n):
            p = people[(run * n + i) % len(people)]
            with transaction.atomic():
                append_entries(
                    scheme_id=scheme.pk,
                    specs=[EntrySpec(person=p, household_id=p.household_id, item_code="LAB", item_name="义务劳动",
                                     points=5, on=ON, source="bench.internal", source_ref=f"{run}-{i}",
                                     reason="有效上报隐患")],
                    actor=recorder,
                )  # fmt: skip
        return n / (time.perf_counter() - t)

    def internal_audit(n: int) -> float:
        run = next(counter)
        t = time.perf_counter()
        for i in range(n):
            p = people[(run * n + i) % len(people)]
            with transaction.atomic():
                (entry,) = append_entries(
                    scheme_id=scheme.pk,
                    specs=[EntrySpec(person=p, household_id=p.household_id, item_code="LAB", item_name="义务劳动",
                                     points=5, on=ON, source="bench.audited", source_ref=f"{run}-{i}",
                                     reason="有效上报隐患")],
                    actor=recorder,
                )  # fmt: skip
                audit.record(actor=recorder, action="points.award", target=entry,
                             after={"person": p.pk, "points": 5, "source": "bench.audited", "source_ref": f"{run}-{i}"})  # fmt: skip
        return n / (time.perf_counter() - t)

    pt, ht, wt = PersonTotal._meta.db_table, HouseholdTotal._meta.db_table, Wallet._meta.db_table
    st = Scheme._meta.db_table
    cols = (
        "scheme_id", "seq", "person_id", "household_id", "region_path", "item_code", "item_name", "points", "on",
        "source", "source_ref", "reason", "reverses_id", "actor_id", "actor_name", "created_at", "prev_hash", "hash",
    )  # fmt: skip
    anc = ancestors(village.path)

    def raw(n: int) -> float:
        run = next(counter)
        ops = connection.ops
        t = time.perf_counter()
        for i in range(n):
            p = people[(run * n + i) % len(people)]
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(f"SELECT chain_seq, chain_head FROM {st} WHERE id = %s", [scheme.pk])
                seq, head = cur.fetchone()
                seq += 1
                now = timezone.now()
                moment = ops.adapt_datetimefield_value(now)
                digest = chain.entry_hash(
                    scheme_id=scheme.pk, seq=seq, person_id=p.pk, household_id=p.household_id, region_path=village.path,
                    item_code="LAB", item_name="义务劳动", points=5, on=ON, source="bench.raw", source_ref=f"{run}-{i}",
                    reason="有效上报隐患", reverses_id=None, actor_id=recorder.pk, actor_name="bench-recorder",
                    created_at=now, prev_hash=head or chain.GENESIS,
                )  # fmt: skip
                insert_rows(cur, LedgerEntry, cols, [(
                    scheme.pk, seq, p.pk, p.household_id, village.path, "LAB", "义务劳动", 5,
                    ops.adapt_datefield_value(ON), "bench.raw", f"{run}-{i}", "有效上报隐患", None, recorder.pk,
                    "bench-recorder", moment, head or chain.GENESIS, digest,
                )])  # fmt: skip
                cur.execute(
                    f"UPDATE {st} SET chain_seq = %s, chain_head = %s WHERE id = %s", [seq, digest, scheme.pk]
                )
                insert_rows(
                    cur, PersonTotal,
                    ("person_id", "period", "points", "region_path", "anc1", "anc2", "anc3", "household_id", "is_member"),
                    [(p.pk, k, 5, village.path, *anc, p.household_id, False) for k in periods.keys_of(ON)],
                    f" ON CONFLICT (person_id, period) DO UPDATE SET points = {pt}.points + excluded.points",
                )  # fmt: skip
                insert_rows(
                    cur, HouseholdTotal, ("household_id", "period", "points", "region_path", "anc1", "anc2", "anc3"),
                    [(p.household_id, k, 5, village.path, *anc) for k in periods.keys_of(ON)],
                    f" ON CONFLICT (household_id, period) DO UPDATE SET points = {ht}.points + excluded.points",
                )  # fmt: skip
                insert_rows(
                    cur, Wallet, ("scheme_id", "person_id", "cycle", "earned", "spent"),
                    [(scheme.pk, p.pk, str(ON.year), 5, 0)],
                    f" ON CONFLICT (scheme_id, person_id, cycle) DO UPDATE SET earned = {wt}.earned + excluded.earned",
                )  # fmt: skip
        return n / (time.perf_counter() - t)

    def finalise() -> float:
        run = next(counter)
        group = people[(run * 100) % (len(people) - 100) :][:100]
        claim = services.record_claim(
            actor=recorder, scheme=scheme, item_code="LAB", occurred_on=ON, title=f"清扫村道 {run}", people=group,
            today=ON,
        )  # fmt: skip
        claim = services.approve_claim(actor=reviewer, claim=claim, today=ON)
        assert claim.notice_until is not None
        t = time.perf_counter()
        written = services.finalise_due_claims(actor=SYSTEM, today=claim.notice_until + timedelta(days=1))
        elapsed = time.perf_counter() - t
        assert written == 100, written
        return written / elapsed

    # One call with the queries it makes (after a warm-up call).
    service(1)
    with CaptureQueriesContext(connection) as ctx:
        service(1)
    queries = [q["sql"] for q in ctx.captured_queries]

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        if args.profile == "service":
            service(300)
        elif args.profile == "internal+audit":
            internal_audit(300)
        else:
            for _ in range(5):
                finalise()
        prof.disable()
        print(f"{len(queries)} queries per call:")
        for q in queries:
            print("  ", q[:160])
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        return

    kinds = {"service": lambda: service(args.calls), "internal": lambda: internal(args.calls),
             "internal+audit": lambda: internal_audit(args.calls), "raw": lambda: raw(args.calls),
             "finalise": finalise}  # fmt: skip
    for fn in kinds.values():  # warm-up
        fn()
    rates: dict[str, list[float]] = {k: [] for k in kinds}
    order = list(kinds)
    for rep in range(args.reps):
        for k in order if rep % 2 == 0 else reversed(order):
            rates[k].append(kinds[k]())
        print(f"rep {rep + 1}: " + ", ".join(f"{k} {rates[k][-1]:,.0f}/s" for k in order), flush=True)

    out: dict[str, Any] = {k: spread(v) for k, v in rates.items()}
    ratios = [s / r for s, r in zip(rates["service"], rates["raw"], strict=True)]
    print()
    commit = " (synchronous_commit off)" if args.async_commit and connection.vendor == "postgresql" else ""
    print(f"| {connection.vendor}{commit} | median /s | min–max /s | ms per call |")
    print("|---|---|---|---|")
    for k in order:
        unit = "entries" if k == "finalise" else "calls"
        s = out[k]
        print(
            f"| {k} ({unit}) | {s['median']:,.0f} | {s['min']:,.0f}–{s['max']:,.0f} | {1000 / s['median']:.2f} |"
        )
    print(
        f"\nservice / raw throughput: median {statistics.median(ratios):.2f} (per rep {min(ratios):.2f}–{max(ratios):.2f})"
    )
    print(f"queries per award_points call: {len(queries)}")
    for q in queries:
        print("  ", q[:140])


if __name__ == "__main__":
    main()
