"""The notice job runs from ``tongxin tick`` and is idempotent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import World
from tests.points.helpers import make_scheme, make_villagers
from tongxin.core import jobs
from tongxin.points import services
from tongxin.points.models import Claim, LedgerEntry


def test_tick_finalises_claims_whose_notice_ended(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    assert scheme.versions.get().notice_workdays == 3  # from rule points_defaults.notice_workdays
    people = make_villagers(world.village_a1, 2).people
    claim = services.record_claim(
        actor=world.user("points_recorder"), scheme=scheme, item_code="LAB", occurred_on=date(2026, 4, 8),
        title="修路", people=people, today=date(2026, 4, 8),
    )  # fmt: skip
    claim = services.approve_claim(actor=world.user("points_reviewer"), claim=claim, today=date(2026, 4, 8))
    assert claim.notice_until is not None
    tz = ZoneInfo("Asia/Shanghai")
    during = datetime(2026, 4, 13, 23, 0, tzinfo=tz)
    after = datetime(2026, 4, 14, 0, 30, tzinfo=tz)
    assert (
        dict(jobs.run_all(during, only=["points.finalise_notices"]))["points.finalise_notices"]
        == "公示期满入账 0 条"
    )
    assert (
        dict(jobs.run_all(after, only=["points.finalise_notices"]))["points.finalise_notices"]
        == "公示期满入账 2 条"
    )
    jobs.run_all(after + timedelta(hours=1), only=["points.finalise_notices"])
    assert LedgerEntry.objects.count() == 2
    assert Claim.objects.get().state == Claim.State.FINAL
