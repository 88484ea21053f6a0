"""The JSON API runs the same cycle as the pages, with the one error shape."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.factories import World, api_client
from tests.points.helpers import make_scheme, make_villagers
from tests.stars.conftest import at
from tongxin.accounts.system import SYSTEM
from tongxin.points import services as points_services
from tongxin.stars import services
from tongxin.stars.models import CriteriaSet, Indicator, StarCycle


def _post(client, url, auth, data=None):  # type: ignore[no-untyped-def]
    return client.post(url, data or {}, content_type="application/json", **auth)


def test_cycle_through_the_api(world: World, criteria: CriteriaSet) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 2).people[0]
    points_services.award_points(
        actor=SYSTEM,
        person=person,
        points=5,
        source="t",
        source_ref="1",
        reason="劳动",
        on=timezone.localdate(),
    )
    board = points_services.publish_board(actor=world.user("village_secretary"), region=world.village_a1,
                                          period=f"{timezone.localdate().year}Q{(timezone.localdate().month - 1) // 3 + 1}")  # fmt: skip
    year = timezone.localdate().year
    vc, va = api_client(world.user("village_secretary"))
    r = _post(
        vc, f"/api/v1/stars/branches/{world.branch_a1.pk}/cycles", va, {"year": year, "target_stars": 4}
    )
    assert r.status_code == 201, r.content
    cycle_id = r.json()["id"]
    cycle = StarCycle.objects.get(pk=cycle_id)

    org_life = Indicator.objects.get(star__criteria_set=criteria, code="org_life")
    r = vc.put(f"/api/v1/stars/cycles/{cycle_id}/indicators/{org_life.pk}", {"score": 12},
               content_type="application/json", **va)  # fmt: skip
    assert r.status_code == 400
    assert r.json() == {"code": "invalid", "message": r.json()["message"], "field": "score"}
    r = vc.put(f"/api/v1/stars/cycles/{cycle_id}/indicators/{org_life.pk}", {"score": "x"},
               content_type="application/json", **va)  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "score"

    for ind in Indicator.objects.filter(star__criteria_set=criteria).exclude(method="metric"):
        body = {"met": True} if ind.method == "yes_no" else {"score": ind.max_score}
        r = vc.put(
            f"/api/v1/stars/cycles/{cycle_id}/indicators/{ind.pk}",
            body,
            content_type="application/json",
            **va,
        )
        assert r.status_code == 200, r.content
    participation = Indicator.objects.get(star__criteria_set=criteria, code="points_participation")
    r = _post(vc, f"/api/v1/stars/cycles/{cycle_id}/indicators/{participation.pk}/evidence", va,
              {"kind": "points_board", "ref_id": str(board.pk)})  # fmt: skip
    assert r.status_code == 200, r.content
    rows = {i["code"]: i for s in r.json()["stars"] for i in s["indicators"]}
    assert rows["points_participation"]["evidence"][0]["url"] == board.get_absolute_url()
    assert rows["points_participation"]["figure_text"] == "100.0%（1/1户）", rows["points_participation"]
    assert _post(vc, f"/api/v1/stars/cycles/{cycle_id}/submit", va).status_code == 200

    tc, ta = api_client(world.user("township_admin"))
    r = _post(tc, f"/api/v1/stars/cycles/{cycle_id}/rate", ta, {"stars": ["party_strength", "moon"]})
    assert r.status_code == 400 and r.json()["field"] == "stars"
    stars = ["party_strength", "prosperity", "ecology", "civility"]
    r = _post(tc, f"/api/v1/stars/cycles/{cycle_id}/rate", ta, {"stars": stars, "reason": "核实"})
    assert r.status_code == 200 and r.json()["state"] == "township_rated"

    cc, ca = api_client(world.user("county_admin"))
    r = _post(cc, f"/api/v1/stars/cycles/{cycle_id}/approve", ca, {"stars": stars})
    assert r.status_code == 200 and r.json()["state"] == "in_notice"
    rc, ra = api_client(world.user("resident"))
    assert [c["id"] for c in rc.get("/api/v1/stars/notice", **ra).json()] == [cycle_id]
    r = _post(rc, f"/api/v1/stars/cycles/{cycle_id}/objections", ra, {"reason": "请核实"})
    assert r.status_code == 201
    r = _post(
        cc, f"/api/v1/stars/objections/{r.json()['id']}/resolve", ca, {"upheld": False, "resolution": "属实"}
    )
    assert r.status_code == 200 and r.json()["state"] == "dismissed"
    cycle.refresh_from_db()
    assert cycle.notice_ends_on is not None
    after = cycle.notice_ends_on + timedelta(days=1)
    services.close_due_notices(at(after.year, after.month, after.day))
    r = cc.get(f"/api/v1/stars/lists/four?year={year}", **ca)
    assert [c["org_name"] for c in r.json()["items"]] == ["甲一村党支部"]
    r = _post(
        cc,
        f"/api/v1/stars/cycles/{cycle_id}/remove-star",
        ca,
        {"star_code": "ecology", "reason": "暗访不合格"},
    )
    assert r.json()["current_level"] == "three"
