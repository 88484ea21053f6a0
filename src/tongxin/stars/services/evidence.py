"""Evidence: link an existing record once, or upload a file once; then attach it anywhere."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from tongxin.accounts.models import User
from tongxin.core import audit, uploads
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Region
from tongxin.stars import sources
from tongxin.stars.models import Evidence, RectificationTask, StarCycle
from tongxin.stars.services.access import SELF_ASSESS, VIEW, require
from tongxin.stars.services.cycle import attach_evidence
from tongxin.stars.services.supervision import report_task


@service("stars.evidence.link")
def link_record(*, actor: User, region: Region, kind: str, ref_id: str) -> Evidence:
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
def upload_file(*, actor: User, region: Region, file: UploadedFile, label: str) -> Evidence:
    """Store an uploaded file once as evidence of ``region``: checked by its content (PDF, image,
    .docx or .xlsx; images re-encoded without metadata), written to storage when the write commits."""
    require(actor, SELF_ASSESS, "只能为本村（社区）上传佐证材料。", region_path=region.path)
    return _store_file(actor=actor, region=region, file=file, label=label)


@service("stars.evidence.upload_and_attach")
def upload_and_attach(
    *, actor: User, cycle: StarCycle, indicator_id: int, file: UploadedFile, label: str
) -> Evidence:
    """Upload a file as evidence of the cycle's village and attach it to one indicator, all or
    nothing: when attaching is refused (the cycle is no longer editable, the indicator is not in it),
    neither the evidence row nor the file is kept."""
    evidence = upload_file(actor=actor, region=cycle.region, file=file, label=label)
    attach_evidence(actor=actor, cycle=cycle, indicator_id=indicator_id, evidence=evidence)
    return evidence


def _store_file(*, actor: User, region: Region, file: UploadedFile, label: str) -> Evidence:
    label = (label or "").strip() or (file.name or "")
    if not label:
        raise DomainError("请填写材料名称。", field="label")
    checked = uploads.document(file, field="file", label="佐证文件")
    evidence = Evidence(
        kind=Evidence.Kind.FILE,
        label=label[:200],
        region=region,
        region_path=region.path,
        created_by=actor,
    )
    uploads.save_on_commit(evidence.file, checked)
    evidence.save()
    audit.record(
        actor=actor,
        action="stars.evidence.upload",
        target=evidence,
        after={"label": evidence.label, "type": checked.content_type, "sha256": checked.sha256},
    )
    return evidence


@service("stars.evidence.upload_for_task")
def upload_evidence_for_task(*, actor: User, task: RectificationTask, file: UploadedFile) -> Evidence:
    """The owner of a rectification task uploads a file as its evidence (kept once, reusable)."""
    if actor.pk != task.owner_id:
        raise DomainError("只有责任人可以上传整改佐证。", code="forbidden")
    return _store_file(actor=actor, region=task.region, file=file, label=f"整改佐证：{task.problem}"[:200])


@service("stars.task.report_with_file")
def report_task_with_file(
    *, actor: User, task: RectificationTask, report: str, file: UploadedFile | None
) -> RectificationTask:
    """The owner reports the task done with an optional file as evidence, all or nothing: a refused
    report keeps neither the evidence row nor the file."""
    evidence = [upload_evidence_for_task(actor=actor, task=task, file=file)] if file else []
    return report_task(actor=actor, task=task, report=report, evidence=evidence)
