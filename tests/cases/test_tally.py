"""Issue 11 item 10: the grid-report tally ("反馈各类治安隐患、环境问题等信息80条") counts the categories a
rule set names — environment problems included — and states the rule version it was computed with."""

from __future__ import annotations

from django.test import Client

from tests.cases.conftest import Loop
from tests.factories import login
from tongxin.cases import selectors, services
from tongxin.core import rules


def test_finding_the_grid_tally_counts_environment_problems_named_by_the_rule(loop: Loop) -> None:
    loop.report(code="safety_hazard")
    loop.report(code="environment", description="垃圾桶满溢")
    loop.report(code="facility_damage", description="路灯不亮")
    loop.report(code="needy_people", description="独居老人需要送药")  # a need, not a hazard
    t = selectors.tally(region=loop.world.town_a)
    rs = rules.in_force("cases_defaults")
    assert set(rs.value("grid_report_tally_categories")) >= {"safety_hazard", "environment"}
    assert t.hazards == 3 and t.reports == 4
    assert t.rule_ref == rs.ref and "environment" in t.hazard_categories


def test_invalid_and_merged_reports_are_not_counted(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    a = loop.report(code="environment", description="垃圾")
    services.invalidate_case(
        actor=sec,
        case=loop.report(code="environment", description="x"),
        validity="invalid",
        reason="现场无此问题",
    )
    services.merge_case(actor=sec, case=loop.report(code="environment", description="同一处垃圾"), into=a)
    assert selectors.tally(region=loop.world.town_a).hazards == 1


def test_the_services_page_states_the_rule_version_of_the_tally(loop: Loop) -> None:
    loop.report(code="environment", description="垃圾")
    page = login(Client(), loop.world.user("village_secretary")).get("/cases/services/").content.decode()
    assert 'data-testid="tally-rule"' in page and rules.in_force("cases_defaults").ref in page
