"""积分方案: a scheme per village or township, whose rules live in immutable versions."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone

from tongxin.orgs.models import Region


def new_rules_stamp() -> str:
    return uuid.uuid4().hex


class Scheme(models.Model):
    """One points scheme of a region (村 or 乡镇). Its ledger is one hash chain.

    ``chain_seq``/``chain_head`` are the chain's head, moved only by ledger appends while the row is
    locked, so appends to one scheme are serialised and the chain has no forks.
    """

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="point_schemes", verbose_name="区划"
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    name = models.CharField("方案名称", max_length=100)
    is_sample = models.BooleanField("样例方案", default=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    chain_seq = models.BigIntegerField(default=0, editable=False)
    chain_head = models.CharField(max_length=64, default="", editable=False)
    # A new value whenever a version is added (versions and their items are never changed): appends
    # keep the versions and items of a scheme in a per-process cache keyed by it, so a hot path reads
    # this one column of the row it locks anyway instead of the versions and items every time.
    rules_stamp = models.CharField(max_length=32, default=new_rules_stamp, editable=False)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "积分方案"
        verbose_name_plural = "积分方案"
        ordering = ["region_path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"], condition=models.Q(is_active=True), name="points_one_active_scheme"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}{'（样例）' if self.is_sample else ''}"

    def get_absolute_url(self) -> str:
        return reverse("points:scheme_detail", args=[self.pk])

    def audit_path(self) -> str:
        return self.region_path


class SchemeVersion(models.Model):
    """The rules of a scheme from a date on. Versions are never edited; a change is a new version."""

    class Reset(models.TextChoices):
        NONE = "none", "不清零"
        YEARLY = "yearly", "每年清零"

    class Accrual(models.TextChoices):
        PERSON = "person", "计入个人"
        HOUSEHOLD = "household", "计入家庭（户）"
        BOTH = "both", "个人和家庭（户）"

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    effective_from = models.DateField("生效日期")
    base_score = models.IntegerField("基础分", default=0)
    reset = models.CharField("清零周期", max_length=10, choices=Reset.choices, default=Reset.YEARLY)
    accrual = models.CharField("积分归属", max_length=10, choices=Accrual.choices, default=Accrual.BOTH)
    notice_workdays = models.PositiveSmallIntegerField("公示期（工作日）")
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "方案版本"
        verbose_name_plural = "方案版本"
        ordering = ["scheme", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="points_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} 第{self.number}版（{self.effective_from}起）"


class PointItem(models.Model):
    """积分项目 of one scheme version: what earns (or costs) how many points, with caps."""

    class Category(models.TextChoices):
        LABOUR = "labour", "义务劳动"
        VOLUNTEER = "volunteer", "志愿服务"
        SANITATION = "sanitation", "环境卫生"
        CUSTOMS = "customs", "移风易俗"
        FILIAL = "filial", "孝老爱亲"
        LAW = "law", "遵纪守法"
        GOVERNANCE = "governance", "参与治理"
        OTHER = "other", "其他"

    class Eligible(models.TextChoices):
        ALL = "all", "群众和党员"
        VILLAGERS = "villagers", "仅群众"
        MEMBERS = "members", "仅党员"

    version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="items")
    code = models.CharField("项目代码", max_length=32)
    name = models.CharField("项目名称", max_length=100)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    points = models.IntegerField("分值", help_text="正数为加分，负数为扣分")
    eligible = models.CharField("适用对象", max_length=10, choices=Eligible.choices, default=Eligible.ALL)
    evidence_required = models.BooleanField("须上传照片", default=False)
    cap_person_month = models.PositiveIntegerField("个人每月上限（次）", null=True, blank=True)
    cap_person_quarter = models.PositiveIntegerField("个人每季上限（次）", null=True, blank=True)
    cap_person_year = models.PositiveIntegerField("个人每年上限（次）", null=True, blank=True)
    cap_household_month = models.PositiveIntegerField("每户每月上限（次）", null=True, blank=True)
    cap_household_quarter = models.PositiveIntegerField("每户每季上限（次）", null=True, blank=True)
    cap_household_year = models.PositiveIntegerField("每户每年上限（次）", null=True, blank=True)

    class Meta:
        verbose_name = "积分项目"
        verbose_name_plural = "积分项目"
        ordering = ["version", "category", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="points_item_code_unique")]

    def __str__(self) -> str:
        sign = "+" if self.points > 0 else ""
        return f"{self.name}（{sign}{self.points}分）"

    def caps(self) -> list[tuple[str, str, int]]:
        """(who, period, limit) for every cap that is set; who is 'person' or 'household'."""
        out: list[tuple[str, str, int]] = []
        for who in ("person", "household"):
            for period in ("month", "quarter", "year"):
                limit = getattr(self, f"cap_{who}_{period}")
                if limit is not None:
                    out.append((who, period, limit))
        return out
