from __future__ import annotations

import io
import re
import threading
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.concurrency import run_n_together
from tongxin.core import jobs
from tongxin.core.management.commands.tick import Command
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
def test_two_ticks_at_once_run_a_job_exactly_once() -> None:
    calls: list[datetime] = []
    other_gave_up = threading.Event()

    @jobs.register("test.slow", "测试")
    def slow(now: datetime) -> str:
        calls.append(now)
        # Hold the job (and its lock) until the other tick has tried and skipped it, so the two ticks
        # overlap for certain; a tick that does not lock would run it here too and wait in vain.
        other_gave_up.wait(timeout=5)
        return "ok"

    def tick() -> dict[str, str]:
        results = dict(jobs.run_all(only=["test.slow"]))
        if results["test.slow"].startswith("跳过"):
            other_gave_up.set()
        return results

    try:
        outcomes = run_n_together(tick, 2)
    finally:
        jobs._REGISTRY.pop("test.slow", None)
    summaries = sorted(o.value["test.slow"] for o in outcomes)
    assert len(calls) == 1
    assert summaries == ["ok", "跳过：另一个 tick 正在运行此任务"]
    assert not JobLock.objects.exists()


def test_the_help_lists_exactly_the_registered_jobs() -> None:
    parser = Command().create_parser("tongxin", "tick")
    text = " ".join(parser.format_help().split())
    registered = {job.name for job in jobs.registered()}
    assert registered >= {"cases.escalate", "points.finalise_notices", "core.audit_purge"}
    assert set(re.findall(r"\b[a-z]+\.[a-z_]+(?= \()", text)) == registered
    assert "reminder" not in text and "snapshot" not in text  # promised once, never built


def test_the_readme_names_exactly_the_jobs_tick_runs() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (tick_row,) = [line for line in readme.splitlines() if line.startswith("| `.venv/bin/tongxin tick`")]
    assert set(re.findall(r"`([a-z]+\.[a-z_]+)`", tick_row)) == {job.name for job in jobs.registered()}
