"""Weak and lax branches (软弱涣散) with reason and plan, and strong–weak pairings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.orgs.models import PartyOrg, Region


class WeakBranch(models.Model):
    class State(models.TextChoices):
        LISTED = "listed", "整顿中"
        LIFTED = "lifted", "已摘帽"

    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+", verbose_name="党组织")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    org_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    year = models.PositiveIntegerField("年度")
    reason = models.TextField("软弱涣散原因")
    plan = models.TextField("整顿方案")
    state = models.CharField(max_length=10, choices=State.choices, default=State.LISTED)
    listed_at = models.DateTimeField(default=timezone.now)
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lift_reason = models.TextField("摘帽理由", blank=True)

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        verbose_name = "软弱涣散党组织"
        verbose_name_plural = "软弱涣散党组织"
        ordering = ["region_path"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="stars_weak_one_per_year")]
        indexes = [models.Index(fields=["year", "state", "region_path"], name="stars_weak_year_state")]

    def __str__(self) -> str:
        return f"{self.org.name}（{self.year}年软弱涣散）"

    def audit_path(self) -> str:
        return self.org_path


class Pairing(models.Model):
    """结对共建: a strong branch helps a weak one during a year."""

    strong = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+", verbose_name="先进村")
    weak = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+", verbose_name="后进村")
    year = models.PositiveIntegerField("年度")
    # Scoped by the weak branch: the pairing exists for it.
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    org_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    note = models.CharField("帮扶内容", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        ordering = ["region_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["strong", "weak", "year"],
                condition=models.Q(ended_at__isnull=True),
                name="stars_pairing_unique_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.strong.name} 结对 {self.weak.name}"

    def audit_path(self) -> str:
        return self.org_path
