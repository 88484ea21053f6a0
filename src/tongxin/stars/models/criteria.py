"""Criteria as versioned data: a set (for villages or for urban communities) of stars, each with its
indicators. A set is never edited: replacing the criteria imports a new version; every cycle keeps
pointing at the version it was assessed against."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel


class CriteriaSet(AppendOnlyModel):
    class AppliesTo(models.TextChoices):
        VILLAGE = "village", "村"
        COMMUNITY = "community", "城市社区"

    applies_to = models.CharField("适用对象", max_length=16, choices=AppliesTo.choices)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("名称", max_length=200)
    source = models.CharField("依据", max_length=500)
    is_sample = models.BooleanField("样例", default=False)
    effective_year = models.PositiveIntegerField("起用年度")
    # Star rules: which star is the precondition, and how many stars make each level.
    rules = models.JSONField("评定规则", default=dict)
    # The document exactly as imported (YAML/JSON parsed), so a set can be downloaded and edited.
    document = models.JSONField(default=dict)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "星级评定标准"
        verbose_name_plural = "星级评定标准"
        ordering = ["applies_to", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["applies_to", "version"], name="stars_criteria_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版{'，样例' if self.is_sample else ''}）"

    @property
    def precondition(self) -> str:
        return str(self.rules.get("precondition_star", ""))

    @property
    def levels(self) -> list[dict[str, Any]]:
        return list(self.rules.get("levels", []))


class Star(AppendOnlyModel):
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="stars")
    code = models.CharField("代码", max_length=32)
    name = models.CharField("星", max_length=50)
    order = models.PositiveSmallIntegerField(default=0)
    # Share (0–100) of the weighted indicator score a branch needs to earn the star.
    pass_percent = models.PositiveSmallIntegerField("达标比例（%）")
    description = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["criteria_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "code"], name="stars_star_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(AppendOnlyModel):
    class Method(models.TextChoices):
        YES_NO = "yes_no", "是否达到"
        SCORE = "score", "按分值评分"
        METRIC = "metric", "数据测算（阈值）"

    class Comparison(models.TextChoices):
        GTE = ">=", "不低于"
        LTE = "<=", "不高于"

    star = models.ForeignKey(Star, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField("代码", max_length=40)
    text = models.CharField("指标", max_length=300)
    method = models.CharField("评判方式", max_length=16, choices=Method.choices)
    max_score = models.PositiveSmallIntegerField("满分", default=0)
    weight = models.PositiveSmallIntegerField("权重", default=1)
    metric = models.CharField("测算指标", max_length=60, blank=True)
    comparison = models.CharField("比较", max_length=2, choices=Comparison.choices, blank=True)
    threshold = models.DecimalField("阈值", max_digits=10, decimal_places=2, null=True, blank=True)
    evidence_hint = models.CharField("需要的佐证", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["star__order", "order"]
        constraints = [models.UniqueConstraint(fields=["star", "code"], name="stars_indicator_unique_code")]

    def __str__(self) -> str:
        return self.text
