"""The demo county: the 武陟县 villages at different star levels, weak villages with tasks in
different states, county leaders assigned to townships."""

from __future__ import annotations

import pytest

from tongxin.accounts.models import User
from tongxin.demo import county
from tongxin.stars.models import Evidence, RectificationTask, StarCycle, WeakBranch
from tongxin.stars.selectors import assigned_townships


@pytest.mark.django_db
def test_demo_builds_the_star_scene() -> None:
    county.build_demo()
    year = max(StarCycle.objects.values_list("year", flat=True))
    by_name = {c.region.name: c for c in StarCycle.objects.filter(year=year).select_related("region")}
    assert by_name["孙庄村"].current_level == "five"
    assert by_name["黄村村"].current_level == "four"
    assert by_name["西滑封村"].current_level == "below"  # 摘星 took it from three to two stars
    assert by_name["塚头村"].state == "in_notice"
    assert by_name["李梧村"].state == "submitted"
    assert by_name["西温村"].current_level == "below"
    assert StarCycle.objects.filter(year=year - 1, state="final").count() == 6
    assert set(WeakBranch.objects.values_list("region__name", flat=True)) == {"西温村", "李梧村"}
    states = set(RectificationTask.objects.values_list("state", flat=True))
    assert states == {"open", "reported", "returned", "verified"}
    assert RectificationTask.objects.filter(escalations__gt=0).exists()
    # The points demo publishes 孙庄村's boards; the star demo links one, never copies it.
    board_evidence = Evidence.objects.get(kind="points_board", region__name="孙庄村")
    assert board_evidence.assessments.count() == 4  # two indicators, this year and last year
    leader = User.objects.get(username="wz_dubao_li")
    assert [t.name for t in assigned_townships(leader)] == ["三阳乡", "大虹桥乡"]
