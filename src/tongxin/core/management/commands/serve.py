from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Tongxin with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("TONGXIN_WORKERS", "2")))

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{opts['host']}:{opts['port']}"
        self.stdout.write(f"同心 Tongxin 正在运行：http://{bind}/  （Ctrl+C 停止）")
        sys.stdout.flush()
        argv = [
            sys.executable, "-m", "gunicorn", "tongxin.wsgi:application",
            "--bind", bind, "--workers", str(opts["workers"]),
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]  # fmt: skip
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
