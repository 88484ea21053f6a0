"""Permission table: role × action × expected, through the pages (404 outside the scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, login, make_user
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts import services as account_services
from tongxin.points import services
from tongxin.points.models import Claim, Goods, LedgerEntry, PersonLink, PublishedBoard


@dataclass
class Setup:
    claim: Claim
    foreign_claim: Claim
    entry: LedgerEntry
    goods: Goods


def _setup(world: World) -> Setup:
    scheme = make_scheme(world.village_a1)
    other = make_scheme(world.village_b1, name="乙一村方案")
    people = make_villagers(world.village_a1, 3).people
    foreign = make_villagers(world.village_b1, 1, prefix="乙村民").people
    claim = services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=date(2026, 4, 8),
        title="清扫村道", people=people, today=date(2026, 4, 8),
    )  # fmt: skip
    foreign_claim = _foreign_claim(other, foreign)
    entry = services.award_points(
        actor=None,
        person=people[0],
        points=5,
        source="test",
        source_ref="p",
        reason="测试",
        on=date(2026, 4, 1),
    )
    goods = services.create_goods(actor=None, scheme=scheme, name="肥皂", price=1, stock=5)
    return Setup(claim=claim, foreign_claim=foreign_claim, entry=entry, goods=goods)


def _foreign_account(world: World):  # type: ignore[no-untyped-def]
    """A villager account of 乙一村 (another township): nobody in 甲镇 may link it."""
    account = make_user("b1_villager")
    account_services.grant_role(actor=None, user=account, role="resident", node=world.village_b1)
    return account


def _foreign_claim(scheme, people) -> Claim:  # type: ignore[no-untyped-def]
    recorder = make_user("recorder_b1")
    account_services.grant_role(actor=None, user=recorder, role="points_recorder", node=scheme.region)
    recorder = type(recorder).objects.get(pk=recorder.pk)
    return services.record_claim(
        actor=recorder, scheme=scheme, item_code="LAB", occurred_on=date(2026, 4, 8), title="乙村劳动",
        people=people, today=date(2026, 4, 8),
    )  # fmt: skip


def _do(client: Client, action: str, s: Setup, world: World) -> int:
    if action == "home":
        return client.get(reverse("points:home")).status_code
    if action == "record_page":
        return client.get(reverse("points:claim_create")).status_code
    if action == "view_claim":
        return client.get(reverse("points:claim_detail", args=[s.claim.pk])).status_code
    if action == "view_foreign_claim":
        return client.get(reverse("points:claim_detail", args=[s.foreign_claim.pk])).status_code
    if action == "approve":
        client.post(reverse("points:claim_approve", args=[s.claim.pk]))
        s.claim.refresh_from_db()
        return 200 if s.claim.state == Claim.State.NOTICE else 404
    if action == "approve_foreign":
        return client.post(reverse("points:claim_approve", args=[s.foreign_claim.pk])).status_code
    if action == "publish":
        client.post(
            reverse("points:board_publish"),
            {"region": world.village_a1.pk, "period": "2026Q2", "by": "person", "audience": "all",
             "name_style": "full", "size": 50},
        )  # fmt: skip
        return 200 if PublishedBoard.objects.exists() else 404
    if action == "reverse":
        client.post(reverse("points:entry_reverse", args=[s.entry.pk]), {"reason": "录错"})
        return 200 if LedgerEntry.objects.filter(reverses=s.entry).exists() else 404
    if action == "redeem_page":
        return client.get(reverse("points:goods_redeem", args=[s.goods.pk])).status_code
    if action == "ledger":
        return client.get(reverse("points:ledger_list")).status_code
    if action == "me":
        return client.get(reverse("points:me")).status_code
    if action == "notice":
        return client.get(reverse("points:notice")).status_code
    if action == "new_scheme":
        return client.get(reverse("points:scheme_create")).status_code
    if action in ("link", "link_foreign_account"):
        # link an account granted in 甲一村 (the resident) / in 乙一村 to a person of 甲一村
        account = world.user("resident") if action == "link" else _foreign_account(world)
        person = s.entry.person
        client.post(reverse("points:links"), {"username": account.username, "person": person.pk})
        return 200 if PersonLink.objects.filter(user=account, person=person).exists() else 404
    raise AssertionError(action)


ACTIONS = [
    "home", "record_page", "view_claim", "view_foreign_claim", "approve", "approve_foreign", "publish",
    "reverse", "redeem_page", "ledger", "me", "notice", "new_scheme", "link", "link_foreign_account",
]  # fmt: skip

# Expected status by role, in the order of ACTIONS. 200 = allowed (for writes: it happened),
# 302 = redirected (a villager's start page is "my points"), 404 = the page or row does not exist for them.
TABLE: dict[str, list[int]] = {
    "points_recorder":   [200, 200, 200, 404, 404, 404, 404, 404, 200, 200, 200, 200, 404, 404, 404],
    "points_reviewer":   [200, 404, 200, 404, 200, 404, 404, 404, 404, 200, 200, 200, 404, 404, 404],
    "village_secretary": [200, 404, 200, 404, 404, 404, 200, 200, 404, 200, 200, 200, 200, 200, 404],
    "township_admin":    [200, 404, 200, 404, 404, 404, 200, 200, 404, 200, 200, 200, 200, 200, 404],
    "resident":          [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404],
    "outsider":          [404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
}  # fmt: skip


@pytest.mark.parametrize("role", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(world: World, client: Client, role: str, action: str) -> None:
    s = _setup(world)
    user = world.outsider if role == "outsider" else world.user(role)
    login(client, user)
    expected = TABLE[role][ACTIONS.index(action)]
    assert _do(client, action, s, world) == expected


def test_anonymous_users_are_sent_to_login_but_the_public_board_is_open(world: World, client: Client) -> None:
    s = _setup(world)
    assert client.get(reverse("points:home")).status_code == 302
    board = services.publish_board(actor=None, region=world.village_a1, period="2026Q2")
    page = client.get(board.get_absolute_url())
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert client.get(board.get_verify_url()).status_code == 200
    assert client.get("/points/public/boards/nope/").status_code == 404
    assert s.entry.person.name in page.content.decode()
