"""Security findings of issue 11 on the points side, one test per finding; each fails on the code
before the fix.

Finding 3 (last sentence): a reviewer linked to a person could approve a claim for that same person.
Finding 4 (first sentence): /points/links/ accepted any username and overwrote that account's link,
across counties, and its audit row had no "before".
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, login, make_user
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts import services as account_services
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.points import services
from tongxin.points.models import Claim, ClaimLine, Objection, PersonLink
from tongxin.points.services.links import ACCOUNT_UNKNOWN

ON = date(2026, 4, 8)


def _claim_for(world: World, people: list) -> Claim:  # type: ignore[type-arg]
    scheme = make_scheme(world.village_a1)
    return services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=ON, title="清扫村道",
        people=people, today=ON,
    )  # fmt: skip


def test_finding_3_reviewer_linked_to_beneficiary_cannot_approve(world: World, client: Client) -> None:
    people = make_villagers(world.village_a1, 3).people
    reviewer = world.user("points_reviewer")
    services.link_person(actor=world.user("village_secretary"), user=reviewer, person=people[1])
    claim = _claim_for(world, people)
    with pytest.raises(DomainError, match="回避原则：您的账号关联的“村民001”是本申报的受益人") as exc:
        services.approve_claim(actor=reviewer, claim=claim, today=ON)
    assert exc.value.field == "reviewer"
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED
    assert AuditEvent.objects.filter(action="points.claim.approve", success=False).count() == 1
    # the same through the page
    login(client, reviewer)
    client.post(reverse("points:claim_approve", args=[claim.pk]), {"note": ""})
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED
    # a second reviewer, linked to nobody in the claim, may approve it
    other = make_user("reviewer2")
    account_services.grant_role(actor=None, user=other, role="points_reviewer", node=world.village_a1)
    other = type(other).objects.get(pk=other.pk)
    assert services.approve_claim(actor=other, claim=claim, today=ON).state == Claim.State.NOTICE


def test_finding_3_reviewer_linked_to_beneficiary_cannot_decide_an_objection_to_their_line(
    world: World,
) -> None:
    people = make_villagers(world.village_a1, 2).people
    claim = services.approve_claim(
        actor=world.user("points_reviewer"), claim=_claim_for(world, people), today=ON
    )
    line = claim.lines.get(person=people[0])
    objection = services.raise_objection(actor=world.user("resident"), line=line, reason="那天他不在村里，没有参加",
                                         today=ON)  # fmt: skip
    reviewer = world.user("points_reviewer")
    services.link_person(actor=world.user("village_secretary"), user=reviewer, person=people[0])
    with pytest.raises(DomainError, match="回避原则"):
        services.decide_objection(
            actor=reviewer, objection=objection, uphold=False, reason="核实属实", today=ON
        )
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
    assert ClaimLine.objects.get(pk=line.pk).state == ClaimLine.State.PENDING


def test_finding_4_link_needs_scope_over_both_and_audits_before(world: World) -> None:
    secretary = world.user("village_secretary")  # manages 甲一村 only
    mine = make_villagers(world.village_a1, 2).people
    foreign = make_villagers(world.village_b1, 1, prefix="乙村民").people[0]
    # an account of 乙一村 (its resident role is granted there), linked to a person of 乙一村
    outsider = make_user("b1_villager")
    account_services.grant_role(actor=None, user=outsider, role="resident", node=world.village_b1)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    services.link_person(actor=None, user=outsider, person=foreign)
    with pytest.raises(DomainError) as exc:
        services.link_person(actor=secretary, user=outsider, person=mine[0])
    assert exc.value.message == ACCOUNT_UNKNOWN
    assert PersonLink.objects.get(user=outsider).person == foreign  # not overwritten
    # an account with no grant at all belongs nowhere yet: refused the same way
    bare = make_user("no_grants")
    with pytest.raises(DomainError, match="没有这个登录账号"):
        services.link_person(actor=secretary, user=bare, person=mine[0])
    assert not PersonLink.objects.filter(user=bare).exists()
    # inside both scopes: allowed, and the audit keeps who the account was before (none, then mine[0])
    resident = world.user("resident")  # granted at 甲一村
    services.link_person(actor=secretary, user=resident, person=mine[0])
    services.link_person(actor=secretary, user=resident, person=mine[1])
    events = list(
        AuditEvent.objects.filter(action="points.link.set", success=True, actor=secretary).order_by("id")
    )
    assert [(e.before["person"], e.after["person"]) for e in events] == [
        (None, mine[0].pk),
        (mine[0].pk, mine[1].pk),
    ]
    assert events[1].before["person_name"] == mine[0].name and events[1].after["person_name"] == mine[1].name


def test_finding_4_link_page_answers_the_same_for_unknown_and_foreign_accounts(
    world: World, client: Client
) -> None:
    person = make_villagers(world.village_a1, 1).people[0]
    outsider = make_user("b1_villager")
    account_services.grant_role(actor=None, user=outsider, role="resident", node=world.village_b1)
    login(client, world.user("village_secretary"))
    foreign = client.post(reverse("points:links"), {"username": "b1_villager", "person": person.pk})
    unknown = client.post(reverse("points:links"), {"username": "nobody_at_all", "person": person.pk})
    assert foreign.status_code == unknown.status_code == 200
    assert ACCOUNT_UNKNOWN in foreign.content.decode() and ACCOUNT_UNKNOWN in unknown.content.decode()
    assert not PersonLink.objects.exists()
