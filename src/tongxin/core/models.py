"""Shared kernel models: the append-only audit log, job locks, and abstract bases for the trees."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} 是只追加记录，不能修改。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} 是只追加记录，不能删除。")


class AppendOnlyModel(models.Model):
    """A row that is written once: ``save()`` on an existing row and ``delete()`` raise."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} 是只追加记录，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} 是只追加记录，不能删除。")


class AuditEvent(AppendOnlyModel):
    """One recorded action: who did what to which object, from where, and whether it succeeded."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    success = models.BooleanField(default=True)
    message = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor_username", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"


class JobLock(models.Model):
    """A named lock row so that two concurrent ``tongxin tick`` runs don't run one job together."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=100)
    acquired_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class TreeNode(models.Model):
    """A node of a tree with a materialised path: ``/<prefix><id>/.../<prefix><id>/``.

    Every descendant's path starts with its ancestor's path, so "this node and its subtree" is a
    prefix query. Paths are written only by the owning app's services.
    """

    PATH_PREFIX: ClassVar[str] = "n"

    name = models.CharField("名称", max_length=100)
    code = models.CharField("代码", max_length=32, blank=True, db_index=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def segment(self) -> str:
        return f"{self.PATH_PREFIX}{self.pk}/"


class Stamped(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class WorkdayOverride(models.Model):
    """A local change to the national working-day calendar (a county's own holiday, a make-up day)."""

    day = models.DateField(unique=True)
    is_workday = models.BooleanField()
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '休息'}"
