"""Uploads (issue 11, item 5): one module checks every uploaded file by its content, re-encodes images
without metadata, limits sizes and zip bombs, writes files only when the write commits and serves them
as typed attachments. The ``test_finding_5_*`` tests fail on the code before ``core.uploads``."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image, PngImagePlugin

from tests.cases.conftest import jpeg_bytes
from tests.factories import World, login
from tests.points.helpers import make_scheme, make_villagers
from tests.stars.conftest import at, criteria, declared  # noqa: F401 (fixtures the evidence tests use)
from tongxin.core import uploads
from tongxin.core.errors import DomainError
from tongxin.orgs import excel
from tongxin.orgs.models import Person
from tongxin.points import items_xlsx
from tongxin.points.models import Claim
from tongxin.stars import criteria_xlsx
from tongxin.stars import services as star_services
from tongxin.stars.criteria_io import CriteriaErrors
from tongxin.stars.models import Evidence, RectificationTask, StarCycle

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
GIF_HTML = GIF + b"<html><body><script>alert(document.cookie)</script></body></html>"
Capture = Callable[..., Any]


def _png(size: tuple[int, int] = (40, 30), mode: str = "RGB", **info: str) -> bytes:
    meta = PngImagePlugin.PngInfo()
    for key, value in info.items():
        meta.add_text(key, value)
    buf = io.BytesIO()
    Image.new(mode, size, (10, 20, 30, 128) if mode == "RGBA" else (10, 20, 30)).save(
        buf, "PNG", pnginfo=meta
    )
    return buf.getvalue()


def _stored(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def recorder(world: World, client: Client, media: Path) -> list[Person]:
    make_scheme(world.village_a1)
    login(client, world.user("points_recorder"))
    return make_villagers(world.village_a1, 2).people


def _claim_post(
    client: Client, people: list[Person], capture: Capture, name: str, data: bytes
) -> HttpResponse:
    form = {
        "item_code": "LAB",
        "occurred_on": "2026-04-08",
        "title": "清扫村道",
        "people": [p.pk for p in people],
        "idempotency_key": uuid.uuid4().hex,
        "evidence": SimpleUploadedFile(name, data, content_type="image/jpeg"),
    }
    with capture(execute=True):
        response: HttpResponse = client.post(reverse("points:claim_create"), form)
    return response


# --- the findings -------------------------------------------------------------------------------


def test_finding_5_claim_photo_exif_gps_stripped(
    recorder: list[Person], client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    r = _claim_post(
        client, recorder, django_capture_on_commit_callbacks, "门前.jpg", jpeg_bytes(size=(800, 600))
    )
    assert r.status_code == 302
    with Claim.objects.get().evidence.open("rb") as f:
        stored = f.read()
    assert Image.open(io.BytesIO(stored)).getexif() == {}  # no GPS position, no device
    assert b"PhoneMaker" not in stored and b"Exif" not in stored


def test_finding_5_claim_photo_size_limit(
    recorder: list[Person], client: Client, django_capture_on_commit_callbacks: Capture, media: Path
) -> None:
    padded = jpeg_bytes(size=(64, 64)) + b"\0" * (10 * MB)  # a valid photo, over 10 MB
    r = _claim_post(client, recorder, django_capture_on_commit_callbacks, "大图.jpg", padded)
    assert r.status_code == 200
    assert "现场照片：文件超过 10 MB，请压缩后重新上传。" in r.content.decode()
    assert not Claim.objects.exists() and _stored(media) == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("小图.gif", GIF_HTML, "不是有效的图片（收到的是GIF 图片"),
        ("页面.jpg", b"<!DOCTYPE html><script>alert(1)</script>", "不是有效的图片（收到的是网页（HTML）代码"),
    ],
)
def test_finding_5_claim_photo_polyglot_refused(
    recorder: list[Person],
    client: Client,
    django_capture_on_commit_callbacks: Capture,
    media: Path,
    name: str,
    data: bytes,
    reason: str,
) -> None:
    r = _claim_post(client, recorder, django_capture_on_commit_callbacks, name, data)
    assert r.status_code == 200 and reason in r.content.decode()
    assert not Claim.objects.exists() and _stored(media) == []


def test_a_jpeg_with_a_web_page_appended_is_stored_without_it(
    recorder: list[Person], client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    polyglot = jpeg_bytes(size=(64, 64)) + b"<html><script>alert(1)</script></html>"
    r = _claim_post(client, recorder, django_capture_on_commit_callbacks, "p.jpg", polyglot)
    assert r.status_code == 302
    with Claim.objects.get().evidence.open("rb") as f:
        assert b"<script" not in f.read()


def test_finding_5_claim_photo_png_named_pdf_refused(
    recorder: list[Person], client: Client, django_capture_on_commit_callbacks: Capture, media: Path
) -> None:
    r = _claim_post(client, recorder, django_capture_on_commit_callbacks, "扫描件.pdf", _png())
    assert r.status_code == 200
    assert "现场照片：文件名是 .pdf，内容却是PNG 图片" in r.content.decode()
    assert not Claim.objects.exists() and _stored(media) == []


def test_finding_5_claim_photo_served_as_attachment(
    recorder: list[Person], client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    _claim_post(client, recorder, django_capture_on_commit_callbacks, "门前.jpg", jpeg_bytes(size=(300, 200)))
    claim = Claim.objects.get()
    r = client.get(reverse("points:claim_photo", args=[claim.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["Content-Disposition"].startswith("attachment;") and r["X-Content-Type-Options"] == "nosniff"
    # A photo stored as uploaded before this fix (a GIF with a web page) is no image to the browser.
    Claim.objects.filter(pk=claim.pk).update(
        evidence=default_storage.save("points/evidence/old.gif", io.BytesIO(GIF_HTML))
    )
    r = client.get(reverse("points:claim_photo", args=[claim.pk]))
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"].startswith("attachment;") and r["X-Content-Type-Options"] == "nosniff"


def test_finding_5_evidence_file_not_kept_when_refused(
    world: World,
    declared: Callable[..., StarCycle],  # noqa: F811 (the stars fixture imported above)
    client: Client,
    media: Path,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    cycle = declared()
    login(client, world.user("village_secretary"))
    upload = SimpleUploadedFile("会议记录.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        # The indicator is not in the cycle's criteria: attaching is refused after the upload.
        client.post(
            reverse("stars:evidence_add", args=[cycle.pk, 999_999]), {"file": upload, "label": "记录"}
        )
    assert not Evidence.objects.filter(kind=Evidence.Kind.FILE).exists()
    assert _stored(media) == []


def test_a_refused_task_report_keeps_neither_evidence_nor_file(
    world: World, media: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    visit = star_services.record_visit(
        actor=world.user("county_leader"), region=world.town_a, visited_on=at(2026, 11, 20).date(),
        summary="甲一村组织生活记录不全", now=at(2026, 11, 20),
    )  # fmt: skip
    task = star_services.create_task(
        actor=world.user("county_leader"), org=world.branch_a1, problem="组织生活记录不全",
        required_outcome="补齐记录", owner=world.user("village_secretary"), deadline=at(2026, 12, 10).date(),
        visit=visit, now=at(2026, 11, 20),
    )  # fmt: skip
    owner = world.user("village_secretary")
    upload = SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        star_services.report_task_with_file(actor=owner, task=task, report="", file=upload)  # no report
    assert not Evidence.objects.exists() and _stored(media) == []
    with django_capture_on_commit_callbacks(execute=True):
        star_services.report_task_with_file(actor=owner, task=task, report="已补齐记录", file=upload)
    assert RectificationTask.objects.get().evidence.count() == 1 and len(_stored(media)) == 1


def _zip_bomb() -> bytes:
    """A real workbook of about 100 KB whose first cell (the header every import reads first) is a
    string that unzips to 100 MB of one repeated byte."""
    plain = io.BytesIO()
    Workbook().save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info.filename, src.read(info))
                continue
            head = src.read(info).split(b"<sheetData")[0]
            with z.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
                chunk = b"a" * MB
                for _ in range(100):
                    sheet.write(chunk)
                sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _zip_bomb()


def _registry(data: bytes) -> Any:
    return excel.read_rows(data, "units")


@pytest.mark.parametrize(
    ("read", "refusal"),
    [
        (_registry, DomainError),
        (items_xlsx.parse_workbook, DomainError),
        (criteria_xlsx.load, CriteriaErrors),
    ],
    ids=["registry", "point_items", "star_criteria"],
)
def test_finding_5_xlsx_zip_bomb_refused(
    zip_bomb: bytes, read: Callable[[bytes], Any], refusal: type[Exception]
) -> None:
    assert len(zip_bomb) < MB
    with pytest.raises(refusal) as exc:
        read(zip_bomb)
    assert "解压后有 100 MB" in str(exc.value)


# --- the module ---------------------------------------------------------------------------------


def test_it_keeps_png_as_png_without_its_text_chunks_and_alpha_intact() -> None:
    checked = uploads.image(
        SimpleUploadedFile("截图.png", _png(mode="RGBA", Author="张三 13800000000")), field="f", label="截图"
    )
    assert checked.content_type == "image/png" and checked.suffix == ".png"
    img = Image.open(io.BytesIO(checked.content))
    assert img.mode == "RGBA" and not img.text  # type: ignore[attr-defined]  # PngImageFile has .text
    assert "张三".encode() not in checked.content


def test_it_turns_webp_into_an_upright_jpeg_and_keeps_the_capture_time() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: the photo must come out upright
    exif[0x0132] = "2025:06:11 08:30:00"
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 0, 0)).save(buf, "WEBP", exif=exif)
    checked = uploads.image(SimpleUploadedFile("a.webp", buf.getvalue()), field="f", label="照片")
    img = Image.open(io.BytesIO(checked.content))
    assert (img.format, img.size, checked.suffix) == ("JPEG", (40, 60), ".jpg")
    assert img.getexif() == {}
    assert checked.taken_at is not None and checked.taken_at.year == 2025


def test_it_refuses_a_decompression_bomb_before_decoding_it() -> None:
    buf = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buf, "PNG")  # 100 million pixels in a few KB
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(DomainError, match="照片：图片像素过多") as exc:
        uploads.image(SimpleUploadedFile("bomb.png", buf.getvalue()), field="photo", label="照片")
    assert exc.value.field == "photo"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.pdf", b"<html><body>hi</body></html>", "是网页（HTML）代码"),
        ("a.pdf", b"%PDF-1.4<html><script>x</script>" + PDF, "PDF 文件开头夹带了网页代码"),
        ("a.pdf", b"%PDF-1.4 cut short", "不是完整的 PDF 文件"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Office 文件"),
        ("a.png", PDF, "文件名是 .png，内容却是PDF 文件"),
        ("a.gif", GIF, "是GIF 图片"),
    ],
)
def test_it_judges_documents_by_content(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(DomainError, match="佐证文件：") as exc:
        uploads.document(SimpleUploadedFile(name, data), field="file", label="佐证文件")
    assert reason in exc.value.message and exc.value.field == "file"


def test_it_accepts_a_pdf_and_a_workbook_as_they_are() -> None:
    buf = io.BytesIO()
    items_xlsx_bytes = items_xlsx.template()
    buf.write(items_xlsx_bytes)
    pdf = uploads.document(SimpleUploadedFile("记录.pdf", PDF), field="file", label="佐证文件")
    book = uploads.document(SimpleUploadedFile("台账.xlsx", items_xlsx_bytes), field="file", label="佐证文件")
    assert (pdf.content, pdf.content_type) == (PDF, "application/pdf")
    assert book.content == items_xlsx_bytes and book.suffix == ".xlsx"


def test_it_refuses_a_macro_workbook() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/vbaProject.bin", b"\0" * 10)
    with pytest.raises(DomainError, match="含宏的 Office 文件"):
        uploads.document(SimpleUploadedFile("a.xlsx", buf.getvalue()), field="file", label="佐证文件")
    with pytest.raises(DomainError, match="不是有效的 Excel 工作簿"):
        uploads.check_xlsx(buf.getvalue())


def test_it_writes_the_file_only_when_the_write_commits(
    world: World, media: Path, django_capture_on_commit_callbacks: Capture
) -> None:
    checked = uploads.document(SimpleUploadedFile("记录.pdf", PDF), field="file", label="佐证文件")

    def write(refuse: bool) -> Evidence:
        with transaction.atomic():
            ev = Evidence(kind=Evidence.Kind.FILE, label="记录", region=world.village_a1)
            uploads.save_on_commit(ev.file, checked)
            ev.save()
            if refuse:
                raise DomainError("拒绝")
            return ev

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        write(refuse=True)
    assert _stored(media) == []
    with django_capture_on_commit_callbacks(execute=True):
        ev = write(refuse=False)
    assert [p.read_bytes() for p in _stored(media)] == [PDF]
    assert Evidence.objects.get().file.name == ev.file.name and ev.file.name.endswith(".pdf")
    assert "记录" not in ev.file.name  # a random name: nothing of the uploaded name reaches the disk
