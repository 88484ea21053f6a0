"""积分项目 from and to an Excel workbook: the module, the scheme pages, the download and the API."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Side

from tests.factories import World, api_client, login
from tests.points.helpers import ITEMS, make_scheme
from tongxin.points import items_xlsx
from tongxin.points.demo import SUNZHUANG_ITEMS
from tongxin.points.items_xlsx import ItemsWorkbookError, parse_workbook, workbook_for
from tongxin.points.models import Scheme, SchemeVersion
from tongxin.points.services import CAP_FIELDS, ItemSpec

HEADER = [c.label for c in items_xlsx.COLUMNS]


def _book(rows: list[list[Any]], *, header: list[Any] | None = None, sheet: str = "积分项目") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(HEADER if header is None else header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _problems(data: bytes) -> list[str]:
    with pytest.raises(ItemsWorkbookError) as caught:
        parse_workbook(data)
    return caught.value.problems


def _spec(item: Any) -> ItemSpec:
    return ItemSpec(
        code=item.code, name=item.name, category=item.category, points=item.points, eligible=item.eligible,
        evidence_required=item.evidence_required, **{cap: getattr(item, cap) for cap in CAP_FIELDS},
    )  # fmt: skip


# --- the module ---------------------------------------------------------------------------------


def test_items_survive_a_round_trip() -> None:
    assert parse_workbook(workbook_for(ITEMS)) == ITEMS
    assert parse_workbook(items_xlsx.template()) == SUNZHUANG_ITEMS


def test_names_that_look_like_formulas_are_written_and_read_as_text() -> None:
    items = [ItemSpec(code="=1+1", name='=HYPERLINK("http://x","点我")', category="other", points=1)]
    data = workbook_for(items)
    ws = load_workbook(io.BytesIO(data))["积分项目"]
    assert ws["A2"].data_type == "s" and ws["B2"].data_type == "s"
    assert parse_workbook(data) == items


def test_the_workbook_has_a_header_widths_and_a_sheet_explaining_the_columns() -> None:
    wb = load_workbook(io.BytesIO(workbook_for(ITEMS)))
    assert wb.sheetnames == ["积分项目", "说明"]
    ws = wb["积分项目"]
    assert [c.value for c in ws[1]][:4] == ["项目代码*", "项目名称*", "类别*", "分值*"]
    assert ws.column_dimensions["B"].width == 30 and ws.column_dimensions["G"].width == 18
    assert [c.value for c in ws[2]] == ["LAB", "义务劳动", "义务劳动", 5, "群众和党员", "否", 3, *[None] * 5]
    help_text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    for label in HEADER:
        assert label in help_text
    assert "志愿服务" in help_text and "仅党员" in help_text and "不要使用公式" in help_text


def test_numbers_typed_as_text_or_as_floats_codes_labels_and_blank_caps_are_accepted() -> None:
    data = _book(
        [
            ["A1", " 扫雪 ", "labour", "5", "all", "是", "2", 3.0, " 4 ", None, "", None],
            [101, "劝阻赌博", "遵纪守法", 5.0, "仅党员", "否", None, None, None, None, None, 12],
            ["B2", "乱扔垃圾", "环境卫生", " -3 ", None, None, None, None, None, None, None, None],
            [
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],  # blank rows are skipped
            ["C3", "孝老", "filial", "8.0", "villagers", "", "", "", "", "", "", ""],
        ]
    )
    assert parse_workbook(data) == [
        ItemSpec(code="A1", name="扫雪", category="labour", points=5, evidence_required=True,
                 cap_person_month=2, cap_person_quarter=3, cap_person_year=4),
        ItemSpec(code="101", name="劝阻赌博", category="law", points=5, eligible="members", cap_household_year=12),
        ItemSpec(code="B2", name="乱扔垃圾", category="sanitation", points=-3),
        ItemSpec(code="C3", name="孝老", category="filial", points=8, eligible="villagers"),
    ]  # fmt: skip


def test_every_bad_cell_is_listed_at_once_with_its_row_and_column() -> None:
    data = _book(
        [
            ["OK", "好项目", "其他", 1, None, None, None, None, None, None, None, None],
            ["X1", "名", "义务劳动", "五", "", "可能", 0, -1, "3.5", None, None, None],
            ["OK", "", "abc", 0, "nobody", "是", None, None, None, None, None, None],
            ["F1", "公式", "其他", "=1+2", None, None, None, None, None, None, None, None],
            ["D1", "日期", "其他", datetime(2026, 1, 5), None, None, date(2026, 2, 1), None, None, None, None, None],
            ["", "无代码", "其他", 2.5, None, True, None, None, None, None, None, None],
            ["L" * 33, "名" * 101, "其他", 2_000_000, None, None, None, None, None, None, None, None],
        ]
    )  # fmt: skip
    assert _problems(data) == [
        "第3行「分值」：“五”不是整数",
        "第3行「须照片」：“可能”应填“是”或“否”",
        "第3行「个人每月上限（次）」：“0”应为正整数，或留空表示不限",
        "第3行「个人每季上限（次）」：“-1”应为正整数，或留空表示不限",
        "第3行「个人每年上限（次）」：“3.5”不是整数",
        "第4行「项目代码」：“OK”与第2行重复",
        "第4行「项目名称」：不能为空",
        "第4行「类别」：“abc”不是可选的类别（义务劳动、志愿服务、环境卫生、移风易俗、孝老爱亲、遵纪守法、参与治理、其他）",
        "第4行「分值」：不能为0（加分填正数，扣分填负数）",
        "第4行「适用对象」：“nobody”不是可选的适用对象（群众和党员、仅群众、仅党员）",
        "第5行「分值」：是公式“=1+2”，请直接填写整数",
        "第6行「分值」：是日期或时间，应填整数",
        "第6行「个人每月上限（次）」：是日期或时间，应填整数",
        "第7行「项目代码」：不能为空",
        "第7行「分值」：“2.5”不是整数",
        "第8行「项目代码」：“LLLLLLLLLLLLLLLLLLLL…”超过32个字符",
        "第8行「项目名称」：超过100个字符",
        "第8行「分值」：不能超过1000000",
    ]


def test_the_error_message_lists_the_problems_for_the_api_and_the_log() -> None:
    with pytest.raises(ItemsWorkbookError) as caught:
        parse_workbook(_book([["A", "甲", "其他", "五"] + [None] * 8]))
    assert caught.value.message == "Excel 文件有误，未导入任何积分项目：第2行「分值」：“五”不是整数。"
    assert caught.value.field == "items_file"


def _csv_renamed() -> bytes:
    return "项目代码,项目名称,类别,分值\nLAB,义务劳动,labour,5\n".encode()


def _zip_that_is_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "你好")
    return out.getvalue()


def _too_many_rows() -> bytes:
    return _book([[f"I{n}", f"项目{n}", "其他", 1] + [None] * 8 for n in range(501)])


NOT_XLSX = "文件不是有效的 Excel 工作簿（.xlsx）；旧版 .xls 或 CSV 文件请在 Excel 中另存为 .xlsx"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: b"", NOT_XLSX),
        (lambda: bytes(random.Random(1).randrange(256) for _ in range(4000)), NOT_XLSX),
        (_csv_renamed, NOT_XLSX),
        (_zip_that_is_not_a_workbook, NOT_XLSX),
        (lambda: workbook_for(ITEMS)[:3000], NOT_XLSX),
        (lambda: _book([], sheet="Sheet1"), "缺少工作表「积分项目」（现有：Sheet1）"),
        (lambda: _book([], header=[None]), "工作表「积分项目」是空的"),
        (lambda: _book([]), "工作表「积分项目」中没有积分项目（表头下面是空的）"),
        (
            lambda: _book([["LAB", "义务劳动", "labour", 5]], header=["LAB", "义务劳动", "labour", 5]),
            "找不到表头：工作表「积分项目」第一行应为 " + "、".join(HEADER),
        ),
        (
            lambda: _book([["LAB", "义务劳动", 5]], header=["项目代码", "项目名称", "分值"]),
            "第1行：缺少表头「类别」「适用对象」「须照片」「个人每月上限（次）」「个人每季上限（次）」"
            "「个人每年上限（次）」「每户每月上限（次）」「每户每季上限（次）」「每户每年上限（次）」",
        ),
        (lambda: _book([], header=[*HEADER, "分值"]), "第1行：表头「分值」出现了两次"),
        (_too_many_rows, "积分项目不能超过500行，请分开整理或删去不用的项目"),
        (lambda: b"PK" + b"\0" * (6 * 1024 * 1024), "文件过大（超过5MB），积分项目表一般只有几十KB"),
    ],
    ids=[
        "empty-file", "random-bytes", "csv-renamed", "zip-not-xlsx", "truncated", "missing-sheet",
        "empty-sheet", "header-only", "no-header", "missing-columns", "duplicate-column", "over-500-rows",
        "too-big",
    ],
)  # fmt: skip
def test_it_rejects_files_it_cannot_read_with_a_clear_message(make: Any, problem: str) -> None:
    assert _problems(make()) == [problem]


def test_the_header_may_be_loosely_written_and_columns_reordered() -> None:
    header = [
        " 分值 ",
        "项目名称",
        "项目代码*",
        "类别",
        "适用对象",
        "须照片",
        *(h.split("（")[0] for h in HEADER[6:]),
    ]
    data = _book([[4, "植树", "T1", "义务劳动", None, None, 1, None, None, None, None, None]], header=header)
    assert parse_workbook(data) == [
        ItemSpec(code="T1", name="植树", category="labour", points=4, cap_person_month=1)
    ]


def test_blank_and_formatted_rows_are_skipped_and_rows_keep_their_excel_numbers() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "积分项目"
    for column, label in enumerate(HEADER, start=1):
        ws.cell(row=3, column=column, value=label)  # a header below two empty rows
    for column, value in enumerate(["A", "甲", "其他", 1], start=1):
        ws.cell(row=4, column=column, value=value)
    for row in range(5, 3000):
        ws.cell(row=row, column=2).border = Border(left=Side(style="thin"))
    ws.cell(row=3000, column=1, value="B")
    out = io.BytesIO()
    wb.save(out)
    assert _problems(out.getvalue()) == [
        "第3000行「项目名称」：不能为空",
        "第3000行「类别」：不能为空",
        "第3000行「分值」：不能为空",
    ]
    ws.cell(row=30000, column=1, value="远处的一格")
    out = io.BytesIO()
    wb.save(out)
    assert _problems(out.getvalue()) == [
        "工作表「积分项目」的内容或格式延伸到第20000行以后，请删除表格下方多余的行"
    ]


def test_exactly_500_items_are_accepted() -> None:
    data = _book([[f"I{n}", f"项目{n}", "其他", 1] + [None] * 8 for n in range(500)])
    assert len(parse_workbook(data)) == 500


def test_fuzzed_input_raises_only_the_validation_error() -> None:
    rng = random.Random(20260415)
    good = workbook_for(ITEMS)
    samples: list[bytes] = []
    for _ in range(60):  # damaged archives
        raw = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        samples.append(bytes(raw))
    pool: list[Any] = [
        None, "", " ", "五", "5", "-0", "1e3", "1e999999", "NaN", "inf", "9" * 5000, 0.1, -7.0, float("nan"),
        float("inf"), True, False, 10**30, -(10**30), datetime(2026, 1, 1, 8, 30), date(2026, 1, 1), "=SUM(A1:A2)",
        "是", "否", "labour", "仅党员", "\u3000", "１２", "#DIV/0!", "x" * 300,
    ]  # fmt: skip
    for _ in range(40):  # workbooks with odd cells
        rows = [[rng.choice(pool) for _ in range(rng.randint(0, 14))] for _ in range(rng.randint(0, 6))]
        samples.append(_book(rows))
    samples += [bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000))) for _ in range(20)]
    outcomes = {"ok": 0, "refused": 0}
    for data in samples:
        try:
            items = parse_workbook(data)
        except ItemsWorkbookError as exc:
            assert exc.problems
            outcomes["refused"] += 1
        else:
            assert all(isinstance(i, ItemSpec) and i.points != 0 for i in items)
            outcomes["ok"] += 1
    assert outcomes["refused"] > 0


# --- pages --------------------------------------------------------------------------------------

GOOD_ROWS = [
    ["NEW", "扫雪除冰", "义务劳动", 6, "群众和党员", "否", 2, None, None, None, None, None],
    ["FIN", "乱搭乱建", "遵纪守法", -5, None, None, None, None, None, None, None, None],
]
GOOD_ITEMS = [
    ItemSpec(code="NEW", name="扫雪除冰", category="labour", points=6, cap_person_month=2),
    ItemSpec(code="FIN", name="乱搭乱建", category="law", points=-5),
]
BAD_ROWS = [GOOD_ROWS[0], ["BAD", "坏行", "其他", "五", None, None, None, None, None, None, None, None]]


def _upload(rows: list[list[Any]]) -> SimpleUploadedFile:
    return SimpleUploadedFile("items.xlsx", _book(rows), content_type=items_xlsx.XLSX)


def _new_scheme_post(world: World, rows: list[list[Any]] | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "甲一村新方案", "region": world.village_a1.pk, "effective_from": "2026-01-01", "base_score": 60,
        "reset": "yearly", "accrual": "both", "notice_workdays": 3, "items": "", **extra,
    }  # fmt: skip
    if rows is not None:
        data["items_file"] = _upload(rows)
    return data


def _version_post(rows: list[list[Any]] | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "effective_from": timezone.localdate().isoformat(), "base_score": 60, "reset": "yearly",
        "accrual": "both", "notice_workdays": 3, "items": "LAB,义务劳动,labour,5", "note": "按村民代表会议修订",
        **extra,
    }  # fmt: skip
    if rows is not None:
        data["items_file"] = _upload(rows)
    return data


def _items_of(version: SchemeVersion) -> list[ItemSpec]:
    return [_spec(i) for i in version.items.order_by("pk")]


def test_the_form_pages_take_a_file_next_to_the_textarea(world: World, client: Client) -> None:
    scheme = make_scheme(world.village_a1)
    login(client, world.user("village_secretary"))
    for url in (reverse("points:scheme_create"), reverse("points:scheme_version", args=[scheme.pk])):
        html = client.get(url).content.decode()
        assert 'enctype="multipart/form-data"' in html
        assert "从Excel导入积分项目" in html and 'name="items_file"' in html
        assert html.index('name="items"') < html.index('name="items_file"')
        assert reverse("points:items_template") in html


def test_a_new_scheme_takes_its_items_from_the_workbook(world: World, client: Client) -> None:
    login(client, world.user("village_secretary"))
    response = client.post(
        reverse("points:scheme_create"), _new_scheme_post(world, GOOD_ROWS, items="IGN,被替换,other,1")
    )
    scheme = Scheme.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "points:scheme_detail", args=[scheme.pk]
    )
    assert _items_of(scheme.versions.get()) == GOOD_ITEMS


def test_a_bad_row_saves_nothing_and_the_form_keeps_what_was_typed(world: World, client: Client) -> None:
    login(client, world.user("village_secretary"))
    response = client.post(
        reverse("points:scheme_create"), _new_scheme_post(world, BAD_ROWS, items="KEEP,保留,other,1")
    )
    assert response.status_code == 200 and not Scheme.objects.exists()
    html = response.content.decode()
    assert "从Excel导入积分项目：Excel 文件有误，未导入任何积分项目：" in html
    assert "从Excel导入积分项目：第3行「分值」：“五”不是整数" in html
    assert 'value="甲一村新方案"' in html and "KEEP,保留,other,1" in html and 'value="60"' in html


def test_a_good_workbook_fills_the_textarea_when_another_field_is_wrong(world: World, client: Client) -> None:
    make_scheme(world.village_a1)  # the region already has a scheme: the service refuses
    login(client, world.user("village_secretary"))
    response = client.post(reverse("points:scheme_create"), _new_scheme_post(world, GOOD_ROWS))
    html = response.content.decode()
    assert Scheme.objects.count() == 1 and "已有启用的积分方案" in html
    assert "NEW,扫雪除冰,labour,6,all,否,2,,,,," in html and "FIN,乱搭乱建,law,-5,all,否,,,,,," in html


def test_the_textarea_still_works_without_a_file(world: World, client: Client) -> None:
    login(client, world.user("village_secretary"))
    client.post(reverse("points:scheme_create"), _new_scheme_post(world, None, items="LAB,义务劳动,labour,5"))
    assert _items_of(Scheme.objects.get().versions.get()) == [
        ItemSpec(code="LAB", name="义务劳动", category="labour", points=5)
    ]
    response = client.post(reverse("points:scheme_create"), _new_scheme_post(world, None, name="空"))
    assert "请至少填写一个积分项目。" in response.content.decode()


def test_a_new_version_from_a_workbook_leaves_the_first_version_alone(world: World, client: Client) -> None:
    scheme = make_scheme(world.village_a1)
    login(client, world.user("village_secretary"))
    url = reverse("points:scheme_version", args=[scheme.pk])
    response = client.post(url, _version_post(BAD_ROWS, note="保留这段说明"))
    html = response.content.decode()
    assert scheme.versions.count() == 1 and "第3行「分值」：“五”不是整数" in html and "保留这段说明" in html
    response = client.post(url, _version_post(GOOD_ROWS))
    assert response.status_code == 302
    first, second = scheme.versions.order_by("number")
    assert _items_of(second) == GOOD_ITEMS and _items_of(first) == ITEMS
    detail = client.get(reverse("points:scheme_detail", args=[scheme.pk]), follow=True).content.decode()
    assert "扫雪除冰" in detail and "已发布第2版" in detail


def test_the_detail_page_downloads_the_current_items(world: World, client: Client) -> None:
    scheme = make_scheme(world.village_a1)
    login(client, world.user("points_recorder"))
    url = reverse("points:scheme_items_xlsx", args=[scheme.pk])
    assert url in client.get(reverse("points:scheme_detail", args=[scheme.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == items_xlsx.XLSX
    assert "attachment" in response["Content-Disposition"]
    assert parse_workbook(response.content) == [_spec(i) for i in scheme.versions.get().items.all()]


def test_download_outside_the_scope_is_404_on_the_page_and_in_the_api(world: World, client: Client) -> None:
    foreign = make_scheme(world.village_b1, name="乙一村方案")
    login(client, world.user("village_secretary"))
    assert client.get(reverse("points:scheme_items_xlsx", args=[foreign.pk])).status_code == 404
    api, auth = api_client(world.user("village_secretary"))
    response = api.get(f"/api/v1/points/schemes/{foreign.pk}/items.xlsx", **auth)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get("/api/v1/points/schemes/999999/items.xlsx", **auth).status_code == 404


def test_the_api_downloads_the_current_version(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    api, auth = api_client(world.user("township_admin"))
    response = api.get(f"/api/v1/points/schemes/{scheme.pk}/items.xlsx", **auth)
    assert response.status_code == 200 and response["Content-Type"] == items_xlsx.XLSX
    assert parse_workbook(response.content) == [_spec(i) for i in scheme.versions.get().items.all()]
    assert Client().get(f"/api/v1/points/schemes/{scheme.pk}/items.xlsx").status_code == 401


def test_the_template_is_for_managers(world: World, client: Client) -> None:
    login(client, world.user("village_secretary"))
    response = client.get(reverse("points:items_template"))
    assert response.status_code == 200 and parse_workbook(response.content) == SUNZHUANG_ITEMS
    login(client, world.user("points_recorder"))
    assert client.get(reverse("points:items_template")).status_code == 404


# --- permission table ---------------------------------------------------------------------------


def _act(world: World, client: Client, role: str, action: str) -> int:
    """200 when the action happened, 404 when the page or the scheme does not exist for the user."""
    user = world.outsider if role == "outsider" else world.user(role)
    assert user is not None
    if action == "create_with_upload":
        login(client, user)
        response = client.post(reverse("points:scheme_create"), _new_scheme_post(world, GOOD_ROWS))
        return 404 if response.status_code == 404 else (200 if Scheme.objects.exists() else 0)
    scheme = make_scheme(world.village_a1)
    if action == "api_download":
        api, auth = api_client(user)
        response = api.get(f"/api/v1/points/schemes/{scheme.pk}/items.xlsx", **auth)
        return response.status_code
    login(client, user)
    if action == "download":
        return client.get(reverse("points:scheme_items_xlsx", args=[scheme.pk])).status_code
    if action == "version_with_upload":
        response = client.post(reverse("points:scheme_version", args=[scheme.pk]), _version_post(GOOD_ROWS))
        return 404 if response.status_code == 404 else (200 if scheme.versions.count() == 2 else 0)
    raise AssertionError(action)


ACTIONS = ["download", "api_download", "create_with_upload", "version_with_upload"]
TABLE: dict[str, list[int]] = {
    "points_recorder":   [200, 200, 404, 404],
    "points_reviewer":   [200, 200, 404, 404],
    "village_secretary": [200, 200, 200, 200],
    "township_admin":    [200, 200, 200, 200],
    "resident":          [404, 404, 404, 404],
    "outsider":          [404, 404, 404, 404],
}  # fmt: skip


@pytest.mark.parametrize("role", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(world: World, client: Client, role: str, action: str) -> None:
    assert _act(world, client, role, action) == TABLE[role][ACTIONS.index(action)]
