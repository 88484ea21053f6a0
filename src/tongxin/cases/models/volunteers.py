"""Volunteer teams (爱心车队, 志愿服务队), their members, and service records: the rows the public-report
tallies are summed from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tongxin.orgs.models import PartyOrg, Person, Region


class VolunteerTeam(models.Model):
    """A volunteer team: 爱心车队 (riders and drivers with vehicles) or 志愿服务队."""

    class TeamKind(models.TextChoices):
        LOVE_FLEET = "love_fleet", "爱心车队"
        VOLUNTEER = "volunteer", "志愿服务队"

    name = models.CharField("队伍名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=TeamKind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="所在区划")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    org = models.ForeignKey(
        PartyOrg, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="牵头党组织"
    )
    org_path = models.CharField(max_length=255, blank=True, editable=False, default="")
    founded_on = models.DateField("成立日期", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["region_path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteer_team_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:team", args=[self.pk])

    def audit_path(self) -> str:
        return self.region_path


class TeamMember(models.Model):
    team = models.ForeignKey(VolunteerTeam, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="队员")
    role = models.CharField("职务", max_length=30, blank=True)
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)

    class Meta:
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "person"],
                condition=models.Q(left_on__isnull=True),
                name="team_member_active_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.person}"


class ServiceRecord(models.Model):
    """One act of service: a medicine delivery, a door-to-door visit, leaflets handed out (with their
    number). Tallies of the public reports are sums over these rows, never typed figures."""

    class ServiceKind(models.TextChoices):
        MEDICINE_DELIVERY = "medicine_delivery", "送药上门"
        DOOR_TO_DOOR = "door_to_door", "入户服务"
        LEAFLETS = "leaflets", "发放宣传资料"
        OTHER = "other", "其他服务"

    kind = models.CharField("服务类型", max_length=20, choices=ServiceKind.choices)
    team = models.ForeignKey(
        VolunteerTeam,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name="队伍",
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="服务人")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="服务地点")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    served_on = models.DateField("服务日期")
    quantity = models.PositiveIntegerField("数量（份/次）", default=1)
    minutes = models.PositiveIntegerField("服务时长（分钟）", default=0)
    beneficiaries = models.PositiveIntegerField("服务对象人数", default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The second person: points for a service are paid only when someone other than the recorder (and
    # other than the person served by the points) confirms the record.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="确认人",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    points_awarded = models.IntegerField("已发放积分", default=0)
    points_note = models.CharField("积分说明", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["-served_on", "-id"]
        indexes = [models.Index(fields=["region_path", "served_on"], name="service_region_day")]

    def __str__(self) -> str:
        return f"{self.served_on} {self.get_kind_display()} {self.person}"

    def audit_path(self) -> str:
        return self.region_path
