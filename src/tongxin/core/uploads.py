"""Every uploaded file passes through here, whatever the app: photos, PDF and Office documents, Excel
imports.

- **Kinds are data** (``KINDS``): each kind has its size limit from settings (``UPLOAD_MAX_*_BYTES``,
  read from ``TONGXIN_UPLOAD_MAX_*_BYTES``) and the file names it may carry.
- **Content decides, never the name.** ``sniff`` reads the first bytes (and the zip directory of
  Office files). A file whose name says one kind and whose bytes say another (a PNG named ``.pdf``) is
  refused, so is HTML in any disguise, GIF, legacy OLE Office files and macro-enabled workbooks.
- **Images are decoded and re-encoded** with Pillow (JPEG, PNG or WebP in; JPEG or PNG out), upright,
  with every metadata block dropped (EXIF with GPS, XMP, ICC, text chunks); the capture time is read
  before and handed back as a value. A pixel limit stops decompression bombs before decoding.
- **Zip limits** (entries, total unzipped size) guard every .xlsx and .docx before anything unzips it:
  ``check_xlsx`` runs before each ``openpyxl.load_workbook``.
- **Stored only on commit** (``save_on_commit``): the row gets the file's name inside the transaction;
  the bytes reach storage when it commits, so a refused or rolled-back write leaves no file.
- **Served as attachments** (``serve``) with the type read from the content and ``nosniff``; only images
  (which were re-encoded) may be shown inline.

Errors are ``DomainError`` with the field and a message that names the field's label and the reason.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from tongxin.core.errors import DomainError
from tongxin.core.views import PDF as PDF_TYPE
from tongxin.core.views import XLSX as XLSX_TYPE
from tongxin.core.views import file_response

MB = 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Kind:
    """A kind of file people may upload, with its size limit (a setting) and the names it may carry."""

    code: str
    label: str
    setting: str
    default_max_bytes: int
    content_type: str
    suffixes: tuple[str, ...]

    @property
    def max_bytes(self) -> int:
        return int(getattr(settings, self.setting, self.default_max_bytes))


IMAGE = Kind(
    "image", "图片（JPEG、PNG、WebP）", "UPLOAD_MAX_IMAGE_BYTES", 10 * MB, "image/jpeg",
    (".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp"),
)  # fmt: skip
PDF = Kind("pdf", "PDF 文件", "UPLOAD_MAX_PDF_BYTES", 20 * MB, PDF_TYPE, (".pdf",))
XLSX = Kind("xlsx", "Excel 工作簿（.xlsx）", "UPLOAD_MAX_XLSX_BYTES", 10 * MB, XLSX_TYPE, (".xlsx",))
DOCX = Kind("docx", "Word 文档（.docx）", "UPLOAD_MAX_DOCX_BYTES", 20 * MB, DOCX_TYPE, (".docx",))
KINDS: dict[str, Kind] = {k.code: k for k in (IMAGE, PDF, XLSX, DOCX)}
DOCUMENTS: tuple[Kind, ...] = (IMAGE, PDF, XLSX, DOCX)

# What the bytes are (``sniff``): the words people read, the kind it belongs to, the names it may carry.
_WHAT = {
    "jpeg": "JPEG 图片",
    "png": "PNG 图片",
    "webp": "WebP 图片",
    "gif": "GIF 图片",
    "bmp": "BMP 图片",
    "tiff": "TIFF 图片",
    "pdf": "PDF 文件",
    "xlsx": "Excel 工作簿",
    "docx": "Word 文档",
    "macro": "含宏的 Office 文件",
    "zip": "压缩包",
    "ole": "旧版 Office 文件（.doc/.xls）",
    "html": "网页（HTML）代码",
    "empty": "空文件",
    "unknown": "无法识别的文件",
}
_KIND_OF = {"jpeg": IMAGE, "png": IMAGE, "webp": IMAGE, "pdf": PDF, "xlsx": XLSX, "docx": DOCX}
_NAMES = {
    "jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "png": (".png",),
    "webp": (".webp",),
    "pdf": (".pdf",),
    "xlsx": (".xlsx",),
    "docx": (".docx",),
}
_SERVED = {
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "pdf": (PDF_TYPE, ".pdf"),
    "xlsx": (XLSX_TYPE, ".xlsx"),
    "docx": (DOCX_TYPE, ".docx"),
}
_HTML_MARKS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<iframe", b"<?xml", b"<!--")
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_DATETIME = 0x0132
_EXIF_IFD = 0x8769


@dataclass(frozen=True)
class Checked:
    """A file that passed its checks: the bytes to store (re-encoded for images) and what they are."""

    kind: Kind
    content: bytes
    content_type: str
    suffix: str
    sha256: str
    width: int = 0
    height: int = 0
    taken_at: datetime | None = None  # images: the capture time from the EXIF block that was dropped

    def as_upload(self) -> SimpleUploadedFile:
        """The checked bytes as an upload under a random name, for code that saves an UploadedFile."""
        return SimpleUploadedFile(f"{secrets.token_hex(12)}{self.suffix}", self.content, self.content_type)


def _size(n: int) -> str:
    return f"{n / MB:.1f}".removesuffix(".0") + " MB"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def sniff(data: bytes) -> str:
    """What ``data`` is, judged by its content only: a key of ``_WHAT`` ("jpeg", "pdf", "xlsx", "html" …)."""
    if not data:
        return "empty"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x00").lower()
    if head.startswith(b"<") or any(mark in head for mark in _HTML_MARKS):
        return "html"
    return "unknown"


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip"
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "macro"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return "xlsx"
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx"
    return "zip"


def _read(upload: Any, *, max_bytes: int, field: str, label: str) -> tuple[str, bytes]:
    """The upload's name and bytes, refusing it before reading more than ``max_bytes``."""
    name = str(getattr(upload, "name", "") or "")
    too_big = DomainError(f"{label}：文件超过 {_size(max_bytes)}，请压缩后重新上传。", field=field)
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big
    if not data:
        raise DomainError(f"{label}：文件是空的，请重新选择。", field=field)
    return name, data


def _check_name(name: str, what: str, *, field: str, label: str) -> None:
    """A name whose extension says another kind than the content is refused (a PNG named .pdf)."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if "." not in base:
        return
    suffix = "." + base.rsplit(".", 1)[-1].lower()
    if suffix not in _NAMES.get(what, ()):
        raise DomainError(
            f"{label}：文件名是 {suffix}，内容却是{_WHAT[what]}，请检查后重新上传。", field=field
        )


def image(
    upload: Any,
    *,
    field: str,
    label: str,
    max_bytes: int | None = None,
    max_side: int | None = None,
    jpeg: bool = False,
) -> Checked:
    """Check that ``upload`` is a JPEG, PNG or WebP image within the size and pixel limits and return it
    re-encoded: upright, at most ``max_side`` pixels on its longest side, no metadata. PNG stays PNG
    (screenshots keep sharp text) unless ``jpeg``; everything else becomes JPEG."""
    max_bytes = max_bytes or IMAGE.max_bytes
    name, data = _read(upload, max_bytes=max_bytes, field=field, label=label)
    what = sniff(data)
    if what not in ("jpeg", "png", "webp"):
        shown = f"“{name}”" if name else "文件"
        raise DomainError(
            f"{label}：{shown}不是有效的图片（收到的是{_WHAT[what]}，只接受 JPEG、PNG 或 WebP）。",
            field=field,
        )
    _check_name(name, what, field=field, label=label)
    return _reencode(data, what, field=field, label=label, max_side=max_side, jpeg=jpeg or what != "png")


def _taken_at(img: Image.Image) -> datetime | None:
    try:
        exif = img.getexif()
        raw = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL) or exif.get(_EXIF_DATETIME)
    except Exception:  # a broken EXIF block only costs the capture time, never the photo
        return None
    if not raw:
        return None
    try:
        naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 (local)
    except ValueError:
        return None
    return timezone.make_aware(naive)


def _reencode(data: bytes, what: str, *, field: str, label: str, max_side: int | None, jpeg: bool) -> Checked:
    max_pixels = _limit("UPLOAD_MAX_IMAGE_PIXELS", 40_000_000)
    broken = DomainError(f"{label}：不是有效的图片（文件已损坏或不完整）。", field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"])
            if img.width * img.height > max_pixels:
                raise DomainError(
                    f"{label}：图片像素过多（{img.width}×{img.height}），请缩小后重新上传。", field=field
                )
            taken = _taken_at(img)
            img = ImageOps.exif_transpose(img) or img
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(f"{label}：图片像素过多，请缩小后重新上传。", field=field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if jpeg:
        if alpha:
            rgba = img.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            img = flat
        elif img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
    elif img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if alpha else "RGB")
    if max_side:
        img.thumbnail((max_side, max_side))
    img.info = {}  # no EXIF, XMP, ICC or text chunk may ride along into the new file
    out = io.BytesIO()
    if jpeg:
        img.save(out, format="JPEG", quality=85, optimize=True)
    else:
        img.save(out, format="PNG")
    content = out.getvalue()
    return Checked(
        kind=IMAGE,
        content=content,
        content_type="image/jpeg" if jpeg else "image/png",
        suffix=".jpg" if jpeg else ".png",
        sha256=hashlib.sha256(content).hexdigest(),
        width=img.width,
        height=img.height,
        taken_at=taken,
    )


def document(upload: Any, *, field: str, label: str, kinds: Sequence[Kind] = DOCUMENTS) -> Checked:
    """Check an uploaded document against ``kinds`` by its content: images are re-encoded (``image``),
    PDFs must be whole PDFs with no web page in front, .xlsx/.docx must be sound Office zips without
    macros within the zip limits. The size limit is that of the kind the content turns out to be."""
    name, data = _read(upload, max_bytes=max(k.max_bytes for k in kinds), field=field, label=label)
    what = sniff(data)
    kind = _KIND_OF.get(what)
    if kind is None or kind not in kinds:
        accepted = "、".join(k.label for k in kinds)
        shown = f"“{name}”" if name else "文件"
        hint = "，请另存为 PDF 或 .docx/.xlsx" if what in ("ole", "macro") else ""
        raise DomainError(f"{label}：{shown}是{_WHAT[what]}，只接受{accepted}{hint}。", field=field)
    if len(data) > kind.max_bytes:
        raise DomainError(
            f"{label}：{kind.label}不能超过 {_size(kind.max_bytes)}，请压缩后重新上传。", field=field
        )
    _check_name(name, what, field=field, label=label)
    if kind is IMAGE:
        return _reencode(data, what, field=field, label=label, max_side=None, jpeg=what != "png")
    if kind is PDF:
        _check_pdf(data, field=field, label=label)
    else:
        _check_zip(data, kind, field=field, label=label)
    return Checked(
        kind=kind,
        content=data,
        content_type=kind.content_type,
        suffix=kind.suffixes[0],
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _check_pdf(data: bytes, *, field: str, label: str) -> None:
    if any(mark in data[:1024].lower() for mark in _HTML_MARKS):
        raise DomainError(f"{label}：PDF 文件开头夹带了网页代码，不能上传。", field=field)
    if b"%%EOF" not in data[-2048:]:
        raise DomainError(f"{label}：不是完整的 PDF 文件（缺少结尾标记），请重新导出后上传。", field=field)


def _check_zip(data: bytes, kind: Kind, *, field: str, label: str) -> None:
    """Office files are zips: refuse too many entries or too much unzipped data before anything
    unzips them (a 600 KB workbook can unzip to gigabytes)."""
    max_entries = _limit("UPLOAD_MAX_ZIP_ENTRIES", 2000)
    max_unzipped = _limit("UPLOAD_MAX_UNZIPPED_BYTES", 64 * MB)
    invalid = DomainError(
        f"{label}：不是有效的{kind.label}，请用 Office 或 WPS 另存后重新上传。", field=field
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise invalid from None
    if len(infos) > max_entries:
        raise DomainError(
            f"{label}：文件内含 {len(infos)} 个部件（上限 {max_entries}），不像是正常的{kind.label}。",
            field=field,
        )
    # zipfile never yields more than an entry's declared size, so the declared sizes bound the memory.
    unzipped = sum(info.file_size for info in infos)
    if unzipped > max_unzipped:
        raise DomainError(
            f"{label}：文件解压后有 {_size(unzipped)}（上限 {_size(max_unzipped)}），"
            "可能是恶意构造的压缩文件，不能导入。",
            field=field,
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise DomainError(f"{label}：文件已加密，请取消密码后重新上传。", field=field)


def check_xlsx(data: bytes, *, field: str = "file", label: str = "Excel 文件") -> bytes:
    """Refuse ``data`` unless it is an .xlsx workbook within the size and zip limits; call this before
    every ``openpyxl.load_workbook``. Returns ``data`` so a call site stays one line. The error's
    ``code`` is "too_large" for size and zip-bomb refusals, "invalid" when it is no workbook at all."""
    if len(data) > XLSX.max_bytes:
        raise DomainError(
            f"{label}：文件超过 {_size(XLSX.max_bytes)}，请拆分后导入。", field=field, code="too_large"
        )
    what = sniff(data)
    if what != "xlsx":
        hint = "；旧版 .xls 或 CSV 文件请在 Excel 中另存为 .xlsx" if what in ("ole", "unknown", "zip") else ""
        raise DomainError(
            f"{label}：是{_WHAT[what]}，不是有效的 Excel 工作簿（.xlsx）{hint}。", field=field, code="invalid"
        )
    try:
        _check_zip(data, XLSX, field=field, label=label)
    except DomainError as exc:
        raise DomainError(exc.message, field=field, code="too_large") from None
    return data


def save_on_commit(field_file: FieldFile, checked: Checked) -> str:
    """Give ``field_file`` (``instance.file``, the row not yet saved or saved later in the same write)
    a fresh random name now and write the bytes to storage only when the surrounding transaction
    commits: a refused or rolled-back write leaves no file behind. Returns the name."""
    instance, field = field_file.instance, field_file.field
    name = field.generate_filename(instance, f"{secrets.token_hex(12)}{checked.suffix}")
    setattr(instance, field.attname, name)
    storage, content, model = field.storage, checked.content, type(instance)

    def write() -> None:
        saved = storage.save(name, ContentFile(content), max_length=field.max_length)
        if saved != name and instance.pk is not None:  # the storage chose another name: follow it
            model._default_manager.filter(pk=instance.pk).update(**{field.attname: saved})

    transaction.on_commit(write)
    return name


def serve(field_file: FieldFile, *, filename: str, inline_images: bool = False) -> HttpResponse:
    """A stored file as a download named ``filename`` plus the suffix of what it is. The type comes from
    the content (``sniff``), never the stored name; unknown content is ``application/octet-stream``.
    Always an attachment, except JPEG/PNG images when ``inline_images`` (they were re-encoded)."""
    if not field_file:
        raise Http404("未找到该文件。")
    try:
        with field_file.open("rb") as f:
            data = f.read()
    except OSError:
        raise Http404("未找到该文件。") from None
    what = sniff(data)
    content_type, suffix = _SERVED.get(what, ("application/octet-stream", ""))
    inline = inline_images and what in ("jpeg", "png")
    stem = filename[: -len(suffix)] if suffix and filename.lower().endswith(suffix) else filename
    return file_response(data, f"{stem}{suffix}", content_type, inline=inline)
