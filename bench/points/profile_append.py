"""Profile one bulk append of 1,000 entries on the benchmark database (to see where the time goes).

.venv/bin/python bench/points/profile_append.py --db sqlite|postgres
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from datetime import date

from common import configure

parser = argparse.ArgumentParser()
parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
args = parser.parse_args()
configure(args.db)

from django.db import transaction  # noqa: E402

from tongxin.accounts.system import SYSTEM  # noqa: E402
from tongxin.orgs.models import Person, Region  # noqa: E402
from tongxin.points.ledger import EntrySpec, append_entries  # noqa: E402
from tongxin.points.models import Scheme  # noqa: E402

rng = random.Random(3)
villages = list(Region.objects.filter(kind="village").order_by("pk"))
village = villages[rng.randrange(len(villages))]
scheme = Scheme.objects.get(region=village, is_active=True)
group = list(Person.objects.filter(region=village).order_by("pk")[:1000])
specs = [
    EntrySpec(person=p, household_id=p.household_id, item_code="LAB", item_name="义务劳动", points=5,
              on=date(2026, 12, 3), source="bench.profile", source_ref=f"{time.time_ns()}-{k}", reason="基准")
    for k, p in enumerate(group)
]  # fmt: skip
profile = cProfile.Profile()
t0 = time.perf_counter()
profile.enable()
with transaction.atomic():
    append_entries(scheme_id=scheme.pk, specs=specs, actor=SYSTEM)
profile.disable()
print(f"{len(specs) / (time.perf_counter() - t0):.0f} entries/s")
pstats.Stats(profile).sort_stats("tottime").print_stats(8)
