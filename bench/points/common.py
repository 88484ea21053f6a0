"""Shared set-up for the points benchmark: which database, Django configured for it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/tongxin_bench_points"


def configure(db: str) -> dict[str, str]:
    """Point Django at the benchmark database (a separate SQLite file or PostgreSQL database)."""
    env = {"TONGXIN_LOG_LEVEL": "ERROR", "TONGXIN_DEMO": "1"}
    if db == "postgres":
        env["TONGXIN_DATABASE_URL"] = PG_URL
        env["TONGXIN_DATA_DIR"] = str(RESULTS / "points-postgres")
    else:
        env["TONGXIN_DATA_DIR"] = str(RESULTS / "points-sqlite")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env
