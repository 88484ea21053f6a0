"""Supervision and rectification: tasks with owner, deadline and outcome; report, verify or return;
overdue tasks escalate through tick exactly once per breached deadline; the county view counts."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import World
from tests.stars.conftest import at
from tongxin.core import jobs
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.stars import selectors, services
from tongxin.stars.models import RectificationTask, TaskTransition


def _task(world: World, deadline: date = date(2026, 12, 10)) -> RectificationTask:
    visit = services.record_visit(
        actor=world.user("county_leader"), region=world.town_a, visited_on=date(2026, 11, 20),
        summary="甲一村组织生活记录不全", now=at(2026, 11, 20),
    )  # fmt: skip
    return services.create_task(
        actor=world.user("county_leader"), org=world.branch_a1, problem="组织生活记录不全",
        required_outcome="补齐2026年三会一课记录并上传", owner=world.user("village_secretary"),
        deadline=deadline, visit=visit, now=at(2026, 11, 20),
    )  # fmt: skip


def test_task_cycle_with_return_and_verify(world: World) -> None:
    task = _task(world)
    owner, leader = world.user("village_secretary"), world.user("county_leader")
    with pytest.raises(DomainError):
        services.report_task(actor=leader, task=task, report="代报")
    services.report_task(actor=owner, task=task, report="已补齐", now=at(2026, 12, 1))
    services.return_task(actor=leader, task=task, reason="缺少支委会记录", new_deadline=date(2026, 12, 20),
                         now=at(2026, 12, 2))  # fmt: skip
    assert task.state == "returned" and task.deadline == date(2026, 12, 20)
    services.report_task(actor=owner, task=task, report="支委会记录已补", now=at(2026, 12, 15))
    services.verify_task(actor=leader, task=task, now=at(2026, 12, 16))
    assert task.state == "verified" and task.on_time is True
    assert list(task.transitions.values_list("event", flat=True)) == [
        "create",
        "report",
        "return",
        "report",
        "verify",
    ]


def test_overdue_escalates_once_per_breach(world: World) -> None:
    task = _task(world, deadline=date(2026, 12, 10))
    assert services.escalate_overdue(at(2026, 12, 10)) == 0  # due today: not yet overdue
    assert services.escalate_overdue(at(2026, 12, 11)) == 1
    assert services.escalate_overdue(at(2026, 12, 12)) == 0
    results = dict(jobs.run_all(now=at(2026, 12, 13), only=["stars.escalate_tasks"]))
    assert results["stars.escalate_tasks"] == "超期督办 0 项"
    task.refresh_from_db()
    assert task.escalations == 1
    assert TaskTransition.objects.filter(task=task, event="escalate").count() == 1
    assert AuditEvent.objects.filter(action="stars.task.escalate").count() == 1

    # Reported late, returned with a new deadline, missed again: a second breach, a second escalation.
    services.report_task(
        actor=world.user("village_secretary"), task=task, report="已整改", now=at(2026, 12, 14)
    )
    services.return_task(actor=world.user("county_leader"), task=task, reason="不达标",
                         new_deadline=date(2026, 12, 20), now=at(2026, 12, 15))  # fmt: skip
    assert services.escalate_overdue(at(2026, 12, 21)) == 1
    assert services.escalate_overdue(at(2026, 12, 22)) == 0
    task.refresh_from_db()
    assert task.escalations == 2
    services.report_task(
        actor=world.user("village_secretary"), task=task, report="再次整改", now=at(2026, 12, 23)
    )
    services.verify_task(actor=world.user("county_leader"), task=task, now=at(2026, 12, 24))
    task.refresh_from_db()
    assert task.on_time is False


def test_owner_must_see_the_village_and_deadline_not_past(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        services.create_task(
            actor=world.user("county_leader"), org=world.branch_a1, problem="p", required_outcome="o",
            owner=world.user("resident"), deadline=date(2026, 12, 10), now=at(2026, 11, 20),
        )  # fmt: skip
    assert exc.value.field == "owner"
    with pytest.raises(DomainError) as exc:
        services.create_task(
            actor=world.user("county_leader"), org=world.branch_a1, problem="p", required_outcome="o",
            owner=world.user("village_secretary"), deadline=date(2026, 11, 1), now=at(2026, 11, 20),
        )  # fmt: skip
    assert exc.value.field == "deadline"
    assert RectificationTask.objects.count() == 0


def test_county_view_counts_by_township(world: World) -> None:
    _task(world, deadline=date(2026, 12, 10))
    done = _task(world, deadline=date(2026, 12, 31))
    services.report_task(actor=world.user("village_secretary"), task=done, report="完成", now=at(2026, 12, 1))
    services.verify_task(actor=world.user("county_leader"), task=done, now=at(2026, 12, 2))
    view = selectors.county_view(world.user("county_admin"), year=2026, today=date(2026, 12, 15))
    row = next(r for r in view.rows if r.township == world.town_a)
    assert row.tasks == {"open": 1, "verified": 1}
    assert row.overdue == 1
    assert row.on_time_rate == 100
    assert view.assignments[world.town_a.pk] == [world.user("county_leader").display_name]
    other = next(r for r in view.rows if r.township == world.town_b)
    assert other.tasks == {} and other.overdue == 0


@pytest.mark.parametrize(
    ("role", "whole"),
    [("county_admin", True), ("township_admin", True), ("county_leader", True), ("village_secretary", False)],
)
def test_county_view_reads_whole_townships_by_index_and_counts_the_same_as_by_path(
    world: World, role: str, whole: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    _task(world, deadline=date(2026, 12, 10))
    _task(world, deadline=date(2026, 12, 31))
    user = world.user(role)
    towns = {t.pk: t for t in selectors.townships_for(user)}
    assert (selectors._whole_townships(user, towns) is not None) is whole
    fast = selectors.county_view(user, year=2026, today=date(2026, 12, 15))
    monkeypatch.setattr(selectors, "TOWNSHIP_LIST_LIMIT", 0)  # force the path-prefix roll-up
    by_path = selectors.county_view(user, year=2026, today=date(2026, 12, 15))
    assert [(r.township, r.tasks, r.overdue, r.levels) for r in fast.rows] == [
        (r.township, r.tasks, r.overdue, r.levels) for r in by_path.rows
    ]
    assert fast.task_states == by_path.task_states
