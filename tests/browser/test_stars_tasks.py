"""Supervision in a real browser (phone): the county leader records a visit in the assigned
township and assigns a task; time moves past the deadline and tick escalates it once; the owner
reports completion with a file; the leader verifies it. Then the county dashboard on both screens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tests.stars.conftest import at
from tongxin.core import jobs
from tongxin.stars.models import RectificationTask


def _switch(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    log_in(page, base, username, PASSWORD)
    page.wait_for_selector("[data-testid=roles]")


@pytest.mark.django_db(transaction=True)
def test_task_goes_overdue_escalates_and_is_verified(
    world: World, live_server, phone_page, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    settings.MEDIA_ROOT = tmp_path
    page, base = phone_page, live_server.url
    today = timezone.localdate()
    deadline = today + timedelta(days=3)

    _switch(page, base, "county_leader")
    page.goto(f"{base}/stars/visits/")
    assert "甲镇" in page.inner_text("main")  # the assigned township
    page.select_option("select[name=region]", label="甲一村")
    page.fill("input[name=visited_on]", today.isoformat())
    page.fill("textarea[name=summary]", "实地督导：党员活动室未开放，组织生活记录不全")
    page.click("[data-testid=record-visit]")
    page.wait_for_selector("text=已记录督导情况")
    page.select_option("select[name=org]", label="甲一村党支部")
    page.fill("input[name=problem]", "组织生活记录不全")
    page.fill("textarea[name=required_outcome]", "补齐三会一课记录")
    page.select_option("select[name=owner]", label="村（社区）党组织书记")
    page.fill("input[name=deadline]", deadline.isoformat())
    page.click("[data-testid=create-task]")
    page.wait_for_selector("text=已交办整改任务")
    shot(page, "stars-visit-phone")
    task = RectificationTask.objects.get()

    # Time moves past the deadline: the tick escalates once, a second tick does not again.
    late = deadline + timedelta(days=2)
    first = dict(jobs.run_all(now=at(late.year, late.month, late.day), only=["stars.escalate_tasks"]))
    second = dict(jobs.run_all(now=at(late.year, late.month, late.day, 15), only=["stars.escalate_tasks"]))
    assert first["stars.escalate_tasks"] == "超期督办 1 项"
    assert second["stars.escalate_tasks"] == "超期督办 0 项"

    # The owner sees the escalation and reports completion with a file.
    _switch(page, base, "village_secretary")
    page.goto(f"{base}/stars/tasks/?mine=1")
    page.click("text=组织生活记录不全")
    assert "已督办1次" in page.inner_text("[data-testid=escalated]")
    page.fill("textarea[name=report-report]", "已补齐2026年三会一课记录")
    page.set_input_files("input[name=report-file]", {"name": "记录.pdf", "mimeType": "application/pdf",
                                                      "buffer": b"%PDF-1.4\n%%EOF\n"})  # fmt: skip
    page.click("[data-testid=report]")
    page.wait_for_selector("text=已报告整改完成")
    assert "待核验" in page.inner_text("[data-testid=task-state]")
    shot(page, "stars-task-reported-phone")

    # The leader verifies it.
    _switch(page, base, "county_leader")
    page.goto(f"{base}/stars/tasks/{task.pk}/")
    page.click("[data-testid=verify]")
    page.wait_for_selector("text=已核验销号")
    assert "已销号" in page.inner_text("[data-testid=task-state]")
    history = page.inner_text("[data-testid=task-history]")
    for step in ("交办", "超期督办", "报告整改完成", "核验销号"):
        assert step in history
    shot(page, "stars-task-verified-phone")
    task.refresh_from_db()
    assert task.state == "verified" and task.escalations == 1 and task.evidence.count() == 1

    page.goto(f"{base}/stars/county/")
    page.wait_for_selector("#chart-levels canvas")
    assert "甲镇" in page.inner_text("[data-testid=county-table]")
    shot(page, "stars-county-phone")


@pytest.mark.django_db(transaction=True)
def test_county_dashboard_desktop(world: World, live_server, desktop_page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    _switch(desktop_page, live_server.url, "county_admin")
    desktop_page.goto(f"{live_server.url}/stars/county/")
    desktop_page.wait_for_selector("#chart-tasks canvas")
    text = desktop_page.inner_text("[data-testid=county-table]")
    assert "甲镇" in text and "乙镇" in text
    assert world.user("county_leader").display_name in text  # the 分包 assignment
    shot(desktop_page, "stars-county-desktop")
