"""Excel import and export: all-or-nothing, every bad row reported, round trips."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import World
from tests.orgs.helpers import add_members, id_number, make_unit
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.orgs import excel, selectors
from tongxin.orgs.models import Membership, Person, Unit


def workbook(kind: str, rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([c.label for c in excel.KINDS[kind][1]])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_values(data: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


def people_rows(n: int) -> list[list[Any]]:
    return [
        [f"骑手{i}", id_number(), f"1390000{i:04d}", "测试市/测试县/乙镇", "", "", "外卖骑手", "是"]
        for i in range(n)
    ]


def test_a_hundred_rows_with_three_bad_ones_import_nothing_and_report_exactly_those(world: World) -> None:
    actor = world.user("county_admin")
    rows = people_rows(100)
    rows[8][1] = rows[8][1][:-1] + ("0" if rows[8][1][-1] != "0" else "1")  # row 10: wrong check digit
    rows[48][3] = "不存在的乡"  # row 50: unknown region
    rows[75][1] = rows[0][1]  # row 77: the same person as row 2
    before = Person.objects.count()

    with pytest.raises(excel.ImportRejected) as exc:
        excel.import_file(actor=actor, kind="people", data=workbook("people", rows))

    errors = exc.value.errors
    assert [(e.row, e.column) for e in errors] == [(10, "身份证号码"), (50, "居住地"), (77, "身份证号码")]
    assert "校验位" in errors[0].reason
    assert "不存在" in errors[1].reason
    assert "第2行" in errors[2].reason
    assert Person.objects.count() == before
    failure = AuditEvent.objects.filter(action="orgs.import").get()
    assert failure.success is False


def test_the_good_file_imports_every_row(world: World) -> None:
    result = excel.import_file(
        actor=world.user("county_admin"), kind="people", data=workbook("people", people_rows(100))
    )
    assert (result.rows, result.created) == (100, 100)
    assert Person.objects.filter(is_gig_worker=True, occupation="delivery_rider").count() == 100


def test_membership_rows_report_unknown_organisation_future_date_and_unregistered_person(
    world: World,
) -> None:
    actor = world.user("county_admin")
    unit = make_unit(world, "站点")
    (p1, p2, p3) = add_members(world, unit, full=3)
    Membership.objects.all().delete()  # registered people, no memberships yet
    tomorrow = date.today() + timedelta(days=1)
    rows = [
        [
            p1.id_card,
            p1.name,
            world.station_branch.name,
            "正式党员",
            None,
            None,
            None,
            "2019-01-01",
            "2020-01-01",
            "否",
            "",
            "",
        ],
        [
            p2.id_card,
            p2.name,
            "火星党支部",
            "正式党员",
            None,
            None,
            None,
            "2019-01-01",
            "2020-01-01",
            "否",
            "",
            "",
        ],
        [
            p1.id_card[:-4] + "0000",
            "某人",
            world.station_branch.name,
            "申请人",
            tomorrow,
            None,
            None,
            None,
            None,
            "否",
            "",
            "",
        ],
        [
            id_number(),
            "未登记",
            world.station_branch.name,
            "申请人",
            "2024-03-01",
            None,
            None,
            None,
            None,
            "否",
            "",
            "",
        ],
        [
            p3.id_card,
            p3.name,
            world.station_branch.name,
            "预备党员",
            None,
            None,
            None,
            "2020-01-01",
            "2021-01-01",
            "否",
            "",
            "",
        ],
    ]
    with pytest.raises(excel.ImportRejected) as exc:
        excel.import_file(actor=actor, kind="memberships", data=workbook("memberships", rows))
    reported = {(e.row, e.column) for e in exc.value.errors}
    assert (3, "所在党组织") in reported
    assert any(r == 4 for r, _ in reported)
    assert (5, "身份证号码") in reported
    assert (6, "转正日期") in reported  # a probationary member with a full-membership date
    assert 2 not in {r for r, _ in reported}
    assert not Membership.objects.exists()


def test_a_date_in_the_future_is_reported_by_column(world: World) -> None:
    unit = make_unit(world, "站点")
    (p1,) = add_members(world, unit, full=1)
    Membership.objects.all().delete()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    rows = [
        [p1.id_card, p1.name, world.industry.name, "申请人", tomorrow, None, None, None, None, "否", "", ""]
    ]
    with pytest.raises(excel.ImportRejected) as exc:
        excel.import_file(
            actor=world.user("county_admin"), kind="memberships", data=workbook("memberships", rows)
        )
    assert [(e.row, e.column, e.reason) for e in exc.value.errors] == [
        (2, "递交申请书日期", "日期不能晚于今天。")
    ]


def test_units_round_trip(world: World) -> None:
    actor = world.user("county_admin")
    make_unit(world, "美团站点", credit_code="91410883MA9XXXXX1A", gig_workers=35, has_union=True)
    make_unit(
        world, "出租车公司", kind="taxi_company", industry="taxi", region=world.village_b1, workforce=80
    )
    first = excel.export_units(actor, selectors.units_for(actor))
    result = excel.import_file(actor=actor, kind="units", data=first)
    assert (result.rows, result.created) == (2, 0)
    assert sheet_values(excel.export_units(actor, selectors.units_for(actor))) == sheet_values(first)
    # A changed cell is applied on re-import.
    wb = load_workbook(io.BytesIO(first))
    wb.worksheets[0]["I2"] = 40  # 新就业群体人数 of the first row (sorted by name)
    out = io.BytesIO()
    wb.save(out)
    excel.import_file(actor=actor, kind="units", data=out.getvalue())
    name = wb.worksheets[0]["A2"].value
    assert Unit.objects.get(name=name).gig_workers == 40


def test_people_and_memberships_round_trip(world: World) -> None:
    actor = world.user("county_admin")
    unit = make_unit(world, "美团站点")
    add_members(world, unit, full=2, probationary=1)
    people = excel.export_people(actor, selectors.people_for(actor))
    members = excel.export_memberships(actor, selectors.memberships_for(actor))
    assert excel.import_file(actor=actor, kind="people", data=people).created == 0
    assert excel.import_file(actor=actor, kind="memberships", data=members).created == 0
    assert sheet_values(excel.export_people(actor, selectors.people_for(actor))) == sheet_values(people)
    assert sheet_values(excel.export_memberships(actor, selectors.memberships_for(actor))) == sheet_values(
        members
    )


def test_exported_people_round_trip_into_an_empty_registry(world: World) -> None:
    actor = world.user("county_admin")
    unit = make_unit(world, "美团站点")
    add_members(world, unit, full=2)
    people = excel.export_people(actor, selectors.people_for(actor))
    members = excel.export_memberships(actor, selectors.memberships_for(actor))
    Membership.objects.all().delete()
    Person.objects.all().delete()
    assert excel.import_file(actor=actor, kind="people", data=people).created == 2
    assert excel.import_file(actor=actor, kind="memberships", data=members).created == 2
    assert Membership.objects.filter(status="full", person__unit=unit).count() == 2


def test_without_reveal_permission_the_export_is_masked(world: World) -> None:
    make_unit(world, "美团站点")
    add_members(world, None, full=1, region=world.village_a1)
    actor = world.user("township_admin")
    rows = sheet_values(excel.export_people(actor, selectors.people_for(actor)))
    assert "*" in rows[1][1]
    assert AuditEvent.objects.filter(action="orgs.export", after__revealed=False).exists()


def test_the_template_has_the_columns_and_an_explanation(world: World) -> None:
    wb = load_workbook(io.BytesIO(excel.template("units")))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[0] == "单位名称*"
    assert wb.sheetnames == ["单位", "填写说明"]


def test_a_file_that_is_not_excel_is_refused_in_chinese(world: World) -> None:
    with pytest.raises(DomainError) as exc:
        excel.import_file(actor=world.user("county_admin"), kind="units", data=b"not a workbook")
    assert "xlsx" in exc.value.message
