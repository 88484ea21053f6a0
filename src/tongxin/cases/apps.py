from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tongxin.cases"
    label = "cases"
    verbose_name = "问题发现与处置"
    nav_items: list[tuple[str, str, str | None, int]] = []
