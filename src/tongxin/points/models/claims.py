"""积分申报: a claim for one person or a group, reviewed by a second person, then publicly noticed."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone

from tongxin.orgs.models import Household, Person
from tongxin.points.models.schemes import PointItem, Scheme, SchemeVersion


class Claim(models.Model):
    """One recorded claim: one item on one day, for one or many participants (``lines``).

    States: submitted → approved (in notice) → final (ledger entries written), or → rejected.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        REJECTED = "rejected", "已驳回"
        NOTICE = "notice", "公示中"
        FINAL = "final", "已入账"

    # {from_state: {event: to_state}}: every transition is checked against this table.
    TRANSITIONS = {
        "submitted": {"approve": "notice", "reject": "rejected"},
        "notice": {"finalise": "final"},
    }

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="claims")
    version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        PointItem, on_delete=models.PROTECT, related_name="claims", verbose_name="积分项目"
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    occurred_on = models.DateField("发生日期")
    title = models.CharField("事由", max_length=200)
    evidence = models.ImageField("照片", upload_to="points/evidence/%Y/%m/", blank=True)
    is_self_claim = models.BooleanField("本人申报", default=False)
    state = models.CharField(
        "状态", max_length=12, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审核人",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    notice_from = models.DateField("公示开始", null=True, blank=True)
    notice_until = models.DateField("公示截止", null=True, blank=True, db_index=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "积分申报"
        verbose_name_plural = "积分申报"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="points_claim_idempotent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.item.name}（{self.lines.count()}人）"

    def get_absolute_url(self) -> str:
        return reverse("points:claim_detail", args=[self.pk])

    def audit_path(self) -> str:
        return self.region_path


class ClaimLine(models.Model):
    """One participant of a claim. A line leaves the claim only through an upheld objection."""

    class State(models.TextChoices):
        PENDING = "pending", "待定"
        FINAL = "final", "已入账"
        REMOVED = "removed", "异议成立已撤销"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="人员")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField("分值")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)

    SCOPE = {"region": "claim__region_path"}

    class Meta:
        verbose_name = "申报人员"
        verbose_name_plural = "申报人员"
        ordering = ["claim", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "person"], name="points_line_unique_person")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.points:+d}"


class Objection(models.Model):
    """异议 raised against one line of a claim in notice; the reviewer upholds or dismisses it."""

    class State(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="objections")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    reason = models.CharField("异议理由", max_length=500)
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField("处理理由", max_length=500, blank=True)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"对{self.line.person.name}的异议（{self.get_state_display()}）"

    def audit_path(self) -> str:
        return self.region_path
