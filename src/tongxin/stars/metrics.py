"""Measured values for indicators judged by a threshold, by name.

Each metric calls another module's selector by a typed import (the layer contract lets ``stars`` use
``orgs``, ``points`` and ``cases``), so renaming a selector breaks the import and the tests, never
silently a figure. A metric whose source module does not exist yet (organisational life waits for the
``life`` module) is declared *pending* with its reason: its figure is unavailable with that reason, and
an indicator judged by it never counts as met.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from tongxin.cases.selectors import overdue_count
from tongxin.orgs.models import Region
from tongxin.orgs.selectors import coverage_findings
from tongxin.points.selectors import household_participation

UNMEASURABLE = "无法测算"


@dataclass(frozen=True)
class Figure:
    """A live figure: ``value`` is None when it cannot be measured, and ``reason`` says why."""

    value: Decimal | None
    text: str
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None

    @classmethod
    def unavailable(cls, reason: str) -> Figure:
        return cls(None, UNMEASURABLE, reason)


Compute = Callable[[Region, int, datetime], Figure]


@dataclass(frozen=True)
class Metric:
    """A named figure. Exactly one of ``compute`` (the live measurement) and ``pending`` (why it
    cannot be measured yet) is set."""

    name: str
    label: str
    unit: str
    compute: Compute | None = None
    pending: str = ""

    def __post_init__(self) -> None:
        if (self.compute is None) == (not self.pending):
            raise ValueError(f"metric {self.name}: give either compute or pending, not both or neither")

    def measure(self, region: Region, year: int, now: datetime) -> Figure:
        if self.compute is None:
            return Figure.unavailable(self.pending)
        return self.compute(region, year, now)


def _participation(region: Region, year: int, now: datetime) -> Figure:
    active, total = household_participation(region=region, year=year)
    if not total:
        return Figure.unavailable(f"{region.name}尚未登记户，无法计算参与率")
    pct = (Decimal(active) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Figure(pct, f"{pct}%（{active}/{total}户）")


def _overdue_cases(region: Region, year: int, now: datetime) -> Figure:
    n = overdue_count(region=region, now=now)
    return Figure(Decimal(n), f"{n}件超期")


def _coverage_findings(region: Region, year: int, now: datetime) -> Figure:
    n = len(coverage_findings(region=region))
    return Figure(Decimal(n), f"{n}项未整改")


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("points.household_participation_pct", "党群积分参与户数占比", "%", compute=_participation),
        Metric("cases.overdue_count", "超期未办结的网格事项", "件", compute=_overdue_cases),
        Metric("orgs.open_coverage_findings", "组织覆盖检查未整改问题", "项", compute=_coverage_findings),
        Metric(
            "life.org_life_on_schedule_pct",
            "“三会一课”按期召开率",
            "%",
            pending="组织生活（三会一课）模块尚未上线，暂不能自动测算；请用自评或评分指标代替",
        ),
    ]
}


def measure(name: str, *, region: Region, year: int, now: datetime) -> Figure:
    metric = METRICS.get(name)
    if metric is None:
        return Figure.unavailable(f"未知的测算指标：{name}")
    return metric.measure(region, year, now)
