"""The other points pages in Chromium: scheme versions, the ledger and a reversal, deciding an
objection, the shop, a villager's own claim with a photo."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shot
from tests.cases.conftest import jpeg_bytes
from tests.factories import PASSWORD, World, make_user
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts import services as account_services
from tongxin.accounts.system import SYSTEM
from tongxin.points import services
from tongxin.points.models import Claim, LedgerEntry, Objection, PersonLink, Redemption, SchemeVersion
from tongxin.points.services.links import ACCOUNT_UNKNOWN

GIF_HTML = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
    b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;<html><script>alert(1)</script></html>"
)


def _login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/")


@pytest.mark.django_db(transaction=True)
def test_secretary_versions_the_scheme_and_reverses_an_entry(world: World, live_server, desktop_page) -> None:  # type: ignore[no-untyped-def]
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 2).people[0]
    entry = services.award_points(
        actor=SYSTEM, person=person, points=5, source="cases.case", source_ref="7", reason="有效上报隐患"
    )
    page, base = desktop_page, live_server.url
    _login(page, base, "village_secretary")
    page.goto(f"{base}{scheme.get_absolute_url()}")
    page.click("text=发布新版本")
    items = page.input_value("textarea[name=items]")
    page.fill("textarea[name=items]", items + "BAD,坏项目,nope,abc\n")
    page.fill("input[name=note]", "村民代表会议修订")
    page.click("main button[type=submit]")
    assert "第6行：分值“abc”不是整数" in page.inner_text(".errorlist")
    page.fill("textarea[name=items]", items.replace("义务劳动,labour,5", "义务劳动,labour,6"))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已发布第2版")
    assert SchemeVersion.objects.filter(scheme=scheme).count() == 2
    shot(page, "points-scheme-desktop")

    page.goto(f"{base}/points/ledger/")
    page.click(f"a[href='/points/ledger/{entry.pk}/']")
    assert "事项办结激励" in page.inner_text("main")
    page.fill("textarea[name=reason]", "重复记分")
    page.click("text=冲正 >> nth=-1")
    page.wait_for_selector("text=已冲正")
    assert LedgerEntry.objects.get(reverses=entry).points == -5
    shot(page, "points-reversal-desktop")


@pytest.mark.django_db(transaction=True)
def test_reviewer_decides_an_objection_and_keeper_redeems(world: World, live_server, phone_page) -> None:  # type: ignore[no-untyped-def]
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    today = timezone.localdate()
    claim = services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=today, title="修路",
        people=people, today=today,
    )  # fmt: skip
    claim = services.approve_claim(actor=world.user("points_reviewer"), claim=claim, today=today)
    services.raise_objection(
        actor=world.user("resident"), line=claim.lines.first(), reason="他当天不在村里", today=today
    )  # type: ignore[arg-type]
    goods = services.create_goods(actor=SYSTEM, scheme=scheme, name="毛巾", price=5, stock=3)

    page, base = phone_page, live_server.url
    _login(page, base, "points_reviewer")
    page.goto(f"{base}/points/objections/")
    page.fill("textarea[name=reason]", "有现场照片为证")
    page.click("button[value=dismiss]")
    page.wait_for_selector("text=异议不成立，积分按期入账")
    assert Objection.objects.get().state == Objection.State.DISMISSED
    shot(page, "points-objections-phone")
    services.finalise_due_claims(today=claim.notice_until + timedelta(days=1))  # type: ignore[operator]
    assert Claim.objects.get().state == Claim.State.FINAL

    page.context.clear_cookies()
    _login(page, base, "points_recorder")
    page.goto(f"{base}/points/shop/")
    page.click("text=兑换")
    page.select_option("select[name=person]", str(people[0].pk))
    page.fill("input[name=quantity]", "1")
    page.click("text=确认兑换")
    page.wait_for_selector("text=消耗5分")
    assert Redemption.objects.count() == 1
    goods.refresh_from_db()
    assert goods.stock == 2
    shot(page, "points-shop-phone")
    page.goto(f"{base}/points/shop/report/")
    assert "毛巾" in page.inner_text("table")


@pytest.mark.django_db(transaction=True)
def test_villager_claims_for_themself_with_a_photo(
    world: World, live_server, phone_page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    services.link_person(actor=SYSTEM, user=world.user("resident"), person=person)
    photo = tmp_path / "labour.jpg"  # a phone photo with its GPS position: stored re-encoded without it
    photo.write_bytes(jpeg_bytes(size=(1200, 900)))
    page, base = phone_page, live_server.url
    _login(page, base, "resident")
    page.goto(f"{base}/points/me/")
    page.click("text=本人申报")
    page.select_option("select[name=item_code]", "LAB")
    page.fill("input[name=title]", "清扫门前积雪")
    # A GIF (here with a web page behind it) is refused on the field, with the reason.
    page.set_input_files(
        "input[name=evidence]", {"name": "labour.gif", "mimeType": "image/gif", "buffer": GIF_HTML}
    )
    page.click("main button[type=submit]")
    assert "现场照片：“labour.gif”不是有效的图片" in page.inner_text(".errorlist")
    assert not Claim.objects.exists()
    shot(page, "points-self-claim-refused-phone")
    page.set_input_files("input[name=evidence]", str(photo))
    shot(page, "points-self-claim-phone")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已提交申报")
    claim = Claim.objects.get()
    assert claim.is_self_claim and claim.evidence
    assert "待审核" in page.inner_text("main")
    # The reviewer sees the photo on the claim (served as an attachment, which an <img> still shows).
    page.context.clear_cookies()
    _login(page, base, "points_reviewer")
    page.goto(f"{base}/points/claims/{claim.pk}/")
    photo = page.locator("img[alt=现场照片]")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") > 0
    shot(page, "points-claim-photo-phone")


@pytest.mark.django_db(transaction=True)
def test_secretary_links_a_villager_but_not_an_account_of_another_township(
    world: World, live_server, phone_page
) -> None:  # type: ignore[no-untyped-def]
    people = make_villagers(world.village_a1, 2).people
    outsider = make_user("b1_villager")
    account_services.grant_role(actor=SYSTEM, user=outsider, role="resident", node=world.village_b1)
    page, base = phone_page, live_server.url
    _login(page, base, "village_secretary")
    page.goto(f"{base}/points/links/")
    page.fill("input[name=username]", "b1_villager")
    page.select_option("select[name=person]", str(people[0].pk))
    page.click("main button[type=submit]")
    page.wait_for_selector(f"text={ACCOUNT_UNKNOWN}")
    shot(page, "points-links-refused-phone")
    page.fill("input[name=username]", "resident")
    page.select_option("select[name=person]", str(people[1].pk))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已关联")
    assert "resident → " + people[1].name in page.inner_text("main")
    assert not PersonLink.objects.filter(user=outsider).exists()
