"""Build a large synthetic county for the coverage benchmark (bench/orgs/run.py), outside the product:

    .venv/bin/python bench/orgs/generate.py --db sqlite --units 5000 --people 200000
    .venv/bin/python bench/orgs/generate.py --db pg     # database tongxin_orgs_bench on 127.0.0.1

Rows are written with ``bulk_create`` in batches (no audit events: this is load-test data, never
production data), so that a county of 5,000 units and 200,000 people takes well under a minute. The
result is deterministic for a given seed. ``run.py`` calls ``generate_county`` itself on first use.
Django is set up by ``configure`` before any model is imported, hence the imports inside functions.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

PG_NAME = "tongxin_orgs_bench"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
SQLITE_DIR = "/tmp/tongxin-bench-orgs"
COUNTY = "基准县"
ADMIN = "bench_admin"

BATCH = 5000
INDUSTRY_OF = {
    "platform_station": "delivery", "company": "it", "taxi_company": "taxi", "freight_company": "freight",
    "courier": "express", "ride_hailing": "ride_hailing", "social_org": "other",
}  # fmt: skip
OCCUPATION_OF = {
    "delivery": "delivery_rider", "it": "employee", "taxi": "taxi_driver", "freight": "freight_driver",
    "express": "courier", "ride_hailing": "ride_hailing_driver", "other": "employee",
}  # fmt: skip


def configure(db: str) -> None:
    """Point Django at the benchmark's own database (created on PostgreSQL when missing) and set it up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    os.environ["TONGXIN_DATA_DIR"] = SQLITE_DIR
    os.environ.pop("TONGXIN_DEMO", None)
    os.environ["TONGXIN_ENFORCE_2FA"] = "0"
    if db == "pg":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [PG_NAME]).fetchone():
                conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["TONGXIN_DATABASE_URL"] = PG_URL
    import django

    django.setup()


def generate_county(
    *,
    units: int = 5000,
    people: int = 200_000,
    townships: int = 20,
    villages: int = 10,
    seed: int = 3,
    name: str = COUNTY,
    admin: str = ADMIN,
) -> str:
    """Build the county and a county administrator ``admin`` granted on it, then ANALYZE; returns a
    one-line summary. Refuses to build a county of the same name twice."""
    from django.db import connection, transaction

    from tongxin.accounts import services as account_services
    from tongxin.accounts.models import User
    from tongxin.accounts.system import SYSTEM
    from tongxin.orgs.models import Membership, Person, Region, Unit

    if Region.objects.filter(name=name, kind="county").exists():
        raise SystemExit(f"“{name}”已存在；换一个 --name 或使用新的数据库。")
    with transaction.atomic():
        county = build(
            units=units, people=people, townships=townships, villages=villages, seed=seed, name=name
        )
        user = User.objects.filter(username=admin).first()
        if user is None:
            user = account_services.create_user(
                actor=SYSTEM,
                username=admin,
                real_name="基准测试管理员",
                password="Bench-pass-2026",
                must_change_password=False,
                validate_password=False,
            )
        account_services.grant_role(actor=SYSTEM, user=user, role="county_admin", node=county)
    # Planner statistics after a bulk load (autovacuum would get there later; the benchmark should
    # not measure plans made for empty tables).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return (
        f"已生成{name}：单位 {Unit.objects.filter(region_path__startswith=county.path).count()}，"
        f"人员 {Person.objects.filter(region_path__startswith=county.path).count()}，"
        f"党员身份 {Membership.objects.filter(person__region_path__startswith=county.path).count()}；"
        f"管理员 {admin}"
    )


def _tree(objs: Sequence[Any], parents: Sequence[Any]) -> None:
    """Set materialised paths after the rows have their primary keys."""
    for obj, parent in zip(objs, parents, strict=True):
        obj.path = (parent.path if parent else "/") + obj.segment()
        obj.depth = parent.depth + 1 if parent else 0


def build(*, units: int, people: int, townships: int, villages: int, seed: int, name: str) -> Any:
    """Write the county's regions, organisations, units, people and memberships; return the county."""
    from django.utils import timezone

    from tongxin.orgs.models import Membership, PartyOrg, Person, Region, Unit

    kinds = [k for k in Unit.Kind.values if k != "other"]
    rng = random.Random(seed)
    county = Region.objects.create(name=name, kind="county", code="419999")
    _tree([county], [None])
    county.save(update_fields=["path", "depth"])
    towns = Region.objects.bulk_create(
        [Region(name=f"{name}第{i + 1}镇", kind="township", parent=county) for i in range(townships)]
    )
    _tree(towns, [county] * len(towns))
    Region.objects.bulk_update(towns, ["path", "depth"])
    vill_parents = [t for t in towns for _ in range(villages)]
    vills = Region.objects.bulk_create(
        [
            Region(name=f"{t.name}{j % villages + 1}村", kind="village", parent=t)
            for j, t in enumerate(vill_parents)
        ]
    )
    _tree(vills, vill_parents)
    Region.objects.bulk_update(vills, ["path", "depth"])
    places = towns + vills

    lxgw = PartyOrg.objects.create(
        name=f"{name}两新工委", kind="two_new_committee", region=county, region_path=county.path
    )
    _tree([lxgw], [None])
    lxgw.save(update_fields=["path", "depth"])
    industry = PartyOrg.objects.create(
        name=f"{name}新业态行业党委",
        kind="industry_committee",
        parent=lxgw,
        region=county,
        region_path=county.path,
    )
    _tree([industry], [lxgw])
    industry.save(update_fields=["path", "depth"])

    unit_rows = []
    for i in range(units):
        kind = rng.choice(kinds)
        place = rng.choice(places)
        unit_rows.append(
            Unit(
                name=f"{name}单位{i + 1:05d}",
                kind=kind,
                industry=INDUSTRY_OF[kind],
                region=place,
                region_path=place.path,
                supervising_org=industry,
                org_path=industry.path,
                workforce=rng.randint(5, 200),
                gig_workers=rng.randint(0, 150),
                has_union=rng.random() < 0.35,
                has_youth_league=rng.random() < 0.1,
            )
        )
    all_units = Unit.objects.bulk_create(unit_rows, batch_size=BATCH)

    # Roughly 40 workers per unit in units, the rest villagers; 8 % party members, some probationary.
    in_units = min(people, units * 40) if units else 0
    person_rows = []
    statuses: list[str] = []
    unit_of: list[Any] = []
    for i in range(people):
        unit = all_units[rng.randrange(units)] if i < in_units and units else None
        place = unit.region if unit else rng.choice(vills)
        occupation = OCCUPATION_OF[unit.industry] if unit else "farmer"
        person_rows.append(
            Person(
                name=f"人员{i + 1:06d}",
                region=place,
                region_path=place.path,
                unit=unit,
                occupation=occupation,
                is_gig_worker=unit is not None and occupation != "employee",
            )
        )
        r = rng.random()
        statuses.append(
            "full" if r < 0.07 else "probationary" if r < 0.08 else "applicant" if r < 0.09 else ""
        )
        unit_of.append(unit)
    for start in range(0, len(person_rows), BATCH):
        Person.objects.bulk_create(person_rows[start : start + BATCH])

    # Organisations: units with >= 3 formal members mostly get their own branch; small ones are grouped
    # into joint branches of 2-6 units (so some break the 5-unit rule); some are left without any.
    formal_per_unit: dict[int, int] = {}
    for unit, status in zip(unit_of, statuses, strict=True):
        if unit is not None and status == "full":
            formal_per_unit[unit.pk] = formal_per_unit.get(unit.pk, 0) + 1
    orgs: list[Any] = []
    covers: list[tuple[int, list[int]]] = []
    small: list[Any] = []
    for unit in all_units:
        n = formal_per_unit.get(unit.pk, 0)
        if n >= 3 and rng.random() < 0.8:
            orgs.append(
                PartyOrg(
                    name=f"{unit.name}党支部",
                    kind="branch",
                    parent=industry,
                    region=unit.region,
                    region_path=unit.region_path,
                )
            )
            covers.append((len(orgs) - 1, [unit.pk]))
        elif 0 < n < 3 and rng.random() < 0.7:
            small.append(unit)
    while small:
        size = rng.randint(2, 6)
        group, small = small[:size], small[size:]
        orgs.append(
            PartyOrg(
                name=f"{group[0].name}等联合党支部",
                kind="joint_branch",
                parent=industry,
                region=group[0].region,
                region_path=group[0].region_path,
            )
        )
        covers.append((len(orgs) - 1, [u.pk for u in group]))
    created = PartyOrg.objects.bulk_create(orgs, batch_size=BATCH)
    _tree(created, [industry] * len(created))
    PartyOrg.objects.bulk_update(created, ["path", "depth"], batch_size=BATCH)
    through = PartyOrg.units.through
    through.objects.bulk_create(
        [through(partyorg_id=created[i].pk, unit_id=uid) for i, uids in covers for uid in uids],
        batch_size=BATCH,
    )
    org_of_unit = {uid: created[i] for i, uids in covers for uid in uids}

    village_branch = {}
    for v in vills:
        village_branch[v.pk] = PartyOrg(name=f"{v.name}党支部", kind="branch", region=v, region_path=v.path)
    vb = PartyOrg.objects.bulk_create(list(village_branch.values()))
    _tree(vb, [None] * len(vb))
    PartyOrg.objects.bulk_update(vb, ["path", "depth"])
    village_branch = {o.region_id: o for o in vb if o.region_id is not None}

    today = timezone.localdate()
    persons = (
        Person.objects.filter(region_path__startswith=county.path)
        .order_by("pk")
        .values_list("pk", "unit_id", "region_id")
    )
    members = []
    for (pk, unit_id, region_id), status in zip(persons.iterator(), statuses, strict=True):
        if not status:
            continue
        org = org_of_unit.get(unit_id) if unit_id else None
        org = org or (industry if unit_id else village_branch.get(region_id, industry))
        applied = today - timedelta(
            days=rng.randint(30, 400) if status == "applicant" else rng.randint(900, 6000)
        )
        members.append(
            Membership(
                person_id=pk,
                status=status,
                org=org,
                org_path=org.path,
                applied_on=applied,
                probationary_on=applied + timedelta(days=400) if status != "applicant" else None,
                full_on=applied + timedelta(days=800) if status == "full" else None,
            )
        )
    Membership.objects.bulk_create(members, batch_size=BATCH)
    return county


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--villages", type=int, default=10, help="villages per township")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--name", default=COUNTY)
    parser.add_argument("--admin", default=ADMIN, help="a county admin granted on the county")
    args = parser.parse_args()
    configure(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    options = vars(args)
    options.pop("db")
    print(generate_county(**options))


if __name__ == "__main__":
    main()
