from __future__ import annotations

from datetime import date

import pytest

from tongxin.core import workdays
from tongxin.core.models import WorkdayOverride


@pytest.mark.django_db
def test_national_holidays_and_make_up_days() -> None:
    assert not workdays.is_workday(date(2025, 10, 3))  # National Day holiday
    assert workdays.is_workday(date(2025, 9, 28))  # a Sunday that is a make-up working day
    assert not workdays.is_workday(date(2025, 9, 27))  # an ordinary Saturday
    assert workdays.is_workday(date(2025, 9, 30))


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


def test_uncovered_year_is_reported() -> None:
    assert workdays.covered(2025)
    assert not workdays.covered(2031)
