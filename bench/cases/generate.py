"""Generate the cases benchmark data: a county of 20 townships × 25 villages, 100,000 cases over two
years and 1,000,000 workflow transitions (10 per case), written in batches with bulk inserts. Reused
between runs (skipped when the cases are already there).

    .venv/bin/python bench/cases/generate.py --db sqlite
    .venv/bin/python bench/cases/generate.py --db postgres
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from common import NOW, configure

CASES = 100_000
TRANSITIONS_PER_CASE = 10
BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    configure(args.db)

    from django.core.management import call_command
    from django.db import transaction

    from tongxin.accounts import services as account_services
    from tongxin.accounts.models import User
    from tongxin.accounts.system import SYSTEM
    from tongxin.cases import services
    from tongxin.cases.models import OPEN_STATES as OPEN
    from tongxin.cases.models import Case, CaseTransition, Category, State
    from tongxin.orgs import services as org_services
    from tongxin.orgs.models import PartyOrg, Region

    call_command("migrate", verbosity=0)
    if Case.objects.count() >= CASES:
        print(f"已有 {Case.objects.count()} 件事项，跳过生成。")
        return
    started = time.perf_counter()
    services.sync_categories(actor=SYSTEM)
    cats = list(Category.objects.filter(active=True))
    rng = random.Random(2026)

    if not Region.objects.filter(name="基准县").exists():
        city = org_services.create_region(actor=SYSTEM, name="基准市", kind="city")
        county = org_services.create_region(actor=SYSTEM, name="基准县", kind="county", parent=city)
        for t in range(1, 21):
            town = org_services.create_region(actor=SYSTEM, name=f"基准{t}镇", kind="township", parent=county)
            committee = org_services.create_party_org(
                actor=SYSTEM, name=f"基准{t}镇党委", kind="committee", region=town
            )
            for v in range(1, 26):
                village = org_services.create_region(
                    actor=SYSTEM, name=f"基准{t}镇{v}村", kind="village", parent=town
                )
                org_services.create_party_org(
                    actor=SYSTEM,
                    name=f"基准{t}镇{v}村党支部",
                    kind="branch",
                    parent=committee,
                    region=village,
                )
        users = [
            ("bench_county", "county_admin", county),
            ("bench_town", "township_admin", Region.objects.get(name="基准1镇")),
            ("bench_village", "village_secretary", Region.objects.get(name="基准1镇1村")),
            ("bench_rider", "grid_worker", Region.objects.get(name="基准1镇1村")),
        ]
        for username, role, node in users:
            user = account_services.create_user(
                actor=SYSTEM, username=username, real_name=username, password="Bench-pass-2026",
                must_change_password=False, validate_password=False,
            )  # fmt: skip
            account_services.grant_role(actor=SYSTEM, user=user, role=role, node=node)
    print(f"区划与组织：{time.perf_counter() - started:.1f} 秒")

    villages = list(Region.objects.filter(kind="village", name__startswith="基准").order_by("id"))
    branch_of = {o.region_id: o for o in PartyOrg.objects.filter(kind="branch", name__startswith="基准")}
    rider = User.objects.get(username="bench_rider")
    handler = User.objects.get(username="bench_village")
    done = Case.objects.count()
    t0 = time.perf_counter()
    while done < CASES:
        n = min(BATCH, CASES - done)
        cases: list[Case] = []
        for i in range(n):
            village = villages[(done + i) % len(villages)]
            org = branch_of[village.pk]
            cat = rng.choice(cats)
            roll = rng.random()
            if roll < 0.05:  # open: reported in the last 10 days, about half past a deadline
                created = NOW - timedelta(hours=rng.uniform(1, 240))
                state = rng.choice([State.SUBMITTED, State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS])
            elif roll < 0.09:  # resolved, waiting for the reporter (younger than the auto-close period)
                created = NOW - timedelta(hours=rng.uniform(24, 140))
                state = State.RESOLVED
            elif roll < 0.11:
                created = NOW - timedelta(days=rng.uniform(10, 730))
                state = rng.choice([State.REJECTED, State.MERGED])
            else:
                created = NOW - timedelta(days=rng.uniform(10, 730))
                state = State.CLOSED
            accept_due = created + timedelta(hours=cat.accept_hours)
            resolve_due = created + timedelta(days=cat.resolve_days)
            accepted = state not in (State.SUBMITTED, State.REJECTED, State.MERGED)
            resolved_at = None
            if state in (State.RESOLVED, State.CLOSED):
                resolved_at = created + timedelta(hours=rng.uniform(2, 24 * cat.resolve_days * 1.3))
                resolved_at = min(resolved_at, NOW - timedelta(hours=1))
            cases.append(
                Case(
                    kind=cat.kind,
                    category=cat,
                    description=f"基准事项 {done + i}",
                    state=state,
                    state_changed_at=resolved_at or created,
                    region=village,
                    region_path=village.path,
                    handling_org=org,
                    handler_path=org.path,
                    reporter=rider,
                    reporter_name="基准",
                    channel="app",
                    address=village.name,
                    published=cat.public,
                    created_at=created,
                    accepted_at=created + timedelta(minutes=30) if accepted else None,
                    resolved_at=resolved_at,
                    closed_at=resolved_at if state == State.CLOSED else None,
                    close_reason="confirmed" if state == State.CLOSED else "",
                    accept_due_at=accept_due,
                    resolve_due_at=resolve_due,
                    rule_ref=cat.rule_ref,
                    open_due_at=(resolve_due if accepted else accept_due) if state in OPEN else None,
                    rating=rng.randint(3, 5) if state == State.CLOSED else None,
                    assignee=handler if accepted else None,
                )
            )
        with transaction.atomic():
            created_cases = Case.objects.bulk_create(cases, batch_size=1000)
            rows: list[CaseTransition] = []
            for case in created_cases:
                steps = _steps(case.state)
                at = case.created_at
                for k in range(TRANSITIONS_PER_CASE):
                    event, src, dst = (
                        steps[k] if k < len(steps) else ("assign", State.ASSIGNED, State.ASSIGNED)
                    )
                    rows.append(
                        CaseTransition(
                            case=case,
                            event=event,
                            from_state=src,
                            to_state=dst,
                            actor=handler,
                            actor_name="基准",
                            at=at + timedelta(minutes=k * 7),
                        )
                    )
            CaseTransition.objects.bulk_create(rows, batch_size=5000)
        done += n
        rate = done / (time.perf_counter() - t0)
        print(f"{done} 件事项，{done * TRANSITIONS_PER_CASE} 条流转（{rate:.0f} 件/秒）", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # what autovacuum does after a bulk load; SQLite runs without statistics
    print(
        f"生成完毕：{time.perf_counter() - t0:.1f} 秒（{CASES} 件事项，{CASES * TRANSITIONS_PER_CASE} 条流转）"
    )


def _steps(state: str) -> list[tuple[str, str, str]]:
    s, a, g, p, r, c = "submitted", "accepted", "assigned", "in_progress", "resolved", "closed"
    full = [("submit", "", s), ("accept", s, a), ("assign", a, g), ("start", g, p), ("resolve", p, r),
            ("reopen", r, p), ("resolve", p, r), ("reopen", r, p), ("resolve", p, r), ("confirm", r, c)]  # fmt: skip
    if state == c:
        return full
    if state == r:
        return full[:9]
    if state == "rejected":
        return [("submit", "", s), ("reject", s, "rejected")]
    if state == "merged":
        return [("submit", "", s), ("merge", s, "merged")]
    upto = {s: 1, a: 2, g: 3, p: 4}[state]
    return full[:upto]


if __name__ == "__main__":
    main()
