"""积分流水: the append-only, hash-chained ledger, and the totals kept beside it.

The totals tables (per person / per household and period, and the spendable wallet) are maintained by
the same transaction that appends entries, so boards and ranks are index lookups; they can always be
recomputed from the ledger (``tongxin points verify`` does).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel, AppendOnlyQuerySet
from tongxin.orgs.models import Household, Person
from tongxin.points.models.schemes import Scheme


class LedgerEntry(AppendOnlyModel):
    """One final change of a person's points. Never updated or deleted; corrected by a reversing entry."""

    objects: ClassVar[models.Manager[LedgerEntry]] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    # Indexes are chosen for appends: (scheme, seq) and (person, on) cover the foreign keys.
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+", db_index=False)
    seq = models.BigIntegerField("序号")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    item_code = models.CharField("项目代码", max_length=32, blank=True)
    item_name = models.CharField("项目", max_length=100, blank=True)
    points = models.IntegerField("分值")
    on = models.DateField("日期")
    source = models.CharField("来源", max_length=32)
    source_ref = models.CharField("来源编号", max_length=64)
    reason = models.CharField("事由", max_length=300)
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="冲正",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "积分流水"
        verbose_name_plural = "积分流水"
        ordering = ["scheme", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "seq"], name="points_entry_chain_seq"),
            models.UniqueConstraint(
                fields=["source", "source_ref", "person"], name="points_entry_idempotent"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "on"], name="points_entry_person_on"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.person.name} {self.points:+d} {self.item_name or self.reason}"

    def audit_path(self) -> str:
        return self.region_path

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source) or SOURCE_LABELS.get(self.source.split(".")[0], self.source)


SOURCE_LABELS = {"claim": "积分申报", "reversal": "冲正", "cases": "事项办结激励", "demo": "演示数据"}


class _PeriodTotal(models.Model):
    """Points of one subject in one period (``2026``, ``2026Q2``, ``2026-04``), with the region
    ancestors at depth 1-3 copied so a board of a county, township or village is one index range."""

    period = models.CharField(max_length=7)
    points = models.IntegerField(default=0)
    region_path = models.CharField(max_length=255)
    anc1 = models.CharField(max_length=255, default="")
    anc2 = models.CharField(max_length=255, default="")
    anc3 = models.CharField(max_length=255, default="")

    class Meta:
        abstract = True


class PersonTotal(_PeriodTotal):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    is_member = models.BooleanField(default=False)

    SCOPE = {"region": "region_path"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="points_ptotal_unique")]
        indexes = [
            models.Index(fields=["period", "anc1", "-points"], name="points_ptotal_a1"),
            models.Index(fields=["period", "anc2", "-points"], name="points_ptotal_a2"),
            models.Index(fields=["period", "anc3", "-points"], name="points_ptotal_a3"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period} {self.points}"


class HouseholdTotal(_PeriodTotal):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", db_index=False)

    SCOPE = {"region": "region_path"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "period"], name="points_htotal_unique")]
        indexes = [
            models.Index(fields=["period", "anc1", "-points"], name="points_htotal_a1"),
            models.Index(fields=["period", "anc2", "-points"], name="points_htotal_a2"),
            models.Index(fields=["period", "anc3", "-points"], name="points_htotal_a3"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period} {self.points}"


class Wallet(models.Model):
    """Spendable points of a person in a scheme and cycle (the year, or ``all`` without reset).

    ``earned`` follows the ledger; ``spent`` follows redemptions. Redeeming never touches the
    ledger, so ranking points are never lowered by the shop.
    """

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    cycle = models.CharField(max_length=4)
    earned = models.IntegerField(default=0)
    spent = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "person", "cycle"], name="points_wallet_unique"),
            models.CheckConstraint(condition=models.Q(spent__gte=0), name="points_wallet_spent_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.scheme_id}/{self.cycle}: {self.balance}"

    @property
    def balance(self) -> int:
        return self.earned - self.spent


class PersonLink(models.Model):
    """Which registry person a login account is (for "my points"); set by a points manager."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_link"
    )
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    linked_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path"}

    def __str__(self) -> str:
        return f"{self.user} → {self.person}"

    def audit_path(self) -> str:
        return self.region_path
