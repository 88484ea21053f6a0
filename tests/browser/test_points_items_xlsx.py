"""积分项目 through Excel in Chromium: the village secretary downloads the items, uploads a workbook
with a bad row and sees the row named, then a good one and sees the new version's items; on a phone,
a new scheme from the template keeps what was typed when the file is refused."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.browser.conftest import log_in, shot
from tests.factories import PASSWORD, World
from tests.points.helpers import make_scheme
from tongxin.points.items_xlsx import COLUMNS, XLSX, parse_workbook
from tongxin.points.models import Scheme, SchemeVersion


def _login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/")


def _file(rows: list[list[Any]]) -> dict[str, Any]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "积分项目"
    ws.append([c.label for c in COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return {"name": "积分项目.xlsx", "mimeType": XLSX, "buffer": out.getvalue()}


GOOD = [
    ["SNOW", "扫雪除冰", "义务劳动", 6, "群众和党员", "否", 2, None, None, None, None, None],
    ["BUILD", "乱搭乱建", "遵纪守法", -5, None, None, None, None, None, None, None, None],
]
BAD = [GOOD[0], ["BAD", "坏行", "其他", "五", None, "可能", None, None, None, None, None, None]]


@pytest.mark.django_db(transaction=True)
def test_secretary_publishes_a_version_from_a_workbook(world: World, live_server, desktop_page) -> None:  # type: ignore[no-untyped-def]
    scheme = make_scheme(world.village_a1)
    page, base = desktop_page, live_server.url
    _login(page, base, "village_secretary")
    page.goto(f"{base}{scheme.get_absolute_url()}")
    with page.expect_download() as download:
        page.click("text=下载积分项目Excel")
    items = parse_workbook(Path(download.value.path()).read_bytes())
    assert [i.code for i in items] == [i.code for i in scheme.versions.get().items.all()]

    page.click("text=发布新版本")
    page.fill("input[name=note]", "村民代表会议修订")
    page.set_input_files("input[name=items_file]", files=[_file(BAD)])
    page.click("main button[type=submit]")
    errors = page.inner_text(".errorlist")
    assert "第3行「分值」：“五”不是整数" in errors and "第3行「须照片」：“可能”应填“是”或“否”" in errors
    assert page.input_value("input[name=note]") == "村民代表会议修订"
    assert SchemeVersion.objects.filter(scheme=scheme).count() == 1
    shot(page, "points-items-xlsx-error-desktop")

    page.set_input_files("input[name=items_file]", files=[_file(GOOD)])
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已发布第2版")
    table = page.inner_text("main table")
    assert "扫雪除冰" in table and "乱搭乱建" in table and "个人每月2次" in table and "义务劳动" in table
    assert "庭院整洁" not in table
    shot(page, "points-items-xlsx-version-desktop")


@pytest.mark.django_db(transaction=True)
def test_new_scheme_from_a_workbook_on_a_phone(world: World, live_server, phone_page) -> None:  # type: ignore[no-untyped-def]
    page, base = phone_page, live_server.url
    _login(page, base, "village_secretary")
    page.goto(f"{base}/points/schemes/new/")
    assert page.get_attribute("main form", "enctype") == "multipart/form-data"
    page.fill("input[name=name]", "甲一村积分方案")
    page.select_option("select[name=region]", label="甲一村")
    page.set_input_files("input[name=items_file]", files=[_file(BAD)])
    page.click("main button[type=submit]")
    assert "第3行「分值」：“五”不是整数" in page.inner_text(".errorlist")
    assert page.input_value("input[name=name]") == "甲一村积分方案"
    assert not Scheme.objects.exists()
    page.locator("input[name=items_file]").scroll_into_view_if_needed()
    shot(page, "points-items-xlsx-error-phone")

    page.set_input_files("input[name=items_file]", files=[_file(GOOD)])
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已建立积分方案“甲一村积分方案”。")
    assert "扫雪除冰" in page.inner_text("main table")
    assert [i.code for i in Scheme.objects.get().versions.get().items.order_by("pk")] == ["SNOW", "BUILD"]
