"""Rule sets in force on a date: a date before the first version is the person's mistake, not a 500."""

from __future__ import annotations

from datetime import date

import pytest

from tongxin.core import rules
from tongxin.core.errors import DomainError


def test_the_version_in_force_is_the_latest_that_started_on_or_before_the_date() -> None:
    first = rules.versions("orgs_coverage")[0]
    assert rules.in_force("orgs_coverage", on=first.effective_from) == first


def test_a_date_before_the_first_version_is_a_domain_error_that_says_when_the_rules_begin() -> None:
    first = rules.versions("orgs_coverage")[0]
    with pytest.raises(DomainError) as exc:
        rules.in_force("orgs_coverage", on=date(1970, 1, 1))
    assert "1970-01-01" in exc.value.message and first.effective_from.isoformat() in exc.value.message


def test_an_unknown_rule_set_is_a_programming_error() -> None:
    with pytest.raises(LookupError) as exc:
        rules.in_force("no_such_rules", on=date(2026, 1, 1))
    assert not isinstance(exc.value, DomainError)
