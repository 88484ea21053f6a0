"""The registry API: coverage figures, findings, set-up, instructor, transfers, import with row errors."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import World, api_client
from tests.orgs.helpers import add_members, make_unit, membership
from tests.orgs.test_excel import people_rows, workbook
from tongxin.orgs.models import Person


def test_coverage_figures_and_findings(world: World) -> None:
    a = make_unit(world, "甲站", gig_workers=30, has_union=True)
    b = make_unit(world, "乙站", region=world.village_a1, gig_workers=10)
    add_members(world, a, full=3)
    client, auth = api_client(world.user("county_admin"))
    body = client.get("/api/v1/coverage", **auth).json()
    assert body["total"]["units"] == 2
    assert body["total"]["work_covered"] == 1
    assert body["total"]["gig_workers"] == 40
    assert body["total"]["gig_members"] == 3
    assert {r["label"] for r in body["by_region"]} == {"甲镇", "乙镇"}
    findings = client.get("/api/v1/findings", **auth).json()["items"]
    assert {(f["subject_name"], f["rule"]) for f in findings} == {
        ("甲站", "own_branch_min_formal"),
        ("乙站", "bridge_before_branch"),
    }
    assert all(f["article"] and f["rule_set"] for f in findings)
    detail = client.get(f"/api/v1/units/{a.pk}", **auth).json()
    assert (detail["formal_members"], detail["stage"], detail["stage_label"]) == (3, "form", "组建一个")
    assert b.pk


def test_set_up_and_appoint_through_the_api_close_the_findings(world: World) -> None:
    a = make_unit(world, "甲站")
    b = make_unit(world, "乙站")
    add_members(world, a, full=3)
    client, auth = api_client(world.user("county_admin"))
    created = client.post(
        "/api/v1/set-up",
        {
            "unit_ids": [a.pk],
            "kind": "branch",
            "name": "甲站党支部",
            "parent_id": world.industry.pk,
            "move_members": True,
        },
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    appointed = client.post(
        f"/api/v1/units/{b.pk}/instructor",
        {"instructor_id": world.user("instructor").pk, "appointed_on": "2026-01-05"},
        content_type="application/json",
        **auth,
    )
    assert appointed.status_code == 200, appointed.content
    assert client.get("/api/v1/findings", **auth).json()["items"] == []


def test_a_refused_set_up_names_the_field(world: World) -> None:
    a = make_unit(world, "甲站")
    client, auth = api_client(world.user("county_admin"))
    response = client.post(
        "/api/v1/set-up",
        {"unit_ids": [a.pk], "kind": "branch", "name": "甲站党支部", "parent_id": world.industry.pk},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "units"


def test_transfer_through_the_api(world: World) -> None:
    (member,) = add_members(world, None, full=1, org=world.branch_a1, region=world.village_a1)
    client, auth = api_client(world.user("county_admin"))
    started = client.post(
        f"/api/v1/memberships/{membership(member).pk}/transfers",
        {"to_org_id": world.branch_b1.pk, "reason": "居住地变动", "started_on": "2026-05-01"},
        content_type="application/json",
        **auth,
    )
    assert started.status_code == 201, started.content
    tid = started.json()["id"]
    for event, state in (("dispatch", "in_transit"), ("receive", "received")):
        step = client.post(
            f"/api/v1/transfers/{tid}/advance", {"event": event}, content_type="application/json", **auth
        )
        assert step.json()["state"] == state
    assert membership(member).org_id == world.branch_b1.pk


def test_import_through_the_api_reports_rows_and_imports_nothing(world: World) -> None:
    rows = people_rows(5)
    rows[2][3] = "不存在的乡"
    client, auth = api_client(world.user("county_admin"))
    upload = SimpleUploadedFile("people.xlsx", workbook("people", rows))
    response = client.post("/api/v1/imports/people", {"file": upload}, **auth)
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"row": 4, "column": "居住地", "reason": "区划“不存在的乡”不存在或不在您的管理范围内。"}
    ]
    assert not Person.objects.filter(name__startswith="骑手").exists()
    good = SimpleUploadedFile("people.xlsx", workbook("people", people_rows(5)))
    ok = client.post("/api/v1/imports/people", {"file": good}, **auth)
    assert ok.json()["created"] == 5


def test_residents_cannot_import_or_see_figures(world: World) -> None:
    client, auth = api_client(world.user("resident"))
    assert client.get("/api/v1/coverage", **auth).status_code == 404
    assert client.get("/api/v1/findings", **auth).json()["items"] == []
    assert client.get("/api/v1/people", **auth).json()["items"] == []
    assert date.today()
