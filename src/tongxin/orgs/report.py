"""Coverage figures (两个覆盖) per region and per industry, over a scoped set of units.

- 单位数: registered, active units;
- 组织覆盖: units covered by an active party organisation (their own or a joint branch);
- 工作覆盖: units reached by a party-building instructor, a union or a youth-league organisation;
- 新就业群体: the gig workers the units declare; those of them registered as party members
  (formal or probationary); 入党申请: applications (入党申请书) received in the period.

People are counted through their unit, so every figure of a row refers to the same units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Min, QuerySet

from tongxin.core.rules import RuleSet
from tongxin.core.scoping import prefix_q
from tongxin.orgs.coverage import UnitFacts, basis_label, rule_set, unit_facts
from tongxin.orgs.models import Region, Unit


@dataclass
class Row:
    key: str
    label: str
    units: int = 0
    org_covered: int = 0
    work_covered: int = 0
    gig_workers: int = 0
    gig_members: int = 0
    applications: int = 0
    region_id: int | None = None

    @property
    def org_rate(self) -> float:
        return round(100 * self.org_covered / self.units, 1) if self.units else 0.0

    @property
    def work_rate(self) -> float:
        return round(100 * self.work_covered / self.units, 1) if self.units else 0.0

    def add(self, other: Row) -> None:
        self.units += other.units
        self.org_covered += other.org_covered
        self.work_covered += other.work_covered
        self.gig_workers += other.gig_workers
        self.gig_members += other.gig_members
        self.applications += other.applications


@dataclass
class Report:
    focus: Region | None
    start: date
    end: date
    total: Row
    rule_set: RuleSet
    by_region: list[Row] = field(default_factory=list)
    by_industry: list[Row] = field(default_factory=list)

    @property
    def basis(self) -> str:
        """The rule version the figures were computed with, in words (shown beside every figure)."""
        return basis_label(self.rule_set)

    COLUMNS = [
        ("label", "名称"),
        ("units", "单位数"),
        ("org_covered", "组织覆盖单位数"),
        ("org_rate", "组织覆盖率(%)"),
        ("work_covered", "工作覆盖单位数"),
        ("work_rate", "工作覆盖率(%)"),
        ("gig_workers", "新就业群体人数"),
        ("gig_members", "其中党员"),
        ("applications", "期间入党申请"),
    ]


def focus_of(units: QuerySet[Unit], region: Region | None) -> Region | None:
    """The region a report is about: the one asked for, else the deepest region above all the units."""
    if region is not None:
        return region
    bounds = units.order_by().aggregate(lo=Min("region_path"), hi=Max("region_path"))
    return common_region(bounds["lo"] or "", bounds["hi"] or "")


def common_region(lo: str, hi: str) -> Region | None:
    """The deepest region whose path is a prefix of both paths (of the lowest and highest path of a
    set, hence of every path in between)."""
    if not lo or not hi:
        return None
    common = ""
    for seg_lo, seg_hi in zip(lo.strip("/").split("/"), hi.strip("/").split("/"), strict=False):
        if seg_lo != seg_hi:
            break
        common += seg_lo + "/"
    if not common:
        return None
    return Region.objects.filter(path="/" + common).first()


def coverage_report(
    units: QuerySet[Unit],
    *,
    region: Region | None,
    start: date,
    end: date,
    facts: dict[int, UnitFacts] | None = None,
) -> Report:
    """Figures for the units of ``units`` under ``region`` (their common region when None), broken down
    by the region's children and by industry. ``facts`` may come from an evaluation of the same units
    with the same period (the coverage page computes them once for the figures and the findings)."""
    units = units.filter(is_active=True)
    focus = focus_of(units, region)
    if focus is not None:
        units = units.filter(prefix_q("region_path", focus.path))
    if facts is None:
        facts = unit_facts(units, (start, end))

    children = list(Region.objects.filter(parent=focus).order_by("code", "name")) if focus else []
    region_rows = {c.path: Row(key=c.path, label=c.name, region_id=c.pk) for c in children}
    own_row = Row(key=focus.path if focus else "", label=f"{focus.name}（本级）" if focus else "未分区划")
    industry_rows: dict[str, Row] = {}
    industry_labels = dict(Unit.Industry.choices)
    total = Row(key="total", label=focus.name if focus else "合计", region_id=focus.pk if focus else None)
    child_len = len(focus.path) if focus else 0
    prefix = focus.path if focus else ""
    for f in facts.values():
        if not f.region_path.startswith(prefix):
            continue
        one = Row(
            key="",
            label="",
            units=1,
            org_covered=int(f.organised),
            work_covered=int(f.has_union or f.has_youth_league or f.has_instructor),
            gig_workers=f.gig_workers,
            gig_members=f.gig_members,
            applications=f.applications,
        )
        total.add(one)
        # The child region is the first path segment below the focus region.
        cut = f.region_path.find("/", child_len) + 1 if focus else 0
        region_rows.get(f.region_path[:cut], own_row).add(one)
        if f.industry not in industry_rows:
            industry_rows[f.industry] = Row(key=f.industry, label=industry_labels.get(f.industry, f.industry))
        industry_rows[f.industry].add(one)
    by_region = [region_rows[c.path] for c in children]
    if own_row.units:
        by_region.append(own_row)
    by_industry = sorted(industry_rows.values(), key=lambda r: -r.units)
    return Report(
        focus=focus,
        start=start,
        end=end,
        total=total,
        # Coverage is today's state (only applications are counted over the period): today's rules.
        rule_set=rule_set(),
        by_region=by_region,
        by_industry=by_industry,
    )
