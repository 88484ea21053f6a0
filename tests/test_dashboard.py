"""The home page (dashboard): what the user's grants cover, in an order people read."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, login
from tongxin.accounts import services as account_services
from tongxin.accounts.roles import ROLES
from tongxin.accounts.system import SYSTEM
from tongxin.core import workdays


@pytest.mark.django_db
def test_the_home_page_lists_the_scopes_in_pinyin_order(world: World, client: Client) -> None:
    user = world.user("resident")  # granted on 甲一村 (jia3 yi1)
    for node in (world.village_b1, world.town_a):  # 乙一村 (yi3 yi1), 甲镇 (jia3 zhen4)
        account_services.grant_role(actor=SYSTEM, user=user, role="resident", node=node)
    page = login(client, user).get(reverse("dashboard:home")).content.decode()
    label = ROLES["resident"].label
    positions = [page.index(f"{label} · {name}") for name in ("甲一村", "甲镇", "乙一村")]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_a_role_held_in_three_places_is_described_once(world: World, client: Client) -> None:
    user = world.user("resident")
    for node in (world.village_b1, world.town_a):
        account_services.grant_role(actor=SYSTEM, user=user, role="resident", node=node)
    page = login(client, user).get(reverse("dashboard:home")).content.decode()
    assert page.count(ROLES["resident"].description) == 1


@pytest.mark.django_db
def test_staff_are_told_when_deadlines_reach_a_year_without_a_holiday_calendar(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    year = 2025
    while workdays.covered(year):
        year += 1
    login(client, world.user("township_admin"))
    monkeypatch.setattr(timezone, "localdate", lambda: date(year - 1, 12, 1))
    page = client.get(reverse("dashboard:home")).content.decode()
    assert f"{year}年节假日安排尚未发布，暂按周一至周五计算" in page
    monkeypatch.setattr(timezone, "localdate", lambda: date(year - 1, 6, 1))
    assert "节假日安排尚未发布" not in client.get(reverse("dashboard:home")).content.decode()
