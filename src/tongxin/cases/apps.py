from __future__ import annotations

from datetime import datetime
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_categories(sender: AppConfig, **kwargs: Any) -> None:
    """Category rows are reference data from the rule set; keep them in step after every migrate."""
    # Imported here: models (and so the services) cannot be imported while the app registry loads.
    from tongxin.accounts.system import SYSTEM
    from tongxin.cases.services import sync_categories

    sync_categories(actor=SYSTEM)


class CasesConfig(AppConfig):
    name = "tongxin.cases"
    label = "cases"
    verbose_name = "问题发现与处置"
    nav_items: list[tuple[str, str, str | None, int]] = [
        ("我的上报", "cases:mine", "cases.report", 40),
        ("事项办理", "cases:queue", "cases.handle", 41),
        ("事项督办", "cases:overview", "cases.supervise", 42),
        ("志愿服务", "cases:services", "cases.view", 43),
        ("消息", "cases:inbox", None, 44),
    ]

    def ready(self) -> None:
        from tongxin.core import jobs
        from tongxin.orgs.paths import copies_org_path

        # Rows scoped by a party organisation follow it when it moves (the escalation records keep
        # the path they were sent to: they are history).
        copies_org_path("cases.Case", "handler_path")
        copies_org_path("cases.Case", "escalated_to_path")
        copies_org_path("cases.VolunteerTeam", "org_path")

        post_migrate.connect(_seed_categories, sender=self, dispatch_uid="cases_seed_categories")

        @jobs.register("cases.escalate", "逾期事项逐级升级并通知（每次逾期只升级一次）")
        def escalate(now: datetime) -> str:
            from tongxin.cases.services import escalate_overdue

            return escalate_overdue(now)

        @jobs.register("cases.autoclose", "办结后上报人长期未确认的事项自动关闭")
        def autoclose(now: datetime) -> str:
            from tongxin.cases.services import autoclose_resolved

            return autoclose_resolved(now)
