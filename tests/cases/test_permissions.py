"""Permission tables (role × action × expected): the reporter sees their own cases, the handling
organisation its queue, other townships nothing (404), the public only what Open311 publishes."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.conftest import Loop
from tests.factories import api_client, login, make_user
from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, State


def _other_township_admin(loop: Loop) -> User:
    user = make_user("town_b_admin", real_name="乙镇管理员")
    account_services.grant_role(actor=SYSTEM, user=user, role="township_admin", node=loop.world.town_b)
    return user


def _user(loop: Loop, who: str) -> User | None:
    if who == "anonymous":
        return None
    if who == "outsider":
        return loop.world.outsider
    if who == "other_township":
        return _other_township_admin(loop)
    return loop.world.user(who)


# A hazard reported by the grid worker in 甲一村, routed to 甲一村党支部.
DETAIL = [
    ("grid_worker", 200),  # the reporter
    ("county_admin", 200),
    ("township_admin", 200),
    ("county_leader", 200),
    ("village_secretary", 200),
    ("branch_secretary", 404),  # a branch elsewhere in the org tree
    ("resident", 404),  # same village, not the reporter
    ("points_recorder", 404),
    ("points_reviewer", 404),
    ("instructor", 404),
    ("trainer", 404),
    ("security_admin", 404),
    ("auditor", 404),
    ("outsider", 404),
    ("other_township", 404),
    ("anonymous", 302),  # to the login page
]


@pytest.mark.parametrize(("who", "expected"), DETAIL)
def test_who_sees_a_case(loop: Loop, who: str, expected: int) -> None:
    case = loop.report()
    user = _user(loop, who)
    client = Client()
    if user is not None:
        login(client, user)
    assert client.get(f"/cases/{case.pk}/").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [(w, 401 if w == "anonymous" else (200 if e == 200 else 404)) for w, e in DETAIL]
)
def test_who_reads_a_case_through_the_api(loop: Loop, who: str, expected: int) -> None:
    case = loop.report()
    user = _user(loop, who)
    if user is None:
        r = Client().get(f"/api/v1/cases/{case.pk}")
    else:
        client, headers = api_client(user)
        r = client.get(f"/api/v1/cases/{case.pk}", **headers)
    assert r.status_code == expected


PAGES = [
    # role, my cases, new report, queue, overview, volunteer services
    ("grid_worker", 200, 200, 404, 404, 404),
    ("resident", 200, 200, 404, 404, 404),
    ("county_admin", 404, 200, 200, 200, 200),
    ("township_admin", 404, 200, 200, 200, 200),
    ("county_leader", 404, 404, 404, 404, 200),
    ("village_secretary", 404, 200, 200, 404, 200),
    ("branch_secretary", 404, 404, 200, 404, 200),  # org grant only: no region to file in
    ("points_recorder", 404, 404, 404, 404, 404),
    ("security_admin", 404, 404, 404, 404, 404),
    ("outsider", 404, 404, 404, 404, 404),
]


@pytest.mark.parametrize(("who", "mine", "new", "queue", "overview", "services"), PAGES)
def test_which_pages_exist_for_whom(
    loop: Loop, who: str, mine: int, new: int, queue: int, overview: int, services: int
) -> None:
    user = _user(loop, who)
    assert user is not None
    client = login(Client(), user)
    got = tuple(
        client.get(url).status_code
        for url in ("/cases/", "/cases/new/", "/cases/queue/", "/cases/overview/", "/cases/services/")
    )
    assert got == (mine, new, queue, overview, services)


ACCEPT = [
    ("village_secretary", State.ACCEPTED),
    ("township_admin", State.ACCEPTED),
    ("county_admin", State.ACCEPTED),
    ("county_leader", State.SUBMITTED),  # may look, may not handle
    ("grid_worker", State.SUBMITTED),  # the reporter cannot accept their own report
    ("branch_secretary", State.SUBMITTED),
    ("other_township", State.SUBMITTED),
]


@pytest.mark.parametrize(("who", "state"), ACCEPT)
def test_who_may_accept(loop: Loop, who: str, state: str) -> None:
    case = loop.report()
    user = _user(loop, who)
    assert user is not None
    client = login(Client(), user)
    r = client.post(f"/cases/{case.pk}/act/accept/")
    assert r.status_code in (302, 404)
    case.refresh_from_db()
    assert case.state == state


def test_the_queue_shows_the_handling_organisations_cases_only(loop: Loop) -> None:
    here = loop.report()
    there = loop.report(
        region=loop.world.village_b1, actor=loop.world.user("county_admin"), reporter_name="王五"
    )
    sec = login(Client(), loop.world.user("village_secretary"))
    page = sec.get("/cases/queue/").content.decode()
    assert here.number in page and there.number not in page
    other = login(Client(), _other_township_admin(loop))
    page = other.get("/cases/queue/").content.decode()
    assert there.number in page and here.number not in page
    assert Case.objects.get(pk=there.pk).handling_org == loop.world.branch_b1


def test_my_cases_lists_only_my_own(loop: Loop) -> None:
    mine = loop.report()
    someone_else = loop.report(actor=loop.world.user("resident"))
    page = login(Client(), loop.rider).get("/cases/").content.decode()
    assert mine.number in page and someone_else.number not in page


def test_the_queue_lists_open_cases_most_urgent_first_and_hides_resolved_ones(loop: Loop) -> None:
    sec_user = loop.world.user("village_secretary")
    later = loop.report(code="environment", description="垃圾桶满溢")  # accept within 4 hours
    sooner = loop.report(code="traffic_safety", description="信号灯不亮")  # accept within 2 hours
    done = loop.report(description="已处理的隐患")
    services.accept_case(actor=sec_user, case=done)
    services.start_case(actor=sec_user, case=done)
    services.resolve_case(actor=sec_user, case=done, note="已处理")
    page = login(Client(), sec_user).get("/cases/queue/").content.decode()
    assert page.index(sooner.number) < page.index(later.number)
    assert done.number not in page
    resolved = login(Client(), sec_user).get("/cases/queue/?state=resolved").content.decode()
    assert done.number in resolved and later.number not in resolved
