"""Working days: the national holiday calendar with its make-up days (rule set ``cn_workdays``), plus
local overrides (``WorkdayOverride`` rows, e.g. a county's own day off). Years the rule set does not
cover fall back to Monday–Friday, and ``covered(year)`` says so, so the UI can warn.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from django.utils import timezone

from tongxin.core import rules
from tongxin.core.models import WorkdayOverride


@lru_cache(maxsize=1)
def _national() -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    rs = rules.versions("cn_workdays")[-1]
    holidays: set[date] = set()
    workdays: set[date] = set()
    years: set[int] = set()
    for key, rule in rs.rules.items():
        year = int(key.rsplit("_", 1)[1])
        years.add(year)
        if key.startswith("holidays_"):
            for start, end in rule.value:
                d = start
                while d <= end:
                    holidays.add(d)
                    d += timedelta(days=1)
        else:
            workdays.update(rule.value)
    return frozenset(holidays), frozenset(workdays), frozenset(years)


def covered(year: int) -> bool:
    """Whether the national calendar for ``year`` is in the rule data."""
    return year in _national()[2]


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(WorkdayOverride.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday"))


def is_workday(day: date, *, overrides: dict[date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    if day in overrides:
        return overrides[day]
    holidays, workdays, _ = _national()
    if day in workdays:
        return True
    if day in holidays:
        return False
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
    end = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=local.tzinfo)
    return end


def today() -> date:
    return timezone.localdate()


__all__ = ["add_workdays", "covered", "deadline_after", "is_workday", "today", "workdays_between"]
