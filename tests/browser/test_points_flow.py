"""党群积分 end to end in Chromium: a recorder records a group claim on a phone, a reviewer approves it,
the notice passes (time moved in the test), the secretary publishes the board, and anyone opens the
public board and its verification page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts.system import SYSTEM
from tongxin.points import periods, services
from tongxin.points.models import Claim, LedgerEntry


def _fresh(browser, viewport: dict[str, int], mobile: bool):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=mobile, has_touch=mobile
    )
    context.set_default_timeout(15000)
    return context, context.new_page()


@pytest.mark.django_db(transaction=True)
def test_group_claim_to_public_board(world: World, live_server, phone_page, browser) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.village_a1, name="甲一村党群积分方案")
    make_villagers(world.village_a1, 12)
    base = live_server.url

    # 1. The recorder, one-handed on a phone: a voluntary-labour day with ten villagers is one claim.
    page = phone_page
    log_in(page, base, "points_recorder", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/points/")
    page.click("[data-testid=new-claim]")
    page.select_option("select[name=item_code]", "LAB")
    page.fill("input[name=title]", "清扫村道")
    page.fill("#people-filter", "村民01")  # the filter narrows the list; "all" picks what is shown
    page.click("#pick-all")
    assert page.inner_text("#picked") == "2"
    page.fill("#people-filter", "")
    page.click("#pick-all")
    assert page.inner_text("#picked") == "12"
    page.locator(".tx-person input").nth(0).uncheck()
    page.locator(".tx-person input").nth(1).uncheck()
    assert page.inner_text("#picked") == "10"
    shot(page, "points-claim-phone")
    page.click("[data-testid=submit-claim]")
    page.wait_for_selector("[data-testid=claim-state]")
    assert page.inner_text("[data-testid=claim-state]") == "待审核"
    claim = Claim.objects.get()
    assert claim.lines.count() == 10

    # 2. The reviewer (another person) approves it: public notice starts.
    ctx, review = _fresh(browser, {"width": 390, "height": 844}, True)
    log_in(review, base, "points_reviewer", PASSWORD)
    review.wait_for_url(f"{base}/")
    review.goto(f"{base}{claim.get_absolute_url()}")
    review.click("[data-testid=approve]")
    review.wait_for_selector("text=已审核通过")
    assert review.inner_text("[data-testid=claim-state]") == "公示中"
    shot(review, "points-approved-phone")
    ctx.close()

    # 3. Time passes: the notice period (3 working days) ends with no objection.
    claim.refresh_from_db()
    assert claim.notice_until is not None
    assert services.finalise_due_claims(today=claim.notice_until) == 0
    assert services.finalise_due_claims(today=claim.notice_until + timedelta(days=1)) == 10
    assert LedgerEntry.objects.count() == 10

    # 4. The village secretary publishes the quarter's board.
    period = periods.quarter_of(claim.occurred_on)
    ctx, sec = _fresh(browser, {"width": 1366, "height": 768}, False)
    log_in(sec, base, "village_secretary", PASSWORD)
    sec.wait_for_url(f"{base}/")
    sec.goto(f"{base}/points/boards/?region={world.village_a1.pk}&period={period}&by=person&audience=all")
    assert sec.locator("[data-testid=board] tbody tr").count() == 10
    sec.select_option("select[name=name_style]", "initial")
    sec.click("[data-testid=publish]")
    sec.wait_for_selector("[data-testid=published-link]")
    shot(sec, "points-published-desktop")
    public_url = sec.get_attribute("[data-testid=published-link]", "href")
    ctx.close()

    # 5. Anyone, without logging in, opens the wall board and its verification page.
    ctx, anon = _fresh(browser, {"width": 390, "height": 844}, True)
    anon.goto(f"{base}{public_url}")
    assert "积分榜" in anon.inner_text("[data-testid=board-title]")
    assert anon.locator("[data-testid=public-board] tbody tr").count() == 10
    assert "村民*" in anon.inner_text("[data-testid=public-board]")
    assert anon.locator(".tx-qr svg").count() == 1
    assert "发布时的链头" in anon.inner_text("[data-testid=board-heads]")  # printed with the board
    shot(anon, "points-public-board-phone")
    anon.click("[data-testid=verify-link]")
    anon.wait_for_selector("[data-testid=verify-result]")
    assert "与积分流水一致" in anon.inner_text("[data-testid=verify-result]")
    assert "链头" in anon.inner_text("[data-testid=board-heads]")
    shot(anon, "points-verify-phone")
    ctx.close()


@pytest.mark.django_db(transaction=True)
def test_villager_sees_my_points_and_objects_on_a_phone(world: World, live_server, phone_page) -> None:  # type: ignore[no-untyped-def]
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 4).people
    services.link_person(actor=SYSTEM, user=world.user("resident"), person=people[0])
    today = timezone.localdate()
    done = services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=today, title="修水渠",
        people=people, today=today,
    )  # fmt: skip
    done = services.approve_claim(
        actor=world.user("points_reviewer"), claim=done, today=today - timedelta(days=10)
    )
    services.finalise_due_claims(today=today)
    pending = services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="VOL", occurred_on=today, title="义诊帮忙",
        people=people[1:3], today=today,
    )  # fmt: skip
    services.approve_claim(actor=world.user("points_reviewer"), claim=pending, today=today)

    page = phone_page
    base = live_server.url
    log_in(page, base, "resident", PASSWORD)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/points/me/")
    assert page.inner_text("[data-testid=balance]") == "5"
    assert "修水渠" in page.inner_text("[data-testid=history]")
    shot(page, "points-me-phone")
    page.goto(f"{base}/points/notice/")
    page.locator("[data-testid=object-btn]").first.click()
    page.locator("textarea[name=reason]").first.fill("那天他不在村里")
    page.locator("[data-testid=object-submit]").first.click()
    page.wait_for_selector("text=审核员将核实处理")
    from tongxin.points.models import Objection

    assert Objection.objects.get().reason == "那天他不在村里"
    shot(page, "points-notice-phone")
