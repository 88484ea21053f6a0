"""Cases (事项): grid reports (问题上报) and appeals (诉求), their workflow record, notifications and the
Open311 client keys (``cases``); volunteer teams with their service records (``volunteers``); the
request counters of the public endpoints' rate limits (``limits``)."""

from tongxin.cases.models.cases import (  # noqa: F401 - _photo_path: migration 0001 names it here
    EVENT_LABELS,
    FINAL_STATES,
    OPEN_STATES,
    Case,
    CaseEscalation,
    CaseNote,
    CasePhoto,
    CaseTransition,
    Category,
    Channel,
    Kind,
    Notification,
    Open311Key,
    RoutingRule,
    State,
    Validity,
    _photo_path,
)
from tongxin.cases.models.limits import RateCounter
from tongxin.cases.models.volunteers import ServiceRecord, TeamMember, VolunteerTeam

__all__ = [
    "EVENT_LABELS", "FINAL_STATES", "OPEN_STATES", "Case", "CaseEscalation", "CaseNote", "CasePhoto",
    "CaseTransition", "Category", "Channel", "Kind", "Notification", "Open311Key", "RateCounter",
    "RoutingRule", "ServiceRecord", "State", "TeamMember", "Validity", "VolunteerTeam",
]  # fmt: skip
