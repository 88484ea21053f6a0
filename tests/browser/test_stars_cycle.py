"""五星支部创建 in a real browser: a village submits its self-assessment linking an existing points
board as evidence, the township rates, the county approves, the notice runs (a villager objects,
the county dismisses it), the tick closes the notice, and the county list shows the new level."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tests.points.helpers import make_scheme, make_villagers
from tests.stars.conftest import at
from tongxin.accounts.system import SYSTEM
from tongxin.core import jobs
from tongxin.points import services as points_services
from tongxin.stars import services
from tongxin.stars.models import Indicator, StarCycle


def _switch(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    log_in(page, base, username, PASSWORD)
    page.wait_for_selector("[data-testid=roles]")


@pytest.mark.django_db(transaction=True)
def test_village_to_county_with_points_board_evidence(
    world: World, live_server, desktop_page, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    services.load_sample_criteria(actor=SYSTEM, applies_to="village")
    make_scheme(world.village_a1)
    village = make_villagers(world.village_a1, 4, per_household=2)
    for i, h in enumerate(village.households):
        points_services.award_points(
            actor=SYSTEM, person=h.head, points=5, source="test", source_ref=f"h{i}", reason="义务劳动",
            on=date(2026, 5, 6),
        )  # fmt: skip
    board = points_services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
    )
    page, base = desktop_page, live_server.url
    year = 2026
    branch_url = f"{base}/stars/branch/{world.branch_a1.pk}/{year}/"

    # The village secretary declares the target and assesses every indicator.
    _switch(page, base, "village_secretary")
    page.goto(branch_url)
    page.select_option("select[name=target_stars]", "5")
    page.click("[data-testid=declare]")
    page.wait_for_selector("[data-testid=cycle-summary]")
    assert "自评中" in page.inner_text("[data-testid=state]")
    cycle = StarCycle.objects.get(org=world.branch_a1, year=year)
    for ind in Indicator.objects.filter(star__criteria_set=cycle.criteria_set).order_by(
        "star__order", "order"
    ):
        if ind.method == "metric":
            continue
        row = page.locator(f"#ind-{ind.pk}")
        row.locator("summary").click()
        if ind.method == "yes_no":
            row.locator("select[name=met]").select_option("1")
        else:
            row.locator("input[name=score]").fill(str(ind.max_score))
        row.locator(f"[data-testid=save-{ind.code}]").click()
        shown = "自评：达到" if ind.method == "yes_no" else f"自评：{ind.max_score}分"
        page.wait_for_selector(f"#ind-{ind.pk} >> text={shown}")

    # Link the published points board to the participation indicator (no re-upload).
    participation = Indicator.objects.get(star__criteria_set=cycle.criteria_set, code="points_participation")
    row = page.locator(f"#ind-{participation.pk}")
    assert "100.0%（2/2户）" in row.inner_text()
    row.locator("summary").click()
    row.locator("select[name=choice]").select_option(f"points_board:{board.pk}")
    row.locator("[data-testid=add-evidence-points_participation]").click()
    page.wait_for_selector(f"#ind-{participation.pk} >> text={board}")
    assert "5星" in page.inner_text("[data-testid=preview]")
    shot(page, "stars-self-assessment-desktop")
    page.click("[data-testid=submit]")
    page.wait_for_selector("text=自评已提交")
    assert "待乡镇初评" in page.inner_text("[data-testid=state]")

    # The township rates (accepting the village's stars).
    _switch(page, base, "township_admin")
    page.goto(f"{base}/stars/queue/")
    page.click(f"[data-testid=queue-rate] >> text={world.branch_a1.name}")
    page.click("[data-testid=decide]")
    page.wait_for_selector("text=已完成乡镇初评")
    assert "待县级审定" in page.inner_text("[data-testid=state]")

    # The county approves: the notice starts.
    _switch(page, base, "county_admin")
    page.goto(branch_url)
    page.click("[data-testid=decide]")
    page.wait_for_selector("text=已审定，公示至")
    assert "公示中" in page.inner_text("[data-testid=state]")
    cycle.refresh_from_db()

    # A villager objects on the notice page; the county dismisses the objection with a reason.
    _switch(page, base, "resident")
    page.goto(f"{base}/stars/notice/")
    card = page.locator(f"[data-testid=notice-{cycle.pk}]")
    card.locator("summary").click()
    card.locator("textarea[name=reason]").fill("积分参与率是否真实？")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("text=已收到您对")
    shot(page, "stars-notice-desktop")
    _switch(page, base, "county_admin")
    page.goto(f"{base}/stars/queue/")
    objections = page.locator("[data-testid=queue-objections]")
    objections.locator("select[name=upheld]").select_option("0")
    objections.locator("input[name=resolution]").fill("经核对积分流水，数据属实")
    objections.locator("button[type=submit]").click()
    page.wait_for_selector("text=异议已处理")

    # Time moves past the notice period; the tick closes it.
    assert cycle.notice_ends_on is not None
    after = cycle.notice_ends_on + timedelta(days=1)
    summary = dict(jobs.run_all(now=at(after.year, after.month, after.day), only=["stars.close_notices"]))
    assert summary["stars.close_notices"] == "确定星级 1 个"
    cycle.refresh_from_db()
    assert cycle.state == "final"
    page.goto(f"{base}/stars/lists/?kind={cycle.current_level}&year={year}")
    assert world.branch_a1.name in page.inner_text("[data-testid=list-table]")
    shot(page, "stars-list-desktop")
    page.goto(branch_url)
    assert "已评定" in page.inner_text("[data-testid=state]")
    assert cycle.get_current_level_display() in page.inner_text("[data-testid=level]")
    shot(page, "stars-branch-final-desktop")
