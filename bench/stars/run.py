"""五星支部 benchmark: a province of 46,000 village branches with a year of assessments (cycles,
per-indicator self-assessments, results and transitions) and 200,000 rectification tasks.

    .venv/bin/python bench/stars/run.py --db sqlite            # generates once, then times
    .venv/bin/python bench/stars/run.py --db pg --rounds 3

Functions import Django and Tongxin inside them: ``_setup`` must choose the database first.

Data goes to a database of its own (SQLite: /tmp/tongxin-bench-stars/tongxin.sqlite3; PostgreSQL:
tongxin_bench_stars) and is reused between runs. Timed through Django's test client (the whole page:
selectors, template, middleware), after one warm-up, ``--runs`` requests per round, ``--rounds``
rounds; the spread between round medians is the machine's noise. Users: a county administrator
(one county of 100: ~460 branches, ~2,000 tasks), a county leader (two townships) and a province-wide
administrator (all 46,000 branches and 200,000 tasks).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
PG_NAME = "tongxin_bench_stars"
YEAR = 2026
COUNTIES = 100
TOWNSHIPS_PER_COUNTY = 15
BRANCHES = 46_000
TASKS = 200_000
BATCH = 5000


def _setup(db: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    os.environ["TONGXIN_DATA_DIR"] = "/tmp/tongxin-bench-stars"
    os.environ.pop("TONGXIN_DEMO", None)
    os.environ["TONGXIN_ENFORCE_2FA"] = "0"
    if db == "pg":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [PG_NAME]).fetchone():
                conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["TONGXIN_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    import django

    django.setup()


def generate() -> None:
    from django.db import transaction
    from django.utils import timezone

    from tongxin.accounts import services as account_services
    from tongxin.accounts.system import SYSTEM
    from tongxin.orgs.models import PartyOrg, Region
    from tongxin.stars import services
    from tongxin.stars.models import (
        CycleTransition,
        Indicator,
        IndicatorAssessment,
        RectificationTask,
        StarCycle,
        StarResult,
        TaskTransition,
        WeakBranch,
    )  # fmt: skip

    rng = random.Random(46000)
    t0 = time.perf_counter()
    criteria = services.load_sample_criteria(actor=SYSTEM, applies_to="village")
    stars = [s.code for s in criteria.stars.order_by("order")]
    judged = list(Indicator.objects.filter(star__criteria_set=criteria).exclude(method="metric"))
    now = timezone.now()

    base = (Region.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    rid = iter(range(base, base + 10_000_000))
    obase = (PartyOrg.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    oid = iter(range(obase, obase + 10_000_000))
    regions: list[Region] = []
    orgs: list[PartyOrg] = []
    villages: list[tuple[Region, Region, PartyOrg]] = []  # (village, township, branch)
    root_id = next(rid)
    root = Region(id=root_id, name="基准省", kind="city", path=f"/r{root_id}/", depth=0)
    regions.append(root)
    n_towns = COUNTIES * TOWNSHIPS_PER_COUNTY
    per_town = [BRANCHES // n_towns + (1 if i < BRANCHES % n_towns else 0) for i in range(n_towns)]
    t_index = 0
    for c in range(COUNTIES):
        cid = next(rid)
        county = Region(id=cid, name=f"基准县{c + 1:03d}", kind="county", parent_id=root_id,
                        path=f"{root.path}r{cid}/", depth=1)  # fmt: skip
        regions.append(county)
        for t in range(TOWNSHIPS_PER_COUNTY):
            tid = next(rid)
            town = Region(id=tid, name=f"县{c + 1:03d}镇{t + 1:02d}", kind="township", parent_id=cid,
                          path=f"{county.path}r{tid}/", depth=2)  # fmt: skip
            regions.append(town)
            committee = PartyOrg(id=next(oid), name=f"{town.name}党委", kind="committee", region_id=tid,
                                 region_path=town.path, depth=0)  # fmt: skip
            committee.path = f"/o{committee.id}/"
            orgs.append(committee)
            for v in range(per_town[t_index]):
                vid = next(rid)
                village = Region(id=vid, name=f"{town.name}村{v + 1:02d}", kind="village", parent_id=tid,
                                 path=f"{town.path}r{vid}/", depth=3)  # fmt: skip
                regions.append(village)
                branch = PartyOrg(id=next(oid), name=f"{village.name}党支部", kind="branch", parent_id=committee.id,
                                  region_id=vid, region_path=village.path, depth=1)  # fmt: skip
                branch.path = f"{committee.path}o{branch.id}/"
                orgs.append(branch)
                villages.append((village, town, branch))
            t_index += 1
    with transaction.atomic():
        Region.objects.bulk_create(regions, batch_size=BATCH)
        PartyOrg.objects.bulk_create(orgs, batch_size=BATCH)
    print(f"regions and orgs: {len(regions)} + {len(orgs)} in {time.perf_counter() - t0:.0f} s", flush=True)

    levels = [("five", 5), ("four", 4), ("three", 3), ("below", 2)]
    states = (
        ["final"] * 80
        + ["in_notice"] * 3
        + ["township_rated"] * 5
        + ["submitted"] * 7
        + ["self_assessing"] * 5
    )
    stage_chain = {
        "self_assessing": [],
        "submitted": ["self"],
        "township_rated": ["self", "township"],
        "in_notice": ["self", "township", "county"],
        "final": ["self", "township", "county", "final"],
    }
    events = {"self": "submit", "township": "rate", "county": "approve", "final": "finalise"}
    cycles: list[StarCycle] = []
    for village, town, branch in villages:
        state = rng.choice(states)
        code, n = rng.choices(levels, weights=[15, 30, 35, 20])[0]
        got = stars[:n]
        final = state == "final"
        cycles.append(
            StarCycle(
                org_id=branch.id, region_id=village.id, township_id=town.id, region_path=village.path,
                org_path=branch.path, year=YEAR, criteria_set_id=criteria.pk, target_stars=rng.choice([3, 4, 5]),
                state=state, current_stars=got if final else [], current_count=n if final else 0,
                current_level=code if final else "",
                notice_starts_on=date(YEAR, 10, 12) if state in ("in_notice", "final") else None,
                notice_ends_on=date(YEAR, 10, 19) if state in ("in_notice", "final") else None,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    with transaction.atomic():
        StarCycle.objects.bulk_create(cycles, batch_size=BATCH)
    cycles = list(StarCycle.objects.filter(year=YEAR).only("id", "state", "current_stars").order_by("id"))
    results: list[StarResult] = []
    trans: list[CycleTransition] = []
    assess: list[IndicatorAssessment] = []
    for c in cycles:
        trans.append(
            CycleTransition(cycle_id=c.id, event="declare", from_state="", to_state="self_assessing", at=now)
        )
        prev = "self_assessing"
        for stage in stage_chain[c.state]:
            n = len(c.current_stars) or 3
            results.append(StarResult(cycle_id=c.id, stage=stage, criteria_set_id=criteria.pk, stars=stars[:n],
                                      count=n, level=levels[5 - n][0] if n >= 2 else "below", at=now))  # fmt: skip
            to = {"self": "submitted", "township": "township_rated", "county": "in_notice", "final": "final"}[
                stage
            ]
            trans.append(
                CycleTransition(cycle_id=c.id, event=events[stage], from_state=prev, to_state=to, at=now)
            )
            prev = to
        for ind in judged:
            assess.append(IndicatorAssessment(
                cycle_id=c.id, indicator_id=ind.pk, updated_at=now,
                met=(rng.random() < 0.8) if ind.method == "yes_no" else None,
                score=rng.randint(5, ind.max_score) if ind.method == "score" else None,
            ))  # fmt: skip
    with transaction.atomic():
        StarResult.objects.bulk_create(results, batch_size=BATCH)
        CycleTransition.objects.bulk_create(trans, batch_size=BATCH)
        IndicatorAssessment.objects.bulk_create(assess, batch_size=BATCH)
    print(f"cycles {len(cycles)}, results {len(results)}, transitions {len(trans)}, assessments {len(assess)} "
          f"at {time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip

    owner = account_services.create_user(actor=SYSTEM, username="bench_owner", real_name="基准村书记",
                                         password="Bench-Pass-2026", must_change_password=False)  # fmt: skip
    leader = account_services.create_user(actor=SYSTEM, username="bench_leader", real_name="基准县级领导",
                                          password="Bench-Pass-2026", must_change_password=False)  # fmt: skip
    admin = account_services.create_user(actor=SYSTEM, username="bench_county", real_name="基准县管理员",
                                         password="Bench-Pass-2026", must_change_password=False)  # fmt: skip
    province = account_services.create_user(actor=SYSTEM, username="bench_province", real_name="基准省管理员",
                                            password="Bench-Pass-2026", must_change_password=False)  # fmt: skip
    first_county = Region.objects.get(name="基准县001")
    towns = list(Region.objects.filter(parent=first_county).order_by("id")[:2])
    account_services.grant_role(actor=SYSTEM, user=admin, role="county_admin", node=first_county)
    account_services.grant_role(
        actor=SYSTEM, user=province, role="county_admin", node=Region.objects.get(pk=root_id)
    )
    for t in towns:
        account_services.grant_role(actor=SYSTEM, user=leader, role="county_leader", node=t)
    account_services.grant_role(actor=SYSTEM, user=owner, role="village_secretary", node=first_county)

    weak = [WeakBranch(org_id=b.id, region_id=v.id, township_id=t.id, region_path=v.path, org_path=b.path,
                       year=YEAR, reason="班子软弱", plan="选派第一书记", listed_at=now)
            for v, t, b in rng.sample(villages, BRANCHES // 50)]  # fmt: skip
    WeakBranch.objects.bulk_create(weak, batch_size=BATCH)
    task_states = ["open"] * 30 + ["reported"] * 10 + ["returned"] * 5 + ["verified"] * 55
    for start in range(0, TASKS, BATCH):
        tasks = []
        for _ in range(min(BATCH, TASKS - start)):
            v, t, b = villages[rng.randrange(len(villages))]
            state = rng.choice(task_states)
            deadline = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
            tasks.append(RectificationTask(
                org_id=b.id, region_id=v.id, township_id=t.id, region_path=v.path, org_path=b.path,
                problem="组织生活记录不全", required_outcome="补齐记录", owner_id=owner.pk, deadline=deadline,
                state=state, created_by_id=leader.pk, created_at=now,
                reported_at=now if state in ("reported", "verified") else None,
                verified_at=now if state == "verified" else None,
                on_time=(rng.random() < 0.8) if state == "verified" else None,
                escalated_deadline=deadline if state in ("open", "returned") and deadline < date(YEAR, 11, 1) else None,
                escalations=1 if state in ("open", "returned") and deadline < date(YEAR, 11, 1) else 0,
            ))  # fmt: skip
        with transaction.atomic():
            made = RectificationTask.objects.bulk_create(tasks)
            if made and made[0].pk is None:
                made = list(RectificationTask.objects.order_by("-id")[: len(tasks)])
            TaskTransition.objects.bulk_create(
                [
                    TaskTransition(task_id=x.pk, event="create", from_state="", to_state="open", at=now)
                    for x in made
                ]
            )
    print(f"tasks {TASKS}, weak {len(weak)}; generated in {time.perf_counter() - t0:.0f} s", flush=True)


def measure(runs: int, rounds: int) -> dict[str, dict[str, float | list[float]]]:
    from django.test import Client

    from tongxin.accounts.models import User
    from tongxin.stars.models import RectificationTask

    clients: dict[str, Client] = {}
    for name in ("bench_county", "bench_leader", "bench_province"):
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name))
    some_task = RectificationTask.objects.filter(region_path__startswith=User.objects.get(
        username="bench_county").grants.get().path).order_by("id").first()  # fmt: skip
    assert some_task is not None
    cases = [
        ("county dashboard (county admin)", "bench_county", f"/stars/county/?year={YEAR}"),
        ("five-star list (county admin)", "bench_county", f"/stars/lists/?kind=five&year={YEAR}"),
        ("four-star list (county admin)", "bench_county", f"/stars/lists/?kind=four&year={YEAR}"),
        ("three-star list (county admin)", "bench_county", f"/stars/lists/?kind=three&year={YEAR}"),
        ("below-three list (county admin)", "bench_county", f"/stars/lists/?kind=below&year={YEAR}"),
        ("weak list (county admin)", "bench_county", f"/stars/lists/?kind=weak&year={YEAR}"),
        ("overdue tasks (county admin)", "bench_county", "/stars/tasks/?overdue=1"),
        ("stars home (county admin)", "bench_county", f"/stars/?year={YEAR}"),
        ("county API (county admin)", "bench_county", f"/api/v1/stars/county?year={YEAR}"),
        ("county dashboard (county leader, 2 townships)", "bench_leader", f"/stars/county/?year={YEAR}"),
        ("task list (county leader)", "bench_leader", "/stars/tasks/"),
        ("county dashboard (province-wide admin)", "bench_province", f"/stars/county/?year={YEAR}"),
        ("five-star list (province-wide admin)", "bench_province", f"/stars/lists/?kind=five&year={YEAR}"),
        ("overdue tasks (province-wide admin)", "bench_province", "/stars/tasks/?overdue=1"),
    ]
    out: dict[str, dict[str, float | list[float]]] = {}
    for label, user, url in cases:
        client = clients[user]
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        medians = []
        for _ in range(rounds):
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            medians.append(statistics.median(times))
        out[label] = {
            "median_ms": round(statistics.median(medians), 1),
            "round_medians_ms": [round(m, 1) for m in medians],
        }
        print(
            f"{label:<48} median {out[label]['median_ms']:>8.1f} ms   rounds {out[label]['round_medians_ms']}",
            flush=True,
        )
    return out


def measure_province(runs: int, rounds: int) -> dict[str, dict[str, float | list[float]]]:
    """The province-wide dashboard (all 46,000 branches, 200,000 tasks) three ways, alternated run by
    run so that the machine's load falls on all alike: the page (test client), the service the page
    calls (``selectors.county_view``), the same service forced onto the path-prefix roll-up it used
    before, and the raw limit — the very statements the service sends (captured once), executed bare
    on the same connection and fetched as tuples, without ORM or Python."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tongxin.accounts.models import User
    from tongxin.stars import selectors

    user = User.objects.get(username="bench_province")
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        selectors.county_view(user, year=YEAR)
    statements = [q["sql"] for q in captured.captured_queries]

    def page() -> None:
        assert client.get(f"/stars/county/?year={YEAR}").status_code == 200

    def service() -> None:
        selectors.county_view(user, year=YEAR)

    def service_by_path() -> None:
        # The roll-up before the township-ordered indexes: filter by path prefix, sort every row.
        limit = selectors.TOWNSHIP_LIST_LIMIT
        selectors.TOWNSHIP_LIST_LIMIT = 0
        try:
            selectors.county_view(user, year=YEAR)
        finally:
            selectors.TOWNSHIP_LIST_LIMIT = limit

    def raw() -> None:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                cur.fetchall()

    ways = {"page": page, "service": service, "service, by path prefix": service_by_path, "raw SQL": raw}
    for fn in ways.values():
        fn()  # warm-up
    medians: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(rounds):
        times: dict[str, list[float]] = {k: [] for k in ways}
        for _ in range(runs):
            for name, fn in ways.items():
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1000)
        for name in ways:
            medians[name].append(statistics.median(times[name]))
    out: dict[str, dict[str, float | list[float]]] = {}
    raw_median = statistics.median(medians["raw SQL"])
    for name in ways:
        m = statistics.median(medians[name])
        out[f"province dashboard: {name}"] = {
            "median_ms": round(m, 1),
            "round_medians_ms": [round(x, 1) for x in medians[name]],
            "ratio_to_raw": round(m / raw_median, 2),
        }
        print(f"province dashboard, {name:<24} median {m:>8.1f} ms   rounds "
              f"{[round(x, 1) for x in medians[name]]}   × raw {m / raw_median:.2f}", flush=True)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--province-only", action="store_true", help="only the province dashboard vs raw SQL")
    args = parser.parse_args()
    _setup(args.db)
    from django.core.management import call_command

    from tongxin.stars.models import StarCycle

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not StarCycle.objects.filter(year=YEAR).exists():
        generate()
    from django.db import connection

    with connection.cursor() as cur:
        # Fresh statistics; on PostgreSQL also the visibility map, so covering indexes are used alone.
        cur.execute("ANALYZE" if args.db == "sqlite" else "VACUUM ANALYZE")
    results = measure_province(args.runs, args.rounds)
    if not args.province_only:
        results.update(measure(args.runs, args.rounds))
    out = ROOT / "bench" / "results" / f"stars-{args.db}{'-province' if args.province_only else ''}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"at": datetime.now().isoformat(timespec="seconds"), "db": args.db, "results": results},
                              ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
