"""Periods as explicit values: ``2026`` (year), ``2026Q2`` (quarter), ``2026-04`` (month)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tongxin.core.errors import DomainError

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def year_of(day: date) -> str:
    return str(day.year)


def keys_of(day: date) -> tuple[str, str, str]:
    """The month, quarter and year a day belongs to."""
    return month_of(day), quarter_of(day), year_of(day)


def kind_of(period: str) -> str:
    if _YEAR.match(period):
        return "year"
    if _QUARTER.match(period):
        return "quarter"
    if _MONTH.match(period):
        return "month"
    raise DomainError(f"周期“{period}”格式不正确，应为 2026、2026Q2 或 2026-04。", field="period")


def bounds(period: str) -> tuple[date, date]:
    """First and last day of ``period``."""
    kind = kind_of(period)
    year = int(period[:4])
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    if kind == "quarter":
        q = int(period[-1])
        start = date(year, 3 * q - 2, 1)
        end_month = 3 * q
    else:
        start = date(year, int(period[5:7]), 1)
        end_month = start.month
    nxt = date(year + 1, 1, 1) if end_month == 12 else date(year, end_month + 1, 1)
    return start, nxt - timedelta(days=1)


def of_kind(kind: str, day: date) -> str:
    return {"month": month_of, "quarter": quarter_of, "year": year_of}[kind](day)


def label(period: str) -> str:
    kind = kind_of(period)
    if kind == "year":
        return f"{period}年"
    if kind == "quarter":
        return f"{period[:4]}年第{period[-1]}季度"
    return f"{period[:4]}年{int(period[5:7])}月"


def recent(today: date, kind: str, n: int = 6) -> list[str]:
    """The ``n`` most recent periods of ``kind`` up to ``today``, newest first."""
    out: list[str] = []
    day = today
    while len(out) < n:
        p = of_kind(kind, day)
        if p not in out:
            out.append(p)
        day = bounds(p)[0] - timedelta(days=1)
    return out
