"""五星支部创建: criteria sets, the annual cycle per branch, evidence, weak branches, supervision."""

from tongxin.stars.models.criteria import CriteriaSet, Indicator, Star
from tongxin.stars.models.cycle import (
    CycleTransition,
    IndicatorAssessment,
    Objection,
    StarCycle,
    StarResult,
)
from tongxin.stars.models.evidence import Evidence
from tongxin.stars.models.lists import Pairing, WeakBranch
from tongxin.stars.models.supervision import RectificationTask, SupervisionVisit, TaskTransition

__all__ = [
    "CriteriaSet",
    "CycleTransition",
    "Evidence",
    "Indicator",
    "IndicatorAssessment",
    "Objection",
    "Pairing",
    "RectificationTask",
    "Star",
    "StarCycle",
    "StarResult",
    "SupervisionVisit",
    "TaskTransition",
    "WeakBranch",
]
