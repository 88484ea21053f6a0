"""The contract other modules use: open coverage findings under a region."""

from __future__ import annotations

import pytest

from tests.factories import World
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import selectors, services


@pytest.mark.django_db
def test_coverage_findings_under_a_region(world: World) -> None:
    unit = services.create_unit(
        actor=SYSTEM,
        name="甲一村外卖站",
        kind="platform_station",
        industry="delivery",
        region=world.village_a1,
    )
    findings = selectors.coverage_findings(region=world.village_a1)
    assert any(f.subject == "unit" and f.subject_id == unit.pk for f in findings)
    finding = next(f for f in findings if f.subject_id == unit.pk)
    assert finding.title.startswith("甲一村外卖站：")
    assert finding.get_absolute_url() == f"/registry/units/{unit.pk}/"
    assert all(f.subject_id != unit.pk for f in selectors.coverage_findings(region=world.village_b1))
