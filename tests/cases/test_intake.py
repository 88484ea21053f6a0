"""Intake: validation with the field named, photos re-encoded without EXIF, filing on someone's
behalf, routing, and duplicates nearby suggested for merging."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.cases.conftest import Loop, jpeg_bytes, photo_upload
from tests.factories import login
from tongxin.accounts.system import SYSTEM
from tongxin.cases import selectors, services
from tongxin.cases.models import Case, CasePhoto, Notification
from tongxin.core.errors import DomainError


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"description": "  "}, "description"),
        ({"description": "长" * 4001}, "description"),
        ({"lat": None, "lng": None, "address": ""}, "address"),
        ({"lat": "95", "lng": "112"}, "lat"),
        ({"lat": "34.9", "lng": None, "address": "x"}, "lat"),
        ({"lng": "abc"}, "lng"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(loop: Loop, kw: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as exc:
        loop.report(**kw)
    assert exc.value.field == field
    assert Case.objects.count() == 0
    assert not CasePhoto.objects.exists()


def test_a_grid_worker_reports_only_in_their_own_grid(loop: Loop) -> None:
    with pytest.raises(DomainError) as exc:
        loop.report(region=loop.world.village_b1)
    assert exc.value.field == "region"


def test_photos_are_resized_and_stripped_of_exif_but_keep_the_capture_time(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the file is written when the case commits
        case = loop.report(photos=(photo_upload(),))
    photo = case.photos.get()
    assert max(photo.width, photo.height) == 1600
    with photo.image.open("rb") as f:
        data = f.read()
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    assert len(img.getexif()) == 0  # no GPS, no device
    assert b"PhoneMaker" not in data
    assert photo.taken_at is not None and timezone.localtime(photo.taken_at).hour == 8


def test_more_than_four_photos_or_a_fake_image_are_refused(loop: Loop) -> None:
    with pytest.raises(DomainError) as exc:
        loop.report(photos=tuple(photo_upload(f"p{i}.jpg", size=(100, 100)) for i in range(5)))
    assert exc.value.field == "photos"
    fake = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(DomainError, match="不是有效的图片") as exc:
        loop.report(photos=(photo_upload(size=(100, 100)), fake))
    assert exc.value.field == "photos"
    assert Case.objects.count() == 0 and CasePhoto.objects.count() == 0


def test_staff_file_on_behalf_of_a_caller(loop: Loop) -> None:
    sec = loop.world.user("village_secretary")
    case = loop.report(
        actor=sec,
        reporter_name="王大爷",
        reporter_mobile="139 0000 1111",
        channel="walk_in",
        lat=None,
        lng=None,
        address="村委会门口",
    )
    assert case.reporter is None and case.filed_by == sec
    assert case.channel == "walk_in"
    assert case.reporter_mobile == "13900001111"
    assert case.reporter_mobile_masked == "139****1111"
    assert case.reporter_display == "王**"
    with pytest.raises(DomainError) as exc:
        loop.report(actor=sec, reporter_name="李四", reporter_mobile="12345")
    assert exc.value.field == "reporter_mobile"


def test_new_cases_reach_the_handling_organisations_inbox(loop: Loop) -> None:
    case = loop.report()
    sec = loop.world.user("village_secretary")
    assert Notification.objects.filter(recipient=sec, case=case, kind="new").exists()


def test_routing_rules_override_the_default(loop: Loop) -> None:
    services.set_routing_rule(
        actor=SYSTEM, region=loop.world.town_a, org=loop.world.industry, category=loop.cats["traffic_safety"]
    )
    traffic = loop.report(code="traffic_safety")
    hazard = loop.report()
    assert traffic.handling_org == loop.world.industry
    assert hazard.handling_org == loop.world.branch_a1


def test_duplicates_nearby_are_suggested(loop: Loop) -> None:
    first = loop.report(lat="34.900000", lng="112.780000")
    near = loop.report(lat="34.900500", lng="112.780500")  # about 70 m away
    far = loop.report(lat="34.920000", lng="112.780000")  # about 2 km away
    other_kind = loop.report(code="environment", lat="34.900100", lng="112.780000")
    suggested = [c for c, _ in selectors.possible_duplicates(near)]
    assert suggested == [first]
    assert far not in suggested and other_kind not in suggested
    merged = services.merge_case(actor=loop.world.user("village_secretary"), case=near, into=first)
    assert merged.state == "merged" and merged.merged_into == first


def test_the_phone_form_files_a_report_with_a_photo(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(Client(), loop.rider)
    page = client.get("/cases/new/?kind=report")
    assert page.status_code == 200 and "使用我的位置" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the photo is written when the case commits
        r = client.post(
            "/cases/new/",
            {
                "category": loop.cats["environment"].pk,
                "description": "垃圾桶满溢",
                "region": loop.world.village_a1.pk,
                "lat": "34.9",
                "lng": "112.78",
                "published": "on",
                "photos": [
                    SimpleUploadedFile("a.jpg", jpeg_bytes(size=(800, 600)), content_type="image/jpeg")
                ],
            },
        )
    assert r.status_code == 302
    case = Case.objects.get()
    assert case.photos.count() == 1 and case.published
    assert client.get(case.photos.get().get_absolute_url()).status_code == 200
    # Another village's staff cannot fetch the photo.
    other = login(Client(), loop.world.user("branch_secretary"))
    assert other.get(case.photos.get().get_absolute_url()).status_code == 404


def test_the_form_shows_the_reason_next_to_the_field(loop: Loop) -> None:
    client = login(Client(), loop.rider)
    r = client.post(
        "/cases/new/",
        {"category": loop.cats["environment"].pk, "description": "垃圾", "region": loop.world.village_a1.pk},
    )
    assert r.status_code == 200
    assert "地址：请提供位置" in r.content.decode()
    assert Case.objects.count() == 0
