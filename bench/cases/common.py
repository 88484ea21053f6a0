"""Shared set-up for the cases benchmark: which database, Django configured for it, the fixed "now"."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PG_URL = "postgres://postgres@127.0.0.1:5432/tongxin_bench_cases"
# The generated data is laid out around this moment; runs use it as "now" so that the same cases are
# open, overdue and escalated every time.
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def configure(db: str, name: str = "cases") -> dict[str, str]:
    """Point Django at the benchmark database (a separate SQLite file or PostgreSQL database); ``name``
    chooses another one (the intake benchmark starts from an empty database of its own)."""
    env = {"TONGXIN_LOG_LEVEL": "ERROR", "TONGXIN_DEMO": "1", "TONGXIN_ENFORCE_2FA": "0"}
    pg_name = "tongxin_bench_" + name.replace("-", "_")
    if db == "postgres":
        env["TONGXIN_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + pg_name
        env["TONGXIN_DATA_DIR"] = str(RESULTS / f"{name}-postgres")
    else:
        env["TONGXIN_DATA_DIR"] = str(RESULTS / f"{name}-sqlite")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    if db == "postgres":
        _ensure_pg_database(pg_name)
    import django

    django.setup()
    return env


def _ensure_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
