"""Criteria sets: the shipped sample is labelled, a county administrator replaces it by importing a
file (no code), every import is a new version, and past results keep their version."""

from __future__ import annotations

import copy
from collections.abc import Callable
from io import BytesIO

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from tests.factories import World, login
from tests.stars.conftest import at, fill_all
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError
from tongxin.orgs import services as org_services
from tongxin.stars import criteria_io, services
from tongxin.stars.criteria_io import CriteriaErrors
from tongxin.stars.models import CriteriaSet, StarCycle


def test_the_sample_sets_are_labelled_samples(criteria: CriteriaSet) -> None:
    assert criteria.is_sample
    assert "样例" in criteria.title
    assert [s.name for s in criteria.stars.all()] == [
        "支部过硬星",
        "产业兴旺星",
        "生态宜居星",
        "平安法治星",
        "文明幸福星",
    ]
    community = CriteriaSet.objects.get(applies_to="community")
    assert community.is_sample and community.precondition == "party_building"


def test_replacing_the_criteria_leaves_past_results_alone(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    old = CriteriaSet.objects.get(applies_to="village")
    cycle = declared()
    fill_all(cycle, world.user("village_secretary"))
    services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    stars = ["party_strength", "prosperity", "ecology", "civility"]
    services.rate_cycle(actor=world.user("township_admin"), cycle=cycle, stars=stars, reason="初评")
    services.approve_cycle(actor=world.user("county_admin"), cycle=cycle, stars=stars, now=at(2026, 11, 2))
    services.close_due_notices(at(2026, 11, 20))
    cycle.refresh_from_db()
    assert cycle.current_level == "four"

    # The county's own set: four stars now make 五星, and an extra indicator.
    doc = criteria_io.load_sample("village")
    doc["title"] = "武陟县农村五星支部评定标准（2027）"
    doc["sample"] = False
    doc["effective_from"] = "2027-01-01"
    doc["rules"]["levels"]["value"][0]["min_stars"] = 4
    doc["stars"][0]["indicators"].append({"code": "new", "text": "新增指标", "method": "yes_no", "weight": 1})
    new = services.import_criteria(actor=world.user("county_admin"), data=doc)
    assert new.version == old.version + 1
    assert not new.is_sample

    cycle.refresh_from_db()
    assert cycle.criteria_set_id == old.pk
    assert cycle.current_level == "four"
    assert all(r.criteria_set_id == old.pk for r in cycle.results.all())
    assert old.stars.get(code="party_strength").indicators.count() == 4
    # A 2026 cycle started now still uses the set in force for 2026; 2027 gets the new one.
    assert services.criteria_for(world.branch_a2, 2026).pk == old.pk
    assert services.criteria_for(world.branch_a2, 2027).pk == new.pk
    # The same file again is a retry, not a third version.
    assert services.import_criteria(actor=world.user("county_admin"), data=copy.deepcopy(doc)).pk == new.pk


def test_an_import_lists_every_problem_and_saves_nothing(criteria: CriteriaSet) -> None:
    doc = criteria_io.load_sample("village")
    doc["stars"][1]["pass_percent"] = 150
    doc["stars"][2]["indicators"][0]["method"] = "guess"
    doc["stars"][3]["indicators"][0]["metric"] = "weather.sunny_days"
    doc["rules"]["precondition_star"]["value"] = "moon"
    before = CriteriaSet.objects.count()
    with pytest.raises(CriteriaErrors) as exc:
        services.import_criteria(actor=SYSTEM, data=doc)
    errors = exc.value.errors
    assert len(errors) == 4
    assert any("第2颗星 pass_percent" in e for e in errors)
    assert any("第3颗星第1项指标 method" in e for e in errors)
    assert any("weather.sunny_days" in e for e in errors)
    assert any("precondition_star" in e for e in errors)
    assert CriteriaSet.objects.count() == before


def test_only_county_administrators_import(world: World, criteria: CriteriaSet) -> None:
    with pytest.raises(DomainError):
        services.import_criteria(actor=world.user("township_admin"), data=criteria_io.load_sample("village"))


def test_import_page_takes_a_yaml_file_and_shows_all_errors(
    world: World, criteria: CriteriaSet, client: Client
) -> None:
    login(client, world.user("county_admin"))
    doc = criteria_io.load_sample("community")
    doc["title"] = "城市社区标准（县定）"
    doc["sample"] = False
    upload = SimpleUploadedFile("c.yaml", yaml.safe_dump(doc, allow_unicode=True).encode())
    r = client.post("/stars/criteria/", {"file": upload})
    assert r.status_code == 302
    assert CriteriaSet.objects.filter(
        applies_to="community", title="城市社区标准（县定）", version=2
    ).exists()

    bad = SimpleUploadedFile("c.json", b'{"applies_to": "town", "stars": []}')
    r = client.post("/stars/criteria/", {"file": bad})
    page = r.content.decode()
    assert "未导入任何内容" in page
    assert "applies_to" in page and "stars：至少应有一颗星" in page

    download = client.get(f"/stars/criteria/{criteria.pk}/download/")
    assert yaml.safe_load(download.content)["stars"][0]["name"] == "支部过硬星"

    login(client, world.user("township_admin"))
    r = client.post("/stars/criteria/", {"file": SimpleUploadedFile("c.yaml", b"x: 1")})
    assert r.status_code == 404


def test_excel_round_trip_and_row_errors(world: World, criteria: CriteriaSet, client: Client) -> None:
    login(client, world.user("county_admin"))
    r = client.get(f"/stars/criteria/{criteria.pk}/download/?format=xlsx")
    wb = load_workbook(BytesIO(r.content))
    meta = wb["标准"]
    for row in meta.iter_rows():
        if row[0].value == "title":
            row[1].value = "武陟县农村五星标准（Excel）"
        if row[0].value == "five":
            row[1].value = 4
    buf = BytesIO()
    wb.save(buf)
    r = client.post("/stars/criteria/", {"file": SimpleUploadedFile("县标准.xlsx", buf.getvalue())})
    assert r.status_code == 302, r.content.decode()[-2000:]
    new = CriteriaSet.objects.get(title="武陟县农村五星标准（Excel）")
    assert new.version == criteria.version + 1 and not new.is_sample
    assert [lv["min_stars"] for lv in new.levels] == [4, 4, 3]
    old_inds = [
        (i.star.code, i.code, i.method, i.weight, i.threshold)
        for i in criteria.stars.get(code="party_strength").indicators.all()
    ]
    new_inds = [
        (i.star.code, i.code, i.method, i.weight, i.threshold)
        for i in new.stars.get(code="party_strength").indicators.all()
    ]
    assert old_inds == new_inds

    sheet = wb["指标"]
    sheet.cell(row=3, column=8).value = "很重要"  # weight
    sheet.cell(row=5, column=6).value = "guess"  # method
    buf = BytesIO()
    wb.save(buf)
    before = CriteriaSet.objects.count()
    r = client.post("/stars/criteria/", {"file": SimpleUploadedFile("坏.xlsx", buf.getvalue())})
    page = r.content.decode()
    assert "指标表第3行 权重：应为整数" in page
    assert "第1颗星第4项指标 method" in page  # the rule check runs too, in the same answer
    assert CriteriaSet.objects.count() == before
    r = client.post("/stars/criteria/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert "不是有效的 Excel 工作簿" in r.content.decode()


def test_an_urban_community_is_rated_on_the_community_set(world: World, criteria: CriteriaSet) -> None:
    community = org_services.create_region(
        actor=SYSTEM, name="迎秀社区", kind="community", parent=world.town_a
    )
    branch = org_services.create_party_org(
        actor=SYSTEM, name="迎秀社区党支部", kind="branch", parent=world.committee_a, region=community
    )
    cycle = services.declare_target(actor=SYSTEM, org=branch, year=2026, target_stars=3)
    assert cycle.criteria_set.applies_to == "community"
    assert cycle.criteria_set.precondition == "party_building"
    with pytest.raises(DomainError) as exc:
        services.declare_target(actor=SYSTEM, org=world.committee_a, year=2026, target_stars=3)
    assert exc.value.field == "org"  # a township committee is not rated
