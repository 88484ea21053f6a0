"""Records of other modules that can serve as evidence, read through their selectors by typed imports:

- ``tongxin.points.selectors.published_boards(region=)`` — published points boards;
- ``tongxin.cases.selectors.closed_cases(region=)`` — closed grid reports;
- ``tongxin.orgs.selectors.coverage_findings(region=)`` — coverage findings (computed, not rows).

A source whose module does not exist yet (meeting records wait for the ``life`` module) is declared
*pending* with its reason: it offers no records and the evidence picker says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.db.models import QuerySet

from tongxin.cases.models import Case
from tongxin.cases.selectors import closed_cases
from tongxin.orgs.models import Region
from tongxin.orgs.selectors import coverage_findings
from tongxin.points.models import PublishedBoard
from tongxin.points.selectors import published_boards

CANDIDATE_LIMIT = 50


@dataclass(frozen=True)
class Record:
    kind: str
    ref_id: str
    label: str
    url: str


@dataclass(frozen=True)
class Source:
    """Where evidence of one kind comes from. ``list_records(region, limit)`` and
    ``find_record(region, ref_id)`` read the other module; a pending source has neither, and
    ``pending`` says why."""

    kind: str
    label: str
    list_records: Callable[[Region, int], list[Record]] | None = None
    find_record: Callable[[Region, str], Record | None] | None = None
    pending: str = ""

    def __post_init__(self) -> None:
        live = self.list_records is not None and self.find_record is not None
        if live == bool(self.pending):
            raise ValueError(f"source {self.kind}: give either both readers or pending")


class _Finding(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    def get_absolute_url(self) -> str: ...


Row = TypeVar("Row", PublishedBoard, Case)


def _rows_source(kind: str, label: str, rows: Callable[[Region], QuerySet[Row]]) -> Source:
    """A source of database rows (newest first): the reference is the primary key."""

    def record(obj: Row) -> Record:
        return Record(kind=kind, ref_id=str(obj.pk), label=str(obj), url=obj.get_absolute_url())

    def list_records(region: Region, limit: int) -> list[Record]:
        return [record(obj) for obj in rows(region)[:limit]]

    def find_record(region: Region, ref_id: str) -> Record | None:
        if not ref_id.isdigit():
            return None
        obj = rows(region).filter(pk=int(ref_id)).first()
        return None if obj is None else record(obj)

    return Source(kind, label, list_records, find_record)


def _finding_record(finding: _Finding) -> Record:
    return Record(
        kind="coverage_finding", ref_id=finding.key, label=finding.title, url=finding.get_absolute_url()
    )


def _list_findings(region: Region, limit: int) -> list[Record]:
    return [_finding_record(f) for f in coverage_findings(region=region)[:limit]]


def _find_finding(region: Region, ref_id: str) -> Record | None:
    """Findings are computed, not rows: their reference is their stable ``key`` (rule:subject:id)."""
    found: list[_Finding] = [f for f in coverage_findings(region=region) if f.key == ref_id]
    return _finding_record(found[0]) if found else None


SOURCES: dict[str, Source] = {
    s.kind: s
    for s in [
        _rows_source("points_board", "党群积分公示榜", lambda region: published_boards(region=region)),
        _rows_source("case", "已办结事项", lambda region: closed_cases(region=region)),
        Source("coverage_finding", "组织覆盖检查发现", _list_findings, _find_finding),
        Source(
            "meeting",
            "“三会一课”会议记录",
            pending="组织生活（三会一课）模块尚未上线，会议记录暂请以文件上传",
        ),
    ]
}


def available(kind: str) -> bool:
    return not SOURCES[kind].pending


def candidates(kind: str, *, region: Region, limit: int = CANDIDATE_LIMIT) -> list[Record]:
    """Up to ``limit`` records of ``kind`` under ``region``, newest first where the source orders so;
    none for a pending source."""
    reader = SOURCES[kind].list_records
    return [] if reader is None else reader(region, limit)


def find(kind: str, *, region: Region, ref_id: str) -> Record | None:
    """The one record of ``kind`` with ``ref_id`` under ``region``, or None (also for a pending source)."""
    reader = SOURCES[kind].find_record
    return None if reader is None else reader(region, ref_id)
