"""积分榜 snapshots: a published board is frozen with the chain heads it was computed from."""

from __future__ import annotations

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone

from tongxin.orgs.models import Region


def new_token() -> str:
    return secrets.token_urlsafe(16)


class PublishedBoard(models.Model):
    """A frozen board. ``rows`` is the board as published; ``heads`` maps scheme id → [seq, hash]."""

    class By(models.TextChoices):
        PERSON = "person", "按个人"
        HOUSEHOLD = "household", "按户"

    class Audience(models.TextChoices):
        ALL = "all", "全体"
        MEMBERS = "members", "党员"
        VILLAGERS = "villagers", "群众"

    class NameStyle(models.TextChoices):
        FULL = "full", "全名"
        INITIAL = "initial", "姓氏加名字首字"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    region_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField("标题", max_length=200)
    period = models.CharField("周期", max_length=7)
    by = models.CharField("排名对象", max_length=10, choices=By.choices)
    audience = models.CharField("范围", max_length=10, choices=Audience.choices)
    name_style = models.CharField("姓名显示", max_length=10, choices=NameStyle.choices)
    size = models.PositiveIntegerField("名次数")
    rows = models.JSONField()
    heads = models.JSONField()
    content_hash = models.CharField(max_length=64)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "已发布积分榜"
        verbose_name_plural = "已发布积分榜"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("points:public_board", args=[self.token])

    def audit_path(self) -> str:
        return self.region_path

    def get_verify_url(self) -> str:
        return reverse("points:public_verify", args=[self.token])
