from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "tongxin.points"
    label = "points"
    verbose_name = "党群积分"
    nav_items: list[tuple[str, str, str | None, int]] = []
