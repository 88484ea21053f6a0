"""Fixed-window rate limits for the public endpoints (Open311): ``hit(key, limit=…)`` counts one request
and says whether it is still within the limit.

Where the counts live (setting ``RATELIMIT_BACKEND``): ``"cache"`` — the default cache, which is Redis
when ``TONGXIN_REDIS_URL`` is configured (``add`` + atomic ``incr``); ``"database"`` otherwise — one
``RateCounter`` row per key and minute, incremented by a conditional ``UPDATE … SET count = count + 1``
so that concurrent requests never lose a count (the embedded SQLite install has no Redis)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tongxin.cases.models import RateCounter

# Counter rows older than this are deleted as new windows open (they are only needed for one window).
_KEEP = timedelta(hours=1)


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo or timezone.get_current_timezone())


def hit(key: str, *, limit: int, window_seconds: int = 60, now: datetime | None = None) -> bool:
    """Count one request under ``key``; True while the window's count is at most ``limit``."""
    now = now or timezone.now()
    start = _window_start(now, window_seconds)
    if getattr(settings, "RATELIMIT_BACKEND", "database") == "cache":
        name = f"tongxin:rl:{key}:{int(start.timestamp())}"
        cache.add(name, 0, timeout=window_seconds * 2)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, timeout=window_seconds * 2)
            count = 1
        return count <= limit
    return _hit_database(key[:120], start, now) <= limit


def _hit_database(key: str, start: datetime, now: datetime) -> int:
    with transaction.atomic():
        if RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1) == 0:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window_start=start, count=1)
            except IntegrityError:  # another request opened the window first
                RateCounter.objects.filter(key=key, window_start=start).update(count=F("count") + 1)
            else:
                RateCounter.objects.filter(window_start__lt=now - _KEEP).delete()
        return RateCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True).get()
