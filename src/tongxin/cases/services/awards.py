"""Points for a confirmed report and for a volunteer service — never from one person alone.

Design (issue 11 item 3): a category (rule ``cases_categories``, ``award: auto``) and a service kind
(rule ``cases_defaults.service_points``) are configured as auto-award by the rules, with caps per person
(``report_award_caps``, ``service_award_caps``), and a second person must stand between the handler and
the points:

- a case's points go out only when it is confirmed by someone who did not handle it (did not file it on
  someone's behalf, accept, assign, start, transfer or resolve it): the reporter with their own account,
  or — for a reporter without an account — a second member of the handling side who took no part;
- never to a person linked to the confirmer or to any handler of the case;
- never into a scheme other than the one covering the case's region (no awards into another county);
- a service record pays only when a second person (not the recorder, not the person served) confirms it.
Every award still goes through ``points.services.award_points`` (idempotent on its source).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.cases import notify
from tongxin.cases.models import Case, CaseTransition, Kind, ServiceRecord, Validity
from tongxin.cases.services._base import HANDLER_EVENTS, _defaults, _may_handle, is_system
from tongxin.cases.services.intake import person_for_user
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import services as points_services


def handlers_of_case(case: Case) -> set[int]:
    """Users who took part in handling ``case``: whoever filed it on someone's behalf and every actor of
    a handling event (accept, assign, start, transfer, resolve, …) in its transition record."""
    ids = set(
        CaseTransition.objects.filter(case_id=case.pk, event__in=HANDLER_EVENTS, actor__isnull=False)
        .values_list("actor_id", flat=True)
        .distinct()
    )
    if case.filed_by_id:
        ids.add(case.filed_by_id)
    return ids


def check_confirmer(actor: User, case: Case) -> None:
    """Raise unless ``actor`` may confirm ``case``: the reporter who did not handle it, or — when the
    reporter has no account — a member of the handling side who took no part in handling it."""
    if is_system(actor):
        return
    handlers = handlers_of_case(case)
    if case.reporter_id is not None:
        if case.reporter_id != actor.pk:
            raise DomainError("只有上报人本人可以确认或退回。", field="event")
        if actor.pk in handlers:
            raise DomainError(
                "两人原则：您参与了该事项的办理，不能由自己确认办结；请等待自动关闭（不计积分）。",
                field="confirmer",
            )
        return
    if not _may_handle(actor, case):
        raise DomainError("只有上报人本人可以确认或退回。", field="event")
    if actor.pk in handlers:
        raise DomainError(
            "两人原则：上报人没有账号时，须由未参与办理的另一名工作人员根据回访记录确认。", field="confirmer"
        )


def may_confirm(actor: User, case: Case) -> bool:
    try:
        check_confirmer(actor, case)
    except DomainError:
        return False
    return True


def _month_and_year(on: date) -> tuple[tuple[date, date], tuple[date, date]]:
    last = calendar.monthrange(on.year, on.month)[1]
    return (on.replace(day=1), on.replace(day=last)), (date(on.year, 1, 1), date(on.year, 12, 31))


def _cap_problem(caps: dict[str, int], used: dict[str, int], what: str) -> str:
    labels = {"month": "每月", "year": "每年"}
    for kind in ("month", "year"):
        limit = caps.get(kind)
        if limit is not None and used[kind] + 1 > int(limit):
            return f"超过{what}积分上限（{labels[kind]}最多{limit}次，已有{used[kind]}次）"
    return ""


def _pay(*, actor: User, person: Person, points: int, source: str, ref: str, reason: str, on: date) -> str:
    """Award through the points module; the note to keep ("" when paid)."""
    try:
        with transaction.atomic():
            points_services.award_points(
                actor=actor, person=person, points=points, source=source, source_ref=ref, reason=reason, on=on
            )
    except DomainError as exc:
        return f"积分未发放：{exc.message}"[:200]
    return ""


def award_case(*, actor: User, case: Case, now: datetime) -> None:
    """The incentive step of a confirmed case (called inside ``confirm_case``): the category's points to
    the reporter's registry person, once, when every rule above holds; otherwise the reason is noted."""
    category = case.category
    if case.kind != Kind.REPORT or case.validity != Validity.VALID or category.points <= 0:
        note = "该事项不计积分" if case.validity == Validity.VALID else "无效上报，不计积分"
        Case.objects.filter(pk=case.pk).update(points_note=note)
        return
    if not category.auto_award:
        Case.objects.filter(pk=case.pk).update(points_note="该类别未配置自动计分，积分未发放")
        return
    person = case.reporter_person or person_for_user(case.reporter)
    if person is None:
        Case.objects.filter(pk=case.pk).update(points_note="未找到上报人的人员档案，积分未发放")
        return
    note = _refusal(actor=actor, case=case, person=person, now=now)
    if not note:
        note = _pay(
            actor=actor,
            person=person,
            points=category.points,
            source="cases.case",
            ref=str(case.pk),
            reason=f"有效上报 {case.number}（{category.name}）",
            on=timezone.localdate(now),
        )
    if note:
        Case.objects.filter(pk=case.pk).update(reporter_person=person, points_note=note)
        return
    Case.objects.filter(pk=case.pk).update(
        reporter_person=person, points_awarded=category.points, points_note=f"已发放 {category.points} 分"
    )
    if case.reporter_id:
        notify.send(
            recipients=[case.reporter_id],
            case=case,
            kind="points",
            text=f"感谢您的有效上报！{case.number} 获得 {category.points} 积分。",
        )


def _refusal(*, actor: User, case: Case, person: Person, now: datetime) -> str:
    """Why ``person`` may not receive the points of ``case`` ("" when they may)."""
    # Lock the beneficiary: two confirmations for the same person count each other against the caps.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    people_involved = {person_for_user(u) for u in User.objects.filter(pk__in=handlers_of_case(case))}
    if not is_system(actor) and actor.pk != case.reporter_id:
        people_involved.add(person_for_user(actor))  # staff confirming for a reporter without an account
    if person in people_involved:
        return "上报人本人参与了办理或确认，不计积分"
    scheme = points_services.scheme_covering(case.region)
    if scheme is None or points_services.scheme_covering(person.region) != scheme:
        return "上报人不在本事项所在地的积分方案范围内，积分未发放"
    caps = dict(_defaults().value("report_award_caps"))
    (m0, m1), (y0, y1) = _month_and_year(timezone.localdate(now))
    paid = Case.objects.filter(reporter_person=person, points_awarded__gt=0).exclude(pk=case.pk)
    used = {
        "month": paid.filter(confirmed_at__date__gte=m0, confirmed_at__date__lte=m1).count(),
        "year": paid.filter(confirmed_at__date__gte=y0, confirmed_at__date__lte=y1).count(),
    }
    return _cap_problem(caps, used, "上报激励")


def service_points(kind: str) -> int:
    return int(_defaults().value("service_points").get(kind, 0))


def award_service(*, actor: User, record: ServiceRecord) -> str:
    """Pay the points of a confirmed service record (caps per person); returns the note to keep."""
    points = service_points(record.kind)
    person = record.person
    Person.objects.select_for_update().filter(pk=person.pk).first()
    caps = dict(_defaults().value("service_award_caps"))
    (m0, m1), (y0, y1) = _month_and_year(record.served_on)
    paid = ServiceRecord.objects.filter(person=person, points_awarded__gt=0).exclude(pk=record.pk)
    used = {
        "month": paid.filter(served_on__gte=m0, served_on__lte=m1).count(),
        "year": paid.filter(served_on__gte=y0, served_on__lte=y1).count(),
    }
    problem = _cap_problem(caps, used, "志愿服务")
    if problem:
        return problem
    return _pay(
        actor=actor,
        person=person,
        points=points,
        source="cases.service",
        ref=str(record.pk),
        reason=f"志愿服务：{record.get_kind_display()}（{record.served_on}）",
        on=record.served_on,
    )
