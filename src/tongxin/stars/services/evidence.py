"""Evidence: link an existing record once, or upload a file once; then attach it anywhere."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Region
from tongxin.stars import sources
from tongxin.stars.models import Evidence, RectificationTask
from tongxin.stars.services.access import SELF_ASSESS, VIEW, require

MAX_UPLOAD = 20 * 1024 * 1024
ALLOWED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx")


@service("stars.evidence.link")
def link_record(*, actor: Any, region: Region, kind: str, ref_id: str) -> Evidence:
    """The evidence row for an existing record of another module under ``region`` (created once;
    linking the same record again returns the same row)."""
    require(actor, VIEW, "只能引用本人范围内的记录作为佐证。", region_path=region.path)
    if kind not in sources.SOURCES:
        raise DomainError(f"佐证类型“{kind}”不能引用已有记录。", field="kind")
    existing = Evidence.objects.filter(region=region, kind=kind, ref_id=str(ref_id)).first()
    if existing is not None:
        return existing
    record = sources.find(kind, region=region, ref_id=str(ref_id))
    if record is None:
        raise DomainError(
            f"在{region.name}找不到编号为 {ref_id} 的{sources.SOURCES[kind].label}。", field="ref_id"
        )
    try:
        with transaction.atomic():  # the same record linked twice at once: one row
            evidence = Evidence.objects.create(
                kind=kind,
                ref_id=str(ref_id),
                label=record.label[:200],
                url=record.url[:300],
                region=region,
                region_path=region.path,
                created_by=actor,
            )
    except IntegrityError:
        return Evidence.objects.get(region=region, kind=kind, ref_id=str(ref_id))
    audit.record(
        actor=actor,
        action="stars.evidence.link",
        target=evidence,
        after={"kind": kind, "ref_id": str(ref_id), "label": evidence.label},
    )
    return evidence


@service("stars.evidence.upload")
def upload_file(*, actor: Any, region: Region, file: UploadedFile, label: str) -> Evidence:
    """Store an uploaded file once as evidence of ``region``."""
    require(actor, SELF_ASSESS, "只能为本村（社区）上传佐证材料。", region_path=region.path)
    return _store_file(actor=actor, region=region, file=file, label=label)


def _store_file(*, actor: Any, region: Region, file: UploadedFile, label: str) -> Evidence:
    label = (label or "").strip() or (file.name or "")
    if not label:
        raise DomainError("请填写材料名称。", field="label")
    name = (file.name or "").lower()
    if not name.endswith(ALLOWED_SUFFIXES):
        raise DomainError("文件类型不支持，请上传 PDF、图片（JPG/PNG）、Word 或 Excel 文件。", field="file")
    if (file.size or 0) > MAX_UPLOAD:
        raise DomainError("文件超过 20 MB。", field="file")
    evidence = Evidence(
        kind=Evidence.Kind.FILE,
        label=label[:200],
        region=region,
        region_path=region.path,
        created_by=actor,
    )
    evidence.file.save(file.name or "evidence", file, save=False)
    evidence.save()
    audit.record(
        actor=actor, action="stars.evidence.upload", target=evidence, after={"label": evidence.label}
    )
    return evidence


@service("stars.evidence.upload_for_task")
def upload_evidence_for_task(*, actor: Any, task: RectificationTask, file: UploadedFile) -> Evidence:
    """The owner of a rectification task uploads a file as its evidence (kept once, reusable)."""
    if actor is not None and actor.pk != task.owner_id:
        raise DomainError("只有责任人可以上传整改佐证。", code="forbidden")
    return _store_file(actor=actor, region=task.region, file=file, label=f"整改佐证：{task.problem}"[:200])
