"""The coverage rules at every boundary (DOMAIN.md §1; rule set ``orgs_coverage``).

The pure functions are tested with facts; the last tests go through the database to show that the
facts are counted right (probationary members never count as formal).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import World
from tests.orgs.helpers import add_members, make_unit
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import coverage, services
from tongxin.orgs.coverage import OrgFacts, UnitFacts, org_findings, unit_findings
from tongxin.orgs.models import PartyOrg, Unit

TODAY = date(2026, 6, 1)
RS = coverage.rule_set(TODAY)


def rules_of(findings: list[coverage.Finding]) -> set[str]:
    return {f.rule for f in findings}


# --- unit rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formal", "expected"),
    [(2, "members_without_org"), (3, "own_branch_min_formal"), (4, "own_branch_min_formal")],
)
def test_own_branch_needed_from_three_formal_members(formal: int, expected: str) -> None:
    findings = unit_findings(UnitFacts(id=1, name="站点", formal=formal), RS)
    assert rules_of(findings) == {expected}


@pytest.mark.parametrize("formal", [2, 3, 4])
def test_a_unit_with_its_own_branch_has_no_finding(formal: int) -> None:
    assert unit_findings(UnitFacts(id=1, name="站点", formal=formal, own_orgs=[9]), RS) == []


def test_three_formal_members_in_a_joint_branch_should_still_set_up_their_own() -> None:
    findings = unit_findings(UnitFacts(id=1, name="站点", formal=3, joint_orgs=[9]), RS)
    assert rules_of(findings) == {"own_branch_min_formal"}


def test_two_formal_members_in_a_joint_branch_are_covered() -> None:
    assert unit_findings(UnitFacts(id=1, name="站点", formal=2, joint_orgs=[9]), RS) == []


def test_probationary_members_do_not_make_three_formal() -> None:
    findings = unit_findings(UnitFacts(id=1, name="站点", formal=2, probationary=5), RS)
    assert rules_of(findings) == {"members_without_org"}


def test_only_probationary_members_still_means_members_without_organisation() -> None:
    findings = unit_findings(UnitFacts(id=1, name="站点", formal=0, probationary=1), RS)
    assert rules_of(findings) == {"members_without_org"}


@pytest.mark.parametrize(
    ("union", "league", "instructor", "flagged"),
    [
        (False, False, False, True),
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
    ],
)
def test_unit_without_members_needs_a_union_league_or_instructor(
    union: bool, league: bool, instructor: bool, flagged: bool
) -> None:
    facts = UnitFacts(id=1, name="车队", has_union=union, has_youth_league=league, has_instructor=instructor)
    assert rules_of(unit_findings(facts, RS)) == ({"bridge_before_branch"} if flagged else set())


def test_each_finding_names_its_rule_article_and_version() -> None:
    (finding,) = unit_findings(UnitFacts(id=1, name="站点", formal=3), RS)
    assert finding.article == "《中国共产党支部工作条例（试行）》第五条"
    assert finding.rule_set == "orgs_coverage@2019.1"
    assert finding.mark == "已核实"
    (bridge,) = unit_findings(UnitFacts(id=2, name="车队"), RS)
    assert bridge.mark == "地方默认"


# --- organisation rules -------------------------------------------------------------------------


@pytest.mark.parametrize(("units", "flagged"), [(5, False), (6, True)])
def test_joint_branch_covers_at_most_five_units(units: int, flagged: bool) -> None:
    facts = OrgFacts(id=1, name="联合支部", kind="joint_branch", unit_count=units)
    assert ("joint_branch_max_units" in rules_of(org_findings(facts, RS, TODAY))) is flagged


def test_the_unit_limit_applies_to_joint_branches_only() -> None:
    facts = OrgFacts(id=1, name="党委", kind="committee", unit_count=9)
    assert org_findings(facts, RS, TODAY) == []


@pytest.mark.parametrize(("formal", "flagged"), [(6, False), (7, True)])
def test_committee_needed_from_seven_formal_members(formal: int, flagged: bool) -> None:
    facts = OrgFacts(id=1, name="支部", kind="branch", formal=formal, members=formal, committee_size=1)
    assert ("committee_min_formal" in rules_of(org_findings(facts, RS, TODAY))) is flagged


def test_seven_members_of_whom_one_probationary_need_no_committee() -> None:
    facts = OrgFacts(id=1, name="支部", kind="branch", formal=6, members=7, committee_size=1)
    assert "committee_min_formal" not in rules_of(org_findings(facts, RS, TODAY))


@pytest.mark.parametrize(("size", "flagged"), [(2, True), (3, False)])
def test_a_committee_has_at_least_three_seats(size: int, flagged: bool) -> None:
    facts = OrgFacts(id=1, name="支部", kind="branch", formal=9, members=9, committee_size=size)
    assert ("committee_min_formal" in rules_of(org_findings(facts, RS, TODAY))) is flagged


@pytest.mark.parametrize(("members", "flagged"), [(50, False), (51, True)])
def test_branch_over_fifty_members(members: int, flagged: bool) -> None:
    facts = OrgFacts(id=1, name="支部", kind="branch", formal=members, members=members, committee_size=5)
    assert ("branch_max_members" in rules_of(org_findings(facts, RS, TODAY))) is flagged


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (50, set()),
        (51, {"village_general_branch_over"}),
        (99, {"village_general_branch_over"}),
        (100, {"village_committee_at"}),
    ],
)
def test_village_advisories_at_fifty_and_one_hundred(members: int, expected: set[str]) -> None:
    facts = OrgFacts(
        id=1,
        name="村党支部",
        kind="branch",
        is_village=True,
        formal=members,
        members=members,
        committee_size=5,
    )
    findings = org_findings(facts, RS, TODAY)
    assert rules_of(findings) == expected
    assert all(f.advisory for f in findings)


def test_a_village_general_branch_at_ninety_nine_gets_no_advice() -> None:
    facts = OrgFacts(id=1, name="村党总支", kind="general_branch", is_village=True, members=99, formal=99)
    assert org_findings(facts, RS, TODAY) == []


@pytest.mark.parametrize(("ends", "flagged"), [(date(2026, 6, 1), False), (date(2026, 5, 31), True)])
def test_committee_term_expired(ends: date, flagged: bool) -> None:
    facts = OrgFacts(id=1, name="支部", kind="branch", committee_size=3, term_ended_on=ends)
    assert ("term_expired" in rules_of(org_findings(facts, RS, TODAY))) is flagged


@pytest.mark.parametrize(
    ("status", "full_on", "flagged"),
    [
        ("full", date(2025, 6, 1), False),  # exactly one year
        ("full", date(2025, 6, 2), True),  # one day short
        ("probationary", None, True),
        ("", None, True),  # not a member at all
    ],
)
def test_secretary_needs_one_year_of_membership(status: str, full_on: date | None, flagged: bool) -> None:
    facts = OrgFacts(
        id=1,
        name="支部",
        kind="branch",
        secretary_name="张三",
        secretary_linked=True,
        secretary_status=status,
        secretary_full_on=full_on,
    )
    assert ("secretary_min_party_years" in rules_of(org_findings(facts, RS, TODAY))) is flagged


def test_an_unlinked_secretary_is_not_judged() -> None:
    facts = OrgFacts(id=1, name="支部", kind="branch", secretary_name="张三", secretary_linked=False)
    assert org_findings(facts, RS, TODAY) == []


# --- through the database -----------------------------------------------------------------------


def test_probationary_member_does_not_count_in_the_database(world: World) -> None:
    unit = make_unit(world, "美团站点")
    add_members(world, unit, full=2, probationary=1)
    ev = coverage.evaluate(Unit.objects.filter(pk=unit.pk))
    assert ev.units[unit.pk].formal == 2
    assert rules_of(ev.for_unit(unit.pk)) == {"members_without_org"}
    add_members(world, unit, full=1, start=10)
    ev = coverage.evaluate(Unit.objects.filter(pk=unit.pk))
    assert rules_of(ev.for_unit(unit.pk)) == {"own_branch_min_formal"}
    assert ev.stages[unit.pk] == "form"


def test_setting_up_a_branch_closes_the_finding_and_moves_the_stage(world: World) -> None:
    unit = make_unit(world, "美团站点")
    add_members(world, unit, full=3)
    org = services.set_up_party_org(
        actor=world.user("county_admin"),
        units=[unit],
        kind="branch",
        name="美团站点党支部",
        parent=world.industry,
        move_members=True,
    )
    ev = coverage.evaluate(Unit.objects.filter(pk=unit.pk), PartyOrg.objects.filter(pk=org.pk))
    assert ev.for_unit(unit.pk) == []
    assert ev.orgs[org.pk].formal == 3
    assert ev.stages[unit.pk] == "consolidate"


def test_a_branch_with_seven_formal_members_and_no_committee_is_found_in_the_database(world: World) -> None:
    unit = make_unit(world, "货运公司")
    add_members(world, unit, full=7)
    org = services.set_up_party_org(
        actor=SYSTEM,
        units=[unit],
        kind="branch",
        name="货运公司党支部",
        parent=world.industry,
        move_members=True,
    )
    ev = coverage.evaluate(Unit.objects.filter(pk=unit.pk), PartyOrg.objects.filter(pk=org.pk))
    assert rules_of(ev.for_org(org.pk)) == {"committee_min_formal"}
    assert ev.stages[unit.pk] == "perfect"
