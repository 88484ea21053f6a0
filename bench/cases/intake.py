"""Intake through the service a user's report calls, beside the raw insert limit, in the same run.

The old headline ("intake of 100,000 cases") timed ``bulk_create`` in the data generator. This script times
``services.submit_case`` — the function the report page, the API and Open311 call — one call per
transaction (each call is its own ``@service`` transaction with its audit row, its routing lookup, its
transition row and the handlers' notifications), and in the same run, on the same empty database:

- raw, per transaction: one ``Case`` row and its ``CaseTransition`` row inserted by the ORM in one
  transaction per case — the least a per-call intake must write;
- raw, bulk: ``bulk_create`` of the same rows 1,000 per transaction (what the old headline measured).

    .venv/bin/python bench/cases/intake.py --db sqlite --n 2000
    .venv/bin/python bench/cases/intake.py --db postgres --n 2000

Each run starts from an empty database of its own (``bench/results/cases-intake-sqlite/`` or PostgreSQL
``tongxin_bench_cases_intake``), so the sizes are exactly ``--n`` cases per path.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time

from common import NOW, RESULTS, configure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    if args.db == "sqlite":
        shutil.rmtree(RESULTS / "cases-intake-sqlite", ignore_errors=True)
    configure(args.db, name="cases-intake")

    from django.core.management import call_command
    from django.db import connection, transaction

    from tongxin.accounts import services as account_services
    from tongxin.accounts.system import SYSTEM
    from tongxin.cases import services
    from tongxin.cases.models import Case, CaseTransition, Category, State
    from tongxin.orgs import services as org_services

    if args.db == "postgres":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    services.sync_categories(actor=SYSTEM)
    city = org_services.create_region(actor=SYSTEM, name="基准市", kind="city")
    county = org_services.create_region(actor=SYSTEM, name="基准县", kind="county", parent=city)
    town = org_services.create_region(actor=SYSTEM, name="基准镇", kind="township", parent=county)
    committee = org_services.create_party_org(actor=SYSTEM, name="基准镇党委", kind="committee", region=town)
    village = org_services.create_region(actor=SYSTEM, name="基准村", kind="village", parent=town)
    branch = org_services.create_party_org(
        actor=SYSTEM, name="基准村党支部", kind="branch", parent=committee, region=village
    )
    people = []
    for username, role in (("bench_rider", "grid_worker"), ("bench_village", "village_secretary")):
        user = account_services.create_user(
            actor=SYSTEM, username=username, real_name=username, password="Bench-pass-2026",
            must_change_password=False, validate_password=False,
        )  # fmt: skip
        account_services.grant_role(actor=SYSTEM, user=user, role=role, node=village)
        people.append(user)
    rider = people[0]
    cat = Category.objects.get(code="environment")
    n = args.n

    # 1. The service, one call (one transaction) per report.
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        services.submit_case(
            actor=rider,
            intake=services.Intake(
                category=cat, description=f"基准上报 {i}", region=village, lat="34.9", lng="112.78"
            ),
        )
        latencies.append((time.perf_counter() - t) * 1000)
    service_s = time.perf_counter() - started

    def row(i: int) -> Case:
        return Case(
            kind=cat.kind, category=cat, description=f"原始插入 {i}", state=State.SUBMITTED,
            state_changed_at=NOW, region=village, region_path=village.path, handling_org=branch,
            handler_path=branch.path, reporter=rider, reporter_name=rider.real_name, created_at=NOW,
            accept_due_at=NOW, resolve_due_at=NOW, open_due_at=NOW, rule_ref=cat.rule_ref,
        )  # fmt: skip

    def transition(case: Case) -> CaseTransition:
        return CaseTransition(
            case=case, event="submit", from_state="", to_state=State.SUBMITTED, actor=rider,
            actor_name=rider.real_name, at=NOW,
        )  # fmt: skip

    # 2. Raw, one transaction per case: the case row and its transition row.
    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            case = row(i)
            case.save()
            transition(case).save()
    raw_each_s = time.perf_counter() - started

    # 3. Raw, bulk: 1,000 cases (and their transitions) per transaction.
    started = time.perf_counter()
    for start in range(0, n, 1000):
        with transaction.atomic():
            cases = Case.objects.bulk_create([row(i) for i in range(start, min(n, start + 1000))])
            CaseTransition.objects.bulk_create([transition(c) for c in cases])
    raw_bulk_s = time.perf_counter() - started

    assert Case.objects.count() == 3 * n
    out = {
        "db": args.db,
        "vendor": connection.vendor,
        "n": n,
        "service submit_case, one transaction per call (/s)": n / service_s,
        "service submit_case, median latency (ms)": statistics.median(latencies),
        "service submit_case, 95th percentile latency (ms)": sorted(latencies)[int(0.95 * n) - 1],
        "raw: case + transition rows, one transaction per case (/s)": n / raw_each_s,
        "raw: bulk_create, 1,000 cases per transaction (/s)": n / raw_bulk_s,
    }
    out["service / raw per-transaction"] = (
        out["service submit_case, one transaction per call (/s)"]
        / out["raw: case + transition rows, one transaction per case (/s)"]
    )
    out["service / raw bulk"] = (
        out["service submit_case, one transaction per call (/s)"]
        / out["raw: bulk_create, 1,000 cases per transaction (/s)"]
    )
    for k, v in out.items():
        print(f"{k:62s} {v:10.2f}" if isinstance(v, float) else f"{k:62s} {v}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"cases-intake-{args.db}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
