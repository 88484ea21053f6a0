"""Request and response shapes of the 五星支部创建 API."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class CriteriaSetOut(Schema):
    id: int
    applies_to: str
    version: int
    title: str
    source: str
    is_sample: bool
    effective_year: int
    rules: dict[str, Any]
    created_at: datetime


class IndicatorOut(Schema):
    id: int
    code: str
    text: str
    method: str
    max_score: int
    weight: int
    metric: str
    comparison: str
    threshold: str | None
    evidence_hint: str


class StarOut(Schema):
    code: str
    name: str
    pass_percent: int
    indicators: list[IndicatorOut]


class CriteriaDetailOut(CriteriaSetOut):
    stars: list[StarOut]


class CycleOut(Schema):
    id: int
    org_id: int
    org_name: str
    region_id: int
    township_id: int
    year: int = Field(..., ge=2000, le=2100)
    criteria_set_id: int
    target_stars: int
    state: str
    notice_starts_on: date | None
    notice_ends_on: date | None
    current_stars: list[str]
    current_count: int
    current_level: str

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj["org_name"]) if isinstance(obj, dict) else str(obj.org.name)


class EvidenceOut(Schema):
    id: int
    kind: str
    ref_id: str
    label: str
    url: str


class IndicatorStateOut(Schema):
    indicator_id: int
    code: str
    text: str
    method: str
    met: bool | None
    score: int | None
    note: str
    figure: str | None
    figure_text: str
    figure_reason: str
    percent: int
    evidence: list[EvidenceOut]


class StarStateOut(Schema):
    code: str
    name: str
    percent: int
    pass_percent: int
    earned: bool
    indicators: list[IndicatorStateOut]


class ResultOut(Schema):
    stage: str
    stars: list[str]
    count: int
    level: str
    actor: str
    at: datetime
    reason: str


class StarTransitionOut(Schema):
    event: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str


class CycleDetailOut(CycleOut):
    stars: list[StarStateOut]
    computed_level: str
    results: list[ResultOut]
    transitions: list[StarTransitionOut]


class DeclareIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    target_stars: int
    reason: str = Field("", max_length=500)


class AssessIn(Schema):
    met: bool | None = None
    score: int | None = None
    note: str = Field("", max_length=2000)


class EvidenceIn(Schema):
    kind: str = Field("", max_length=20)
    ref_id: str = Field("", max_length=64)
    evidence_id: int | None = None


class StarDecisionIn(Schema):
    stars: list[str]
    reason: str = Field("", max_length=2000)


class StarReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class RemoveStarIn(Schema):
    star_code: str = Field(..., max_length=32)
    reason: str = Field(..., max_length=2000)


class StarObjectionOut(Schema):
    id: int
    cycle_id: int
    reason: str
    state: str
    resolution: str
    raised_at: datetime


class ResolveIn(Schema):
    upheld: bool
    resolution: str = Field(..., max_length=2000)


class CycleFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    state: str = Field("", max_length=20)
    level: str = Field("", max_length=8)
    township: int | None = None


class WeakOut(Schema):
    id: int
    org_id: int
    org_name: str
    year: int = Field(..., ge=2000, le=2100)
    reason: str
    plan: str
    state: str
    lift_reason: str

    @staticmethod
    def resolve_org_name(obj: Any) -> str:
        return str(obj["org_name"]) if isinstance(obj, dict) else str(obj.org.name)


class WeakIn(Schema):
    org_id: int
    year: int = Field(..., ge=2000, le=2100)
    reason: str = Field(..., max_length=2000)
    plan: str = Field(..., max_length=2000)


class TownshipOut(Schema):
    township_id: int
    township: str
    leaders: list[str]
    levels: dict[str, int]
    weak: int
    tasks: dict[str, int]
    overdue: int
    on_time_rate: int | None


class CountyOut(Schema):
    year: int = Field(..., ge=2000, le=2100)
    totals: dict[str, int]
    task_states: dict[str, int]
    overdue: int
    on_time_rate: int | None
    townships: list[TownshipOut]


class VisitIn(Schema):
    region_id: int
    visited_on: date
    summary: str = Field(..., max_length=2000)


class VisitOut(Schema):
    id: int
    region_id: int
    visited_on: date
    summary: str
    supervisor: str


class TaskIn(Schema):
    org_id: int
    problem: str = Field(..., max_length=300)
    required_outcome: str = Field(..., max_length=2000)
    owner_id: int
    deadline: date
    visit_id: int | None = None


class TaskOut(Schema):
    id: int
    org_id: int
    region_id: int
    township_id: int
    problem: str
    required_outcome: str
    owner_id: int
    deadline: date
    state: str
    report: str
    escalations: int
    on_time: bool | None


class TaskFilter(Schema):
    state: str = Field("", max_length=10)
    overdue: bool = False
    mine: bool = False
    township: int | None = None


class ReportIn(Schema):
    report: str = Field(..., max_length=2000)
    evidence_ids: list[int] = []


class VerifyIn(Schema):
    note: str = Field("", max_length=2000)


class TaskReturnIn(Schema):
    reason: str = Field(..., max_length=2000)
    new_deadline: date | None = None
