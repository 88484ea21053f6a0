"""Request counters of the rate limits on the public endpoints (Open311), when no Redis is configured:
one row per (limit key, time window), incremented by a conditional ``UPDATE ... SET count = count + 1``."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "访问频率计数"
        verbose_name_plural = "访问频率计数"
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_key_window")]
        indexes = [models.Index(fields=["window_start"], name="ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start:%H:%M}: {self.count}"
