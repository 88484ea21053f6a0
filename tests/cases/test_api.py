"""The cases API: the whole loop over HTTP with bearer tokens, errors as {code, message, field}."""

from __future__ import annotations

import json

from tests.cases.conftest import Loop
from tests.factories import api_client
from tongxin.points.models import LedgerEntry


def _post(client, headers, url, data):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_the_whole_loop_over_the_api(loop: Loop) -> None:
    rider, rh = api_client(loop.rider)
    sec, sh = api_client(loop.world.user("village_secretary"))
    r = _post(rider, rh, "/api/v1/cases/", {
        "category": "safety_hazard", "description": "井盖缺失", "region_id": loop.world.village_a1.pk,
        "lat": 34.9, "lng": 112.78,
    })  # fmt: skip
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["state"] == "submitted" and case["handling_org_name"] == loop.world.branch_a1.name
    cid = case["id"]
    queue = sec.get("/api/v1/cases/queue", **sh).json()
    assert [c["id"] for c in queue["items"]] == [cid]
    for event in ({"event": "accept"}, {"event": "start"}, {"event": "resolve", "note": "已补装井盖"}):
        r = _post(sec, sh, f"/api/v1/cases/{cid}/events", event)
        assert r.status_code == 200, r.content
    r = _post(rider, rh, f"/api/v1/cases/{cid}/events", {"event": "confirm", "rating": 5})
    assert r.status_code == 200
    assert r.json()["points_awarded"] == 5 and r.json()["state"] == "closed", r.json()["points_note"]
    r = _post(rider, rh, f"/api/v1/cases/{cid}/events", {"event": "confirm", "rating": 5})  # retry
    assert r.status_code == 200
    assert LedgerEntry.objects.filter(source="cases.case", source_ref=str(cid)).count() == 1
    steps = [t["event"] for t in rider.get(f"/api/v1/cases/{cid}/transitions", **rh).json()]
    assert steps == ["submit", "accept", "start", "resolve", "confirm"]
    mine = rider.get("/api/v1/cases/mine", **rh).json()
    assert mine["count"] == 1


def test_errors_name_the_field(loop: Loop) -> None:
    rider, rh = api_client(loop.rider)
    r = _post(
        rider,
        rh,
        "/api/v1/cases/",
        {"category": "nope", "description": "x", "region_id": loop.world.village_a1.pk},
    )
    assert r.status_code == 400 and r.json()["field"] == "category"
    r = _post(
        rider,
        rh,
        "/api/v1/cases/",
        {"category": "environment", "description": "x", "region_id": loop.world.village_a1.pk},
    )
    assert r.status_code == 400 and r.json()["field"] == "address"
    r = _post(rider, rh, "/api/v1/cases/", {
        "category": "environment", "description": "垃圾", "region_id": loop.world.village_a1.pk, "address": "村口",
    })  # fmt: skip
    cid = r.json()["id"]
    r = _post(rider, rh, f"/api/v1/cases/{cid}/events", {"event": "confirm", "rating": 5})
    assert r.status_code == 400 and r.json()["code"] == "conflict" and r.json()["field"] == "event"
    r = _post(rider, rh, f"/api/v1/cases/{cid}/events", {"event": "accept"})
    assert r.status_code == 400 and "无权办理" in r.json()["message"]
    other, oh = api_client(loop.world.user("branch_secretary"))
    assert _post(other, oh, f"/api/v1/cases/{cid}/events", {"event": "accept"}).status_code == 404
    assert other.get("/api/v1/cases/overview", **oh).status_code == 404
    town, th = api_client(loop.world.user("township_admin"))
    ov = town.get("/api/v1/cases/overview", **th).json()
    assert ov["total"] == 1 and ov["open"] == 1


def test_routing_rules_are_managed_by_county_staff_only(loop: Loop) -> None:
    admin, ah = api_client(loop.world.user("county_admin"))
    body = {"region_id": loop.world.town_a.pk, "org_id": loop.world.industry.pk, "category": "traffic_safety"}
    r = _post(admin, ah, "/api/v1/cases/routing", body)
    assert r.status_code == 201, r.content
    assert admin.get("/api/v1/cases/routing", **ah).json()[0]["org_name"] == loop.world.industry.name
    assert loop.report(code="traffic_safety").handling_org == loop.world.industry
    town, th = api_client(loop.world.user("township_admin"))  # handles and supervises, does not manage
    assert _post(town, th, "/api/v1/cases/routing", body).status_code == 404
    assert town.get("/api/v1/cases/routing", **th).status_code == 404
    r = _post(admin, ah, "/api/v1/cases/routing", {**body, "category": "nope"})
    assert r.status_code == 400 and r.json()["field"] == "category"
