"""Every page renders for the people who use it, and every list exports to Excel with its rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.factories import World, login
from tests.stars.conftest import at, fill_all
from tongxin.stars import services
from tongxin.stars.models import StarCycle

FIVE = ["party_strength", "prosperity", "ecology", "rule_of_law", "civility"]


@pytest.fixture
def data(world: World, declared: Callable[..., StarCycle]) -> StarCycle:
    cycle = declared()
    fill_all(cycle, world.user("village_secretary"))
    services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    services.rate_cycle(actor=world.user("township_admin"), cycle=cycle, stars=FIVE, reason="初评")
    services.approve_cycle(actor=world.user("county_admin"), cycle=cycle, stars=FIVE, now=at(2026, 11, 2))
    services.close_due_notices(at(2026, 11, 20))
    services.list_weak_branch(actor=world.user("county_admin"), org=world.branch_b1, year=2026,
                              reason="班子软弱", plan="选派第一书记")  # fmt: skip
    services.pair_branches(
        actor=world.user("county_admin"), strong=world.branch_a1, weak=world.branch_b1, year=2026
    )
    services.record_visit(actor=world.user("county_leader"), region=world.village_a1, visited_on=date(2026, 11, 1),
                          summary="台账不全，需督促", now=at(2026, 11, 2))  # fmt: skip
    services.create_task(
        actor=world.user("county_leader"), org=world.branch_a1, problem="档案不全", required_outcome="补齐",
        owner=world.user("village_secretary"), deadline=date(2099, 1, 1),
    )  # fmt: skip
    cycle.refresh_from_db()
    return cycle


def test_county_pages_render(world: World, data: StarCycle, client: Client) -> None:
    login(client, world.user("county_admin"))
    for url in ["/stars/", "/stars/queue/", "/stars/notice/", "/stars/lists/?kind=five&year=2026",
                "/stars/lists/?kind=weak&year=2026", "/stars/weak/?year=2026", "/stars/county/?year=2026",
                "/stars/visits/", "/stars/tasks/", "/stars/criteria/",
                f"/stars/criteria/{data.criteria_set_id}/", f"/stars/branch/{data.org_id}/2026/"]:  # fmt: skip
        r = client.get(url)
        assert r.status_code == 200, url
    page = client.get("/stars/county/?year=2026").content.decode()
    assert "echarts.min.js" in page and "甲镇" in page
    assert "甲一村党支部" in client.get("/stars/lists/?kind=five&year=2026").content.decode()
    assert "选派第一书记" in client.get("/stars/weak/?year=2026").content.decode()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/stars/lists/?kind=five&year=2026&format=xlsx", "甲一村党支部"),
        ("/stars/lists/?kind=weak&year=2026&format=xlsx", "选派第一书记"),
        ("/stars/tasks/?format=xlsx", "档案不全"),
        ("/stars/county/?year=2026&format=xlsx", "甲镇"),
        ("/stars/weak/?year=2026&format=xlsx", "乙一村党支部"),
        ("/stars/visits/?format=xlsx", "台账不全，需督促"),
    ],
)
def test_every_list_exports_to_excel(
    world: World, data: StarCycle, client: Client, url: str, expected: str
) -> None:
    login(client, world.user("county_admin"))
    r = client.get(url)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert expected in cells


def test_export_is_scoped(world: World, data: StarCycle, client: Client) -> None:
    login(client, world.user("township_admin"))
    r = client.get("/stars/lists/?kind=weak&year=2026&format=xlsx")
    ws = load_workbook(BytesIO(r.content)).active
    assert ws.max_row == 1  # header only: B1 is in town B


def test_branch_page_shows_live_figures_and_the_sample_label(
    world: World, data: StarCycle, client: Client
) -> None:
    login(client, world.user("village_secretary"))
    page = client.get(f"/stars/branch/{data.org_id}/2026/").content.decode()
    assert "样例" in page
    assert "实时数据" in page
    assert "五星" in page
