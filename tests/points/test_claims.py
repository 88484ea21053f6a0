"""Claims: recording, two-person review, caps, notice, objections, finalisation."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.cases.conftest import jpeg_bytes
from tests.factories import World
from tests.points.helpers import approve_and_finalise, make_scheme, make_villagers
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.points import selectors, services
from tongxin.points.models import Claim, ClaimLine, LedgerEntry, Objection, PersonTotal

ON = date(2026, 4, 8)  # a Wednesday


def _claim(world: World, people, item: str = "LAB", on: date = ON, **kw):  # type: ignore[no-untyped-def]
    scheme = kw.pop("scheme", None) or selectors.schemes_for(world.user("points_recorder")).get()
    return services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code=item, occurred_on=on,
        title="清扫村道", people=people, today=date(2026, 6, 1), **kw,
    )  # fmt: skip


def test_a_group_claim_is_one_claim_with_a_line_per_participant(world: World) -> None:
    make_scheme(world.village_a1)
    village = make_villagers(world.village_a1, 40)
    claim = _claim(world, village.people)
    assert Claim.objects.count() == 1
    assert claim.lines.count() == 40
    assert claim.state == Claim.State.SUBMITTED
    assert LedgerEntry.objects.count() == 0


def test_a_retried_submission_records_one_claim(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    first = _claim(world, people, idempotency_key="k1")
    again = _claim(world, people, idempotency_key="k1")
    assert first.pk == again.pk and Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"item": "NOPE"}, "item"), ({"on": date(2026, 7, 1)}, "occurred_on"), ({"item": "ENV"}, "evidence"),
     ({"item": "MEM"}, "people")],
)  # fmt: skip
def test_bad_claims_are_refused_naming_the_field(world: World, kwargs: dict, field: str) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 2).people
    with pytest.raises(DomainError) as exc:
        _claim(world, people, **kwargs)
    assert exc.value.field == field
    assert Claim.objects.count() == 0 and ClaimLine.objects.count() == 0


def test_people_outside_the_scheme_are_refused(world: World) -> None:
    make_scheme(world.village_a1)
    outsider = make_villagers(world.village_a2, 1, prefix="外村").people[0]
    with pytest.raises(DomainError) as exc:
        _claim(world, [outsider])
    assert "外村000" in exc.value.message


def test_evidence_item_accepts_a_photo(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 1).people
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(64, 48)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        claim = _claim(world, people, item="ENV", evidence=photo)
    claim.refresh_from_db()
    with claim.evidence.open("rb") as f, Image.open(f) as img:
        assert not img.getexif(), "the stored photo carries no EXIF (GPS, device)"


def test_finding_5_claim_photo_written_only_when_the_claim_commits(
    world: World, django_capture_on_commit_callbacks, tmp_path: Path, settings: Any
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 1).people
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(64, 48)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        claim = _claim(world, people, item="ENV", evidence=photo)
    assert claim.evidence.name and not any(tmp_path.rglob("*.jpg")), "nothing on disk before the commit"
    for callback in callbacks:
        callback()
    assert [p.name for p in tmp_path.rglob("*.jpg")] == [Path(claim.evidence.name).name]
    gif = SimpleUploadedFile("p.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif")
    with pytest.raises(DomainError) as exc:
        _claim(world, people, item="ENV", evidence=gif)
    assert exc.value.field == "evidence"


def test_two_person_rule(world: World) -> None:
    from tongxin.accounts import services as account_services

    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 2).people
    # one person holds both roles: they may record and review, but never their own claim
    both = world.user("points_reviewer")
    account_services.grant_role(actor=None, user=both, role="points_recorder", node=world.village_a1)
    both = type(both).objects.get(pk=both.pk)
    claim = services.record_claim(
        actor=both, scheme=scheme, item_code="LAB", occurred_on=ON, title="清扫", people=people, today=ON
    )
    with pytest.raises(DomainError) as exc:
        services.approve_claim(actor=both, claim=claim, today=ON)
    assert "两人原则" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.reject_claim(actor=both, claim=claim, reason="重复")
    assert "两人原则" in exc.value.message
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED
    assert AuditEvent.objects.filter(action="points.claim.approve", success=False).exists()
    other = world.user("village_secretary")
    account_services.grant_role(actor=None, user=other, role="points_reviewer", node=world.village_a1)
    other = type(other).objects.get(pk=other.pk)
    services.approve_claim(actor=other, claim=claim, today=ON)
    claim.refresh_from_db()
    assert claim.state == Claim.State.NOTICE


def test_notice_lasts_three_working_days_then_the_claim_becomes_entries(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    claim = services.approve_claim(actor=world.user("points_reviewer"), claim=_claim(world, people), today=ON)
    assert claim.notice_from == ON and claim.notice_until == date(2026, 4, 13)  # Thu, Fri, Mon
    assert services.finalise_due_claims(today=date(2026, 4, 13)) == 0
    assert services.finalise_due_claims(today=date(2026, 4, 14)) == 3
    assert services.finalise_due_claims(today=date(2026, 4, 14)) == 0  # idempotent
    claim.refresh_from_db()
    assert claim.state == Claim.State.FINAL
    assert LedgerEntry.objects.count() == 3
    assert PersonTotal.objects.get(person=people[0], period="2026Q2").points == 5


def test_notice_skips_holidays(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 1).people
    claim = services.approve_claim(
        actor=world.user("points_reviewer"),
        claim=_claim(world, people, on=date(2026, 4, 30)),
        today=date(2026, 4, 30),
    )
    # 1–5 May 2026 are the Labour Day holiday; 9 May (Saturday) is a make-up working day.
    assert claim.notice_until > date(2026, 5, 5)


def test_caps_at_the_boundary(world: World) -> None:
    make_scheme(world.village_a1)  # LAB: at most 3 a month per person
    person = make_villagers(world.village_a1, 1).people[0]
    reviewer = world.user("points_reviewer")
    for day in (1, 2, 3):
        approve_and_finalise(
            _claim(world, [person], on=date(2026, 4, day)), reviewer, approved_on=date(2026, 4, 20)
        )
    assert PersonTotal.objects.get(person=person, period="2026-04").points == 15
    fourth = _claim(world, [person], on=date(2026, 4, 28))
    with pytest.raises(DomainError) as exc:
        services.approve_claim(actor=reviewer, claim=fourth, today=date(2026, 4, 28))
    assert "个人每月上限3次" in exc.value.message and "已有3次" in exc.value.message
    # another month is free again
    approve_and_finalise(_claim(world, [person], on=date(2026, 5, 6)), reviewer, approved_on=date(2026, 5, 6))
    assert PersonTotal.objects.get(person=person, period="2026-05").points == 5


def test_caps_count_claims_still_in_notice(world: World) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    reviewer = world.user("points_reviewer")
    for day in (1, 2, 3):
        services.approve_claim(actor=reviewer, claim=_claim(world, [person], on=date(2026, 4, day)), today=ON)
    with pytest.raises(DomainError):
        services.approve_claim(actor=reviewer, claim=_claim(world, [person], on=date(2026, 4, 4)), today=ON)


def test_household_cap_counts_the_whole_household(world: World) -> None:
    make_scheme(world.village_a1)  # VOL: at most 2 a quarter per household
    household = make_villagers(world.village_a1, 3, per_household=3).people
    claim = _claim(world, household, item="VOL")
    with pytest.raises(DomainError) as exc:
        services.approve_claim(actor=world.user("points_reviewer"), claim=claim, today=ON)
    assert "每户每季上限2次" in exc.value.message
    ok = _claim(world, household[:2], item="VOL", on=date(2026, 4, 9))
    services.approve_claim(actor=world.user("points_reviewer"), claim=ok, today=ON)


def test_objection_upheld_removes_the_line_from_ledger_and_board(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    reviewer = world.user("points_reviewer")
    claim = services.approve_claim(actor=reviewer, claim=_claim(world, people), today=ON)
    line = claim.lines.get(person=people[1])
    objection = services.raise_objection(
        actor=world.user("resident"), line=line, reason="他那天不在村里", today=date(2026, 4, 9)
    )
    # the notice ends; the challenged line waits, the others are written
    assert services.finalise_due_claims(today=date(2026, 4, 14)) == 2
    claim.refresh_from_db()
    assert claim.state == Claim.State.NOTICE
    services.decide_objection(
        actor=reviewer, objection=objection, uphold=True, reason="经核实确实不在", today=date(2026, 4, 15)
    )
    claim.refresh_from_db()
    assert claim.state == Claim.State.FINAL
    assert not LedgerEntry.objects.filter(person=people[1]).exists()
    names = [r["name"] for r in selectors.board_rows(region=world.village_a1, period="2026Q2")]
    assert people[1].name not in names and people[0].name in names


def test_objection_dismissed_lets_the_line_through(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 2).people
    reviewer = world.user("points_reviewer")
    claim = services.approve_claim(actor=reviewer, claim=_claim(world, people), today=ON)
    objection = services.raise_objection(
        actor=world.user("resident"), line=claim.lines.get(person=people[0]), reason="我觉得有问题", today=ON
    )
    services.decide_objection(
        actor=reviewer, objection=objection, uphold=False, reason="有现场照片为证", today=ON
    )
    services.finalise_due_claims(today=date(2026, 4, 14))
    assert LedgerEntry.objects.filter(person=people[0]).exists()
    assert Objection.objects.get().state == Objection.State.DISMISSED


def test_objections_need_a_reason_and_an_open_notice(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 1).people
    claim = services.approve_claim(actor=world.user("points_reviewer"), claim=_claim(world, people), today=ON)
    line = claim.lines.get()
    with pytest.raises(DomainError) as exc:
        services.raise_objection(actor=world.user("resident"), line=line, reason="不", today=ON)
    assert exc.value.field == "reason"
    with pytest.raises(DomainError) as exc:
        services.raise_objection(
            actor=world.user("resident"), line=line, reason="他那天不在村里", today=date(2026, 4, 20)
        )
    assert "公示已于" in exc.value.message


def test_a_rejected_claim_never_reaches_the_ledger(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 2).people
    claim = services.reject_claim(
        actor=world.user("points_reviewer"), claim=_claim(world, people), reason="照片不清"
    )
    assert claim.state == Claim.State.REJECTED
    services.finalise_due_claims(today=ON + timedelta(days=30))
    assert LedgerEntry.objects.count() == 0
    with pytest.raises(DomainError):
        services.approve_claim(actor=world.user("points_reviewer"), claim=claim, today=ON)


def test_self_claim_needs_a_link_and_a_photo(world: World) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    resident = world.user("resident")
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(size=(64, 48)), content_type="image/jpeg")
    with pytest.raises(DomainError) as exc:
        services.record_self_claim(
            actor=resident, item_code="LAB", occurred_on=ON, title="扫雪", evidence=photo
        )
    assert exc.value.field == "person"
    services.link_person(actor=world.user("village_secretary"), user=resident, person=person)
    with pytest.raises(DomainError) as exc:
        services.record_self_claim(
            actor=resident, item_code="LAB", occurred_on=ON, title="扫雪", evidence=None
        )
    assert exc.value.field == "evidence"
    claim = services.record_self_claim(
        actor=resident, item_code="LAB", occurred_on=ON, title="扫雪", evidence=photo
    )
    assert claim.is_self_claim and claim.lines.get().person == person
