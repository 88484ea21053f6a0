"""Evaluating a cycle's self-assessment: each indicator's judgement (with the live figure for
measured indicators), each star's share, and the level the star rules give."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from tongxin.stars import scoring
from tongxin.stars.metrics import Figure, measure
from tongxin.stars.models import Evidence, Indicator, IndicatorAssessment, Star, StarCycle


@dataclass
class IndicatorRow:
    indicator: Indicator
    assessment: IndicatorAssessment | None
    figure: Figure | None
    fraction: Fraction
    evidence: list[Evidence]

    @property
    def assessed(self) -> bool:
        if self.indicator.method == Indicator.Method.METRIC:
            return True
        a = self.assessment
        if a is None:
            return False
        return a.met is not None if self.indicator.method == Indicator.Method.YES_NO else a.score is not None

    @property
    def percent(self) -> int:
        return int(self.fraction * 100)

    def snapshot(self) -> dict[str, Any]:
        a = self.assessment
        return {
            "met": a.met if a else None,
            "score": a.score if a else None,
            "note": a.note if a else "",
            "figure": str(self.figure.value) if self.figure and self.figure.available else None,
            "figure_text": self.figure.text if self.figure else "",
            "figure_reason": self.figure.reason if self.figure else "",
            "fraction": str(self.fraction),
            "evidence": [e.pk for e in self.evidence],
        }


@dataclass
class StarRow:
    star: Star
    rows: list[IndicatorRow] = field(default_factory=list)

    @property
    def share(self) -> Fraction:
        return scoring.star_share((r.indicator.weight, r.fraction) for r in self.rows)

    @property
    def percent(self) -> int:
        return int(self.share * 100)

    @property
    def earned(self) -> bool:
        return scoring.star_earned(self.share, self.star.pass_percent)


@dataclass
class Evaluation:
    stars: list[StarRow]
    outcome: scoring.Outcome

    @property
    def earned_codes(self) -> list[str]:
        return [s.star.code for s in self.stars if s.earned]

    @property
    def unassessed(self) -> list[IndicatorRow]:
        return [r for s in self.stars for r in s.rows if not r.assessed]

    def detail(self) -> dict[str, Any]:
        return {r.indicator.code: r.snapshot() for s in self.stars for r in s.rows}


def evaluate(cycle: StarCycle, *, now: datetime) -> Evaluation:
    """The live evaluation of ``cycle`` (figures measured now)."""
    stars = list(cycle.criteria_set.stars.prefetch_related("indicators").order_by("order"))
    assessments = {
        a.indicator_id: a
        for a in IndicatorAssessment.objects.filter(cycle=cycle).prefetch_related("evidence")
    }
    region = cycle.region
    figures: dict[str, Figure] = {}
    out: list[StarRow] = []
    for star in stars:
        star_row = StarRow(star=star)
        for ind in star.indicators.all():
            a = assessments.get(ind.pk)
            figure = None
            if ind.method == Indicator.Method.METRIC:
                if ind.metric not in figures:
                    figures[ind.metric] = measure(ind.metric, region=region, year=cycle.year, now=now)
                figure = figures[ind.metric]
            fraction = scoring.indicator_fraction(
                ind, met=a.met if a else None, score=a.score if a else None, figure=figure
            )
            star_row.rows.append(
                IndicatorRow(
                    indicator=ind,
                    assessment=a,
                    figure=figure,
                    fraction=fraction,
                    evidence=list(a.evidence.all()) if a else [],
                )
            )
        out.append(star_row)
    earned = [s.star.code for s in out if s.earned]
    return Evaluation(stars=out, outcome=scoring.apply_rules(cycle.criteria_set, earned))
