"""The computed indicator "no open coverage findings" reads the registry's live findings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import World
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services
from tongxin.stars.metrics import METRICS

NOW = datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_figure_follows_the_registry(world: World) -> None:
    metric = METRICS["orgs.open_coverage_findings"]
    before = metric.measure(world.village_a2, 2026, NOW)
    services.create_unit(
        actor=SYSTEM, name="甲二村快递点", kind="courier", industry="express", region=world.village_a2
    )
    after = metric.measure(world.village_a2, 2026, NOW)
    assert before.value is not None and after.value == before.value + 1
