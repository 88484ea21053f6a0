"""Cases (事项): grid reports (问题上报) and appeals (诉求), their workflow record, notifications, the
Open311 client keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel
from tongxin.core.pii import EncryptedTextField, mask_mobile
from tongxin.orgs.models import PartyOrg, Person, Region


class Kind(models.TextChoices):
    REPORT = "report", "问题上报"
    APPEAL = "appeal", "诉求"


class Category(models.Model):
    """A case category (治安隐患, 法律咨询 ...), seeded from the rule set ``cases_categories``.

    The deadline and points figures are copied from the rule version named in ``rule_ref``; a newer
    rule version updates the rows (``services.sync_categories``)."""

    code = models.CharField("代码", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    accept_hours = models.PositiveIntegerField("受理时限（小时）")
    resolve_days = models.PositiveIntegerField("办结时限（天）")
    workdays = models.BooleanField("按工作日计", default=True)
    points = models.PositiveIntegerField("有效上报积分", default=0)
    # The rule set configures the category as auto-award (``award: auto``): its points are paid on a
    # confirmation by a second person within the caps, without a points claim (services.awards).
    auto_award = models.BooleanField("自动计分", default=False)
    public = models.BooleanField("可公开（Open311）", default=False)
    attributes = models.JSONField("附加属性", default=list, blank=True)
    sort = models.PositiveIntegerField(default=0)
    active = models.BooleanField("启用", default=True)
    rule_ref = models.CharField("规则版本", max_length=60)
    rule_article = models.CharField("依据", max_length=300, blank=True)
    rule_verified = models.BooleanField(default=False)

    class Meta:
        verbose_name = "事项类别"
        verbose_name_plural = "事项类别"
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def published(self) -> bool:
        """Whether Open311 lists the category: public grid reports only, never appeals."""
        return self.kind == Kind.REPORT and self.public and self.active

    def deadline_text(self) -> str:
        unit = "个工作日" if self.workdays else "天"
        return f"{self.accept_hours}小时内受理，{self.resolve_days}{unit}内办结"


class RoutingRule(models.Model):
    """Category × region → handling organisation. The most specific rule wins: the deepest region
    that contains the case's place, and a rule naming the category over one for any category."""

    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="类别"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="+", verbose_name="承办组织")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "分派规则"
        verbose_name_plural = "分派规则"
        constraints = [
            models.UniqueConstraint(fields=["category", "region"], name="cases_routing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.category or '全部类别'} @ {self.region} → {self.org}"

    def audit_path(self) -> str:
        return self.region_path


class Channel(models.TextChoices):
    APP = "app", "本人上报"
    PHONE = "phone", "电话代报"
    WALK_IN = "walk_in", "驿站现场代报"
    OPEN311 = "open311", "Open311 接口"
    API = "api", "接口"


class State(models.TextChoices):
    SUBMITTED = "submitted", "已上报"
    ACCEPTED = "accepted", "已受理"
    ASSIGNED = "assigned", "已指派"
    IN_PROGRESS = "in_progress", "处置中"
    RESOLVED = "resolved", "已办结待确认"
    CLOSED = "closed", "已关闭"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS)
FINAL_STATES = (State.CLOSED, State.REJECTED, State.MERGED)


class Validity(models.TextChoices):
    VALID = "valid", "有效"
    INVALID = "invalid", "无效"
    MALICIOUS = "malicious", "恶意"


class Open311Key(models.Model):
    """An Open311 client's api_key. Only the SHA-256 is stored; the key is printed once."""

    name = models.CharField("名称", max_length=100)
    key_prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="所属区划")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Open311 密钥"
        verbose_name_plural = "Open311 密钥"

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @staticmethod
    def new_raw() -> str:
        return "o311_" + secrets.token_urlsafe(24)


class Case(models.Model):
    """One grid report or appeal, from intake to closing. Writes only through ``services``."""

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name="类别"
    )
    description = models.TextField("问题描述")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.SUBMITTED)
    state_changed_at = models.DateTimeField(default=timezone.now)

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="所在区划")
    region_path = models.CharField(max_length=255, editable=False, default="")
    handling_org = models.ForeignKey(
        PartyOrg, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="承办组织"
    )
    handler_path = models.CharField(max_length=255, blank=True, editable=False, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="承办人",
    )

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        verbose_name="上报人",
    )
    reporter_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="上报人（人员）",
    )
    reporter_name = models.CharField("上报人姓名", max_length=50, blank=True)
    reporter_mobile = EncryptedTextField("上报人电话", blank=True, default="")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="代报人",
    )
    channel = models.CharField("来源", max_length=10, choices=Channel.choices, default=Channel.APP)
    open311_key = models.ForeignKey(
        Open311Key, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SHA-256 of (client, content) of a public submission: a repeated POST within the rule's window is
    # answered with this case instead of filing a second one.
    submission_digest = models.CharField(max_length=64, blank=True, default="")

    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    published = models.BooleanField("公开展示（不含上报人身份）", default=False)
    media_url = models.URLField("外部图片链接", max_length=500, blank=True)
    attributes = models.JSONField("附加属性", default=dict, blank=True)

    validity = models.CharField("有效性", max_length=10, choices=Validity.choices, default=Validity.VALID)
    created_at = models.DateTimeField("上报时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_reason = models.CharField("关闭方式", max_length=20, blank=True)
    accept_due_at = models.DateTimeField("受理时限")
    resolve_due_at = models.DateTimeField("办结时限")
    # The next deadline an open case must meet (the accept deadline until accepted, then the resolve
    # deadline); NULL once resolved or closed. "Overdue" is ``open_due_at < now``, one indexed range.
    open_due_at = models.DateTimeField("当前时限", null=True, blank=True)
    accept_escalated_at = models.DateTimeField(null=True, blank=True)
    resolve_escalated_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("升级层级", default=0)
    escalated_to_path = models.CharField(max_length=255, blank=True, default="")
    rule_ref = models.CharField("时限依据", max_length=60, blank=True)

    resolution_note = models.TextField("办理结果", blank=True)
    rating = models.PositiveSmallIntegerField("满意度评价", null=True, blank=True)
    feedback = models.TextField("评价意见", blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("退回次数", default=0)
    points_awarded = models.IntegerField("已发放积分", default=0)
    points_note = models.CharField("积分说明", max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        verbose_name="合并到",
    )

    SCOPE = {"region": "region_path", "org": "handler_path"}

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["-created_at", "-id"]
        indexes = [
            # Path prefixes are LIKE 'p%' on PostgreSQL: pattern opclasses let the indexes answer them
            # (ignored on SQLite, where prefixes are ranges).
            models.Index(
                fields=["region_path", "state"],
                name="case_region_state",
                opclasses=["varchar_pattern_ops", ""],
            ),
            models.Index(
                fields=["handler_path", "state"],
                name="case_handler_state",
                opclasses=["varchar_pattern_ops", ""],
            ),
            models.Index(fields=["open_due_at"], name="case_open_due"),
            # Small partial indexes (open cases only) for the handling queue and "overdue under this node".
            models.Index(
                fields=["region_path", "open_due_at"],
                condition=models.Q(open_due_at__isnull=False),
                name="case_open_region",
                opclasses=["varchar_pattern_ops", ""],
            ),
            models.Index(
                fields=["handler_path", "open_due_at"],
                condition=models.Q(open_due_at__isnull=False),
                name="case_open_handler",
                opclasses=["varchar_pattern_ops", ""],
            ),
            models.Index(fields=["reporter", "created_at"], name="case_reporter_created"),
            models.Index(fields=["category", "state", "created_at"], name="case_cat_state_created"),
            models.Index(fields=["resolved_at"], name="case_resolved"),
            # Resolved cases waiting for the reporter, for the auto-close job.
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(state="resolved"),
                name="case_awaiting_confirmation",
            ),
            models.Index(fields=["created_at"], name="case_created"),
            models.Index(
                fields=["submission_digest", "created_at"],
                condition=~models.Q(submission_digest=""),
                name="case_submission_digest",
            ),
        ]

    def __str__(self) -> str:
        text = self.description.strip().replace("\n", " ")
        short = text[:24] + ("…" if len(text) > 24 else "")
        return f"{self.number} {self.category.name}：{short}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def number(self) -> str:
        prefix = "SB" if self.kind == Kind.REPORT else "SQ"
        return f"{prefix}{self.pk:06d}" if self.pk else prefix

    def audit_path(self) -> str:
        return self.handler_path or self.region_path

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.open_due_at is not None and self.open_due_at < (now or timezone.now())

    @property
    def badge(self) -> str:
        """Bootstrap colour of the state badge."""
        return {
            State.SUBMITTED: "warning",
            State.RESOLVED: "info",
            State.CLOSED: "success",
            State.REJECTED: "secondary",
            State.MERGED: "secondary",
        }.get(State(self.state), "primary")

    @property
    def on_time(self) -> bool | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at <= self.resolve_due_at

    @property
    def reporter_display(self) -> str:
        """The reporter's name for staff pages, masked beyond the surname."""
        name = self.reporter_name or (
            self.reporter.display_name if self.reporter_id and self.reporter else ""
        )
        if not name:
            return "匿名（Open311）" if self.channel == Channel.OPEN311 else "—"
        return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name

    @property
    def reporter_mobile_masked(self) -> str:
        return mask_mobile(self.reporter_mobile)


EVENT_LABELS = {
    "submit": "上报",
    "accept": "受理",
    "reject": "不予受理",
    "transfer": "转办",
    "assign": "指派",
    "start": "开始处置",
    "resolve": "办结",
    "confirm": "上报人确认",
    "reopen": "上报人退回",
    "auto_close": "超期未确认自动关闭",
    "merge": "合并",
    "invalidate": "标记无效",
    "escalate": "逾期升级",
}


class CaseTransition(AppendOnlyModel):
    """One step of a case's workflow: who moved it from which state to which, when, and why."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    event = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_transition_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_state}→{self.to_state} ({self.event})"

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(self.event, self.event)


class CaseEscalation(AppendOnlyModel):
    """One escalation of one breach (the accept or the resolve deadline at one due time)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    breach = models.CharField(max_length=10)  # "accept" or "resolve"
    due_at = models.DateTimeField()
    level = models.PositiveSmallIntegerField()
    target_path = models.CharField(max_length=255)
    target_name = models.CharField(max_length=100)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "breach", "due_at"], name="case_escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.breach} → {self.target_name}"


class CaseNote(models.Model):
    """An internal note among staff, or a reply to the reporter (``internal=False``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField("内容")
    internal = models.BooleanField("仅内部可见", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:30]


def _photo_path(instance: CasePhoto, filename: str) -> str:
    now = timezone.now()
    return f"cases/{now:%Y/%m}/{secrets.token_hex(12)}.jpg"


class CasePhoto(models.Model):
    """A photo of the scene (at intake) or of the result (at resolution): re-encoded JPEG, EXIF gone."""

    class Stage(models.TextChoices):
        REPORT = "report", "现场照片"
        RESOLUTION = "resolution", "办理结果照片"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.REPORT)
    image = models.FileField(upload_to=_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Kept on purpose from the EXIF data: when the photo was taken (evidence of timeliness).
    taken_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cases:photo", args=[self.pk])


class Notification(models.Model):
    """An in-app inbox message. Other senders (SMS, WeChat) are plugged in through ``notify``."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_read")]

    def __str__(self) -> str:
        return self.text


# --- volunteer services ------------------------------------------------------------------------
