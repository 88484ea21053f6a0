"""Cases handled by a party organisation, and its volunteer teams, follow it when it moves."""

from __future__ import annotations

from tests.cases.conftest import Loop
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, VolunteerTeam
from tongxin.core.scoping import prefix_q
from tongxin.orgs import services as org_services


def test_a_moved_branch_takes_its_cases_and_teams_along(loop: Loop) -> None:
    world = loop.world
    case = loop.report()
    assert case.handling_org == world.branch_a1 and case.handler_path == world.branch_a1.path
    Case.objects.filter(pk=case.pk).update(escalated_to_path=world.branch_a1.path)
    team = services.create_team(
        actor=SYSTEM, name="爱心车队", kind="love_fleet", region=world.village_a1, org=world.branch_a1
    )
    old_parent = world.committee_a

    org_services.move_party_org(
        actor=world.user("county_admin"), org=world.branch_a1, parent=world.committee_b
    )

    world.branch_a1.refresh_from_db()
    case.refresh_from_db()
    team.refresh_from_db()
    assert case.handler_path == case.escalated_to_path == world.branch_a1.path
    assert team.org_path == world.branch_a1.path
    # Org-scoped reads: the new committee sees them, the old one no longer does.
    for model, field, pk in ((Case, "handler_path", case.pk), (VolunteerTeam, "org_path", team.pk)):
        assert model.objects.filter(prefix_q(field, world.committee_b.path), pk=pk).exists()
        assert not model.objects.filter(prefix_q(field, old_parent.path), pk=pk).exists()
