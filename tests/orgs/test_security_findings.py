"""One test per finding of the security review on the registry (issue 11), each failing on the code
before the fix: moves without a transfer, the unmasked mobile number on the edit form, units registered
in another county, out-of-range ids answering 500, forms listing every organisation, the import zip
bomb, and coverage figures for a region outside the user's scope."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, api_client, login, make_user
from tests.orgs.helpers import make_person, make_unit, membership
from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError
from tongxin.orgs import excel, services
from tongxin.orgs.models import Membership, PartyOrg, Person, Region, Unit


@pytest.fixture
def other_county(world: World) -> tuple[Region, PartyOrg]:
    """A second county under the same city, with one village branch."""
    county = services.create_region(actor=SYSTEM, name="外县", kind="county", parent=world.county.parent)
    village = services.create_region(actor=SYSTEM, name="外县一村", kind="village", parent=county)
    branch = services.create_party_org(actor=SYSTEM, name="外县一村党支部", kind="branch", region=village)
    return village, branch


def _member_of(world: World, org: PartyOrg, *, lives_in: Region, mobile: str = "") -> Person:
    person = make_person(world, "王五", region=lives_in, mobile=mobile)
    services.record_membership(actor=SYSTEM, person=person, org=org, status="full", since=date(2020, 7, 1))
    return person


# --- a membership moves between organisations only by transfer ------------------------------------


def test_a_township_admin_cannot_move_a_member_of_an_organisation_outside_his_scope_without_a_transfer(
    world: World, client: Client
) -> None:
    # Lives in the township admin's village A1 (so he sees the person), member of branch B1 (not his).
    person = _member_of(world, world.branch_b1, lives_in=world.village_a1)
    login(client, world.user("township_admin"))
    response = client.post(
        reverse("orgs:person_membership", args=[person.pk]),
        {"org": world.branch_a1.pk, "status": "full", "since": "2024-01-01"},
    )
    assert response.status_code == 200
    assert "组织关系转接" in response.content.decode()
    assert membership(person).org_id == world.branch_b1.pk
    with pytest.raises(DomainError) as exc:
        services.record_membership(
            actor=world.user("township_admin"),
            person=person,
            org=world.branch_a1,
            status="full",
            since=date(2024, 1, 1),
        )
    assert exc.value.field == "org"


def test_a_county_admin_who_manages_both_organisations_may_record_the_move(world: World) -> None:
    person = _member_of(world, world.branch_b1, lives_in=world.village_a1)
    services.record_membership(
        actor=world.user("county_admin"),
        person=person,
        org=world.branch_a1,
        status="full",
        since=date(2024, 1, 1),
    )
    assert membership(person).org_id == world.branch_a1.pk


# role -> result of (1) moving a branch-B1 member living in village A1 into branch A1 on the membership
# page, (2) starting a transfer of a branch-A1 member to branch B1 (same county) through the API,
# (3) the same to a branch in another county.
MOVES: dict[str, tuple[int | str, int, int]] = {
    "county_admin": ("moved", 201, 400),
    "township_admin": ("refused", 201, 400),
    "county_leader": (404, 404, 404),
    "village_secretary": (404, 404, 404),
    "branch_secretary": (404, 404, 404),
    "points_recorder": (404, 404, 404),
    "resident": (404, 404, 404),
    "security_admin": (404, 404, 404),
}


@pytest.mark.parametrize("role", sorted(MOVES))
def test_move_and_transfer_permission_table(
    world: World, other_county: tuple[Region, PartyOrg], client: Client, role: str
) -> None:
    move, transfer, far_transfer = MOVES[role]
    outsider_member = _member_of(world, world.branch_b1, lives_in=world.village_a1)
    own_member = _member_of(world, world.branch_a1, lives_in=world.village_a1)
    far_member = _member_of(world, world.branch_a1, lives_in=world.village_a1)
    login(client, world.user(role))
    response = client.post(
        reverse("orgs:person_membership", args=[outsider_member.pk]),
        {"org": world.branch_a1.pk, "status": "full", "since": "2024-01-01"},
    )
    moved = membership(outsider_member).org_id == world.branch_a1.pk
    if move == "moved":
        assert response.status_code == 302 and moved
    elif move == "refused":
        assert response.status_code == 200 and not moved
    else:
        assert response.status_code == move and not moved

    api, auth = api_client(world.user(role))
    started = api.post(
        f"/api/v1/memberships/{membership(own_member).pk}/transfers",
        {"to_org_id": world.branch_b1.pk, "reason": "工作调动", "started_on": "2026-01-05"},
        content_type="application/json",
        **auth,
    )
    assert started.status_code == transfer, started.content
    far = api.post(
        f"/api/v1/memberships/{membership(far_member).pk}/transfers",
        {"to_org_id": other_county[1].pk, "reason": "工作调动", "started_on": "2026-01-05"},
        content_type="application/json",
        **auth,
    )
    assert far.status_code == far_transfer, far.content
    if far_transfer == 400:
        assert far.json()["field"] == "to_org_id"


# --- forms list only organisations in scope ---------------------------------------------------------


def _options(html: str, field: str) -> str:
    start = html.index(f'name="{field}"')
    return html[start : html.index("</select>", start)]


def test_the_membership_and_transfer_forms_do_not_list_every_organisation_in_the_system(
    world: World, other_county: tuple[Region, PartyOrg], client: Client
) -> None:
    person = _member_of(world, world.branch_a1, lives_in=world.village_a1)
    login(client, world.user("township_admin"))
    html = client.get(reverse("orgs:person_membership", args=[person.pk])).content.decode()
    for field in ("home_org", "host_org"):
        options = _options(html, field)
        assert world.branch_a2.name in options
        assert world.branch_b1.name not in options  # another township's
        assert other_county[1].name not in options  # another county's
    html = client.get(reverse("orgs:transfer_start", args=[membership(person).pk])).content.decode()
    options = _options(html, "to_org")
    assert world.branch_a2.name in options
    assert world.branch_b1.name in options  # same county: the transfer rule allows it
    assert other_county[1].name not in options  # beyond the county: the city's organisation department
    assert world.branch_a1.name not in options  # the member's own organisation


# --- the person edit form masks the mobile number ----------------------------------------------------


def test_the_person_edit_form_does_not_show_the_full_mobile_number(world: World, client: Client) -> None:
    person = make_person(world, "赵六", region=world.village_a1, mobile="13912345678")
    login(client, world.user("township_admin"))
    html = client.get(reverse("orgs:person_update", args=[person.pk])).content.decode()
    assert "13912345678" not in html
    assert "139****5678" in html


def test_submitting_the_masked_mobile_number_back_keeps_the_number(world: World, client: Client) -> None:
    person = make_person(world, "赵六", region=world.village_a1, mobile="13912345678")
    login(client, world.user("township_admin"))
    form = {"name": "赵六", "mobile": "139****5678", "region": world.village_a1.pk, "occupation": ""}
    assert client.post(reverse("orgs:person_update", args=[person.pk]), form).status_code == 302
    person.refresh_from_db()
    assert person.mobile == "13912345678"
    form["mobile"] = "13700001111"
    assert client.post(reverse("orgs:person_update", args=[person.pk]), form).status_code == 302
    person.refresh_from_db()
    assert person.mobile == "13700001111"


# --- a 两新工委 registers units in its own county only ---------------------------------------------


@pytest.fixture
def two_new_admin(world: World) -> User:
    user = make_user("lxgw_admin", real_name="两新工委干部")
    account_services.grant_role(actor=SYSTEM, user=user, role="county_admin", node=world.two_new)
    return user


def test_a_two_new_committee_admin_cannot_register_a_unit_in_another_countys_region(
    world: World, other_county: tuple[Region, PartyOrg], two_new_admin: User
) -> None:
    far_village = other_county[0]
    api, auth = api_client(two_new_admin)
    payload = {
        "name": "外县配送站",
        "kind": "platform_station",
        "industry": "delivery",
        "region_id": far_village.pk,
        "supervising_org_id": world.industry.pk,
    }
    response = api.post("/api/v1/units", payload, content_type="application/json", **auth)
    assert response.status_code == 400
    assert response.json()["field"] == "region_id"
    with pytest.raises(DomainError) as exc:
        services.create_unit(
            actor=two_new_admin,
            name="外县配送站",
            kind="platform_station",
            industry="delivery",
            region=far_village,
            supervising_org=world.industry,
        )
    assert exc.value.field == "region"
    assert not Unit.objects.filter(name="外县配送站").exists()
    # In its own county it registers as before.
    payload.update(name="本县配送站", region_id=world.village_b1.pk)
    assert api.post("/api/v1/units", payload, content_type="application/json", **auth).status_code == 201


def test_the_unit_form_offers_only_the_regions_of_the_two_new_committees_county(
    world: World, other_county: tuple[Region, PartyOrg], two_new_admin: User, client: Client
) -> None:
    login(client, two_new_admin)
    options = _options(client.get(reverse("orgs:unit_create")).content.decode(), "region")
    assert world.village_b1.name in options
    assert other_county[0].name not in options


# --- out-of-range ids are form errors, not 500 -------------------------------------------------------

HUGE = "99999999999999999999"


def test_an_out_of_range_id_in_a_multi_select_form_is_a_form_error_not_a_500(
    world: World, client: Client
) -> None:
    unit = make_unit(world, "甲站", region=world.village_a1)
    login(client, world.user("county_admin"))
    response = client.post(
        reverse("orgs:set_up") + f"?kind=joint_branch&units={unit.pk}",
        {
            "kind": "joint_branch",
            "units": [unit.pk, HUGE],
            "name": "联合党支部",
            "established_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert HUGE in response.content.decode()  # the error names the value
    assert not PartyOrg.objects.filter(name="联合党支部").exists()
    org_units = client.post(reverse("orgs:org_units", args=[world.branch_a1.pk]), {"units": [HUGE]})
    assert org_units.status_code == 200
    move = client.post(reverse("orgs:org_move", args=[world.branch_a1.pk]), {"parent": HUGE})
    assert move.status_code == 200


def test_an_out_of_range_id_in_the_api_is_a_422_not_a_500(world: World) -> None:
    api, auth = api_client(world.user("county_admin"))
    response = api.post(
        "/api/v1/set-up",
        {"unit_ids": [int(HUGE)], "kind": "joint_branch", "name": "联合党支部"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert api.get(f"/api/v1/units?region_id={HUGE}", **auth).status_code == 422


# --- the registry import refuses a zip bomb before unzipping it ------------------------------------


def _zip_bomb(declared_mb: int) -> bytes:
    """A small .xlsx-shaped archive whose sheet unzips to ``declared_mb`` MB of blanks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(declared_mb):
                sheet.write(chunk)
    return buf.getvalue()


def test_the_registry_import_refuses_a_zip_bomb_before_unzipping_it(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = _zip_bomb(100)
    assert len(bomb) < 200_000

    def unzipped(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr("tongxin.orgs.excel.imports.load_workbook", unzipped)
    with pytest.raises(DomainError) as exc:
        excel.import_file(actor=world.user("county_admin"), kind="people", data=bomb)
    assert "解压后" in exc.value.message and exc.value.field == "file"
    login(client, world.user("county_admin"))
    upload = io.BytesIO(bomb)
    upload.name = "people.xlsx"
    response = client.post(reverse("orgs:import"), {"kind": "people", "file": upload})
    assert response.status_code == 200
    assert "解压后" in response.content.decode()


# --- coverage figures: 404 outside the scope, and the rule version -------------------------------


def test_coverage_for_a_region_outside_the_users_scope_is_404_not_zeros(world: World, client: Client) -> None:
    api, auth = api_client(world.user("township_admin"))
    assert api.get(f"/api/v1/coverage?region_id={world.town_b.pk}", **auth).status_code == 404
    own = api.get(f"/api/v1/coverage?region_id={world.village_a1.pk}", **auth)
    assert own.status_code == 200
    assert own.json()["total"]["label"] == world.village_a1.name
    login(client, world.user("township_admin"))
    assert client.get(reverse("orgs:coverage") + f"?region={world.town_b.pk}").status_code == 404
    assert client.get(reverse("orgs:unit_list") + f"?region={world.town_b.pk}").status_code == 404
    assert client.get(reverse("orgs:findings") + f"?region={world.town_b.pk}").status_code == 404


def test_a_leader_with_reports_only_sees_figures_for_regions_in_his_scope(world: World) -> None:
    api, auth = api_client(world.user("county_leader"))  # reports.view on town A
    assert api.get(f"/api/v1/coverage?region_id={world.town_a.pk}", **auth).status_code == 200
    assert api.get(f"/api/v1/coverage?region_id={world.county.pk}", **auth).status_code == 404


def test_every_coverage_figure_states_the_rule_version_it_was_computed_with(
    world: World, client: Client
) -> None:
    basis = "口径：党组织设置与两个覆盖规则 2019.1 版"
    api, auth = api_client(world.user("county_admin"))
    body = api.get("/api/v1/coverage", **auth).json()
    assert body["rule_version"] == "2019.1"
    assert body["basis"] == basis
    login(client, world.user("county_admin"))
    assert basis in client.get(reverse("orgs:coverage")).content.decode()
    assert basis in client.get(reverse("orgs:findings")).content.decode()


def test_memberships_recorded_by_the_system_actor_need_no_scope(world: World) -> None:
    person = _member_of(world, world.branch_b1, lives_in=world.village_a1)
    services.record_membership(
        actor=SYSTEM, person=person, org=world.branch_a1, status="full", since=date(2024, 1, 1)
    )
    assert Membership.objects.get(person=person).org_id == world.branch_a1.pk


# --- found by schemathesis: a date before the first rule version was a 500 ----------------------------


def test_an_application_dated_before_the_rules_is_a_400_naming_the_date(world: World) -> None:
    person = services.create_person(actor=SYSTEM, name="早申请", region=world.village_a1)
    api, auth = api_client(world.user("county_admin"))
    response = api.post(
        f"/api/v1/people/{person.pk}/application",
        {"org_id": world.branch_a1.pk, "applied_on": "1970-01-01"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "applied_on" and "1970-01-01" in body["message"]
