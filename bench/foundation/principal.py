"""The token principal in-process: the stock ORM query (token joined with its user, active grants
prefetched) against ``accounts.principal`` (``QuerySet.raw``), alternating rounds in the same run.

    .venv/bin/python bench/foundation/principal.py [--db sqlite|postgres] [--rounds 7] [--calls 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable

PG_URL = "postgres://postgres@127.0.0.1:5432/tongxin_bench_principal"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    os.environ["TONGXIN_DATA_DIR"] = tempfile.mkdtemp(prefix="tongxin-principal-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    if args.db == "postgres":
        os.environ["TONGXIN_DATABASE_URL"] = PG_URL
        for cmd in ("dropdb --if-exists", "createdb"):
            subprocess.run(
                [*cmd.split(), "-h", "127.0.0.1", "-U", "postgres", PG_URL.rsplit("/", 1)[1]], check=True
            )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Prefetch

    from tongxin.accounts import services
    from tongxin.accounts.models import ApiToken, Grant
    from tongxin.accounts.principal import token_and_user
    from tongxin.accounts.system import SYSTEM
    from tongxin.orgs import services as org_services

    call_command("migrate", verbosity=0)
    county = org_services.create_region(
        actor=None, name="测试县", kind="county"
    )  # the top region: system only
    user = services.create_user(
        actor=SYSTEM, username="bench", real_name="甲", password="Bench-pass-2026", mobile="13800000001"
    )
    for role in ("county_admin", "points_reviewer", "township_admin"):
        services.grant_role(actor=SYSTEM, user=user, role=role, node=county)
    _, raw = services.create_api_token(actor=SYSTEM, user=user)
    digest = ApiToken.digest_of(raw)

    def stock_orm() -> object:
        token = (
            ApiToken.objects.active()
            .filter(digest=digest, user__is_active=True)
            .select_related("user")
            .prefetch_related(
                Prefetch(
                    "user__grants",
                    queryset=Grant.objects.filter(revoked_at__isnull=True).order_by("id"),
                    to_attr="_grant_cache",
                )
            )
            .first()
        )
        assert token is not None and len(token.user._grant_cache) == 3
        return token

    def principal() -> object:
        found = token_and_user(raw)
        assert found is not None and len(found[1].active_grants()) == 3
        return found

    paths: dict[str, Callable[[], object]] = {
        "stock ORM query": stock_orm,
        "accounts.principal (raw)": principal,
    }
    times: dict[str, list[float]] = {name: [] for name in paths}
    for fn in paths.values():
        fn()
    for _ in range(args.rounds):
        for name, fn in paths.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                fn()
            times[name].append((time.perf_counter() - start) / args.calls * 1e6)
    print(f"\nToken principal in-process ({args.db}; {args.rounds} rounds of {args.calls} calls)\n")
    print("| path | µs per call, median | min–max | ratio to principal |")
    print("|---|---|---|---|")
    base = statistics.median(times["accounts.principal (raw)"])
    for name, values in times.items():
        med = statistics.median(values)
        print(f"| {name} | {med:.0f} | {min(values):.0f}–{max(values):.0f} | {med / base:.2f} |")


if __name__ == "__main__":
    main()
