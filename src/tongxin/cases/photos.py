"""Photos of cases: validated with Pillow, turned upright, shrunk, re-encoded as JPEG without EXIF.

Only the capture time is kept on purpose (as a field, not in the file); GPS position, device and owner
data in the EXIF block never reach the disk."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from tongxin.core import rules
from tongxin.core.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    width: int
    height: int
    sha256: str
    taken_at: datetime | None


def _taken_at(img: Image.Image) -> datetime | None:
    try:
        exif = img.getexif()
        raw = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL) or exif.get(0x0132)
    except Exception:
        return None
    if not raw:
        return None
    try:
        naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007
    except ValueError:
        return None
    return timezone.make_aware(naive)


def process(upload: Any, *, field: str = "photos") -> ProcessedPhoto:
    """Check that ``upload`` is a JPEG/PNG/WebP photo within the size limit and return it re-encoded
    (upright, longest side at most the rule's limit, no metadata). Raises ``DomainError`` naming
    ``field`` otherwise."""
    rs = rules.in_force("cases_defaults")
    max_bytes = int(rs.value("photo_max_bytes"))
    max_px = int(rs.value("photo_max_pixels"))
    name = getattr(upload, "name", "照片")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise DomainError(f"照片“{name}”超过 {max_bytes // 1048576}MB，请压缩后重新上传。", field=field)
    data = upload.read()
    if len(data) > max_bytes:
        raise DomainError(f"照片“{name}”超过 {max_bytes // 1048576}MB，请压缩后重新上传。", field=field)
    try:
        probe = Image.open(io.BytesIO(data))
        probe.verify()
        img: Image.Image = Image.open(io.BytesIO(data))
        if img.format not in ALLOWED_FORMATS:
            raise DomainError(f"照片“{name}”格式为 {img.format}，只接受 JPEG、PNG 或 WebP。", field=field)
        if img.width * img.height > 60_000_000:
            raise DomainError(f"照片“{name}”像素过大。", field=field)
        taken = _taken_at(img)
        img = ImageOps.exif_transpose(img)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise DomainError(f"文件“{name}”不是有效的图片。", field=field) from None
    if img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.thumbnail((max_px, max_px))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    content = out.getvalue()
    return ProcessedPhoto(
        content=content,
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(content).hexdigest(),
        taken_at=taken,
    )
