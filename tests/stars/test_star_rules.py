"""The star rules: the precondition star, and how many stars make each level."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tongxin.stars import scoring
from tongxin.stars.metrics import Figure
from tongxin.stars.models import CriteriaSet, Indicator

ALL = ["party_strength", "prosperity", "ecology", "rule_of_law", "civility"]


@pytest.mark.parametrize(
    ("stars", "count", "level"),
    [
        (ALL, 5, "five"),
        (ALL[:4], 4, "four"),
        (ALL[:3], 3, "three"),
        (ALL[:2], 2, "below"),
        (["party_strength"], 1, "below"),
        ([], 0, "below"),
        # Without the precondition star no other star counts.
        (ALL[1:], 0, "below"),
        (["prosperity", "ecology", "rule_of_law"], 0, "below"),
    ],
)
def test_counts_to_level_with_precondition(
    criteria: CriteriaSet, stars: list[str], count: int, level: str
) -> None:
    outcome = scoring.apply_rules(criteria, stars)
    assert outcome.count == count
    assert outcome.level == level
    assert outcome.precondition_missing == ("party_strength" not in stars)


def test_unknown_and_duplicate_stars_do_not_count(criteria: CriteriaSet) -> None:
    outcome = scoring.apply_rules(criteria, ["party_strength", "party_strength", "moon", "ecology"])
    assert outcome.stars == ["party_strength", "ecology"]


def test_levels_follow_the_criteria_data_not_code(criteria: CriteriaSet) -> None:
    levels = [
        {"code": "five", "min_stars": 4},
        {"code": "four", "min_stars": 3},
        {"code": "three", "min_stars": 2},
    ]
    assert scoring.level_for(4, levels) == "five"
    assert scoring.level_for(2, levels) == "three"
    assert scoring.level_for(1, levels) == "below"


def test_indicator_fractions(criteria: CriteriaSet) -> None:
    yes_no = Indicator(method="yes_no")
    assert scoring.indicator_fraction(yes_no, met=True, score=None, figure=None) == 1
    assert scoring.indicator_fraction(yes_no, met=None, score=None, figure=None) == 0
    score = Indicator(method="score", max_score=10)
    assert scoring.indicator_fraction(score, met=None, score=7, figure=None) == Fraction(7, 10)
    metric = Indicator(method="metric", comparison=">=", threshold=Decimal(60))
    assert scoring.indicator_fraction(metric, met=None, score=None, figure=Figure(Decimal(60), "")) == 1
    assert scoring.indicator_fraction(metric, met=None, score=None, figure=Figure(Decimal("59.9"), "")) == 0
    # An unavailable figure never counts as met.
    assert scoring.indicator_fraction(metric, met=None, score=None, figure=Figure(None, "", "无数据")) == 0
    at_most = Indicator(method="metric", comparison="<=", threshold=Decimal(0))
    assert scoring.indicator_fraction(at_most, met=None, score=None, figure=Figure(Decimal(0), "")) == 1
    assert scoring.indicator_fraction(at_most, met=None, score=None, figure=Figure(Decimal(1), "")) == 0


def test_star_share_is_weighted() -> None:
    share = scoring.star_share([(3, Fraction(1)), (1, Fraction(0))])
    assert share == Fraction(3, 4)
    assert scoring.star_earned(share, 75)
    assert not scoring.star_earned(share, 76)
