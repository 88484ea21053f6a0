from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongxin.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        # Here, not at the top: both import core.models, which needs the app registry that is being
        # filled while this module loads.
        from tongxin.core import checks, jobs

        del checks  # registers the database checks

        jobs.register_core_jobs()
