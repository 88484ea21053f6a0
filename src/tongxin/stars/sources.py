"""Records of other modules that can serve as evidence, through their published selector contracts:

- ``tongxin.points.selectors.published_boards(*, region)`` — published points boards;
- ``tongxin.cases.selectors.closed_cases(*, region)`` — closed grid cases;
- ``tongxin.orgs.selectors.coverage_findings(*, region)`` — coverage findings.

A module that does not (yet) offer its contract simply offers no records, and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tongxin.orgs.models import Region
from tongxin.stars.metrics import contract


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    module: str
    function: str


@dataclass(frozen=True)
class Record:
    kind: str
    ref_id: str
    label: str
    url: str


SOURCES: dict[str, Source] = {
    s.kind: s
    for s in [
        Source("points_board", "党群积分公示榜", "tongxin.points.selectors", "published_boards"),
        Source("case", "已办结事项", "tongxin.cases.selectors", "closed_cases"),
        Source("coverage_finding", "组织覆盖检查发现", "tongxin.orgs.selectors", "coverage_findings"),
    ]
}
CANDIDATE_LIMIT = 50


def _fn(kind: str) -> Callable[..., Any] | None:
    src = SOURCES[kind]
    return contract(src.module, src.function)


def available(kind: str) -> bool:
    return _fn(kind) is not None


def ref_of(obj: Any) -> str:
    """A record's stable reference: its primary key, or — for computed records such as coverage
    findings, which are not rows — their ``key``."""
    for attr in ("pk", "id", "key"):
        value = getattr(obj, attr, None)
        if value not in (None, ""):
            return str(value)
    return str(obj)


def _record(kind: str, obj: Any) -> Record:
    url = ""
    if hasattr(obj, "get_absolute_url"):
        url = str(obj.get_absolute_url())
    elif hasattr(obj, "url"):
        url = str(obj.url)
    label = str(obj)
    if kind == "coverage_finding":
        label = str(getattr(obj, "title", "") or getattr(obj, "message", "") or obj)
    return Record(kind=kind, ref_id=ref_of(obj), label=label, url=url)


def candidates(kind: str, *, region: Region, limit: int = CANDIDATE_LIMIT) -> list[Record]:
    """Up to ``limit`` records of ``kind`` under ``region`` (newest first where the source orders so)."""
    fn = _fn(kind)
    if fn is None:
        return []
    rows = fn(region=region)
    if hasattr(rows, "all"):
        rows = rows.all()[:limit]
    return [_record(kind, obj) for obj in list(rows)[:limit]]


def find(kind: str, *, region: Region, ref_id: str) -> Record | None:
    """The one record of ``kind`` with ``ref_id`` under ``region``, or None."""
    fn = _fn(kind)
    if fn is None:
        return None
    rows = fn(region=region)
    if hasattr(rows, "filter"):
        try:
            obj = rows.filter(pk=int(ref_id)).first()
        except (TypeError, ValueError):
            return None
        return _record(kind, obj) if obj is not None else None
    for obj in rows:
        if ref_of(obj) == ref_id:
            return _record(kind, obj)
    return None
