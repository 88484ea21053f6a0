"""Two ticks at once escalate an overdue task once; two finalisations of one notice make one result."""

from __future__ import annotations

from datetime import date

import pytest

from tests.concurrency import run_n_together
from tests.factories import World
from tests.stars.conftest import at, fill_all
from tongxin.stars import services
from tongxin.stars.models import CriteriaSet, RectificationTask, StarCycle, TaskTransition


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_ticks_escalate_once(world: World) -> None:
    task = services.create_task(
        actor=world.user("county_leader"), org=world.branch_a1, problem="p", required_outcome="o",
        owner=world.user("village_secretary"), deadline=date(2026, 12, 10), now=at(2026, 11, 20),
    )  # fmt: skip
    outcomes = run_n_together(lambda: services.escalate_overdue(at(2026, 12, 12)))
    assert sorted(o.value for o in outcomes) == [0, 1]
    assert RectificationTask.objects.get(pk=task.pk).escalations == 1
    assert TaskTransition.objects.filter(task=task, event="escalate").count() == 1


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_finalisations_make_one_result(world: World, criteria: CriteriaSet) -> None:
    cycle = services.declare_target(
        actor=world.user("village_secretary"), org=world.branch_a1, year=2026, target_stars=4
    )
    fill_all(cycle, world.user("village_secretary"))
    services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    services.rate_cycle(
        actor=world.user("township_admin"), cycle=cycle, stars=["party_strength"], reason="初评"
    )
    services.approve_cycle(
        actor=world.user("county_admin"), cycle=cycle, stars=["party_strength"], now=at(2026, 11, 2)
    )
    outcomes = run_n_together(lambda: services.close_due_notices(at(2026, 11, 20)))
    assert sorted(o.value for o in outcomes) == [0, 1]
    cycle = StarCycle.objects.get(pk=cycle.pk)
    assert cycle.state == "final"
    assert cycle.results.filter(stage="final").count() == 1
