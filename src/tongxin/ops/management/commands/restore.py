"""``tongxin restore PATH [--force]``: restore a backup into an empty database, then check it against
its manifest and run ``points verify --totals`` (see ``tongxin.ops.restore``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.ops.backup import BackupError
from tongxin.ops.restore import restore_backup


class Command(BaseCommand):
    help = "从备份恢复到空数据库（非空须加 --force），恢复上传文件，然后按清单核对行数和积分链头并核验流水。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="tongxin backup 写出的备份目录")
        parser.add_argument("--force", action="store_true", help="目标数据库不是空的也覆盖")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = restore_backup(opts["path"], force=opts["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for note in result.notes:
            self.stdout.write(note)
        for problem in result.problems:
            self.stdout.write(self.style.ERROR(problem))
        if result.problems:
            raise CommandError(f"恢复后核对发现 {len(result.problems)} 处问题。第一处：{result.problems[0]}")
        self.stdout.write(
            self.style.SUCCESS(
                f"已从 {opts['path']}（{result.manifest['created_at']} 的备份）恢复，核对全部通过。"
            )
        )
