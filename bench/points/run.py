"""Measure the points module on the generated benchmark database (run generate.py first).

    .venv/bin/python bench/points/run.py --db sqlite|postgres [--rounds 30] [--skip-verify] [--skip-http]

Service calls are timed in-process (time.perf_counter around the selector/service call); medians and
min–max over the rounds are printed as a Markdown table and written to bench/results/points-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from common import RESULTS, ROOT, configure

VENV_BIN = Path(sys.executable).parent


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def summary(name: str, ms: list[float], unit: str = "ms", target: str = "") -> dict[str, Any]:
    return {"name": name, "median": statistics.median(ms), "min": min(ms), "max": max(ms), "n": len(ms),
            "unit": unit, "target": target}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--http-rounds", type=int, default=5)
    parser.add_argument("--append-rounds", type=int, default=15)
    parser.add_argument(
        "--only",
        choices=["reads", "append", "http"],
        help="measure only boards, ranks and approvals / appends / pages",
    )
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    env = configure(args.db)
    from django.db import connection

    from tongxin.accounts import services as account_services
    from tongxin.accounts.models import User
    from tongxin.accounts.system import SYSTEM
    from tongxin.orgs.models import Person, Region
    from tongxin.points import selectors, services
    from tongxin.points.ledger import EntrySpec, append_entries
    from tongxin.points.models import LedgerEntry, PersonTotal, Scheme

    rng = random.Random(7)
    results: list[dict[str, Any]] = []
    towns = list(Region.objects.filter(kind="township").order_by("pk"))
    villages = list(Region.objects.filter(kind="village").order_by("pk"))
    counts = {
        "people": Person.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "person_totals": PersonTotal.objects.count(),
    }
    print(f"data: {counts}", flush=True)
    period = "2026Q2"

    if args.only in (None, "reads"):
        # 1. township board, top 50, one quarter — the service call, and the bare SQL beside it. The
        # first call per township reads its pages from disk when the OS cache does not hold them
        # (this machine keeps only ~7 GB cached, less than the two benchmark databases): reported
        # apart, then the rounds measure the service with its pages cached, as on a server in use.
        cold = [timed(lambda t=t: selectors.board_rows(region=t, period=period, size=50)) for t in towns]
        picks = [towns[i % len(towns)] for i in range(args.rounds)]
        ms = [timed(lambda t=t: selectors.board_rows(region=t, period=period, size=50)) for t in picks]
        results.append(summary("township board top 50, one quarter (board_rows)", ms, target="< 10 ms"))
        results.append(summary("  the first call per township (its pages read from disk)", cold))
        table = PersonTotal._meta.db_table
        sql_ms = []
        for i in range(args.rounds):
            t = towns[i % len(towns)]
            with connection.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute(
                    f"SELECT person_id, points FROM {table} WHERE period = %s AND anc2 = %s ORDER BY points DESC LIMIT 50",
                    [period, t.path],
                )
                cur.fetchall()
                sql_ms.append((time.perf_counter() - t0) * 1000)
        results.append(summary("  same, bare SQL on the totals table", sql_ms))

        # 2. a person's rank (in the village, and in the township)
        people = list(
            PersonTotal.objects.filter(period=period)
            .order_by("?")
            .values_list("person_id", flat=True)[: args.rounds]
        )
        persons = list(Person.objects.select_related("region__parent").filter(pk__in=people))
        ms = [timed(lambda p=p: selectors.person_rank(person=p, period=period)) for p in persons]
        results.append(summary("a person's rank in the village (person_rank)", ms, target="< 10 ms"))
        ms = [
            timed(lambda p=p: selectors.person_rank(person=p, period=period, region=p.region.parent))
            for p in persons
        ]
        results.append(summary("a person's rank in the township (person_rank)", ms, target="< 10 ms"))

        # 3. approving a 100-person group claim (caps checked against the ledger), and its finalisation
        rec = User.objects.filter(username="bench_rec").first() or account_services.create_user(
            actor=SYSTEM,
            username="bench_rec",
            real_name="基准积分员",
            password="Bench-pass-2026",
            must_change_password=False,
        )
        rev = User.objects.filter(username="bench_rev").first() or account_services.create_user(
            actor=SYSTEM,
            username="bench_rev",
            real_name="基准审核员",
            password="Bench-pass-2026",
            must_change_password=False,
        )
        county = Region.objects.get(kind="county")
        for user, role in ((rec, "points_recorder"), (rev, "points_reviewer")):
            if not user.grants.filter(role=role, revoked_at__isnull=True).exists():
                account_services.grant_role(actor=SYSTEM, user=user, role=role, node=county)
        rec = User.objects.get(pk=rec.pk)
        rev = User.objects.get(pk=rev.pk)
        from tongxin.core.errors import DomainError

        approve_ms: list[float] = []
        final_ms: list[float] = []
        refused: list[int] = []
        for i in range(min(args.rounds, 11)):
            village = villages[rng.randrange(len(villages))]
            scheme = Scheme.objects.get(region=village, is_active=True)
            group = list(Person.objects.filter(region=village).order_by("?")[:100])
            # LAB has a cap of 3 a month per person: approval counts each person's LAB entries of the year.
            claim = services.record_claim(
                actor=rec, scheme=scheme, item_code="LAB", occurred_on=date(2026, 11, 2 + i), title="基准：集体劳动",
                people=group, today=date(2026, 11, 28),
            )  # fmt: skip

            def approve(c: Any = claim) -> None:
                try:
                    services.approve_claim(actor=rev, claim=c, today=date(2026, 11, 28))
                except DomainError:
                    refused.append(c.pk)  # over a cap: the check ran in full, the time counts

            approve_ms.append(timed(approve))
            claim.refresh_from_db()
            if claim.state == "notice":
                final_ms.append(timed(lambda: services.finalise_due_claims(today=date(2027, 1, 1))))
        results.append(
            summary(
                f"approve a 100-person group claim (approve_claim; {len(refused)} refused over a cap)",
                approve_ms,
                target="< 300 ms",
            )
        )
        results.append(summary("  its finalisation: 100 chained entries + totals", final_ms))

    if args.only in (None, "append"):
        # 4. appending entries in bulk, and one by one through award_points
        rates = []
        # Villages drawn afresh on every run (not from the fixed seed), so a repeated run does not find
        # the same pages already cached.
        arng = random.Random(time.time_ns())
        for r in range(args.append_rounds):
            village = villages[arng.randrange(len(villages))]
            scheme = Scheme.objects.get(region=village, is_active=True)
            group = list(Person.objects.filter(region=village).order_by("?")[:1000])
            specs = [EntrySpec(person=p, household_id=p.household_id, item_code="LAB", item_name="义务劳动", points=5,
                               on=date(2026, 12, 1), source="bench.bulk", source_ref=f"{time.time_ns()}-{r}-{k}", reason="基准")
                     for k, p in enumerate(group)]  # fmt: skip
            from django.db import transaction

            def run(specs: list[Any] = specs, scheme: Any = scheme) -> None:
                with transaction.atomic():
                    append_entries(scheme_id=scheme.pk, specs=specs, actor=SYSTEM)

            ms_ = timed(run)
            rates.append(len(specs) / (ms_ / 1000))
        results.append(
            summary(
                "append entries in bulk (1,000 per transaction)", rates, unit="entries/s", target=">= 2,000/s"
            )
        )
        village = villages[0]
        group = list(Person.objects.filter(region=village)[:200])
        t0 = time.perf_counter()
        for k, p in enumerate(group):
            services.award_points(
                actor=SYSTEM,
                person=p,
                points=1,
                source="bench.award",
                source_ref=f"{time.time_ns()}-{k}",
                reason="基准",
                on=date(2026, 12, 2),
            )
        single = len(group) / (time.perf_counter() - t0)
        results.append(summary("award_points one call at a time (200 calls)", [single], unit="entries/s"))

    # 5. verifying every chain
    if not args.skip_verify and not args.only:
        from django.core.management import call_command

        t0 = time.perf_counter()
        call_command("points", "verify", "--no-boards", stdout=open(os.devnull, "w"))  # noqa: SIM115
        results.append(
            summary(
                f"verify all chains ({LedgerEntry.objects.count():,} entries)",
                [time.perf_counter() - t0],
                unit="s",
                target="< 180 s",
            )
        )

    # 6. the public board page against a minimal Django template page, same run, gunicorn 2 workers
    if not args.skip_http and args.only in (None, "http"):
        town = towns[0]
        board = selectors.published_boards(region=town).filter(region=town).first() or services.publish_board(
            actor=SYSTEM, region=town, period=period, size=50, name_style="initial"
        )
        results.extend(http(env, board.get_absolute_url(), args))

    print(f"\nPoints benchmark ({args.db}; {counts['people']:,} people, {counts['entries']:,} entries)\n")
    print("| measurement | median | min–max | n | target |")
    print("|---|---|---|---|---|")
    for r in results:
        fmt = (
            "{:.3f}"
            if r["unit"] == "ms" and r["median"] < 10
            else "{:,.0f}"
            if r["unit"] != "s"
            else "{:.1f}"
        )
        print(
            f"| {r['name']} | {fmt.format(r['median'])} {r['unit']} | {fmt.format(r['min'])}–{fmt.format(r['max'])} | {r['n']} | {r['target']} |"
        )
    RESULTS.mkdir(exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True, text=True, cwd=ROOT)
    measured = commit.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    print(f"\nmeasured commit: {measured}")
    name = f"points-{args.db}" + (f"-{args.only}" if args.only else "")
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"commit": measured, "counts": counts, "results": results}, ensure_ascii=False, indent=2)
    )


def http(env: dict[str, str], board_path: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("foundation_run", ROOT / "bench" / "foundation" / "run.py")
    assert spec is not None and spec.loader is not None
    foundation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(foundation)
    wait_up, wrk = foundation.wait_up, foundation.wrk

    full_env = {**os.environ, **env}
    procs = [
        subprocess.Popen([str(VENV_BIN / "tongxin"), "serve", "--port", "8841", "--workers", "2"], env=full_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([str(VENV_BIN / "gunicorn"), "--chdir", str(Path(__file__).parent), "hello_template:application",
                          "-b", "127.0.0.1:8842", "-w", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]  # fmt: skip
    try:
        wait_up("http://127.0.0.1:8841/healthz")
        wait_up("http://127.0.0.1:8842/hello")
        targets = {"minimal template page": "http://127.0.0.1:8842/hello",
                   "public board page (50 rows, QR code)": f"http://127.0.0.1:8841{board_path}"}  # fmt: skip
        with urllib.request.urlopen(targets["public board page (50 rows, QR code)"]) as resp:
            assert resp.status == 200
        for url in targets.values():
            wrk(url, 2, 16)
        got: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.http_rounds):
            for name, url in targets.items():
                got[name].append(wrk(url, args.seconds, 16)["rps"])
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    out = [summary(f"{name} (wrk -c16, gunicorn 2 workers)", rps, unit="req/s") for name, rps in got.items()]
    ratio = statistics.median(got["public board page (50 rows, QR code)"]) / statistics.median(
        got["minimal template page"]
    )
    out.append(summary("  ratio public board / minimal page", [ratio * 1000], unit="‰", target=">= 500 ‰"))
    return out


if __name__ == "__main__":
    main()
