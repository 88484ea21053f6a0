from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone

from tests.factories import World
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.stars import services
from tongxin.stars.models import CriteriaSet, Indicator, StarCycle


@pytest.fixture
def criteria(world: World) -> CriteriaSet:
    services.load_sample_criteria(actor=SYSTEM, applies_to="community")
    return services.load_sample_criteria(actor=SYSTEM, applies_to="village")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def fill_all(cycle: StarCycle, actor: User, *, met: bool = True, score_share: float = 1.0) -> None:
    """Self-assess every judged indicator of the cycle (yes/no → met, score → share of max)."""
    for ind in Indicator.objects.filter(star__criteria_set=cycle.criteria_set):
        if ind.method == Indicator.Method.YES_NO:
            services.assess_indicator(actor=actor, cycle=cycle, indicator_id=ind.pk, met=met)
        elif ind.method == Indicator.Method.SCORE:
            services.assess_indicator(
                actor=actor, cycle=cycle, indicator_id=ind.pk, score=round(ind.max_score * score_share)
            )


@pytest.fixture
def declared(world: World, criteria: CriteriaSet) -> Callable[..., StarCycle]:
    def make(year: int = 2026, target: int = 5) -> StarCycle:
        return services.declare_target(
            actor=world.user("village_secretary"), org=world.branch_a1, year=year, target_stars=target
        )

    return make
