"""Services that change the structure: move, set up, instructors, committees, applications,
transfers, merging people. Each write is audited; refusals name the field."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import World, make_user
from tests.orgs.helpers import add_members, id_number, make_person, make_unit, membership
from tongxin.accounts import services as account_services
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.core.scoping import in_scope
from tongxin.orgs import services
from tongxin.orgs.models import CommitteeMember, Membership, PartyOrg, Person, Transfer, TransferStep


def test_moving_an_organisation_moves_its_subtree_and_members(world: World) -> None:
    actor = world.user("county_admin")
    (member,) = add_members(world, None, full=1, org=world.station_branch)
    group = services.create_party_org(
        actor=SYSTEM, name="骑手党小组", kind="group", parent=world.station_branch
    )
    services.move_party_org(actor=actor, org=world.station_branch, parent=world.committee_b)
    world.station_branch.refresh_from_db()
    group.refresh_from_db()
    assert world.station_branch.path.startswith(world.committee_b.path)
    assert group.path.startswith(world.station_branch.path)
    assert group.depth == world.station_branch.depth + 1
    assert membership(member).org_path == world.station_branch.path
    assert Person.objects.get(pk=member.pk).org_path == world.station_branch.path
    assert AuditEvent.objects.filter(action="orgs.party_org.move", success=True).count() == 1


def test_grants_on_a_moved_organisation_follow_it(world: World) -> None:
    """Whoever was granted the moved branch (or a group below it) keeps it; region grants stay."""
    holder = make_user("station_secretary")
    grant = account_services.grant_role(
        actor=SYSTEM, user=holder, role="branch_secretary", node=world.station_branch
    )
    region_grant = world.user("village_secretary").grants.filter(tree="region").first()
    region_path = region_grant.path if region_grant else None
    services.move_party_org(
        actor=world.user("county_admin"), org=world.station_branch, parent=world.committee_b
    )
    world.station_branch.refresh_from_db()
    grant.refresh_from_db()
    assert grant.path == world.station_branch.path
    holder = type(holder).objects.get(pk=holder.pk)
    assert in_scope(world.station_branch.path, holder, "registry.view", "org")
    if region_grant is not None:
        region_grant.refresh_from_db()
        assert region_grant.path == region_path


def test_moving_an_organisation_under_its_own_subtree_is_refused(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        services.move_party_org(
            actor=world.user("county_admin"), org=world.two_new, parent=world.station_branch
        )
    assert exc.value.field == "parent"
    assert "下级" in exc.value.message
    assert AuditEvent.objects.filter(action="orgs.party_org.move", success=False).count() == 1


def test_a_joint_branch_of_more_than_five_units_is_refused(world: World) -> None:
    units = [make_unit(world, f"小站{i}") for i in range(6)]
    with pytest.raises(DomainError) as exc:
        services.set_up_party_org(
            actor=world.user("county_admin"),
            units=units,
            kind="joint_branch",
            name="联合党支部",
            parent=world.industry,
        )
    assert exc.value.field == "units"
    assert not PartyOrg.objects.filter(name="联合党支部").exists()


def test_a_unit_with_three_formal_members_does_not_go_into_a_joint_branch(world: World) -> None:
    big, small = make_unit(world, "大站"), make_unit(world, "小站")
    add_members(world, big, full=3)
    with pytest.raises(DomainError) as exc:
        services.set_up_party_org(
            actor=SYSTEM, units=[big, small], kind="joint_branch", name="联合党支部", parent=world.industry
        )
    assert "大站" in exc.value.message


def test_an_own_branch_needs_three_formal_members_probationary_not_counted(world: World) -> None:
    unit = make_unit(world, "站点")
    add_members(world, unit, full=2, probationary=3)
    with pytest.raises(DomainError) as exc:
        services.set_up_party_org(
            actor=SYSTEM, units=[unit], kind="branch", name="站点党支部", parent=world.industry
        )
    assert "不足3名" in exc.value.message


def test_setting_up_a_joint_branch_records_the_closed_findings(world: World) -> None:
    a, b = make_unit(world, "甲站"), make_unit(world, "乙站")
    add_members(world, a, full=1)
    add_members(world, b, full=2, start=5)
    org = services.set_up_party_org(
        actor=world.user("county_admin"),
        units=[a, b],
        kind="joint_branch",
        name="甲乙联合党支部",
        parent=world.industry,
        move_members=True,
    )
    event = AuditEvent.objects.get(action="orgs.party_org.set_up")
    assert event.after["closed_findings"] == sorted(
        [f"members_without_org:unit:{a.pk}", f"members_without_org:unit:{b.pk}"]
    )
    assert Membership.objects.filter(org=org).count() == 3


def test_appointing_and_replacing_an_instructor_keeps_the_history(world: World) -> None:
    unit = make_unit(world, "车队")
    instructor = world.user("instructor")
    services.appoint_instructor(actor=SYSTEM, unit=unit, instructor=instructor, appointed_on=date(2025, 1, 1))
    with pytest.raises(DomainError) as exc:
        services.appoint_instructor(
            actor=SYSTEM, unit=unit, instructor=world.user("resident"), appointed_on=date(2025, 6, 1)
        )
    assert exc.value.field == "instructor"
    other = make_user("instructor2")
    account_services.grant_role(actor=SYSTEM, user=other, role="instructor", node=world.industry)
    services.appoint_instructor(actor=SYSTEM, unit=unit, instructor=other, appointed_on=date(2025, 6, 1))
    history = list(unit.instructor_history.order_by("appointed_on").values_list("instructor_id", "ended_on"))
    assert history == [(instructor.pk, date(2025, 6, 1)), (other.pk, None)]


def test_a_new_secretary_replaces_the_old_and_the_term_follows_the_rule(world: World) -> None:
    (p1, p2) = add_members(world, None, full=2, org=world.branch_a1, region=world.village_a1)
    services.appoint_committee_member(
        actor=SYSTEM,
        org=world.branch_a1,
        person=p1,
        name="",
        position="secretary",
        term_start=date(2021, 1, 1),
    )
    seat = services.appoint_committee_member(
        actor=SYSTEM,
        org=world.branch_a1,
        person=p2,
        name="",
        position="secretary",
        term_start=date(2026, 1, 1),
    )
    assert seat.term_end == date(2031, 1, 1)  # a village branch: five years
    assert CommitteeMember.objects.get(person=p1).ended_on == date(2026, 1, 1)
    world.branch_a1.refresh_from_db()
    assert world.branch_a1.secretary_name == p2.name


def test_an_application_is_recorded_once_and_only_from_an_adult(world: World) -> None:
    person = make_person(world, "小王")
    services.record_application(
        actor=SYSTEM, person=person, org=world.station_branch, applied_on=date(2026, 3, 1)
    )
    assert membership(person).status == "applicant"
    with pytest.raises(DomainError):
        services.record_application(
            actor=SYSTEM, person=person, org=world.station_branch, applied_on=date(2026, 3, 2)
        )
    young = services.create_person(
        actor=SYSTEM, name="小李", region=world.town_b, id_card=id_number(born=date(2010, 1, 1))
    )
    with pytest.raises(DomainError) as exc:
        services.record_application(
            actor=SYSTEM, person=young, org=world.station_branch, applied_on=date(2026, 3, 1)
        )
    assert "18" in exc.value.message


def test_a_transfer_goes_out_in_transit_received_and_the_sender_stays_responsible(world: World) -> None:
    (member,) = add_members(world, None, full=1, org=world.branch_a1, region=world.village_a1)
    m = membership(member)
    township = world.user("township_admin")  # town A: the sender
    county = world.user("county_admin")
    transfer = services.start_transfer(
        actor=township, membership=m, to_org=world.branch_b1, reason="居住地变动", started_on=date(2026, 5, 1)
    )
    services.advance_transfer(actor=township, transfer=transfer, event="dispatch")
    assert membership(member).org_id == world.branch_a1.pk  # still the sender's until received
    with pytest.raises(DomainError) as exc:
        services.advance_transfer(actor=township, transfer=transfer, event="receive")
    assert "转入" in exc.value.message
    services.advance_transfer(actor=county, transfer=transfer, event="receive")
    assert membership(member).org_id == world.branch_b1.pk
    assert Transfer.objects.get(pk=transfer.pk).state == "received"
    assert list(TransferStep.objects.filter(transfer=transfer).values_list("to_state", flat=True)) == [
        "out",
        "in_transit",
        "received",
    ]


def test_a_transfer_step_cannot_be_taken_twice(world: World) -> None:
    (member,) = add_members(world, None, full=1, org=world.branch_a1, region=world.village_a1)
    transfer = services.start_transfer(
        actor=SYSTEM,
        membership=membership(member),
        to_org=world.branch_b1,
        reason="工作变动",
        started_on=date(2026, 5, 1),
    )
    stale = Transfer.objects.get(pk=transfer.pk)
    services.advance_transfer(actor=SYSTEM, transfer=transfer, event="dispatch")
    with pytest.raises(DomainError):
        services.advance_transfer(actor=SYSTEM, transfer=stale, event="dispatch")


def test_merging_duplicate_people_moves_the_membership(world: World) -> None:
    keep = services.create_person(actor=SYSTEM, name="张三", region=world.town_b)
    (dup,) = add_members(world, None, full=1)
    dup.name = "张三"
    services.merge_people(actor=world.user("county_admin"), keep=keep, duplicate=dup)
    keep.refresh_from_db()
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk
    assert membership(keep).status == "full"
    assert keep.id_card == dup.id_card
    assert keep.org_path == world.industry.path


def test_two_people_with_different_id_numbers_are_not_merged(world: World) -> None:
    a, b = make_person(world, "张三"), make_person(world, "张三")
    with pytest.raises(DomainError) as exc:
        services.merge_people(actor=SYSTEM, keep=a, duplicate=b)
    assert "不同" in exc.value.message
