from django.apps import AppConfig


class StarsConfig(AppConfig):
    name = "tongxin.stars"
    label = "stars"
    verbose_name = "五星支部创建"
    nav_items: list[tuple[str, str, str | None, int]] = []
