"""Measured values for indicators judged by a threshold, by name. Each metric asks another module
through its published selector contract (never its models); when that module does not offer the
contract, the metric is *unavailable* with the reason, and the indicator cannot count as met."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tongxin.orgs.models import Region


@dataclass(frozen=True)
class Figure:
    """A live figure: ``value`` is None when it cannot be measured, and ``reason`` says why."""

    value: Decimal | None
    text: str
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    compute: Callable[[Region, int, datetime], Figure]


def contract(module: str, name: str) -> Callable[..., Any] | None:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def _missing(module: str, name: str) -> Figure:
    return Figure(None, "无法测算", f"{module}.{name} 接口尚未提供，无法自动测算")


def _participation(region: Region, year: int, now: datetime) -> Figure:
    fn = contract("tongxin.points.selectors", "household_participation")
    if fn is None:
        return _missing("tongxin.points.selectors", "household_participation")
    active, total = fn(region=region, year=year)
    if not total:
        return Figure(None, "无法测算", f"{region.name}尚未登记户，无法计算参与率")
    pct = (Decimal(active) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Figure(pct, f"{pct}%（{active}/{total}户）")


def _overdue_cases(region: Region, year: int, now: datetime) -> Figure:
    fn = contract("tongxin.cases.selectors", "overdue_count")
    if fn is None:
        return _missing("tongxin.cases.selectors", "overdue_count")
    n = int(fn(region=region, now=now))
    return Figure(Decimal(n), f"{n}件超期")


def _coverage_findings(region: Region, year: int, now: datetime) -> Figure:
    fn = contract("tongxin.orgs.selectors", "coverage_findings")
    if fn is None:
        return _missing("tongxin.orgs.selectors", "coverage_findings")
    n = len(list(fn(region=region)))
    return Figure(Decimal(n), f"{n}项未整改")


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("points.household_participation_pct", "党群积分参与户数占比", "%", _participation),
        Metric("cases.overdue_count", "超期未办结的网格事项", "件", _overdue_cases),
        Metric("orgs.open_coverage_findings", "组织覆盖检查未整改问题", "项", _coverage_findings),
    ]
}


def measure(name: str, *, region: Region, year: int, now: datetime) -> Figure:
    metric = METRICS.get(name)
    if metric is None:
        return Figure(None, "无法测算", f"未知的测算指标：{name}")
    return metric.compute(region, year, now)
