"""Permission table: role × action × expected.

The world: county > town A (villages A1, A2), town B (B1, B2). The village secretary holds A1, the
township administrator and the county leader (分包督导) town A, the county administrator the county.
Village secretaries edit only their own self-assessment; township administrators rate only their
villages; the county approves; supervisors see their assigned townships; everyone else gets 404.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import World, login
from tests.stars.conftest import at, fill_all
from tongxin.accounts.system import SYSTEM
from tongxin.stars import criteria_io, services
from tongxin.stars.models import CriteriaSet, StarCycle

ROLES = [
    "county_admin", "township_admin", "county_leader", "village_secretary", "branch_secretary",
    "points_recorder", "points_reviewer", "instructor", "grid_worker", "resident", "trainer",
    "security_admin", "auditor",
]  # fmt: skip
STAR_ROLES = {"county_admin", "township_admin", "county_leader", "village_secretary"}
# role -> (star page A1, star page B1, self-assess A1, rate A1, approve A1, task in A1, county view)
TABLE = {
    "county_admin": (200, 200, 404, 404, 302, 302, 200),
    "township_admin": (200, 404, 404, 302, 404, 404, 404),
    "county_leader": (200, 404, 404, 404, 404, 302, 200),
    "village_secretary": (200, 404, 302, 404, 404, 404, 404),
}


def _expected(role: str) -> tuple[int, ...]:
    return TABLE.get(role, (404,) * 7)


def _cycle(world: World, org_attr: str = "branch_a1") -> StarCycle:
    # Town B's secretary does not exist in the world: the system declares for B1.
    org = getattr(world, org_attr)
    actor = world.user("village_secretary") if org_attr == "branch_a1" else SYSTEM
    return services.declare_target(actor=actor, org=org, year=2026, target_stars=4)


@pytest.mark.parametrize("role", ROLES)
def test_page_permission_table(world: World, criteria: CriteriaSet, client: Client, role: str) -> None:
    page_a1, page_b1, assess, rate, approve, task, county = _expected(role)
    a1 = _cycle(world)
    b1 = _cycle(world, "branch_b1")
    login(client, world.user(role))

    assert client.get("/stars/").status_code == (200 if role in STAR_ROLES else 404)
    assert client.get(f"/stars/branch/{world.branch_a1.pk}/2026/").status_code == page_a1
    assert client.get(f"/stars/branch/{world.branch_b1.pk}/2026/").status_code == page_b1
    assert client.get(f"/api/v1/stars/cycles/{b1.pk}").status_code == (200 if page_b1 == 200 else 404)
    assert client.get("/stars/county/").status_code == county

    ind = a1.criteria_set.stars.get(code="party_strength").indicators.get(code="leadership")
    r = client.post(f"/stars/cycle/{a1.pk}/indicator/{ind.pk}/", {"met": "1"})
    assert r.status_code == assess
    a1.refresh_from_db()
    assert a1.assessments.filter(indicator=ind, met=True).exists() == (assess == 302)

    fill_all(a1, world.user("village_secretary"))
    services.submit_self_assessment(actor=world.user("village_secretary"), cycle=a1)
    r = client.post(f"/stars/cycle/{a1.pk}/rate/", {"stars": ["party_strength"], "reason": "初评"})
    assert r.status_code == rate
    a1.refresh_from_db()
    assert (a1.state == "township_rated") == (rate == 302)
    if a1.state == "submitted":
        services.rate_cycle(
            actor=world.user("township_admin"), cycle=a1, stars=["party_strength"], reason="初评"
        )

    r = client.post(f"/stars/cycle/{a1.pk}/approve/", {"stars": ["party_strength"]})
    assert r.status_code == approve
    a1.refresh_from_db()
    assert (a1.state == "in_notice") == (approve == 302)

    r = client.post(
        "/api/v1/stars/tasks",
        {"org_id": world.branch_a1.pk, "problem": "台账不全", "required_outcome": "补齐", "deadline": "2099-01-01",
         "owner_id": world.user("village_secretary").pk},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == {302: 201, 404: 404}[task] or (task == 404 and r.status_code == 400), r.content


@pytest.mark.parametrize("role", ROLES)
def test_api_list_scope(world: World, criteria: CriteriaSet, client: Client, role: str) -> None:
    _cycle(world)
    _cycle(world, "branch_b1")
    login(client, world.user(role))
    r = client.get("/api/v1/stars/cycles?year=2026")
    assert r.status_code == 200
    names = {c["org_name"] for c in r.json()["items"]}
    expected = {
        "county_admin": {"甲一村党支部", "乙一村党支部"},
        "township_admin": {"甲一村党支部"},
        "county_leader": {"甲一村党支部"},
        "village_secretary": {"甲一村党支部"},
    }.get(role, set())
    assert names == expected


def test_supervisor_sees_only_assigned_townships(world: World, criteria: CriteriaSet, client: Client) -> None:
    leader = world.user("county_leader")
    login(client, leader)
    # Tasks in town B are outside town A's leader's assignment: creating one is refused by scope.
    r = client.post(
        "/api/v1/stars/tasks",
        {"org_id": world.branch_b1.pk, "problem": "x", "required_outcome": "y", "deadline": "2099-01-01",
         "owner_id": world.user("village_secretary").pk},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 404
    r = client.get("/api/v1/stars/county?year=2026")
    assert r.status_code == 200
    assert [t["township"] for t in r.json()["townships"]] == ["甲镇"]
    assert r.json()["townships"][0]["leaders"] == [leader.display_name]


# role -> (list A1 as weak, record a visit in town A, import criteria, 摘星 on A1, resolve an objection)
COUNTY_TABLE = {
    "county_admin": (201, 201, 201, 200, 200),
    "county_leader": (404, 201, 404, 404, 404),
}


@pytest.mark.parametrize("role", ROLES)
def test_county_actions_permission_table(
    world: World, criteria: CriteriaSet, client: Client, role: str
) -> None:
    weak, visit, imp, remove, resolve = COUNTY_TABLE.get(role, (404,) * 5)
    a1 = _cycle(world)
    fill_all(a1, world.user("village_secretary"))
    services.submit_self_assessment(actor=world.user("village_secretary"), cycle=a1)
    services.rate_cycle(actor=world.user("township_admin"), cycle=a1, stars=["party_strength"], reason="初评")
    services.approve_cycle(
        actor=world.user("county_admin"), cycle=a1, stars=["party_strength"], now=at(2026, 11, 2)
    )
    objection = services.raise_objection(
        actor=world.user("resident"), cycle=a1, reason="请核实", now=at(2026, 11, 3)
    )
    login(client, world.user(role))

    def post(url: str, data: dict[str, object]) -> int:
        return client.post(url, data, content_type="application/json").status_code

    assert (
        post("/api/v1/stars/weak", {"org_id": world.branch_a1.pk, "year": 2026, "reason": "r", "plan": "p"})
        == weak
    )
    assert (
        post(
            "/api/v1/stars/visits", {"region_id": world.town_a.pk, "visited_on": "2026-11-01", "summary": "s"}
        )
        == visit
    )
    doc = criteria_io.load_sample("village")
    doc["title"] = "新标准"
    assert post("/api/v1/stars/criteria", doc) == imp
    assert (
        post(f"/api/v1/stars/objections/{objection.pk}/resolve", {"upheld": False, "resolution": "不实"})
        == resolve
    )
    services.close_due_notices(at(2026, 11, 20))
    assert (
        post(f"/api/v1/stars/cycles/{a1.pk}/remove-star", {"star_code": "party_strength", "reason": "r"})
        == remove
    )
