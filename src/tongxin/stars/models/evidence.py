"""Evidence: a record that already exists in Tongxin (a published points board, a closed case, a
coverage finding) or an uploaded file, attached once and referenced from any number of indicator
assessments, in any year."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tongxin.orgs.models import Region


class Evidence(models.Model):
    class Kind(models.TextChoices):
        POINTS_BOARD = "points_board", "党群积分公示榜"
        CASE = "case", "已办结事项"
        COVERAGE_FINDING = "coverage_finding", "组织覆盖检查发现"
        FILE = "file", "上传文件"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    # The linked record's id in its own app (empty for files).
    ref_id = models.CharField(max_length=64, blank=True)
    label = models.CharField("名称", max_length=200)
    url = models.CharField("链接", max_length=300, blank=True)
    file = models.FileField("文件", upload_to="stars/evidence/%Y/%m/", blank=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="所属村（社区）"
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Linking the same record twice reuses the row (never a second copy).
            models.UniqueConstraint(
                fields=["region", "kind", "ref_id"],
                condition=~models.Q(kind="file"),
                name="stars_evidence_unique_link",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.label}"

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.FILE:
            # Files are served through a scoped view, never straight from the media directory.
            return reverse("stars:evidence_file", kwargs={"pk": self.pk})
        return self.url

    def audit_path(self) -> str:
        return self.region_path
