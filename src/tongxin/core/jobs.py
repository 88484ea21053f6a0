"""Periodic work for ``tongxin tick``: apps register idempotent jobs here.

Each job runs under a named lock row, so two ticks started at once never run the same job together;
each job must still be idempotent on its own (its writes are conditional), because a lock can expire.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tongxin.core.models import JobLock
from tongxin.core.retention import purge_audit_events

LOCK_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[[datetime], str]
    description: str


_REGISTRY: dict[str, Job] = {}


def register(name: str, description: str) -> Callable[[Callable[[datetime], str]], Callable[[datetime], str]]:
    """Register ``fn(now) -> summary`` as a tick job under ``name`` (e.g. ``cases.escalate``)."""

    def decorator(fn: Callable[[datetime], str]) -> Callable[[datetime], str]:
        _REGISTRY[name] = Job(name=name, fn=fn, description=description)
        return fn

    return decorator


def registered() -> list[Job]:
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def acquire(name: str, now: datetime) -> bool:
    """Take the lock row for ``name``; False when another live run holds it."""
    with transaction.atomic():
        JobLock.objects.filter(name=name, acquired_at__lt=now - LOCK_TTL).delete()
    try:
        with transaction.atomic():
            JobLock.objects.create(name=name, holder=_holder(), acquired_at=now)
        return True
    except IntegrityError:
        return False


def release(name: str) -> None:
    JobLock.objects.filter(name=name, holder=_holder()).delete()


def run_all(now: datetime | None = None, only: list[str] | None = None) -> list[tuple[str, str]]:
    """Run every registered job once; returns (job, summary) pairs. Skips jobs locked elsewhere."""
    now = now or timezone.now()
    results: list[tuple[str, str]] = []
    for job in registered():
        if only and job.name not in only:
            continue
        # The lock is stamped with the real clock, not the (possibly simulated) ``now`` given to the
        # jobs, so that a lock left by a killed run always expires.
        if not acquire(job.name, timezone.now()):
            results.append((job.name, "跳过：另一个 tick 正在运行此任务"))
            continue
        try:
            results.append((job.name, job.fn(now)))
        finally:
            release(job.name)
    return results


def register_core_jobs() -> None:
    @register("core.audit_purge", "清理超过保留期的审计日志（180天内的永不清理）")
    def purge_audit(now: datetime) -> str:
        return f"清理审计日志 {purge_audit_events(now=now)} 条"

    @register(
        "core.sqlite_optimize", "SQLite：更新查询规划统计（PRAGMA optimize）；PostgreSQL 由 autovacuum 负责"
    )
    def sqlite_optimize(now: datetime) -> str:
        if connection.vendor != "sqlite":
            return "无需处理"
        with connection.cursor() as cur:
            cur.execute("PRAGMA optimize")
        return "已更新统计"
