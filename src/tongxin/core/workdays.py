"""Working days: the national holiday calendar with its make-up days, plus local overrides.

The national calendar comes from the maintained ``chinesecalendar`` package (the State Council's yearly
notices, 国务院办公厅关于部分节假日安排的通知); nobody here types holiday tables by hand. Local changes
— a county's own day off, a make-up day, or a new year's national notice published before the package
carries it — are ``WorkdayOverride`` rows, and they win over the national calendar.

A year the package does not cover yet is counted Monday to Friday, and callers are told so plainly:
``notice()`` gives the sentence to show ("2027年节假日安排尚未发布，暂按周一至周五计算"), and every
count that used such a day warns with ``CalendarNotPublished``.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

from tongxin.core.models import WorkdayOverride

NOT_PUBLISHED = "{year}年节假日安排尚未发布，暂按周一至周五计算"


class CalendarNotPublished(UserWarning):
    """A working-day count used a year whose national holidays are not known yet (Monday–Friday)."""

    def __init__(self, year: int) -> None:
        super().__init__(NOT_PUBLISHED.format(year=year))
        self.year = year


@lru_cache(maxsize=64)
def covered(year: int) -> bool:
    """Whether the national holiday calendar for ``year`` is known (published and in the package)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:  # chinesecalendar's way of saying a year's holidays are not published yet
        return False
    return True


def notice(start: date, end: date | None = None) -> str | None:
    """The sentence to show when ``start``..``end`` (inclusive) reaches a year without a national
    calendar, e.g. "2027年节假日安排尚未发布，暂按周一至周五计算"; None when every year is covered."""
    years = range(start.year, (end or start).year + 1)
    missing = [year for year in years if not covered(year)]
    return "；".join(NOT_PUBLISHED.format(year=year) for year in missing) or None


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(WorkdayOverride.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday"))


def is_workday(day: date, *, overrides: dict[date, bool] | None = None) -> bool:
    """Whether ``day`` is a working day: a local override first, then the national calendar, then
    (for a year not published yet, with a ``CalendarNotPublished`` warning) Monday to Friday."""
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    if covered(day.year):
        return bool(chinese_calendar.is_workday(day))
    warnings.warn(CalendarNotPublished(day.year), stacklevel=2)
    return day.weekday() < 5


def add_workdays(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (``start`` itself not counted). n=0 gives start."""
    overrides = _overrides(start, start + timedelta(days=n * 3 + 30))
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day, overrides=overrides):
            remaining -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many have passed since ``start`` by ``end``."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day, overrides=overrides):
            count += 1
    return count


def deadline_after(moment: datetime, n_workdays: int) -> datetime:
    """End of the ``n``-th working day after ``moment``'s local date (23:59:59 local time)."""
    local = timezone.localtime(moment)
    day = add_workdays(local.date(), n_workdays)
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=local.tzinfo)


__all__ = [
    "NOT_PUBLISHED",
    "CalendarNotPublished",
    "add_workdays",
    "covered",
    "deadline_after",
    "is_workday",
    "notice",
    "workdays_between",
]
