"""The case state machine: every allowed and every refused transition, reopening, who may do what,
and the incentive step on confirmation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.cases.conftest import T0, Loop
from tests.concurrency import run_n_together
from tests.factories import make_user
from tongxin.accounts import services as account_services
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, CaseTransition, Notification, State
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.orgs import services as org_services
from tongxin.points.models import LedgerEntry, Scheme

ALL_EVENTS = [
    "accept",
    "reject",
    "transfer",
    "assign",
    "start",
    "resolve",
    "confirm",
    "reopen",
    "auto_close",
    "merge",
    "invalidate",
]


# The workflow written out by hand (not read from services.TRANSITIONS): from each state, the events
# allowed and where they lead. Anything missing here must be refused.
S = State
EXPECTED: dict[str, dict[str, str]] = {
    S.SUBMITTED: {"accept": S.ACCEPTED, "reject": S.REJECTED, "transfer": S.SUBMITTED, "merge": S.MERGED,
                  "invalidate": S.CLOSED},
    S.ACCEPTED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS, "transfer": S.ACCEPTED, "merge": S.MERGED,
                 "invalidate": S.CLOSED},
    S.ASSIGNED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS, "transfer": S.ACCEPTED, "merge": S.MERGED,
                 "invalidate": S.CLOSED},
    S.IN_PROGRESS: {"assign": S.ASSIGNED, "resolve": S.RESOLVED, "transfer": S.ACCEPTED, "invalidate": S.CLOSED},
    S.RESOLVED: {"confirm": S.CLOSED, "reopen": S.IN_PROGRESS, "auto_close": S.CLOSED},
    S.CLOSED: {},
    S.REJECTED: {},
    S.MERGED: {},
}  # fmt: skip


def test_the_table_in_the_code_is_the_table_written_here() -> None:
    assert {k: dict(v) for k, v in services.TRANSITIONS.items()} == EXPECTED
    assert set(EXPECTED) == set(State.values)


def _case_in(loop: Loop, state: str) -> Case:
    sec = loop.world.user("village_secretary")
    case = loop.report()
    if state == State.SUBMITTED:
        return case
    if state == State.REJECTED:
        return services.reject_case(actor=sec, case=case, reason="不属于本村职责")
    if state == State.MERGED:
        other = loop.report(description="同一处消防通道堵塞")
        return services.merge_case(actor=sec, case=case, into=other)
    case = services.accept_case(actor=sec, case=case)
    if state == State.ACCEPTED:
        return case
    case = services.assign_case(actor=sec, case=case, assignee=sec)
    if state == State.ASSIGNED:
        return case
    case = services.start_case(actor=sec, case=case)
    if state == State.IN_PROGRESS:
        return case
    case = services.resolve_case(actor=sec, case=case, note="已清理通道")
    if state == State.RESOLVED:
        return case
    return services.confirm_case(actor=loop.rider, case=case, rating=5)


def _runner(loop: Loop, event: str) -> Callable[[Case], Case]:
    sec = loop.world.user("village_secretary")
    town = loop.world.user("township_admin")
    rider = loop.rider
    later = T0 + timedelta(days=30)
    return {
        "accept": lambda c: services.accept_case(actor=sec, case=c),
        "reject": lambda c: services.reject_case(actor=sec, case=c, reason="不属于本村职责"),
        "transfer": lambda c: services.transfer_case(
            actor=town, case=c, org=loop.world.branch_a2, reason="属甲二村"
        ),
        "assign": lambda c: services.assign_case(actor=sec, case=c, assignee=town),
        "start": lambda c: services.start_case(actor=sec, case=c),
        "resolve": lambda c: services.resolve_case(actor=sec, case=c, note="已处理"),
        "confirm": lambda c: services.confirm_case(actor=rider, case=c, rating=4),
        "reopen": lambda c: services.reopen_case(actor=rider, case=c, reason="还没有清理"),
        "auto_close": lambda c: services._autoclose_one(case=c, now=later, days=7),
        "merge": lambda c: services.merge_case(actor=sec, case=c, into=loop.report(description="重复的一件")),
        "invalidate": lambda c: services.invalidate_case(
            actor=sec, case=c, validity="invalid", reason="现场无此问题"
        ),
    }[event]


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("event", ALL_EVENTS)
def test_every_transition_is_allowed_or_refused_as_the_table_says(loop: Loop, state: str, event: str) -> None:
    case = _case_in(loop, state)
    assert case.state == state
    before = CaseTransition.objects.filter(case=case).count()
    expected = EXPECTED[state].get(event)
    run = _runner(loop, event)
    if (state, event) == (State.CLOSED, "confirm"):
        # Confirming a confirmed case is the idempotent retry: same case back, nothing written.
        assert run(case).state == State.CLOSED
        assert CaseTransition.objects.filter(case=case).count() == before
    elif expected is None:
        with pytest.raises(DomainError) as exc:
            run(case)
        assert exc.value.code == "conflict"
        case.refresh_from_db()
        assert case.state == state
        assert CaseTransition.objects.filter(case=case).count() == before
    else:
        case = run(case)
        assert case.state == expected
        last = CaseTransition.objects.filter(case=case).order_by("-id").first()
        assert last is not None and last.event == event
        assert (last.from_state, last.to_state) == (state, expected)


def test_the_happy_loop_records_every_step_with_who_and_why(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    case = _case_in(loop, State.CLOSED)
    steps = list(case.transitions.values_list("event", "actor__username"))
    assert steps == [
        ("submit", "grid_worker"),
        ("accept", "village_secretary"),
        ("assign", "village_secretary"),
        ("start", "village_secretary"),
        ("resolve", "village_secretary"),
        ("confirm", "grid_worker"),
    ]
    assert case.handling_org == loop.world.branch_a1  # routed to the village's own branch
    assert case.rating == 5 and case.close_reason == "confirmed"
    assert AuditEvent.objects.filter(action="cases.case.resolve", actor=sec).count() == 1


def test_reopen_after_resolve_goes_back_to_the_handler_with_a_new_deadline(loop: Loop) -> None:
    case = _case_in(loop, State.RESOLVED)
    later = T0 + timedelta(days=2)
    case = services.reopen_case(actor=loop.rider, case=case, reason="通道又被堵上了", now=later)
    assert case.state == State.IN_PROGRESS
    assert case.reopen_count == 1
    assert case.resolved_at is None
    assert case.resolve_due_at > later
    assert Notification.objects.filter(case=case, kind="reopened").exists()
    case = services.resolve_case(actor=loop.world.user("village_secretary"), case=case, note="加装了隔离桩")
    case = services.confirm_case(actor=loop.rider, case=case, rating=4)
    assert case.state == State.CLOSED


def test_reasons_are_required_for_reject_reopen_and_invalidate(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    case = loop.report()
    with pytest.raises(DomainError) as exc:
        services.reject_case(actor=sec, case=case, reason=" ")
    assert exc.value.field == "reason"
    resolved = _case_in(loop, State.RESOLVED)
    with pytest.raises(DomainError) as exc:
        services.reopen_case(actor=loop.rider, case=resolved, reason="")
    assert exc.value.field == "reason"


def test_only_the_reporter_confirms_and_outsiders_cannot_handle(loop: Loop) -> None:
    case = _case_in(loop, State.RESOLVED)
    with pytest.raises(DomainError, match="上报人本人"):
        services.confirm_case(actor=loop.world.user("village_secretary"), case=case, rating=5)
    other = loop.report()
    with pytest.raises(DomainError, match="无权办理"):
        services.accept_case(actor=loop.world.user("branch_secretary"), case=other)
    with pytest.raises(DomainError, match="无权办理"):
        services.accept_case(actor=loop.rider, case=other)


def test_confirmation_awards_the_category_points_once_even_when_retried(loop: Loop) -> None:
    case = _case_in(loop, State.RESOLVED)
    case = services.confirm_case(actor=loop.rider, case=case, rating=5)
    again = services.confirm_case(actor=loop.rider, case=case, rating=5)
    assert again.state == State.CLOSED
    entries = LedgerEntry.objects.filter(source="cases.case", source_ref=str(case.pk))
    assert entries.count() == 1
    assert entries.get().points == loop.cats["safety_hazard"].points == case.points_awarded
    assert entries.get().person == loop.rider_person
    assert Notification.objects.filter(recipient=loop.rider, kind="points").count() == 1


def test_rating_must_be_one_to_five(loop: Loop) -> None:
    case = _case_in(loop, State.RESOLVED)
    for bad in (0, 6):
        with pytest.raises(DomainError) as exc:
            services.confirm_case(actor=loop.rider, case=case, rating=bad)
        assert exc.value.field == "rating"
    case.refresh_from_db()
    assert case.state == State.RESOLVED


def test_invalid_reports_earn_nothing(loop: Loop) -> None:
    case = loop.report()
    case = services.invalidate_case(
        actor=loop.world.user("village_secretary"), case=case, validity="malicious", reason="虚假信息"
    )
    assert case.state == State.CLOSED and case.validity == "malicious"
    assert not LedgerEntry.objects.filter(source="cases.case", source_ref=str(case.pk)).exists()


def test_appeals_earn_no_points_and_auto_close_earns_nothing(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    appeal = loop.report(code="social_insurance", description="想咨询灵活就业参保")
    appeal = services.accept_case(actor=sec, case=appeal)
    appeal = services.start_case(actor=sec, case=appeal)
    appeal = services.resolve_case(actor=sec, case=appeal, note="已讲解参保流程")
    appeal = services.confirm_case(actor=loop.rider, case=appeal, rating=5)
    assert appeal.points_awarded == 0
    silent = _case_in(loop, State.RESOLVED)
    summary = services.autoclose_resolved(silent.resolved_at + timedelta(days=8))  # type: ignore[operator]
    assert "1" in summary
    silent.refresh_from_db()
    assert silent.state == State.CLOSED and silent.close_reason == "timeout"
    assert not LedgerEntry.objects.filter(source="cases.case", source_ref=str(silent.pk)).exists()


def test_without_a_points_scheme_the_case_still_closes_and_says_why(loop: Loop, world) -> None:  # type: ignore[no-untyped-def]
    rider_b = world.user("resident")
    org_services.create_person(actor=SYSTEM, name="乙村居民", region=world.village_b1, mobile=rider_b.mobile)
    Scheme.objects.update(is_active=False)
    case = _case_in(loop, State.RESOLVED)
    case = services.confirm_case(actor=loop.rider, case=case, rating=3)
    assert case.state == State.CLOSED
    assert case.points_awarded == 0
    assert "积分未发放" in case.points_note


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_confirmation_sent_twice_at_once_awards_points_once(loop: Loop) -> None:
    case = _case_in(loop, State.RESOLVED)
    outcomes = run_n_together(
        lambda: services.confirm_case(actor=loop.rider, case=Case.objects.get(pk=case.pk), rating=5)
    )
    results = [o.value for o in outcomes]
    assert all(r.state == State.CLOSED for r in results), results
    assert LedgerEntry.objects.filter(source="cases.case", source_ref=str(case.pk)).count() == 1
    assert CaseTransition.objects.filter(case=case, event="confirm").count() == 1


def test_the_people_a_case_may_be_assigned_to_are_listed_in_pinyin_order(loop: Loop) -> None:
    case = loop.report()
    for username, name in [("h_zhang", "张三"), ("h_li", "李四"), ("h_wang", "王五")]:
        account_services.grant_role(
            actor=SYSTEM, user=make_user(username, real_name=name), role="village_secretary",
            node=loop.world.branch_a1,
        )  # fmt: skip
    names = [u.display_name for u in services.assignable_users(case)]
    ours = [n for n in names if n in {"张三", "李四", "王五"}]
    assert ours == ["李四", "王五", "张三"]  # by code point it would be 张 < 李 < 王
