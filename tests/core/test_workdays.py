from __future__ import annotations

import warnings
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tongxin.core import workdays
from tongxin.core.models import WorkdayOverride

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _first_uncovered_year() -> int:
    year = 2025
    while workdays.covered(year):
        year += 1
    return year


@pytest.mark.django_db
def test_national_holidays_and_make_up_days() -> None:
    assert not workdays.is_workday(date(2025, 10, 3))  # National Day holiday
    assert workdays.is_workday(date(2025, 9, 28))  # a Sunday that is a make-up working day
    assert not workdays.is_workday(date(2025, 9, 27))  # an ordinary Saturday
    assert workdays.is_workday(date(2025, 9, 30))
    # 2026 from the package too: the Spring Festival week off, Saturday 2026-02-14 a make-up day.
    assert not workdays.is_workday(date(2026, 2, 17))
    assert workdays.is_workday(date(2026, 2, 14))


@pytest.mark.django_db
def test_add_workdays_skips_the_golden_week() -> None:
    # 2025-09-30 (Tue) + 3 working days: Oct 1-8 are off, Oct 9 (Thu), Oct 10 (Fri), Oct 11 (Sat, make-up).
    assert workdays.add_workdays(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert workdays.workdays_between(date(2025, 9, 30), date(2025, 10, 11)) == 3


@pytest.mark.django_db
def test_local_override_wins() -> None:
    WorkdayOverride.objects.create(day=date(2025, 9, 30), is_workday=False, reason="县里补休")
    assert not workdays.is_workday(date(2025, 9, 30))
    assert workdays.add_workdays(date(2025, 9, 29), 1) == date(2025, 10, 9)


@pytest.mark.django_db
def test_a_year_not_published_counts_monday_to_friday_and_says_so() -> None:
    year = _first_uncovered_year()
    assert workdays.covered(year - 1)
    assert workdays.notice(date(year - 1, 12, 1)) is None
    assert (
        workdays.notice(date(year - 1, 12, 1), date(year, 1, 31))
        == f"{year}年节假日安排尚未发布，暂按周一至周五计算"
    )
    friday = date(year, 1, 1)
    while friday.weekday() != 4:
        friday = date(year, 1, friday.day + 1)
    with pytest.warns(workdays.CalendarNotPublished, match=f"{year}年节假日安排尚未发布，暂按周一至周五计算"):
        monday = workdays.add_workdays(friday, 1)
    assert monday == date(year, 1, friday.day + 3)  # the weekend skipped, nothing else assumed


@pytest.mark.django_db
def test_a_deadline_inside_a_published_year_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", workdays.CalendarNotPublished)
        due = workdays.deadline_after(datetime(2025, 9, 30, 10, tzinfo=SHANGHAI), 3)
    assert due == datetime(2025, 10, 11, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_a_local_override_for_an_unpublished_year_is_used_as_is() -> None:
    year = _first_uncovered_year()
    WorkdayOverride.objects.create(day=date(year, 1, 1), is_workday=False, reason="元旦（通知已发布）")
    assert not workdays.is_workday(date(year, 1, 1))
