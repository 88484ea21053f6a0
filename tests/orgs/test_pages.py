"""The registry's pages render for an administrator and their forms call the services."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import World, login
from tests.orgs.helpers import add_members, make_unit, membership
from tests.orgs.test_excel import workbook
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services
from tongxin.orgs.models import PartyOrg, Person


@pytest.fixture
def admin(world: World, client):  # type: ignore[no-untyped-def]
    return login(client, world.user("county_admin"))


def test_every_page_renders(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    unit = make_unit(world, "美团站点", gig_workers=30)
    (person,) = add_members(world, unit, full=1)
    transfer = services.start_transfer(
        actor=SYSTEM,
        membership=membership(person),
        to_org=world.branch_b1,
        reason="工作变动",
        started_on=date(2026, 5, 1),
    )
    pages = [
        reverse("orgs:tree"),
        reverse("orgs:region_children", args=[world.county.pk]),
        reverse("orgs:org_children", args=[world.two_new.pk]),
        reverse("orgs:org_detail", args=[world.industry.pk]),
        reverse("orgs:org_move", args=[world.station_branch.pk]),
        reverse("orgs:org_units", args=[world.station_branch.pk]),
        reverse("orgs:committee_add", args=[world.station_branch.pk]),
        reverse("orgs:unit_list"),
        reverse("orgs:unit_list") + "?stage=form&coverage=none",
        reverse("orgs:unit_create"),
        reverse("orgs:unit_detail", args=[unit.pk]),
        reverse("orgs:unit_update", args=[unit.pk]),
        reverse("orgs:unit_instructor", args=[unit.pk]),
        reverse("orgs:set_up") + f"?kind=joint_branch&units={unit.pk}",
        reverse("orgs:person_list") + "?status=full",
        reverse("orgs:person_create"),
        reverse("orgs:person_detail", args=[person.pk]),
        reverse("orgs:person_update", args=[person.pk]),
        reverse("orgs:person_apply", args=[person.pk]),
        reverse("orgs:person_merge", args=[person.pk]),
        reverse("orgs:transfer_start", args=[membership(person).pk]),
        reverse("orgs:transfer_list"),
        reverse("orgs:coverage"),
        reverse("orgs:coverage") + f"?region={world.town_b.pk}",
        reverse("orgs:findings"),
        reverse("orgs:rules"),
        reverse("orgs:import"),
    ]
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
    assert transfer.pk


def test_htmx_gets_only_the_rows(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    make_unit(world, "美团站点")
    response = admin.get(reverse("orgs:unit_list"), HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content
    assert "美团站点" in response.content.decode()


def test_the_coverage_page_shows_figures_findings_and_exports(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    unit = make_unit(world, "美团站点", gig_workers=30)
    add_members(world, unit, full=3)
    html = admin.get(reverse("orgs:coverage")).content.decode()
    assert 'data-testid="coverage-findings"' in html
    assert "美团站点" in html
    assert "应单独组建党支部" in html
    export = admin.get(reverse("orgs:coverage") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert sheet["A2"].value == "口径：党组织设置与两个覆盖规则 2019.1 版"  # the rule version, in words
    assert sheet["A3"].value == "名称"


def test_setting_up_a_joint_branch_through_the_page(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    a, b = make_unit(world, "甲站"), make_unit(world, "乙站")
    add_members(world, a, full=1)
    response = admin.post(
        reverse("orgs:set_up") + f"?kind=joint_branch&units={a.pk}",
        {
            "kind": "joint_branch",
            "units": [a.pk, b.pk],
            "name": "甲乙站联合党支部",
            "parent": world.industry.pk,
            "established_on": "2026-01-01",
            "move_members": "on",
        },
    )
    org = PartyOrg.objects.get(name="甲乙站联合党支部")
    assert response.status_code == 302
    assert set(org.units.values_list("pk", flat=True)) == {a.pk, b.pk}


def test_a_refused_set_up_shows_the_reason_by_the_field(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    a = make_unit(world, "甲站")
    response = admin.post(
        reverse("orgs:set_up"),
        {"kind": "branch", "units": [a.pk], "name": "甲站党支部", "parent": world.industry.pk},
    )
    assert response.status_code == 200
    assert "覆盖单位：" in response.content.decode()
    assert "不足3名" in response.content.decode()


def test_the_import_page_lists_every_bad_row(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    rows = [["骑手", "410823199001011235", "", "测试市/测试县/乙镇", "", "", "外卖骑手", "是"]]
    upload = io.BytesIO(workbook("people", rows))
    upload.name = "people.xlsx"
    response = admin.post(reverse("orgs:import"), {"kind": "people", "file": upload})
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "校验位" in html
    assert not Person.objects.filter(name="骑手").exists()


def test_the_template_downloads(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    response = admin.get(reverse("orgs:import_template", args=["memberships"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert admin.get(reverse("orgs:import_template", args=["nothing"])).status_code == 404


def test_unit_list_exports_the_filtered_list(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    make_unit(world, "美团站点")
    make_unit(world, "出租车公司", kind="taxi_company", industry="taxi")
    response = admin.get(reverse("orgs:unit_list") + "?industry=taxi&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["出租车公司"]


def test_recording_a_membership_through_the_page(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    person = services.create_person(actor=SYSTEM, name="王强", region=world.town_b)
    assert admin.get(reverse("orgs:person_membership", args=[person.pk])).status_code == 200
    response = admin.post(
        reverse("orgs:person_membership", args=[person.pk]),
        {"org": world.station_branch.pk, "status": "probationary", "since": "2026-07-01", "is_mobile": "on"},
    )
    assert response.status_code == 200
    assert "流动党员请填写流出地或流入地党组织" in response.content.decode()
    response = admin.post(
        reverse("orgs:person_membership", args=[person.pk]),
        {
            "org": world.station_branch.pk,
            "status": "probationary",
            "since": "2026-07-01",
            "is_mobile": "on",
            "home_org": world.branch_a1.pk,
        },
    )
    assert response.status_code == 302
    m = membership(person)
    assert (m.status, m.probationary_on, m.home_org_id) == (
        "probationary",
        date(2026, 7, 1),
        world.branch_a1.pk,
    )


def test_a_new_term_ends_the_seats_whose_term_ran_out(world: World) -> None:
    old = services.appoint_committee_member(
        actor=SYSTEM, org=world.station_branch, name="甲", position="member", term_start=date(2020, 1, 1)
    )
    services.appoint_committee_member(
        actor=SYSTEM, org=world.station_branch, name="乙", position="member", term_start=date(2026, 1, 1)
    )
    old.refresh_from_db()
    assert old.ended_on == date(2026, 1, 1)


def test_an_organisations_units_are_listed_in_pinyin_order(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    units = [make_unit(world, name) for name in ("张庄站点", "李村站点", "王屯站点")]
    org = services.set_up_party_org(
        actor=SYSTEM, units=units, kind="joint_branch", name="三站联合党支部", parent=world.industry
    )
    page = admin.get(reverse("orgs:org_detail", args=[org.pk])).content.decode()
    positions = [page.index(name) for name in ("李村站点", "王屯站点", "张庄站点")]
    assert positions == sorted(positions)  # by code point 张 would come first


def test_the_set_up_page_offers_units_in_pinyin_order(world: World, admin) -> None:  # type: ignore[no-untyped-def]
    for name in ("张庄站点", "李村站点", "王屯站点"):
        make_unit(world, name)
    page = admin.get(reverse("orgs:set_up") + "?kind=joint_branch").content.decode()
    positions = [page.index(name) for name in ("李村站点", "王屯站点", "张庄站点")]
    assert positions == sorted(positions)  # by code point 张 would come first
