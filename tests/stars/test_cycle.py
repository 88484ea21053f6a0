"""The full annual cycle: target → self-assessment → township → county → notice with objections →
final, then 摘星; every step recorded; results append-only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories import World
from tests.stars.conftest import at, fill_all
from tongxin.core.errors import DomainError
from tongxin.core.models import AppendOnlyError, AuditEvent
from tongxin.stars import services
from tongxin.stars.models import CycleTransition, Objection, StarCycle, StarResult

FOUR = ["party_strength", "prosperity", "ecology", "civility"]


def _to_notice(world: World, cycle: StarCycle, stars: list[str], when=None) -> StarCycle:  # type: ignore[no-untyped-def]
    fill_all(cycle, world.user("village_secretary"))
    cycle = services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    cycle = services.rate_cycle(
        actor=world.user("township_admin"), cycle=cycle, stars=stars, reason="初评意见"
    )
    return services.approve_cycle(
        actor=world.user("county_admin"), cycle=cycle, stars=stars, now=when or at(2026, 11, 2)
    )


def test_full_cycle_with_objections(world: World, declared: Callable[..., StarCycle]) -> None:
    cycle = declared(target=4)
    assert cycle.state == "self_assessing"
    fill_all(cycle, world.user("village_secretary"))
    cycle = services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    self_result = services.latest_result(cycle, "self")
    assert self_result is not None
    # The metric indicators have no data source in this world → their stars may miss; the
    # snapshot keeps every indicator's value and figure as submitted.
    assert "points_participation" in self_result.detail

    # Township rates differently from the self-assessment: a reason is required.
    with pytest.raises(DomainError) as exc:
        services.rate_cycle(actor=world.user("township_admin"), cycle=cycle, stars=FOUR)
    assert exc.value.field == "reason" or set(self_result.stars) == set(FOUR)
    cycle = services.rate_cycle(actor=world.user("township_admin"), cycle=cycle, stars=FOUR, reason="经核实")
    assert cycle.state == "township_rated"

    # County approves on Monday 2 November 2026: 5 working days of notice end Monday 9 November.
    cycle = services.approve_cycle(
        actor=world.user("county_admin"), cycle=cycle, stars=FOUR, now=at(2026, 11, 2)
    )
    assert cycle.state == "in_notice"
    assert str(cycle.notice_ends_on) == "2026-11-09"

    # A villager objects with a reason; an empty reason is refused.
    with pytest.raises(DomainError) as exc:
        services.raise_objection(actor=world.user("resident"), cycle=cycle, reason="  ", now=at(2026, 11, 3))
    assert exc.value.field == "reason"
    first = services.raise_objection(
        actor=world.user("resident"), cycle=cycle, reason="村集体收入数据不实", now=at(2026, 11, 3)
    )
    # Cannot finalise while the notice runs, nor with an open objection.
    with pytest.raises(DomainError):
        services.finalise_cycle(actor=world.user("county_admin"), cycle=cycle, now=at(2026, 11, 9))
    with pytest.raises(DomainError) as exc:
        services.finalise_cycle(actor=world.user("county_admin"), cycle=cycle, now=at(2026, 11, 10))
    assert exc.value.field == "objections"
    assert services.close_due_notices(at(2026, 11, 10)) == 0

    # Upheld: back to county review, the notice stops.
    services.resolve_objection(
        actor=world.user("county_admin"), objection=first, upheld=True, resolution="核实后产业兴旺星不达标"
    )
    cycle.refresh_from_db()
    assert cycle.state == "township_rated"
    three = ["party_strength", "ecology", "civility"]
    cycle = services.approve_cycle(
        actor=world.user("county_admin"),
        cycle=cycle,
        stars=three,
        reason="异议成立，调整",
        now=at(2026, 11, 11),
    )
    second = services.raise_objection(
        actor=world.user("resident"), cycle=cycle, reason="仍有疑问", now=at(2026, 11, 12)
    )
    services.resolve_objection(
        actor=world.user("county_admin"), objection=second, upheld=False, resolution="经查不实"
    )
    cycle.refresh_from_db()
    assert cycle.state == "in_notice"
    # An objection after the notice period is refused.
    with pytest.raises(DomainError):
        services.raise_objection(
            actor=world.user("resident"), cycle=cycle, reason="晚了", now=at(2026, 11, 30)
        )

    # The tick closes the notice once it has ended; a second tick does nothing more.
    assert services.close_due_notices(at(2026, 11, 19)) == 1
    assert services.close_due_notices(at(2026, 11, 19)) == 0
    cycle.refresh_from_db()
    assert cycle.state == "final"
    assert cycle.current_level == "three"
    assert cycle.current_count == 3

    stages = list(cycle.results.values_list("stage", flat=True))
    assert stages == ["self", "township", "county", "county", "final"]
    events = list(CycleTransition.objects.filter(cycle=cycle).values_list("event", flat=True))
    assert events == ["declare", "submit", "rate", "approve", "uphold_objection", "approve", "finalise"]
    assert CycleTransition.objects.filter(cycle=cycle, event="rate").get().actor == world.user(
        "township_admin"
    )
    assert AuditEvent.objects.filter(action="stars.cycle.finalise", actor=None).count() == 1
    assert Objection.objects.filter(cycle=cycle).count() == 2


def test_results_and_transitions_are_append_only(world: World, declared: Callable[..., StarCycle]) -> None:
    cycle = _to_notice(world, declared(), FOUR)
    result = StarResult.objects.filter(cycle=cycle).first()
    assert result is not None
    result.level = "five"
    with pytest.raises(AppendOnlyError):
        result.save()
    with pytest.raises(AppendOnlyError):
        StarResult.objects.filter(cycle=cycle).update(level="five")
    with pytest.raises(AppendOnlyError):
        CycleTransition.objects.filter(cycle=cycle).delete()


def test_star_removal_needs_a_reason_and_the_precondition_takes_the_rest(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    cycle = _to_notice(world, declared(), FOUR)
    services.close_due_notices(at(2026, 11, 20))
    cycle.refresh_from_db()
    assert cycle.current_level == "four"
    admin = world.user("county_admin")
    with pytest.raises(DomainError) as exc:
        services.remove_star(actor=admin, cycle=cycle, star_code="ecology", reason="")
    assert exc.value.field == "reason"
    with pytest.raises(DomainError) as exc:
        services.remove_star(actor=admin, cycle=cycle, star_code="rule_of_law", reason="无此星")
    assert exc.value.field == "star_code"
    cycle = services.remove_star(actor=admin, cycle=cycle, star_code="ecology", reason="人居环境检查不合格")
    assert cycle.current_level == "three"
    assert cycle.current_stars == ["party_strength", "prosperity", "civility"]
    cycle = services.remove_star(actor=admin, cycle=cycle, star_code="party_strength", reason="班子不团结")
    assert cycle.current_count == 0
    assert cycle.current_level == "below"
    removal = services.latest_result(cycle, "removal")
    assert removal is not None and removal.reason == "班子不团结"
    assert list(cycle.results.values_list("stage", flat=True)) == [
        "self", "township", "county", "final", "removal", "removal",
    ]  # fmt: skip


def test_self_assessment_is_complete_before_submission(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    cycle = declared()
    with pytest.raises(DomainError) as exc:
        services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    assert exc.value.field == "assessments"
    assert "支部过硬星" in exc.value.message
    cycle.refresh_from_db()
    assert cycle.state == "self_assessing"


def test_score_out_of_range_names_the_field(world: World, declared: Callable[..., StarCycle]) -> None:
    cycle = declared()
    ind = cycle.criteria_set.stars.get(code="party_strength").indicators.get(code="org_life")
    with pytest.raises(DomainError) as exc:
        services.assess_indicator(
            actor=world.user("village_secretary"), cycle=cycle, indicator_id=ind.pk, score=11
        )
    assert exc.value.field == "score"
    assert "0 到 10" in exc.value.message


def test_returns_go_one_step_back_with_a_reason(world: World, declared: Callable[..., StarCycle]) -> None:
    cycle = declared()
    fill_all(cycle, world.user("village_secretary"))
    cycle = services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    with pytest.raises(DomainError):
        services.return_cycle(actor=world.user("township_admin"), cycle=cycle, reason="")
    cycle = services.return_cycle(actor=world.user("township_admin"), cycle=cycle, reason="佐证不全")
    assert cycle.state == "self_assessing"
    # The village can edit again and resubmit.
    fill_all(cycle, world.user("village_secretary"), score_share=0.5)
    cycle = services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    assert cycle.results.filter(stage="self").count() == 2


def test_declaring_twice_is_idempotent(world: World, declared: Callable[..., StarCycle]) -> None:
    a = declared(target=4)
    b = declared(target=4)
    assert a.pk == b.pk
    assert CycleTransition.objects.filter(cycle=a).count() == 1
    c = declared(target=5)
    assert c.target_stars == 5
    with pytest.raises(DomainError) as exc:
        services.declare_target(
            actor=world.user("village_secretary"), org=world.branch_a1, year=2026, target_stars=2
        )
    assert exc.value.field == "target_stars"
