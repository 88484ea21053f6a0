from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tongxin.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from tongxin.accounts import auth_events

        auth_events.connect()
