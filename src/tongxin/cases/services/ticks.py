"""Tick jobs of the cases module: escalation of overdue cases and auto-closing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from tongxin.accounts.models import Grant
from tongxin.accounts.roles import roles_with
from tongxin.accounts.system import SYSTEM
from tongxin.cases import notify
from tongxin.cases.models import (
    OPEN_STATES,
    Case,
    CaseEscalation,
    CaseTransition,
    State,
)
from tongxin.cases.services._base import HANDLE, _ancestor_paths, _defaults, _tell_reporter
from tongxin.cases.services.workflow import _move
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Region

# --- tick jobs: escalation and auto-closing ------------------------------------------------------

BATCH = 500


def escalate_overdue(now: datetime) -> str:
    """Escalate each case that has missed its accept or resolve deadline one level up the region tree
    and notify the handlers and supervisors there — exactly once per breach: the case row is claimed
    with ``SELECT ... FOR UPDATE SKIP LOCKED`` plus a condition on its ``*_escalated_at`` column, and
    the ``(case, breach, due_at)`` escalation row is unique."""
    max_levels = int(_defaults().value("escalation_max_levels"))
    done = 0
    # Every breach implies ``open_due_at < now`` (the accept deadline comes before the resolve one), so
    # the candidates come from one indexed range; the exact conditions are re-checked under the lock.
    overdue = Case.objects.filter(open_due_at__lt=now)
    look = _Lookups()
    for breach in ("accept", "resolve"):
        flag = f"{breach}_escalated_at"
        base = overdue.filter(**{f"{breach}_due_at__lt": now, f"{flag}__isnull": True})
        if breach == "accept":
            base = base.filter(accepted_at__isnull=True)
        ids = list(base.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            done += _escalate_batch(batch, breach=breach, now=now, max_levels=max_levels, look=look)
    return f"升级逾期事项 {done} 件"


class _Lookups:
    """Per-run caches so that escalating thousands of cases costs a few queries: regions by path and
    the active grants (by tree and node path) of the roles that handle or supervise cases."""

    def __init__(self) -> None:
        self.regions: dict[str, Region | None] = {}
        self.grants: dict[tuple[str, str, str], set[int]] = {}
        for perm in (HANDLE, "cases.supervise"):
            roles = roles_with(perm)
            rows = Grant.objects.filter(revoked_at__isnull=True, role__in=roles).values_list(
                "tree", "path", "user_id"
            )
            for tree, path, user_id in rows:
                self.grants.setdefault((perm, tree, path), set()).add(user_id)

    def region(self, path: str) -> Region | None:
        if path not in self.regions:
            self.regions[path] = Region.objects.filter(path=path).first()
        return self.regions[path]

    def users_at(self, tree: str, path: str, perm: str) -> set[int]:
        return set(self.grants.get((perm, tree, path), set()))

    def recipients(self, case: Case, target: Region | None) -> set[int]:
        """Like ``notify.handlers_of`` plus the handlers and supervisors of the target region."""
        ids = self.users_at("org", case.handler_path, HANDLE)
        path = case.region_path
        while not ids and path.count("/") > 1:
            ids = self.users_at("region", path, HANDLE)
            path = path[: path.rstrip("/").rfind("/") + 1]
        if target is not None:
            ids |= self.users_at("region", target.path, "cases.supervise")
            ids |= self.users_at("region", target.path, HANDLE)
        return ids


def _escalate_batch(ids: list[int], *, breach: str, now: datetime, max_levels: int, look: _Lookups) -> int:
    flag = f"{breach}_escalated_at"
    what = "受理" if breach == "accept" else "办结"
    with transaction.atomic():
        claimed = list(
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("category")
            .filter(
                pk__in=ids, state__in=OPEN_STATES, **{f"{flag}__isnull": True, f"{breach}_due_at__lt": now}
            )
        )
        if not claimed:
            return 0
        rows = []
        messages: list[tuple[set[int], Case, str]] = []
        transitions = []
        for case in claimed:
            level = min(case.escalation_level + 1, max_levels)
            paths = _ancestor_paths(case.region_path)
            target = look.region(paths[len(paths) - 1 - level]) if len(paths) > level else None
            rows.append(
                CaseEscalation(
                    case=case,
                    breach=breach,
                    due_at=getattr(case, f"{breach}_due_at"),
                    level=level,
                    target_path=target.path if target else case.region_path,
                    target_name=target.name if target else "",
                    at=now,
                )
            )
            case.escalation_level = level
            case.escalated_to_path = target.path if target else case.escalated_to_path
            setattr(case, flag, now)
            where = target.name if target else "上级"
            text = f"督办：{case.number}（{case.category.name}）已超过{what}时限，升级至{where}。"
            messages.append((look.recipients(case, target), case, text))
            transitions.append(
                CaseTransition(
                    case=case,
                    event="escalate",
                    from_state=case.state,
                    to_state=case.state,
                    actor=None,
                    actor_name="系统",
                    at=now,
                    reason=text,
                    data={"breach": breach, "level": level},
                )
            )
        try:
            with transaction.atomic():
                CaseEscalation.objects.bulk_create(rows)
        except IntegrityError:
            return 0  # another tick escalated these breaches a moment ago
        groups: dict[tuple[int, str], list[int]] = {}
        for case in claimed:
            groups.setdefault((case.escalation_level, case.escalated_to_path), []).append(case.pk)
        for (level, path), pks in groups.items():
            Case.objects.filter(pk__in=pks).update(
                escalation_level=level, escalated_to_path=path, **{flag: now}
            )
        CaseTransition.objects.bulk_create(transitions, batch_size=1000)
        notify.send_many([(ids_, case, "escalated", text) for ids_, case, text in messages])
        audit.record(
            actor=SYSTEM,
            action="cases.case.escalate",
            target_type="cases.case",
            target_id=str(claimed[0].pk),
            after={"breach": breach, "count": len(claimed), "cases": [c.pk for c in claimed]},
        )
    return len(claimed)


def autoclose_resolved(now: datetime) -> str:
    """Close resolved cases whose reporter stayed silent for the rule's number of days (no points)."""
    days = int(_defaults().value("autoclose_days"))
    cutoff = now - timedelta(days=days)
    ids = list(
        Case.objects.filter(state=State.RESOLVED, resolved_at__lt=cutoff).values_list("pk", flat=True)[:5000]
    )
    closed = 0
    for pk in ids:
        case = Case.objects.get(pk=pk)
        try:
            _autoclose_one(case=case, now=now, days=days)
        except DomainError:
            continue  # confirmed or reopened meanwhile
        closed += 1
    return f"自动关闭 {closed} 件"


@service("cases.case.auto_close")
def _autoclose_one(*, case: Case, now: datetime, days: int) -> Case:
    case = _move(
        actor=SYSTEM,
        case=case,
        event="auto_close",
        reason=f"办结后 {days} 天上报人未确认",
        changes={"closed_at": now, "close_reason": "timeout", "points_note": "未经上报人确认，不计积分"},
        now=now,
    )
    _tell_reporter(case, "closed", f"{case.number} 办结后 {days} 天未确认，已自动关闭。")
    return case
