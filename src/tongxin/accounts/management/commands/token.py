from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.accounts import services
from tongxin.accounts.models import User


class Command(BaseCommand):
    help = "API tokens: `tongxin token create USERNAME [--name N]` prints a new bearer token (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for USERNAME")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"用户 {opts['username']} 不存在。")
        _, raw = services.create_api_token(actor=None, user=user, name=opts["name"])
        self.stdout.write(raw)
