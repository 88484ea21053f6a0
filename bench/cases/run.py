"""Measure the closed loop at 100,000 cases / 1,000,000 transitions (data from generate.py):

- the handling queue page (GET /cases/queue/, first page, as a village secretary, a township officer,
  a county administrator; and the "only overdue" filter),
- the overdue query (``selectors.overdue_count``) for the county and one township,
- ``tongxin tick`` (the cases jobs) over that data: the first tick after the breaches (it escalates every
  overdue case) and the next one (nothing new to escalate),
- intake through ``services.submit_case`` on the loaded database.

Medians over ``--n`` repetitions per round; ``--rounds`` rounds give the machine's noise (min–max of
the round medians).

    .venv/bin/python bench/cases/run.py --db sqlite
    .venv/bin/python bench/cases/run.py --db postgres
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from common import NOW, RESULTS, configure


def timed(fn: Callable[[], Any], n: int) -> float:
    """Median wall time of ``fn`` in milliseconds over ``n`` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    configure(args.db)

    from unittest import mock

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from tongxin.accounts.models import User
    from tongxin.cases import selectors, services
    from tongxin.cases.models import Case, CaseTransition, Category
    from tongxin.core import jobs
    from tongxin.orgs.models import Region

    call_command("migrate", verbosity=0)
    if not (settings.STATIC_ROOT / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)  # pages as in production
    print(f"数据：{Case.objects.count()} 件事项，{CaseTransition.objects.count()} 条流转（{args.db}）")
    county = Region.objects.get(name="基准县")
    town = Region.objects.get(name="基准1镇")
    village = Region.objects.get(name="基准1镇1村")
    clients = {}
    for username in ("bench_village", "bench_town", "bench_county", "bench_rider"):
        c = Client()
        c.force_login(User.objects.get(username=username))
        clients[username] = c
    rider = User.objects.get(username="bench_rider")
    cat = Category.objects.get(code="environment")

    def page(username: str, query: str = "") -> Callable[[], None]:
        def get() -> None:
            # The queue's overdue badges compare with "now": pin it to the data's moment.
            with mock.patch.object(timezone, "now", return_value=NOW):
                r = clients[username].get(f"/cases/queue/{query}")
            assert r.status_code == 200, r.status_code

        return get

    def inbox_page() -> None:
        r = clients["bench_rider"].get("/cases/inbox/?page=999")
        assert r.status_code == 200

    def reset_escalations() -> None:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM cases_caseescalation")
            cur.execute("DELETE FROM cases_casetransition WHERE event = 'escalate'")
            cur.execute("DELETE FROM cases_notification WHERE kind = 'escalated'")
            cur.execute(
                "UPDATE cases_case SET accept_escalated_at = NULL, resolve_escalated_at = NULL, "
                "escalation_level = 0, escalated_to_path = '' WHERE escalation_level > 0"
            )

    def tick() -> str:
        return "; ".join(
            f"{k}: {v}" for k, v in jobs.run_all(now=NOW, only=["cases.escalate", "cases.autoclose"])
        )

    def intake() -> None:
        services.submit_case(
            actor=rider,
            intake=services.Intake(category=cat, description="基准上报", region=village, address="村口"),
            now=NOW,
        )

    # A run killed mid-tick leaves its lock row stamped with the fixed NOW, which never expires here.
    from tongxin.core.models import JobLock

    JobLock.objects.filter(name__startswith="cases.").delete()
    measures: dict[str, list[float]] = {}
    summary = ""
    for _ in range(args.rounds):
        row = {
            "baseline: empty inbox page, same layout (ms)": timed(inbox_page, args.n),
            "queue page, village secretary (ms)": timed(page("bench_village"), args.n),
            "queue page, township officer (ms)": timed(page("bench_town"), args.n),
            "queue page, county admin (ms)": timed(page("bench_county"), args.n),
            "queue page, county admin, overdue only (ms)": timed(page("bench_county", "?overdue=1"), args.n),
            "overdue_count, county (ms)": timed(
                lambda: selectors.overdue_count(region=county, now=NOW), args.n
            ),
            "overdue_count, township (ms)": timed(
                lambda: selectors.overdue_count(region=town, now=NOW), args.n
            ),
            "intake submit_case (ms)": timed(intake, args.n),
        }
        reset_escalations()
        t = time.perf_counter()
        summary = tick()
        row["tick, escalating every breach (s)"] = time.perf_counter() - t
        t = time.perf_counter()
        tick()
        row["tick, nothing new (s)"] = time.perf_counter() - t
        for k, v in row.items():
            measures.setdefault(k, []).append(v)
    print(f"tick: {summary}")
    out = {}
    for k, values in measures.items():
        out[k] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
        print(f"{k:48s} median {statistics.median(values):9.2f}   spread {min(values):.2f}–{max(values):.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"cases-{args.db}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
