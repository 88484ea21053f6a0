"""The closed loop on a phone: a rider reports a hazard with a photo and the phone's location; the
community accepts and resolves it; the rider confirms and sees the points; the supervisor's overview
shows it on time. Plus the handling queue and the volunteer-services page on a desktop."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in, shot
from tests.cases.conftest import jpeg_bytes
from tests.factories import PASSWORD, World
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, Category
from tongxin.orgs import services as org_services
from tongxin.orgs.models import Person
from tongxin.points import services as points_services


def _setup(world: World) -> None:
    services.sync_categories(actor=SYSTEM)
    points_services.create_scheme(
        actor=SYSTEM,
        region=world.county,
        name="测试县党群积分",
        items=[points_services.ItemSpec(code="vol", name="志愿服务", category="volunteer", points=5)],
        effective_from=date(2024, 1, 1),
    )
    rider = world.user("grid_worker")
    org_services.create_person(actor=SYSTEM, name="刘骑手", region=world.village_a1, mobile=rider.mobile)


@pytest.mark.django_db(transaction=True)
def test_rider_reports_community_resolves_rider_confirms(
    world: World, live_server, browser, tmp_path: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    _setup(world)
    photo = tmp_path / "hazard.jpg"
    photo.write_bytes(jpeg_bytes(size=(1200, 900)))
    base = live_server.url

    def phone() -> object:
        ctx = browser.new_context(  # type: ignore[attr-defined]
            viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True,
            geolocation={"latitude": 34.9063, "longitude": 112.7892}, permissions=["geolocation"],
        )  # fmt: skip
        ctx.set_default_timeout(15000)
        return ctx

    # 1. The rider reports a hazard with a photo and the phone's location.
    rider_ctx = phone()
    page = rider_ctx.new_page()  # type: ignore[attr-defined]
    log_in(page, base, "grid_worker", PASSWORD)
    page.goto(f"{base}/cases/")
    page.click("[data-testid=new-report]")
    page.click("[data-testid=locate]")
    page.wait_for_selector("text=已定位")
    page.select_option("#id_category", label="治安隐患")
    page.fill("#id_description", "小区东门消防通道被车辆堵塞")
    page.set_input_files("#id_photos", str(photo))
    shot(page, "cases-report-phone")
    page.click("[data-testid=submit]")
    page.wait_for_selector("text=已上报")
    case = Case.objects.get()
    assert case.lat is not None and round(float(case.lat), 3) == 34.906
    assert case.photos.count() == 1
    assert page.locator("[data-testid=photo]").count() == 1
    shot(page, "cases-reported-phone")

    # 2. The community (village branch secretary) accepts and resolves it.
    sec_ctx = phone()
    sec = sec_ctx.new_page()  # type: ignore[attr-defined]
    log_in(sec, base, "village_secretary", PASSWORD)
    sec.goto(f"{base}/cases/queue/")
    sec.click(f"text={case.number}")
    sec.click("[data-testid=accept]")
    sec.wait_for_selector("text=已受理。")
    sec.click("[data-testid=start]")
    sec.fill("[data-testid=resolve-note]", "已联系车主挪车，加装禁停标识")
    sec.click("[data-testid=resolve]")
    sec.wait_for_selector("text=已办结。")
    shot(sec, "cases-resolved-handler-phone")

    # 3. The rider confirms and sees the points.
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("label[for=rating5]")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("text=本次上报获得 5 积分")
    assert "已发放 5 分" in page.inner_text("[data-testid=points]")
    shot(page, "cases-confirmed-phone")
    page.goto(f"{base}/cases/inbox/")
    assert "获得 5 积分" in page.content()

    # 4. The supervisor's overview shows it resolved on time.
    sup_ctx = phone()
    sup = sup_ctx.new_page()  # type: ignore[attr-defined]
    log_in(sup, base, "township_admin", PASSWORD)
    sup.goto(f"{base}/cases/overview/")
    assert sup.inner_text("[data-testid=on-time-rate]") == "100.0%"
    assert sup.inner_text("[data-testid=satisfaction]") == "100.0%"
    row = sup.locator("[data-testid=recent-row]").first
    assert case.number in row.inner_text() and "按时" in row.inner_text()
    sup.wait_for_selector("#chart-category canvas")  # no wait_for_function: the CSP refuses its eval
    shot(sup, "cases-overview-phone")
    for ctx in (rider_ctx, sec_ctx, sup_ctx):
        ctx.close()  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_queue_overview_and_services_on_a_desktop(world: World, live_server, desktop_page) -> None:  # type: ignore[no-untyped-def]
    _setup(world)
    rider = world.user("grid_worker")
    for text in ("垃圾桶满溢", "路灯不亮"):
        services.submit_case(
            actor=rider,
            intake=services.Intake(
                category=Category.objects.get(code="environment"),
                description=text,
                region=world.village_a1,
                address="村口",
            ),
        )
    page = desktop_page
    log_in(page, live_server.url, "township_admin", PASSWORD)
    page.goto(f"{live_server.url}/cases/queue/")
    assert page.locator("[data-testid=queue-case]").count() == 2
    page.check("#overdue")
    expect(page.locator("[data-testid=queue-case]")).to_have_count(0)
    shot(page, "cases-queue-desktop")
    page.goto(f"{live_server.url}/cases/overview/")
    assert page.inner_text("[data-testid=total]") == "2"
    shot(page, "cases-overview-desktop")
    page.goto(f"{live_server.url}/cases/services/?region={world.town_a.pk}")
    page.click("text=成立队伍")
    page.fill("#id_name", "甲镇爱心车队")
    page.click("form[action$='teams/new/'] button")
    page.wait_for_selector("text=已成立“甲镇爱心车队”")
    shot(page, "cases-team-desktop")
    # A service recorded by the village secretary waits for a second person; the township officer
    # confirms it on the page and the points are paid then.
    person = Person.objects.get(name="刘骑手")
    services.record_service(
        actor=world.user("village_secretary"), kind="door_to_door", person=person, region=world.village_a1,
        served_on=timezone.localdate() - timedelta(days=1),
    )  # fmt: skip
    page.goto(f"{live_server.url}/cases/services/?region={world.town_a.pk}")
    assert "待另一名工作人员确认" in page.inner_text("[data-testid=record]")
    assert page.inner_text("[data-testid=tally-rule]").startswith("cases_defaults")
    page.click("[data-testid=record-confirm]")
    page.wait_for_selector("text=已发放 2 分")
    shot(page, "cases-services-confirmed-desktop")
