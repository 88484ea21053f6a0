from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tongxin.accounts import services
from tongxin.accounts.models import ApiToken, User
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"用户 {username} 不存在。")
    return user


class Command(BaseCommand):
    help = (
        "API tokens: `tongxin token create USERNAME [--name N] [--days D]` prints a new bearer token (shown "
        "once); `tongxin token list USERNAME`; `tongxin token revoke ID` or `tongxin token revoke --user "
        "USERNAME` (all of that user's tokens)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for USERNAME")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        create.add_argument(
            "--days", type=int, default=None, help="lifetime in days (default API_TOKEN_DAYS)"
        )
        listing = sub.add_parser("list", help="list the tokens of USERNAME")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke token ID, or every token of --user USERNAME")
        target = revoke.add_mutually_exclusive_group(required=True)
        target.add_argument("id", nargs="?", type=int)
        target.add_argument("--user", dest="revoke_user")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            actions = {"create": self._create, "list": self._list, "revoke": self._revoke}
            actions[opts["action"]](opts)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _create(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        _, raw = services.create_api_token(actor=SYSTEM, user=user, name=opts["name"], days=opts["days"])
        self.stdout.write(raw)

    def _list(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        now = timezone.now()
        for t in ApiToken.objects.filter(user=user).order_by("id"):
            state = "revoked" if t.revoked_at else ("expired" if t.expires_at <= now else "active")
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
            self.stdout.write(
                f"{t.pk}\t{t.key_prefix}…\t{t.name}\t{state}\tcreated {t.created_at:%Y-%m-%d}\t"
                f"expires {t.expires_at:%Y-%m-%d}\tlast used {used}"
            )

    def _revoke(self, opts: dict[str, Any]) -> None:
        if opts["revoke_user"]:
            user = _user(opts["revoke_user"])
            count = services.revoke_user_tokens(actor=SYSTEM, user=user)
            self.stdout.write(f"revoked {count} token(s) of {user.username}")
            return
        token = ApiToken.objects.select_related("user").filter(pk=opts["id"]).first()
        if token is None:
            raise CommandError(f"令牌 {opts['id']} 不存在。")
        services.revoke_api_token(actor=SYSTEM, token=token)
        self.stdout.write(f"revoked token {token.pk} ({token.key_prefix}…) of {token.user.username}")
