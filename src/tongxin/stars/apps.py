from datetime import datetime

from django.apps import AppConfig


class StarsConfig(AppConfig):
    name = "tongxin.stars"
    label = "stars"
    verbose_name = "五星支部创建"
    nav_items: list[tuple[str, str, str | None, int]] = [("五星支部", "stars:home", "stars.view", 40)]

    def ready(self) -> None:
        # Imported here, not at the top: they load models, which Django allows only once apps are ready.
        from tongxin.core import jobs
        from tongxin.orgs.paths import copies_org_path

        # Rows scoped by a branch follow it when it moves under another committee.
        for label in ("stars.StarCycle", "stars.WeakBranch", "stars.Pairing", "stars.RectificationTask"):
            copies_org_path(label, "org_path")

        @jobs.register("stars.close_notices", "五星支部：公示期满且无未处理异议的，确定星级")
        def close_notices(now: datetime) -> str:
            from tongxin.stars.services import close_due_notices

            return f"确定星级 {close_due_notices(now)} 个"

        @jobs.register("stars.escalate_tasks", "五星支部：整改任务超期督办（每次超期只督办一次）")
        def escalate_tasks(now: datetime) -> str:
            from tongxin.stars.services import escalate_overdue

            return f"超期督办 {escalate_overdue(now)} 项"
