"""The county's own pages in a real browser: listing a weak branch with its plan and pairing it,
replacing the criteria by uploading a file (errors first, then a good file), and the village
secretary's home on a phone."""

from __future__ import annotations

import pytest
import yaml

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tongxin.accounts.system import SYSTEM
from tongxin.stars import criteria_io, services
from tongxin.stars.models import CriteriaSet, Pairing, WeakBranch


@pytest.mark.django_db(transaction=True)
def test_weak_branch_pairing_and_criteria_import(world: World, live_server, desktop_page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    services.load_sample_criteria(actor=SYSTEM, applies_to="village")
    page, base = desktop_page, live_server.url
    log_in(page, base, "county_admin", PASSWORD)
    page.wait_for_selector("[data-testid=roles]")

    page.goto(f"{base}/stars/weak/?year=2026")
    page.select_option("select[name=weak-org]", label="乙一村党支部")
    page.fill("textarea[name=weak-reason]", "班子软弱，组织生活不经常")
    page.fill("textarea[name=weak-plan]", "选派第一书记，半年内整顿")
    page.click("form:has(input[value=weak]) button[type=submit]")
    page.wait_for_selector("text=已列入软弱涣散党组织名单")
    page.select_option("select[name=pair-strong]", label="甲一村党支部")
    page.select_option("select[name=pair-weak]", label="乙一村党支部")
    page.fill("input[name=pair-note]", "产业帮扶")
    page.click("form:has(input[value=pair]) button[type=submit]")
    page.wait_for_selector("text=已结对")
    assert "甲一村党支部 ⇄ 乙一村党支部" in page.inner_text("main")
    shot(page, "stars-weak-desktop")
    assert WeakBranch.objects.get().plan == "选派第一书记，半年内整顿"
    assert Pairing.objects.count() == 1

    page.goto(f"{base}/stars/criteria/")
    page.set_input_files("input[name=file]", {"name": "bad.yaml", "mimeType": "text/yaml",
                                              "buffer": b"applies_to: town\nstars: []\n"})  # fmt: skip
    page.click("[data-testid=import]")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "applies_to" in errors and "stars：至少应有一颗星" in errors
    shot(page, "stars-criteria-errors-desktop")
    doc = criteria_io.load_sample("village")
    doc["title"] = "武陟县农村五星支部评定标准"
    doc["sample"] = False
    page.set_input_files("input[name=file]", {"name": "wuzhi.yaml", "mimeType": "text/yaml",
                                              "buffer": yaml.safe_dump(doc, allow_unicode=True).encode()})  # fmt: skip
    page.click("[data-testid=import]")
    page.wait_for_selector("text=已导入")
    assert "武陟县农村五星支部评定标准" in page.inner_text("h1")
    assert CriteriaSet.objects.filter(applies_to="village").count() == 2


@pytest.mark.django_db(transaction=True)
def test_village_secretary_home_on_a_phone(world: World, live_server, phone_page, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ENFORCE_2FA = False
    services.load_sample_criteria(actor=SYSTEM, applies_to="village")
    log_in(phone_page, live_server.url, "village_secretary", PASSWORD)
    phone_page.wait_for_selector("[data-testid=roles]")
    phone_page.goto(f"{live_server.url}/stars/")
    mine = phone_page.inner_text("[data-testid=my-branches]")
    assert "甲一村党支部" in mine and "尚未申报" in mine
    assert phone_page.locator("nav[aria-label=五星支部] >> text=审核").count() == 0  # no page for them
    shot(phone_page, "stars-home-phone")
    phone_page.click("[data-testid=my-branches] >> text=甲一村党支部")
    phone_page.wait_for_selector("[data-testid=declare]")
    shot(phone_page, "stars-branch-declare-phone")
