"""Deadlines and escalation with time moved: one escalation per breach, one level up the region tree,
notifications in the inbox; exactly once even with two ticks at once (PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.cases.conftest import T0, Loop
from tests.concurrency import run_n_together
from tongxin.cases import selectors, services
from tongxin.cases.models import Case, CaseEscalation, Notification
from tongxin.core import jobs


def test_deadlines_follow_the_category_in_working_days(loop: Loop) -> None:
    # 2025-06-11 is a Wednesday; 3 working days later is Monday 2025-06-16 (end of day).
    case = loop.report(code="safety_hazard")
    assert case.accept_due_at == T0 + timedelta(hours=2)
    local = case.resolve_due_at.astimezone(T0.tzinfo)
    assert (local.date().isoformat(), local.hour, local.minute) == ("2025-06-16", 23, 59)
    traffic = loop.report(code="traffic_safety")  # calendar days
    assert traffic.resolve_due_at == T0 + timedelta(days=2)
    assert case.rule_ref == "cases_categories@2024.1"


def test_an_unaccepted_case_escalates_once_to_the_township(loop: Loop) -> None:
    case = loop.report()
    town = loop.world.user("township_admin")
    assert services.escalate_overdue(T0 + timedelta(hours=1)) == "升级逾期事项 0 件"
    late = T0 + timedelta(hours=3)
    assert "1" in services.escalate_overdue(late)
    assert "0" in services.escalate_overdue(late + timedelta(minutes=5))  # same breach: nothing more
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert case.escalated_to_path == loop.world.town_a.path
    esc = CaseEscalation.objects.get(case=case)
    assert (esc.breach, esc.target_name) == ("accept", "甲镇")
    assert Notification.objects.filter(recipient=town, case=case, kind="escalated").count() == 1
    assert selectors.overdue_count(region=loop.world.town_a, now=late) == 1
    assert selectors.overdue_count(region=loop.world.town_b, now=late) == 0


def test_a_missed_resolve_deadline_is_a_second_breach_one_level_higher(loop: Loop) -> None:
    case = loop.report()
    services.escalate_overdue(T0 + timedelta(hours=3))
    sec = loop.world.user("village_secretary")
    services.accept_case(actor=sec, case=case, now=T0 + timedelta(hours=4))
    assert selectors.overdue_count(region=loop.world.county, now=T0 + timedelta(hours=5)) == 0
    after = T0 + timedelta(days=6)
    services.escalate_overdue(after)
    services.escalate_overdue(after)
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert case.escalated_to_path == loop.world.county.path
    assert list(CaseEscalation.objects.filter(case=case).values_list("breach", flat=True)) == [
        "accept",
        "resolve",
    ]
    county_admin = loop.world.user("county_admin")
    assert Notification.objects.filter(recipient=county_admin, case=case, kind="escalated").count() == 1


def test_reopening_gives_a_new_deadline_and_a_new_breach(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    case = loop.report()
    services.accept_case(actor=sec, case=case)
    services.start_case(actor=sec, case=case)
    services.resolve_case(actor=sec, case=case, note="已处理")
    case = services.reopen_case(actor=loop.rider, case=case, reason="没处理好", now=T0 + timedelta(days=1))
    services.escalate_overdue(T0 + timedelta(days=30))
    case.refresh_from_db()
    assert CaseEscalation.objects.filter(case=case, breach="resolve").count() == 1
    assert case.escalation_level == 1


def test_resolved_and_closed_cases_never_escalate(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    case = loop.report()
    services.accept_case(actor=sec, case=case)
    services.start_case(actor=sec, case=case)
    services.resolve_case(actor=sec, case=case, note="已处理")
    services.escalate_overdue(T0 + timedelta(days=30))
    assert not CaseEscalation.objects.exists()
    assert selectors.overdue_count(region=loop.world.county, now=T0 + timedelta(days=30)) == 0


def test_the_tick_runs_the_cases_jobs(loop: Loop) -> None:
    loop.report()
    results = dict(jobs.run_all(now=T0 + timedelta(hours=3), only=["cases.escalate", "cases.autoclose"]))
    assert results["cases.escalate"] == "升级逾期事项 1 件"
    assert results["cases.autoclose"] == "自动关闭 0 件"


def test_closed_cases_contract(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    case = loop.report()
    services.accept_case(actor=sec, case=case)
    services.start_case(actor=sec, case=case)
    services.resolve_case(actor=sec, case=case, note="已处理")
    services.confirm_case(actor=loop.rider, case=case, rating=5)
    loop.report(code="legal_advice", description="咨询")
    closed = list(selectors.closed_cases(region=loop.world.town_a))
    assert closed == [case]
    assert str(case).startswith(case.number) and case.get_absolute_url() == f"/cases/{case.pk}/"
    assert list(selectors.closed_cases(region=loop.world.town_b)) == []


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ticks_escalate_each_breach_exactly_once(loop: Loop) -> None:
    cases = [loop.report(description=f"隐患 {i}") for i in range(30)]
    late: datetime = T0 + timedelta(hours=3)
    outcomes = run_n_together(lambda: services.escalate_overdue(late))
    assert all(isinstance(o.value, str) for o in outcomes)
    assert CaseEscalation.objects.count() == len(cases)
    assert set(Case.objects.values_list("escalation_level", flat=True)) == {1}
    town = loop.world.user("township_admin")
    assert Notification.objects.filter(recipient=town, kind="escalated").count() == len(cases)
