"""The demo county's coverage page shows findings; following one and setting up a joint branch
removes it. Also: the tree loads children on demand, and the unit list filters."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tests.orgs.helpers import make_unit
from tongxin.accounts.system import SYSTEM
from tongxin.demo.county import build_registry
from tongxin.orgs import services

TAXI = "孟州市顺达出租汽车有限公司"
TAXI_2 = "孟州市安运出租车有限公司"


@pytest.fixture
def demo(transactional_db: None, settings) -> None:  # type: ignore[no-untyped-def]
    """The demo county with the registry's demo data (other modules' demo data is theirs to test)."""
    settings.ENFORCE_2FA = False  # the demo's own setting; 2FA has its own tests
    build_registry()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_following_a_finding_and_setting_up_a_joint_branch_removes_it(  # type: ignore[no-untyped-def]
    demo, live_server, request, device: str
) -> None:
    page = request.getfixturevalue(f"{device}_page")
    log_in(page, live_server.url, "mz_lxgw", settings.DEMO_PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/coverage/")
    findings = page.locator("[data-testid=coverage-findings]")
    findings.wait_for()
    assert "孟州市" in page.inner_text("h1")
    assert page.inner_text("[data-testid=basis]") == "口径：党组织设置与两个覆盖规则 2019.1 版"
    taxi = findings.locator("[data-testid=finding]", has_text=TAXI)
    assert taxi.count() == 1
    assert "有党员" in taxi.inner_text()
    assert findings.locator("[data-rule=joint_branch_max_units]").count() == 1
    page.wait_for_selector("#chart-regions canvas")  # no wait_for_function: the CSP refuses its eval
    shot(page, f"orgs-coverage-{device}")

    taxi.locator("[data-testid=finding-action]").click()
    page.wait_for_url("**/registry/set-up/**")
    assert page.locator("input[name=kind], select[name=kind]").first.input_value() == "joint_branch"
    assert page.get_by_label(TAXI, exact=False).is_checked()
    page.get_by_label(TAXI_2, exact=False).check()
    page.fill("input[name=name]", "孟州市出租汽车行业联合党支部")
    shot(page, f"orgs-set-up-{device}")
    page.click("[data-testid=set-up-submit]")
    page.wait_for_url("**/registry/orgs/**")
    assert "已组建" in page.content()
    assert TAXI in page.content()

    page.goto(f"{live_server.url}/registry/findings/")
    body = page.inner_text("main")
    assert TAXI not in body
    assert TAXI_2 not in body
    assert "孟州市鑫源物流有限公司" in body  # other findings are still there
    shot(page, f"orgs-findings-{device}")


@pytest.mark.django_db(transaction=True)
def test_the_tree_loads_children_on_demand(world: World, live_server, desktop_page) -> None:  # type: ignore[no-untyped-def]
    page = desktop_page
    log_in(page, live_server.url, "township_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/")
    page.click(f"[data-testid=region-{world.town_a.pk}]")
    page.wait_for_selector(f"[data-testid=region-{world.village_a1.pk}]")
    assert "甲镇党委" in page.inner_text("main")
    assert "乙镇" not in page.inner_text("main")
    shot(page, "orgs-tree-desktop")


@pytest.mark.django_db(transaction=True)
def test_the_unit_list_filters_with_htmx(demo, live_server, phone_page) -> None:  # type: ignore[no-untyped-def]
    page = phone_page
    log_in(page, live_server.url, "mz_lxgw", settings.DEMO_PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/units/")
    rows = page.locator("[data-testid=unit-row]")
    total = rows.count()
    assert total > 10
    page.select_option("select[name=industry]", "taxi")
    expect(page.locator("[data-testid=unit-row]")).to_have_count(2)
    assert TAXI in page.inner_text("#unit-rows")
    shot(page, "orgs-units-phone")
    page.click(f"text={TAXI}")
    page.wait_for_selector("[data-testid=stage]")
    assert "组建一个" in page.inner_text("[data-testid=stage]")
    shot(page, "orgs-unit-phone")


@pytest.mark.django_db(transaction=True)
def test_import_reports_bad_rows_and_the_person_page_masks_personal_data(  # type: ignore[no-untyped-def]
    world: World, live_server, phone_page, tmp_path
) -> None:
    from tests.orgs.test_excel import people_rows, workbook

    page = phone_page

    def in_town_a(rows: list[list[object]]) -> list[list[object]]:
        return [[*r[:3], "测试市/测试县/甲镇", *r[4:]] for r in rows]

    rows = in_town_a(people_rows(20))
    rows[4][1] = rows[4][1][:-1] + ("0" if rows[4][1][-1] != "0" else "1")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook("people", rows))
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook("people", in_town_a(people_rows(3))))

    log_in(page, live_server.url, "township_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/import/")
    page.select_option("select[name=kind]", "people")
    page.set_input_files("input[name=file]", str(bad))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector("[data-testid=import-errors]")
    errors = page.locator("[data-testid=import-errors] tbody tr")
    assert errors.count() == 1
    assert errors.first.inner_text().split()[:2] == ["6", "身份证号码"]
    assert "校验位" in errors.first.inner_text()
    shot(page, "orgs-import-errors-phone")

    page.select_option("select[name=kind]", "people")
    page.set_input_files("input[name=file]", str(good))
    page.click("[data-testid=import-submit]")
    page.wait_for_selector(".alert-success")
    assert "新增3" in page.inner_text(".alert-success")

    page.goto(f"{live_server.url}/registry/people/")
    page.locator("[data-testid=person-row] a").first.click()
    page.wait_for_selector("[data-testid=id-card]")
    assert "*" in page.inner_text("[data-testid=id-card]")
    shot(page, "orgs-person-phone")


@pytest.mark.django_db(transaction=True)
def test_a_transfer_goes_out_in_transit_and_is_received(
    world: World, live_server, desktop_page, settings
) -> None:  # type: ignore[no-untyped-def]
    from tests.orgs.helpers import add_members, membership

    settings.ENFORCE_2FA = False
    (member,) = add_members(world, None, full=1, org=world.branch_a1, region=world.village_a1)
    page = desktop_page
    log_in(page, live_server.url, "county_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/people/{member.pk}/")
    page.click("text=组织关系转出")
    page.select_option("select[name=to_org]", str(world.branch_b1.pk))
    page.fill("input[name=reason]", "居住地变动")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=对方党组织接收前")
    page.goto(f"{live_server.url}/registry/transfers/")
    row = page.locator("[data-testid=transfer-row]")
    assert "已转出" in row.inner_text()
    row.locator("button", has_text="标记在途").click()
    page.wait_for_selector("text=已标记为在途")
    assert membership(member).org_id == world.branch_a1.pk  # the sender stays responsible
    page.locator("[data-testid=transfer-row] button", has_text="确认接收").click()
    page.wait_for_selector("text=组织关系已转入")
    assert membership(member).org_id == world.branch_b1.pk
    shot(page, "orgs-transfers-desktop")
    page.goto(f"{live_server.url}/registry/orgs/{world.branch_b1.pk}/")
    assert member.name in page.inner_text("main")
    shot(page, "orgs-org-desktop")


@pytest.mark.django_db(transaction=True)
def test_the_person_edit_form_shows_the_mobile_number_masked_and_keeps_it(  # type: ignore[no-untyped-def]
    world: World, live_server, phone_page
) -> None:
    from tests.orgs.helpers import make_person

    person = make_person(world, "赵六", region=world.village_a1, mobile="13912345678")
    page = phone_page
    log_in(page, live_server.url, "township_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/people/{person.pk}/edit/")
    assert page.input_value("input[name=mobile]") == "139****5678"
    assert "13912345678" not in page.content()
    shot(page, "orgs-person-edit-phone")
    page.select_option("select[name=occupation]", "farmer")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已保存")
    person.refresh_from_db()
    assert person.mobile == "13912345678"
    assert person.occupation == "farmer"


@pytest.mark.django_db(transaction=True)
def test_an_organisations_page_lists_its_units_in_pinyin_order(  # type: ignore[no-untyped-def]
    world: World, live_server, desktop_page, settings
) -> None:
    settings.ENFORCE_2FA = False  # 2FA has its own tests
    units = [make_unit(world, name) for name in ("张庄站点", "李村站点", "王屯站点")]
    org = services.set_up_party_org(
        actor=SYSTEM, units=units, kind="joint_branch", name="三站联合党支部", parent=world.industry
    )
    page = desktop_page
    log_in(page, live_server.url, "county_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")
    page.goto(f"{live_server.url}/registry/orgs/{org.pk}/")
    body = page.inner_text("main")
    assert body.index("李村站点") < body.index("王屯站点") < body.index("张庄站点")
    shot(page, "orgs-org-units-pinyin-desktop")
