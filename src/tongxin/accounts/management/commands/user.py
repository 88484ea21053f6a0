from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.accounts import services
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Accounts: `tongxin user disable USERNAME` (ends its sessions and revokes its API tokens), "
        "`tongxin user enable USERNAME`, `tongxin user reset-2fa USERNAME` (lost phone). Audited as system."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["disable", "enable", "reset-2fa"])
        parser.add_argument("username")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"用户 {opts['username']} 不存在。")
        try:
            if opts["action"] == "reset-2fa":
                removed = services.reset_two_factor(actor=SYSTEM, user=user)
                self.stdout.write(f"removed {removed} authenticator(s) of {user.username}")
                return
            services.set_user_active(actor=SYSTEM, user=user, active=opts["action"] == "enable")
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{user.username}: {'enabled' if user.is_active else 'disabled'}")
