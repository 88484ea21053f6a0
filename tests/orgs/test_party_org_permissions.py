"""Permission table: every role x (list, detail, create, update) on party organisations.

The world: county > town A (villages A1, A2), town B (B1, B2); an org tree 两新工委 > 行业党委 > 站点支部.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import World, api_client, login

# role -> (orgs visible in the list, detail of branch_a1, detail of branch_b1, may create under
#          committee_a, may update branch_a1)
TABLE = {
    "county_admin": (None, 200, 200, True, True),
    "township_admin": ({"committee_a", "branch_a1", "branch_a2"}, 200, 404, True, True),
    "county_leader": (set(), 404, 404, False, False),
    "village_secretary": ({"branch_a1"}, 200, 404, False, False),
    "branch_secretary": ({"station_branch"}, 404, 404, False, False),
    "points_recorder": (set(), 404, 404, False, False),
    "points_reviewer": (set(), 404, 404, False, False),
    "instructor": (set(), 404, 404, False, False),
    "grid_worker": (set(), 404, 404, False, False),
    "resident": (set(), 404, 404, False, False),
    "trainer": (set(), 404, 404, False, False),
    "security_admin": (set(), 404, 404, False, False),
    "auditor": (set(), 404, 404, False, False),
}
ALL_ORGS = [
    "committee_a",
    "committee_b",
    "branch_a1",
    "branch_a2",
    "branch_b1",
    "branch_b2",
    "two_new",
    "industry",
    "station_branch",
]


@pytest.mark.parametrize("role", sorted(TABLE))
def test_api_permission_table(world: World, role: str) -> None:
    visible, detail_a1, detail_b1, may_create, may_update = TABLE[role]
    client, auth = api_client(world.user(role))

    listed = client.get("/api/v1/orgs?page_size=200", **auth)
    assert listed.status_code == 200
    names = {o["name"] for o in listed.json()["items"]}
    expected = set(ALL_ORGS) if visible is None else visible
    assert names == {getattr(world, attr).name for attr in expected}

    assert client.get(f"/api/v1/orgs/{world.branch_a1.pk}", **auth).status_code == detail_a1
    assert client.get(f"/api/v1/orgs/{world.branch_b1.pk}", **auth).status_code == detail_b1

    created = client.post(
        "/api/v1/orgs",
        {"name": "新党小组", "kind": "group", "parent_id": world.committee_a.pk},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == (201 if may_create else 400), created.content
    if not may_create:
        assert created.json()["field"] == "parent_id"

    updated = client.patch(
        f"/api/v1/orgs/{world.branch_a1.pk}",
        {"secretary_name": "张三"},
        content_type="application/json",
        **auth,
    )
    assert updated.status_code == (200 if may_update else 404)


@pytest.mark.parametrize("role", sorted(TABLE))
def test_page_permission_table(world: World, client, role: str) -> None:  # type: ignore[no-untyped-def]
    visible, detail_a1, detail_b1, may_create, may_update = TABLE[role]
    login(client, world.user(role))
    can_view = visible is None or bool(visible)
    assert client.get(reverse("orgs:org_list")).status_code == (200 if can_view else 404)
    assert client.get(reverse("orgs:org_detail", args=[world.branch_a1.pk])).status_code == detail_a1
    assert client.get(reverse("orgs:org_detail", args=[world.branch_b1.pk])).status_code == detail_b1
    assert client.get(reverse("orgs:org_create")).status_code == (200 if may_create else 404)
    response = client.post(
        reverse("orgs:org_update", args=[world.branch_a1.pk]),
        {"name": "甲一村党支部", "kind": "branch", "region": world.village_a1.pk, "secretary_name": "李四"},
    )
    assert response.status_code == (302 if may_update else 404)


def test_outsider_sees_nothing(world: World) -> None:
    client, auth = api_client(world.outsider)
    assert client.get("/api/v1/orgs", **auth).json() == {"items": [], "count": 0}
    assert client.get(f"/api/v1/orgs/{world.county.pk}", **auth).status_code == 404


def test_anonymous_gets_401_in_the_error_shape(world: World, client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/orgs")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "field"}
