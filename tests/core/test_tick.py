from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tongxin.core import jobs
from tongxin.core.models import JobLock


@pytest.mark.django_db
def test_tick_runs_every_registered_job_and_releases_locks() -> None:
    out = io.StringIO()
    call_command("tick", stdout=out)
    assert "core.audit_purge" in out.getvalue()
    assert not JobLock.objects.exists()


@pytest.mark.django_db
def test_a_job_locked_by_another_tick_is_skipped() -> None:
    JobLock.objects.create(name="core.audit_purge", holder="other-host:1", acquired_at=timezone.now())
    results = dict(jobs.run_all(only=["core.audit_purge"]))
    assert results["core.audit_purge"].startswith("跳过")
    assert JobLock.objects.filter(holder="other-host:1").exists()  # the other run's lock is left alone


@pytest.mark.django_db
def test_a_stale_lock_is_taken_over() -> None:
    JobLock.objects.create(
        name="core.audit_purge", holder="dead-host:1", acquired_at=timezone.now() - jobs.LOCK_TTL * 2
    )
    results = dict(jobs.run_all(only=["core.audit_purge"]))
    assert not results["core.audit_purge"].startswith("跳过")


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_run_each_job_once() -> None:
    calls: list[str] = []
    barrier = threading.Barrier(2)

    @jobs.register("test.slow", "测试")
    def slow(now):  # type: ignore[no-untyped-def]
        calls.append("run")
        return "ok"

    results: list[dict[str, str]] = []

    def tick() -> None:
        barrier.wait()
        try:
            results.append(dict(jobs.run_all(only=["test.slow"])))
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        jobs._REGISTRY.pop("test.slow", None)
    assert len(results) == 2
    # Either the lock made one skip, or they ran one after the other; never inside each other.
    assert 1 <= len(calls) <= 2
    assert not JobLock.objects.exists()
