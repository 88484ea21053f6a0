from datetime import datetime

from django.apps import AppConfig
from django.utils import timezone


class PointsConfig(AppConfig):
    name = "tongxin.points"
    label = "points"
    verbose_name = "党群积分"
    nav_items: list[tuple[str, str, str | None, int]] = [
        ("党群积分", "points:home", "points.view", 30),
        ("我的积分", "points:me", "self.view", 31),
    ]

    def ready(self) -> None:
        # Imported here, not at the top: services import the models, which the app registry loads only
        # after every AppConfig has been imported (Django's rule for ready()); core.jobs imports a model too.
        from tongxin.accounts.system import SYSTEM
        from tongxin.core import jobs
        from tongxin.points.services import finalise_due_claims

        @jobs.register("points.finalise_notices", "积分公示期满且无异议的申报入账")
        def finalise_notices(now: datetime) -> str:
            written = finalise_due_claims(actor=SYSTEM, today=timezone.localtime(now).date())
            return f"公示期满入账 {written} 条"
