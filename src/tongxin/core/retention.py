"""Retention of the audit log: events younger than 180 days are never purged, whatever the setting."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from tongxin.core.models import AuditEvent

MINIMUM_RETENTION_DAYS = 180


def purge_audit_events(*, now: datetime, days: int | None = None) -> int:
    """Delete audit events older than ``max(days or AUDIT_RETENTION_DAYS, 180)`` days; returns count.

    The model refuses deletes through the ORM; this is the single, bounded path that removes rows.
    """
    keep = max(days or settings.AUDIT_RETENTION_DAYS, MINIMUM_RETENTION_DAYS)
    cutoff = now - timedelta(days=keep)
    table = AuditEvent._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608 - table name is ours
        return cur.rowcount or 0
