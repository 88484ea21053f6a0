"""Supervision (督导) by county leaders of their assigned townships, and rectification tasks (整改).

The assignment (分包) is the county leader's grant of the ``county_leader`` role on the township —
one source of truth, so what a leader sees and what they are assigned can never disagree.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel
from tongxin.orgs.models import PartyOrg, Region
from tongxin.stars.models.evidence import Evidence


class SupervisionVisit(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="督导地点")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    visited_on = models.DateField("督导日期")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="督导人"
    )
    summary = models.TextField("督导情况")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "督导记录"
        verbose_name_plural = "督导记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.region.name} 督导"

    def audit_path(self) -> str:
        return self.region_path


class RectificationTask(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "整改中"
        REPORTED = "reported", "待核验"
        RETURNED = "returned", "退回重改"
        VERIFIED = "verified", "已销号"

    visit = models.ForeignKey(
        SupervisionVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+", verbose_name="整改党组织")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    org_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    problem = models.CharField("问题", max_length=300)
    required_outcome = models.TextField("整改要求")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    deadline = models.DateField("整改时限")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    report = models.TextField("整改情况", blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="tasks")
    verified_at = models.DateTimeField(null=True, blank=True)
    # Completed on time: the accepted report came in by the deadline.
    on_time = models.BooleanField(null=True, blank=True)
    # The deadline whose breach was escalated (exactly one escalation per breach of a deadline).
    escalated_deadline = models.DateField(null=True, blank=True)
    escalations = models.PositiveSmallIntegerField("督办次数", default=0)

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ["deadline", "id"]
        indexes = [
            # Covers the county view's roll-ups (by township: state, overdue, on time).
            models.Index(
                fields=["region_path", "state", "deadline", "township_id", "on_time"],
                name="stars_task_rollup",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "date_ops", "int8_ops", "bool_ops"],
            ),
            models.Index(fields=["state", "deadline"], name="stars_task_state_deadline"),
            # The same roll-up for users who see whole townships, read in township order (no sort).
            models.Index(
                fields=["township_id", "state", "deadline", "on_time"], name="stars_task_by_township"
            ),
        ]

    def __str__(self) -> str:
        return self.problem

    def audit_path(self) -> str:
        return self.org_path

    def is_overdue(self, today: date) -> bool:
        return self.state in (self.State.OPEN, self.State.RETURNED) and self.deadline < today


class TaskTransition(AppendOnlyModel):
    task = models.ForeignKey(RectificationTask, on_delete=models.PROTECT, related_name="transitions")
    event = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event} {self.from_state}→{self.to_state}"
