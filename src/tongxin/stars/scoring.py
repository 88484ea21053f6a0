"""The star rules: how indicator judgements make a star, and how stars make a level.

- An indicator gives a fraction: yes/no → 1 or 0; a score → score / max; a threshold on a measured
  value → 1 when the live figure meets it, else 0 (an unavailable figure never counts as met).
- A star is earned when the weighted share of its indicators reaches the star's ``pass_percent``.
- The criteria set's precondition star (支部过硬星) must be among the stars, else no star counts.
- The level is the first of the set's levels whose ``min_stars`` the count reaches (五星/四星/三星),
  else 三星以下.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tongxin.stars.metrics import Figure
from tongxin.stars.models import CriteriaSet, Indicator
from tongxin.stars.models.cycle import Level


@dataclass(frozen=True)
class Outcome:
    stars: list[str]  # the stars that count, in the set's order
    count: int
    level: str
    precondition_missing: bool


def indicator_fraction(
    indicator: Indicator, *, met: bool | None, score: int | None, figure: Figure | None
) -> Fraction:
    if indicator.method == Indicator.Method.YES_NO:
        return Fraction(1) if met else Fraction(0)
    if indicator.method == Indicator.Method.SCORE:
        if score is None or not indicator.max_score:
            return Fraction(0)
        return Fraction(min(score, indicator.max_score), indicator.max_score)
    if figure is None or figure.value is None or indicator.threshold is None:
        return Fraction(0)
    return Fraction(1) if meets(figure.value, indicator.comparison, indicator.threshold) else Fraction(0)


def meets(value: Decimal, comparison: str, threshold: Decimal) -> bool:
    return value >= threshold if comparison == Indicator.Comparison.GTE else value <= threshold


def star_share(weighted: Iterable[tuple[int, Fraction]]) -> Fraction:
    items = list(weighted)
    total = sum(w for w, _ in items)
    if not total:
        return Fraction(0)
    return sum((Fraction(w) * f for w, f in items), Fraction(0)) / total


def star_earned(share: Fraction, pass_percent: int) -> bool:
    return share * 100 >= pass_percent


def level_for(count: int, levels: list[dict[str, object]]) -> str:
    for level in sorted(levels, key=lambda lv: -int(str(lv["min_stars"]))):
        if count >= int(str(level["min_stars"])):
            return str(level["code"])
    return Level.BELOW


def apply_rules(criteria_set: CriteriaSet, star_codes: Iterable[str]) -> Outcome:
    """Apply the precondition and the level rules to the stars as decided."""
    order = {s.code: s.order for s in criteria_set.stars.all()}
    chosen = sorted({c for c in star_codes if c in order}, key=lambda c: order[c])
    pre = criteria_set.precondition
    missing = bool(pre) and pre not in chosen
    counted = [] if missing else chosen
    return Outcome(
        stars=counted,
        count=len(counted),
        level=level_for(len(counted), criteria_set.levels),
        precondition_missing=missing,
    )
