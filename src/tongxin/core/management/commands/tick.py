from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxin.core import jobs


class Command(BaseCommand):
    help = "Run the periodic jobs once (escalations, reminders, snapshots). Idempotent; safe to run twice at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", action="append", default=[], help="run only this job (repeatable)")
        parser.add_argument("--list", action="store_true", help="list the registered jobs")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["list"]:
            for job in jobs.registered():
                self.stdout.write(f"{job.name}\t{job.description}")
            return
        for name, summary in jobs.run_all(only=opts["only"] or None):
            self.stdout.write(f"{name}: {summary}")
