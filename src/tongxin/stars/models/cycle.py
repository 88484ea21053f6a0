"""The annual cycle of one branch: target → self-assessment → township rating → county approval →
public notice → final rating, with 摘星 during the year. The cycle row holds the current state and a
cached copy of the latest result; transitions and results are append-only rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel
from tongxin.orgs.models import PartyOrg, Region
from tongxin.stars.models.criteria import CriteriaSet, Indicator
from tongxin.stars.models.evidence import Evidence


class Level(models.TextChoices):
    FIVE = "five", "五星"
    FOUR = "four", "四星"
    THREE = "three", "三星"
    BELOW = "below", "三星以下"
    NONE = "", "未评定"


class StarCycle(models.Model):
    class State(models.TextChoices):
        SELF_ASSESSING = "self_assessing", "自评中"
        SUBMITTED = "submitted", "待乡镇初评"
        TOWNSHIP_RATED = "township_rated", "待县级审定"
        IN_NOTICE = "in_notice", "公示中"
        FINAL = "final", "已评定"

    org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="star_cycles", verbose_name="党组织"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="村（社区）")
    # The township the village belongs to, for the county's views by township.
    township = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="乡镇（街道）"
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    org_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    year = models.PositiveIntegerField("年度")
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="cycles")
    target_stars = models.PositiveSmallIntegerField("目标星级")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SELF_ASSESSING)
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示截止", null=True, blank=True)
    # Cache of the latest effective result (the results table is the record).
    current_stars = models.JSONField("当前星", default=list)
    current_count = models.PositiveSmallIntegerField("星数", default=0)
    current_level = models.CharField("星级", max_length=8, choices=Level.choices, default="", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        verbose_name = "星级创建年度"
        verbose_name_plural = "星级创建年度"
        ordering = ["region_path", "year"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="stars_cycle_one_per_year")]
        indexes = [
            # Covers the county view's roll-up (levels by township under a path prefix); the opclasses
            # let PostgreSQL answer the path prefix from it (ignored on SQLite).
            models.Index(
                fields=["year", "region_path", "township_id", "current_level"],
                name="stars_cycle_rollup",
                opclasses=["int4_ops", "varchar_pattern_ops", "int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["year", "township_id", "current_level"], name="stars_cycle_by_township"),
            models.Index(fields=["year", "current_level", "region_path"], name="stars_cycle_year_level"),
            models.Index(fields=["year", "state", "region_path"], name="stars_cycle_year_state"),
        ]

    def __str__(self) -> str:
        return f"{self.org.name} {self.year}年"

    def audit_path(self) -> str:
        return self.org_path


class CycleTransition(AppendOnlyModel):
    cycle = models.ForeignKey(StarCycle, on_delete=models.PROTECT, related_name="transitions")
    event = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event} {self.from_state}→{self.to_state}"


class StarResult(AppendOnlyModel):
    """A rating at one stage. The stars it names are the stars as decided; ``count`` and ``level``
    apply the criteria set's rules (the precondition star) to them."""

    class Stage(models.TextChoices):
        SELF = "self", "村自评"
        TOWNSHIP = "township", "乡镇初评"
        COUNTY = "county", "县级审定"
        FINAL = "final", "公示后评定"
        REMOVAL = "removal", "动态摘星"

    cycle = models.ForeignKey(StarCycle, on_delete=models.PROTECT, related_name="results")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="+")
    stars = models.JSONField(default=list)
    count = models.PositiveSmallIntegerField(default=0)
    level = models.CharField(max_length=8, choices=Level.choices, blank=True)
    # Per indicator: value, fraction, live figure and evidence ids at the time of the rating.
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.get_level_display()}"


class IndicatorAssessment(models.Model):
    """The branch's self-assessment of one indicator, editable until the cycle is submitted (the
    submitted values are kept in the self-stage ``StarResult``)."""

    cycle = models.ForeignKey(StarCycle, on_delete=models.PROTECT, related_name="assessments")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField("说明", blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="assessments")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "indicator"], name="stars_assessment_unique")]

    def __str__(self) -> str:
        return f"{self.cycle_id}/{self.indicator_id}"


class Objection(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    cycle = models.ForeignKey(StarCycle, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("异议理由")
    raised_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField("处理意见", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    SCOPE = {"region": "cycle__region_path", "org": "cycle__org_path"}

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"对{self.cycle}的异议"

    def audit_path(self) -> str:
        return self.cycle.org_path
