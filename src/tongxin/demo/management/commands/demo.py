from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from tongxin.demo import county
from tongxin.points import chain


class Command(BaseCommand):
    help = "Set up and run the demo county: migrate, load the demo data when the database is empty, serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and print the accounts, don't serve"
        )
        parser.add_argument("--reset", action="store_true", help="empty the database first (demo data only!)")
        parser.add_argument("--scale", type=int, default=1, help="multiply villages (benchmarks)")
        parser.add_argument("--accounts-json", action="store_true", help="print the demo accounts as JSON")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **opts: Any) -> None:
        quiet = opts["accounts_json"]
        if opts["reset"]:
            if settings.PRODUCTION:
                self.stderr.write("生产环境不允许 --reset。")
                return
            call_command("flush", interactive=False, verbosity=0)
            chain.set_anchors_aside()  # the old chains are gone; their anchors would fail `points verify`
        call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
        if not county.is_loaded():
            if not quiet:
                self.stdout.write("正在生成演示县数据……")
            county.build_demo(scale=max(1, opts["scale"]))
        rows = county.accounts_table()
        if quiet:
            self.stdout.write(
                json.dumps(
                    [{k: r[k] for k in ("role", "username", "scope")} for r in rows], ensure_ascii=False
                )
            )
            return
        self._print_table(rows)
        if not opts["no_serve"]:
            call_command("serve", host=opts["host"], port=opts["port"])

    def _print_table(self, rows: list[dict[str, str]]) -> None:
        db = connection.settings_dict["NAME"]
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {settings.DEMO_PASSWORD}；数据库：{db}）")
        self.stdout.write(f"{'role':<20}{'username':<18}scope / TOTP secret (roles that need two-factor)")
        for r in rows:
            self.stdout.write(f"{r['role']:<20}{r['username']:<18}{r['scope']}  {r['totp_secret']}".rstrip())
        self.stdout.write("")
