"""Excel export of cases (openpyxl): one row per case, personal data masked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from tongxin.cases.models import Case
from tongxin.core.xlsx import Column, table

HEADERS = [
    "编号", "类型", "类别", "状态", "所在区划", "承办组织", "上报人", "来源", "上报时间", "受理时限",
    "办结时限", "办结时间", "是否按时", "是否逾期", "升级层级", "满意度", "有效性", "发放积分",
]  # fmt: skip
WIDTHS = [10, 8, 12, 12, 12, 20, 8, 12, 17, 17, 17, 17, 8, 8, 8, 8, 8, 8]


def _local(dt: datetime | None) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def _row(c: Case, now: datetime) -> list[object]:
    on_time = c.on_time
    return [
        c.number,
        c.get_kind_display(),
        c.category.name,
        c.get_state_display(),
        c.region.name,
        c.handling_org.name if c.handling_org else "",
        c.reporter_display,
        c.get_channel_display(),
        _local(c.created_at),
        _local(c.accept_due_at),
        _local(c.resolve_due_at),
        _local(c.resolved_at),
        "" if on_time is None else ("是" if on_time else "否"),
        "是" if c.is_overdue(now) else "否",
        c.escalation_level,
        c.rating or "",
        c.get_validity_display(),
        c.points_awarded,
    ]


def cases_workbook(cases: Iterable[Case], *, now: datetime) -> bytes:
    """The cases as an .xlsx file (bytes): one sheet, a bold header, one row per case."""
    columns = [Column(label, width) for label, width in zip(HEADERS, WIDTHS, strict=True)]
    return table(name="事项", columns=columns, rows=(_row(c, now) for c in cases))
