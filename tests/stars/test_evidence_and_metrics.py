"""Evidence is attached once and reused; measured indicators follow live data from the points and
cases modules through their selector contracts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import World, login
from tests.points.helpers import make_scheme, make_villagers
from tests.stars.conftest import fill_all
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services as case_services
from tongxin.cases.models import Category
from tongxin.core.errors import DomainError
from tongxin.points import services as points_services
from tongxin.stars import services
from tongxin.stars.assessment import evaluate
from tongxin.stars.models import Evidence, IndicatorAssessment, StarCycle

PDF = (
    b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"  # small, but a whole PDF (checked by content)
)

TZ = ZoneInfo("Asia/Shanghai")


def _ind(cycle: StarCycle, star: str, code: str) -> int:
    return cycle.criteria_set.stars.get(code=star).indicators.get(code=code).pk


def _row(cycle: StarCycle, code: str, now: datetime):  # type: ignore[no-untyped-def]
    ev = evaluate(cycle, now=now)
    return next(r for s in ev.stars for r in s.rows if r.indicator.code == code)


def test_one_points_board_serves_two_indicators_and_the_next_year(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 2).people[0]
    points_services.award_points(
        actor=SYSTEM,
        person=person,
        points=5,
        source="test",
        source_ref="b1",
        reason="义务劳动",
        on=date(2026, 5, 6),
    )
    board = points_services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
    )
    secretary = world.user("village_secretary")
    cycle = declared()

    evidence = services.link_record(
        actor=secretary, region=world.village_a1, kind="points_board", ref_id=str(board.pk)
    )
    again = services.link_record(
        actor=secretary, region=world.village_a1, kind="points_board", ref_id=str(board.pk)
    )
    assert again.pk == evidence.pk
    assert evidence.url == board.get_absolute_url()
    assert evidence.label == str(board)
    a = services.attach_evidence(
        actor=secretary,
        cycle=cycle,
        indicator_id=_ind(cycle, "party_strength", "points_participation"),
        evidence=evidence,
    )
    b = services.attach_evidence(
        actor=secretary, cycle=cycle, indicator_id=_ind(cycle, "civility", "services"), evidence=evidence
    )
    assert a.pk != b.pk
    assert Evidence.objects.count() == 1
    assert set(evidence.assessments.values_list("pk", flat=True)) == {a.pk, b.pk}

    # The next year's cycle uses the same row — nothing uploaded or linked again.
    next_year = services.declare_target(actor=secretary, org=world.branch_a1, year=2027, target_stars=5,
                                        now=datetime(2027, 1, 5, tzinfo=TZ))  # fmt: skip
    services.attach_evidence(
        actor=secretary, cycle=next_year, indicator_id=_ind(next_year, "party_strength", "leadership"),
        evidence=evidence,
    )  # fmt: skip
    assert Evidence.objects.count() == 1
    assert IndicatorAssessment.objects.filter(evidence=evidence).count() == 3


def test_a_board_of_another_village_cannot_be_linked(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    make_scheme(world.village_a2)
    person = make_villagers(world.village_a2, 2).people[0]
    points_services.award_points(
        actor=SYSTEM,
        person=person,
        points=5,
        source="test",
        source_ref="x",
        reason="劳动",
        on=date(2026, 5, 6),
    )
    board = points_services.publish_board(
        actor=world.user("county_admin"), region=world.village_a2, period="2026Q2"
    )
    with pytest.raises(DomainError) as exc:
        services.link_record(
            actor=world.user("village_secretary"),
            region=world.village_a1,
            kind="points_board",
            ref_id=str(board.pk),
        )
    assert exc.value.field in ("ref_id", None) or exc.value.code == "forbidden"
    assert Evidence.objects.count() == 0


def test_participation_indicator_follows_the_points_ledger(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    make_scheme(world.village_a1)
    village = make_villagers(world.village_a1, 4, per_household=2)
    cycle = declared()
    now = datetime(2026, 6, 1, 10, tzinfo=TZ)

    row = _row(cycle, "points_participation", now)
    assert row.figure.text == "0.0%（0/2户）"
    assert row.fraction == 0

    points_services.award_points(
        actor=SYSTEM, person=village.households[0].head, points=5, source="test", source_ref="h1",
        reason="义务劳动", on=date(2026, 3, 1),
    )  # fmt: skip
    row = _row(cycle, "points_participation", now)
    assert row.figure.text == "50.0%（1/2户）"
    assert row.fraction == 0  # 50% < the sample threshold of 60%

    points_services.award_points(
        actor=SYSTEM, person=village.households[1].head, points=3, source="test", source_ref="h2",
        reason="志愿服务", on=date(2026, 4, 1),
    )  # fmt: skip
    row = _row(cycle, "points_participation", now)
    assert row.figure.text == "100.0%（2/2户）"
    assert row.fraction == 1


def test_overdue_cases_indicator_follows_the_cases_module(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    case_services.sync_categories(actor=SYSTEM)
    cycle = declared()
    t0 = datetime(2026, 6, 10, 9, tzinfo=TZ)
    assert _row(cycle, "no_overdue_cases", t0).fraction == 1
    case = case_services.submit_case(
        actor=world.user("grid_worker"),
        intake=case_services.Intake(
            category=Category.objects.get(code="safety_hazard"), description="消防通道被堵塞",
            region=world.village_a1, lat="34.900000", lng="112.780000",
        ),
        now=t0,
    )  # fmt: skip
    assert _row(cycle, "no_overdue_cases", t0).figure.text == "0件超期"
    later = case.resolve_due_at + timedelta(days=1)
    row = _row(cycle, "no_overdue_cases", later)
    assert row.figure.text == "1件超期"
    assert row.fraction == 0


def test_uploaded_file_is_stored_once_and_reused(
    world: World, declared: Callable[..., StarCycle], settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    secretary = world.user("village_secretary")
    cycle = declared()
    upload = SimpleUploadedFile("会议记录.pdf", PDF, content_type="application/pdf")
    ev = services.upload_file(
        actor=secretary, region=world.village_a1, file=upload, label="2026年组织生活会记录"
    )
    services.attach_evidence(
        actor=secretary, cycle=cycle, indicator_id=_ind(cycle, "party_strength", "org_life"), evidence=ev
    )
    services.attach_evidence(
        actor=secretary, cycle=cycle, indicator_id=_ind(cycle, "party_strength", "leadership"), evidence=ev
    )
    assert Evidence.objects.filter(kind="file").count() == 1
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(DomainError) as exc:
        services.upload_file(actor=secretary, region=world.village_a1, file=bad, label="x")
    assert exc.value.field == "file"
    assert Evidence.objects.filter(kind="file").count() == 1


def test_submission_keeps_the_figures_and_evidence_of_that_moment(
    world: World, declared: Callable[..., StarCycle]
) -> None:
    make_scheme(world.village_a1)
    village = make_villagers(world.village_a1, 2, per_household=1)
    for i, h in enumerate(village.households):
        points_services.award_points(
            actor=SYSTEM,
            person=h.head,
            points=5,
            source="test",
            source_ref=f"s{i}",
            reason="劳动",
            on=date(2026, 3, 1),
        )
    cycle = declared()
    fill_all(cycle, world.user("village_secretary"))
    cycle = services.submit_self_assessment(actor=world.user("village_secretary"), cycle=cycle)
    result = services.latest_result(cycle, "self")
    assert result is not None
    assert result.detail["points_participation"]["figure"] == "100.0"
    assert "party_strength" in result.stars


def test_uploaded_files_are_served_only_inside_scope(
    world: World,
    declared: Callable[..., StarCycle],
    settings,
    tmp_path,
    client,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("台账.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):  # the file is written when the upload commits
        ev = services.upload_file(
            actor=world.user("village_secretary"), region=world.village_a1, file=upload, label="台账"
        )
    assert ev.get_absolute_url() == f"/stars/evidence/{ev.pk}/file/"
    login(client, world.user("township_admin"))
    r = client.get(ev.get_absolute_url())
    assert r.status_code == 200
    assert r.content == PDF and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment") and r["X-Content-Type-Options"] == "nosniff"
    login(client, world.user("county_leader"))
    assert client.get(ev.get_absolute_url()).status_code == 200  # town A is assigned to them
    login(client, world.user("points_recorder"))
    assert client.get(ev.get_absolute_url()).status_code == 404
