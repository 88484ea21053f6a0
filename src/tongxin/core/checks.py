"""System checks that need the database (``tongxin check --database default``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import connections


@register(Tags.database)
def postgres_autovacuum(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Warning]:
    """Boards and ranks are index-only counts on the totals tables; they stay fast only while
    VACUUM keeps the visibility map current. With autovacuum off they slow down tenfold after a
    bulk load (bench/points/README.md)."""
    out: list[Warning] = []
    for alias in databases or []:
        conn = connections[alias]
        if conn.vendor != "postgresql":
            continue
        with conn.cursor() as cur:
            cur.execute("SHOW autovacuum")
            (value,) = cur.fetchone()
        if value != "on":
            out.append(
                Warning(
                    f"数据库“{alias}”的 PostgreSQL 关闭了 autovacuum：积分榜和名次查询会逐渐变慢。",
                    hint="在 postgresql.conf 中设置 autovacuum = on，或由 cron 定期执行 VACUUM (ANALYZE)。",
                    id="tongxin.W001",
                )
            )
    return out
