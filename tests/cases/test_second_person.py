"""Issue 11 finding 3: "one person can mint points". Every test is named after the part of the finding it
closes and fails on the code before the fix (where one staff member filed, handled and confirmed alone,
looked people up across the whole system, and service records paid at once without caps)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from tests.cases.conftest import T0, Loop
from tests.factories import api_client, login, make_user
from tongxin.accounts import services as account_services
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, ServiceRecord
from tongxin.core.errors import DomainError
from tongxin.orgs import services as org_services
from tongxin.orgs.models import Person, Region
from tongxin.points.models import LedgerEntry


def _handle(loop: Loop, case: Case, who: str = "village_secretary") -> Case:
    handler = loop.world.user(who)
    services.accept_case(actor=handler, case=case, now=T0)
    services.start_case(actor=handler, case=case, now=T0)
    return services.resolve_case(actor=handler, case=case, note="已处理", now=T0)


def _person(loop: Loop, name: str, mobile: str, region: object) -> Person:
    return org_services.create_person(actor=SYSTEM, name=name, region=region, mobile=mobile)


def test_finding_a_handler_cannot_confirm_on_behalf_of_a_reporter_without_an_account(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    _person(loop, "王大爷", "13900001111", loop.world.village_a1)
    case = _handle(loop, loop.report(actor=sec, reporter_name="王大爷", reporter_mobile="13900001111"))
    with pytest.raises(DomainError) as exc:
        services.confirm_case(actor=sec, case=case, rating=5)
    assert exc.value.field == "confirmer"
    assert not LedgerEntry.objects.filter(source="cases.case").exists()
    # A second member of the handling side who took no part confirms from the return call: paid once.
    case = services.confirm_case(actor=loop.world.user("township_admin"), case=case, rating=5)
    assert case.points_awarded == loop.cats["safety_hazard"].points
    assert LedgerEntry.objects.filter(source="cases.case", source_ref=str(case.pk)).count() == 1


def test_finding_a_reporter_who_handled_the_case_cannot_confirm_it(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    _person(loop, "村书记", sec.mobile, loop.world.village_a1)
    case = _handle(loop, loop.report(actor=sec))  # filed as their own report, then handled alone
    assert case.reporter_id == sec.pk
    with pytest.raises(DomainError) as exc:
        services.confirm_case(actor=sec, case=case, rating=5)
    assert exc.value.field == "confirmer"
    assert not LedgerEntry.objects.filter(source="cases.case").exists()


def test_finding_staff_filing_for_their_own_number_earn_nothing(loop: Loop) -> None:
    # A staff member files "for" a caller with their own mobile number; a colleague confirms.
    sec = loop.world.user("village_secretary")
    _person(loop, "村书记", sec.mobile, loop.world.village_a1)
    case = _handle(loop, loop.report(actor=sec, reporter_name="某村民", reporter_mobile=sec.mobile))
    case = services.confirm_case(actor=loop.world.user("township_admin"), case=case, rating=5)
    assert case.points_awarded == 0 and "参与了办理" in case.points_note
    assert not LedgerEntry.objects.filter(source="cases.case").exists()


def test_finding_on_behalf_lookup_stays_inside_the_actors_scope(loop: Loop) -> None:
    # The number belongs to a person in 乙一村, outside the village secretary's scope.
    _person(loop, "外镇人员", "13900002222", loop.world.village_b1)
    sec = loop.world.user("village_secretary")
    case = loop.report(actor=sec, reporter_name="来电群众", reporter_mobile="13900002222")
    assert case.reporter_person_id is None
    case = services.confirm_case(actor=loop.world.user("township_admin"), case=_handle(loop, case), rating=5)
    assert not LedgerEntry.objects.filter(source="cases.case").exists()  # no points into another town


def test_finding_on_behalf_intake_answers_the_same_whether_or_not_the_number_is_registered(
    loop: Loop,
) -> None:
    _person(loop, "外镇人员", "13900002222", loop.world.village_b1)
    client, headers = api_client(loop.world.user("village_secretary"))
    second = loop.world.user("township_admin")
    answers = []
    for mobile in ("13900002222", "13900003333"):  # registered elsewhere / not registered at all
        r = client.post(
            "/api/v1/cases/",
            {
                "category": "safety_hazard", "description": "井盖缺失", "region_id": loop.world.village_a1.pk,
                "lat": 34.9, "lng": 112.78, "reporter_name": "来电群众", "reporter_mobile": mobile,
                "channel": "phone",
            },
            content_type="application/json",
            **headers,
        )  # fmt: skip
        assert r.status_code == 201, r.content
        case = Case.objects.get(pk=r.json()["id"])
        case = services.confirm_case(actor=second, case=_handle(loop, case), rating=5)
        body = client.get(f"/api/v1/cases/{case.pk}", **headers).json()
        answers.append({k: v for k, v in body.items() if k not in ("id", "number", "created_at")})
        for moment in ("accept_due_at", "resolve_due_at", "accepted_at", "resolved_at", "closed_at"):
            answers[-1].pop(moment)
    assert answers[0] == answers[1]


def test_finding_report_awards_are_capped_per_person(loop: Loop) -> None:
    for _ in range(11):  # the rule allows 10 awarded reports per person per month
        case = _handle(loop, loop.report())
        case = services.confirm_case(actor=loop.rider, case=case, rating=5, now=T0)
    paid = Case.objects.filter(reporter_person=loop.rider_person, points_awarded__gt=0)
    assert paid.count() == 10
    assert "上限" in Case.objects.order_by("-id").first().points_note  # type: ignore[union-attr]
    assert LedgerEntry.objects.filter(source="cases.case").count() == 10


def _leaflets(loop: Loop, n: int, who: str = "village_secretary") -> list[int]:
    return [
        services.record_service(
            actor=loop.world.user(who), kind="leaflets", person=loop.rider_person,
            region=loop.world.village_a1, served_on=date(2025, 6, 2), quantity=100,
        ).pk
        for _ in range(n)
    ]  # fmt: skip


def test_finding_service_records_pay_nothing_until_a_second_person_confirms_and_then_within_caps(
    loop: Loop,
) -> None:
    ids = _leaflets(loop, 10)
    entries = LedgerEntry.objects.filter(source="cases.service")
    assert entries.count() == 0
    recorder = loop.world.user("village_secretary")
    with pytest.raises(DomainError) as exc:
        services.confirm_service(actor=recorder, record=ServiceRecord.objects.get(pk=ids[0]))
    assert exc.value.field == "record"
    second = loop.world.user("township_admin")
    for pk in ids:
        services.confirm_service(actor=second, record=ServiceRecord.objects.get(pk=pk))
    assert entries.count() == 8  # the monthly cap of the rule (service_award_caps)
    last = ServiceRecord.objects.get(pk=ids[-1])
    assert last.points_awarded == 0 and "上限" in last.points_note and last.confirmed_by_id == second.pk


def test_finding_nobody_confirms_a_service_record_that_pays_themself(loop: Loop) -> None:
    second = loop.world.user("township_admin")
    own = _person(loop, "镇干部", second.mobile, loop.world.village_a1)
    record = services.record_service(
        actor=loop.world.user("village_secretary"), kind="door_to_door", person=own,
        region=loop.world.village_a1, served_on=date(2025, 6, 2),
    )  # fmt: skip
    with pytest.raises(DomainError):
        services.confirm_service(actor=second, record=ServiceRecord.objects.get(pk=record.pk))
    assert not LedgerEntry.objects.filter(source="cases.service").exists()


# role × action × expected: who may confirm a resolved case filed for a caller without an account
# (handled by the village secretary), and who may confirm a service record the village secretary made.
CONFIRM_ON_BEHALF = [
    ("village_secretary", False),  # the handler
    ("township_admin", True),  # a second person of the handling side
    ("county_admin", True),
    ("county_leader", False),  # may look, may not handle
    ("grid_worker", False),
    ("points_reviewer", False),
    ("other_township", False),
]


def _other_township_admin() -> object:
    user = make_user("town_b_admin", real_name="乙镇管理员")
    account_services.grant_role(
        actor=SYSTEM, user=user, role="township_admin", node=Region.objects.get(name="乙镇")
    )
    return user


@pytest.mark.parametrize(("who", "allowed"), CONFIRM_ON_BEHALF)
def test_who_may_confirm_for_a_caller_without_an_account(loop: Loop, who: str, allowed: bool) -> None:
    sec = loop.world.user("village_secretary")
    case = _handle(loop, loop.report(actor=sec, reporter_name="王大爷"))
    user = _other_township_admin() if who == "other_township" else loop.world.user(who)
    client = login(Client(), user)  # type: ignore[arg-type]
    r = client.post(f"/cases/{case.pk}/act/confirm/", {"rating": "5"})
    assert r.status_code in (302, 404)
    case.refresh_from_db()
    assert (case.state == "closed") is allowed


AWARD_REVIEW = [
    ("village_secretary", False),  # the recorder
    ("township_admin", True),
    ("county_admin", True),
    ("county_leader", False),
    ("points_reviewer", False),  # no handling grant on volunteer services
    ("grid_worker", False),
    ("other_township", False),
]


@pytest.mark.parametrize(("who", "allowed"), AWARD_REVIEW)
def test_who_may_confirm_a_service_record(loop: Loop, who: str, allowed: bool) -> None:
    (pk,) = _leaflets(loop, 1)
    user = _other_township_admin() if who == "other_township" else loop.world.user(who)
    client = login(Client(), user)  # type: ignore[arg-type]
    r = client.post(f"/cases/services/records/{pk}/confirm/")
    assert r.status_code in (302, 404)
    record = ServiceRecord.objects.get(pk=pk)
    assert (record.confirmed_at is not None) is allowed
    assert LedgerEntry.objects.filter(source="cases.service").count() == (1 if allowed else 0)
