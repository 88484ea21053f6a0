from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import World
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, Category
from tongxin.orgs import services as org_services
from tongxin.orgs.models import Person
from tongxin.points import services as points_services

TZ = ZoneInfo("Asia/Shanghai")
# A Wednesday well inside a covered year of the working-day calendar.
T0 = datetime(2025, 6, 11, 9, 0, tzinfo=TZ)


@dataclass
class Loop:
    world: World
    cats: dict[str, Category]
    rider: User
    rider_person: Person

    def report(
        self, *, code: str = "safety_hazard", actor: User | None = None, now: datetime = T0, **kw: object
    ) -> Case:
        intake = services.Intake(
            category=self.cats[code],
            description=kw.pop("description", "消防通道被电动车堵塞"),  # type: ignore[arg-type]
            region=kw.pop("region", self.world.village_a1),  # type: ignore[arg-type]
            lat=kw.pop("lat", "34.900000"),
            lng=kw.pop("lng", "112.780000"),
            **kw,  # type: ignore[arg-type]
        )
        return services.submit_case(actor=actor or self.rider, intake=intake, now=now)


@pytest.fixture
def loop(world: World) -> Loop:
    services.sync_categories(actor=SYSTEM)
    cats = {c.code: c for c in Category.objects.all()}
    points_services.create_scheme(
        actor=SYSTEM,
        region=world.county,
        name="测试县党群积分",
        items=[points_services.ItemSpec(code="vol", name="志愿服务", category="volunteer", points=5)],
        effective_from=date(2024, 1, 1),
    )
    rider = world.user("grid_worker")
    person = org_services.create_person(
        actor=SYSTEM, name="刘骑手", region=world.village_a1, mobile=rider.mobile, is_gig_worker=True
    )
    return Loop(world=world, cats=cats, rider=rider, rider_person=person)


def jpeg_bytes(*, size: tuple[int, int] = (2400, 1800), gps: bool = True) -> bytes:
    img = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2025:06:11 08:30:00"  # DateTime
    if gps:
        exif[0x8825] = {1: "N", 2: (34.0, 54.0, 0.0), 3: "E", 4: (112.0, 46.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def photo_upload(name: str = "scene.jpg", **kw: object) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")  # type: ignore[arg-type]
