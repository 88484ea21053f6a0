"""``tongxin open311 key create NAME [--region 孟州市]`` prints a new Open311 api_key (stored hashed);
``key list`` shows the keys; ``key revoke PREFIX`` stops one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Open311Key
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Region


class Command(BaseCommand):
    help = "Manage Open311 GeoReport v2 api_keys: key create NAME [--region R] | key list | key revoke PREFIX"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("object", choices=["key"])
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("name", nargs="?", default="", help="key name (create) or key prefix (revoke)")
        parser.add_argument(
            "--region",
            default="",
            help="region (name or id) where requests filed with this key are placed; default: the top region",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "list":
            for key in Open311Key.objects.select_related("region").order_by("id"):
                state = "已停用" if key.revoked_at else "有效"
                self.stdout.write(f"{key.key_prefix}…\t{key.name}\t{key.region.name}\t{state}")
            return
        if not opts["name"]:
            raise CommandError("请提供名称（create）或密钥前缀（revoke）。")
        if action == "revoke":
            found = Open311Key.objects.filter(key_prefix=opts["name"][:8], revoked_at__isnull=True).first()
            if found is None:
                raise CommandError(f"没有前缀为 {opts['name']} 的有效密钥。")
            services.revoke_open311_key(actor=SYSTEM, key=found)
            self.stdout.write(f"已停用 {found}")
            return
        region = self._region(opts["region"])
        try:
            _, raw = services.create_open311_key(actor=SYSTEM, name=opts["name"], region=region)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write(f"Open311 密钥“{opts['name']}”（{region.name}）已创建；只显示这一次，请妥善保存：")
        self.stdout.write(raw)

    def _region(self, value: str) -> Region:
        if not value:
            region = Region.objects.order_by("depth", "id").first()
        elif value.isdigit():
            region = Region.objects.filter(pk=int(value)).first()
        else:
            region = Region.objects.filter(name=value).order_by("depth", "id").first()
        if region is None:
            raise CommandError(f"找不到区划“{value}”。" if value else "还没有任何区划。")
        return region
