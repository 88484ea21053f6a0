"""``tongxin backup PATH``: the database, the uploaded files, the ledger anchors and a manifest in a new
directory (see ``tongxin.ops.backup``). The field-encryption key is not included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongxin.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库、上传文件和积分锚点到一个新目录，附清单（各表行数、积分链头）。不含个人信息加密密钥。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="备份目录（不存在或为空）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            manifest = create_backup(opts["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {opts['path']}：{manifest['vendor']} 数据库 {len(manifest['tables'])} 张表 {rows} 行，"
                f"积分链 {len(manifest['ledger_heads'])} 条，上传文件 {len(manifest['files'])} 个。"
            )
        )
        self.stdout.write(
            "注意：个人信息加密密钥（TONGXIN_FIELD_KEY 或数据目录中的 field_key）不在备份中，请另行妥善保管。"
            " / The field-encryption key is not in the backup: keep it apart."
        )
