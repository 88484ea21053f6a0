"""The menu marks exactly one entry as the current page: the one whose address is the longest prefix."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, login


@pytest.mark.parametrize(
    ("url_name", "active"),
    [
        ("orgs:org_list", "党组织"),
        ("orgs:tree", "组织体系"),
        ("dashboard:home", "首页"),
        ("orgs:unit_list", "单位"),
    ],
)
def test_one_menu_entry_is_active(world: World, client: Client, url_name: str, active: str) -> None:
    login(client, world.user("county_admin"))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    lit = [i["label"] for i in response.context["nav_items"] if i["active"]]
    assert lit == [active]
