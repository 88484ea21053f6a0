from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongxin.core import jobs


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The help lists the jobs really registered (apps register them when they load), not a promise.
        listed = "; ".join(f"{job.name} ({job.description})" for job in jobs.registered())
        self.help = (
            f"Run every periodic job once: {listed}. Each job runs under a lock and is idempotent, "
            "so two ticks at once (cron and a manual run) do no harm. --list shows the jobs."
        )

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
