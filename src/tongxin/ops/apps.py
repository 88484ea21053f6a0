from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: ``tongxin backup`` and ``tongxin restore``. No models, no pages."""

    name = "tongxin.ops"
    label = "ops"
    verbose_name = "运维"
