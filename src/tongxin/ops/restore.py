"""``tongxin restore PATH``: bring a backup (``ops.backup``) back into an empty database, then prove
it: the database checksum before, and after it the row counts and ledger heads against the manifest,
the uploaded files against their checksums, ``points verify --totals``, and one encrypted value
decrypted with the key found in the environment or the data directory (a backup never holds it)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tongxin.accounts.system import SYSTEM
from tongxin.core import audit
from tongxin.core.pii import EncryptedTextField
from tongxin.ops.backup import (
    ANCHORS_FILE,
    FORMAT,
    MANIFEST,
    MEDIA_DIR,
    BackupError,
    pg_args,
    pg_env,
    pg_params,
    pg_tool,
    quote,
    sha256_of,
)
from tongxin.points import chain, verify

KEY_MISSING = (
    "缺少个人信息加密密钥：备份中不含此密钥。请设置环境变量 TONGXIN_FIELD_KEY，或把原系统数据目录中的 "
    "field_key 文件放到 {path}，再执行恢复。"
    " / The field-encryption key is missing (backups never contain it): set TONGXIN_FIELD_KEY or put the"
    " original field_key file at {path}, then restore again."
)
KEY_WRONG = (
    "数据已恢复，但当前的个人信息加密密钥解不开加密字段（{where}）：这不是备份时使用的密钥。请换上原密钥"
    "（TONGXIN_FIELD_KEY 或 {path}）；在此之前身份证号、手机号等无法读取。"
    " / The data is restored, but the field-encryption key does not decrypt the encrypted columns"
    " ({where}): it is not the key the backup was made with. Install the original key."
)


@dataclass
class Restored:
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_manifest(path: Path) -> dict[str, Any]:
    file = path / MANIFEST
    if not file.exists():
        raise BackupError(
            f"{path} 不是 Tongxin 备份：缺少 {MANIFEST}。 / {path} is not a backup: no {MANIFEST}."
        )
    manifest: dict[str, Any] = json.loads(file.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持。 / Unsupported backup format.")
    return manifest


def key_present() -> bool:
    return bool(settings.FIELD_KEY) or Path(settings.FIELD_KEY_FILE).exists()


def is_empty() -> bool:
    return not connection.introspection.table_names()


def restore_backup(path: Path, *, force: bool = False) -> Restored:
    """Restore ``path`` into the configured database and files; refuse a database that has tables
    unless ``force``. Returns what the checks found (``problems`` empty when all agree)."""
    manifest = read_manifest(path)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"这是 {manifest['vendor']} 数据库的备份，当前配置的是 {connection.vendor}。"
            f" / This is a {manifest['vendor']} backup; the configured database is {connection.vendor}."
        )
    if not key_present():
        raise BackupError(KEY_MISSING.format(path=settings.FIELD_KEY_FILE))
    db_file = path / manifest["database"]["file"]
    if not db_file.exists() or sha256_of(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{db_file} 缺失或与清单中的校验值不符。 / {db_file} is missing or damaged.")
    if not is_empty() and not force:
        raise BackupError(
            "目标数据库不是空的，拒绝覆盖；确需覆盖请加 --force。 / The database is not empty; use --force to overwrite it."
        )
    if connection.vendor == "sqlite":
        _restore_sqlite(db_file)
    else:
        _restore_pg(db_file, clean=force)
    result = Restored(manifest=manifest)
    _restore_files(path, manifest, result)
    _compare(manifest, result)
    _check_key(result)
    _verify(result)
    with transaction.atomic():
        audit.record(
            actor=SYSTEM, action="ops.restore", target_type="ops.backup", target_id=path.name,
            success=not result.problems, message="；".join(result.problems)[:2000],
            after={"path": str(path), "created_at": manifest["created_at"], "forced": force},
        )  # fmt: skip
    return result


def _restore_sqlite(db_file: Path) -> None:
    name = connection.settings_dict["NAME"]
    connection.close()
    source = sqlite3.connect(db_file)
    target = sqlite3.connect(name)
    try:
        source.backup(target)  # page by page, replacing whatever the target held
    finally:
        source.close()
        target.close()


def _restore_pg(db_file: Path, *, clean: bool) -> None:
    pg_restore = pg_tool("pg_restore")
    params = pg_params()
    connection.close()
    flags = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if clean:
        flags += ["--clean", "--if-exists"]
    done = subprocess.run(  # noqa: S603 — fixed arguments, no shell
        [pg_restore, *flags, *pg_args(params), str(db_file)],
        capture_output=True, text=True, env=pg_env(params), check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore 失败，数据库未改动 / pg_restore failed, nothing changed: {done.stderr.strip()}"
        )


def _restore_files(path: Path, manifest: dict[str, Any], result: Restored) -> None:
    media = Path(settings.MEDIA_ROOT)
    shutil.copytree(path / MEDIA_DIR, media, dirs_exist_ok=True)
    for entry in manifest["files"]:
        copied = media / entry["path"]
        if not copied.exists() or sha256_of(copied) != entry["sha256"]:
            result.problems.append(f"上传文件 {entry['path']} 缺失或内容不符 / file missing or damaged")
    result.notes.append(f"上传文件 {len(manifest['files'])} 个已恢复到 {media}")
    anchors = path / ANCHORS_FILE
    if anchors.exists():
        if chain.anchor_file().exists():
            result.notes.append(f"保留已有的锚点文件 {chain.anchor_file()}（核验以它为准）")
        else:
            chain.anchor_file().parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(anchors, chain.anchor_file())
            result.notes.append(f"锚点文件已恢复到 {chain.anchor_file()}")


def _compare(manifest: dict[str, Any], result: Restored) -> None:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cur:
        for table, expected in sorted(manifest["tables"].items()):
            if table not in tables:
                result.problems.append(f"表 {table} 缺失 / table missing")
                continue
            cur.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — a table name from the catalogue
            count = int(cur.fetchone()[0])
            if count != expected:
                result.problems.append(f"表 {table}：备份时 {expected} 行，恢复后 {count} 行")
        cur.execute(verify.heads_sql())
        heads = {str(pk): [int(seq), head] for pk, seq, head in cur.fetchall()}
    if heads != manifest["ledger_heads"]:
        result.problems.append(f"积分流水链头与备份清单不符：清单 {manifest['ledger_heads']}，恢复后 {heads}")
    else:
        result.notes.append(f"{len(manifest['tables'])} 张表的行数与 {len(heads)} 条积分链头均与备份清单一致")


def _check_key(result: Restored) -> None:
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, EncryptedTextField):
                continue
            where = f"{model._meta.db_table}.{f.column}"
            try:
                value = model._base_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True).first()
            except ValueError:
                result.problems.append(KEY_WRONG.format(where=where, path=settings.FIELD_KEY_FILE))
                return
            if value is not None:
                result.notes.append(f"加密字段 {where} 已用当前密钥解密成功")
                return
    result.notes.append("没有加密数据可供试解密")


def _verify(result: Restored) -> None:
    out = io.StringIO()
    try:
        call_command("points", "verify", "--totals", stdout=out)
        result.notes.append("积分流水核验通过（points verify --totals）")
    except CommandError as exc:
        result.problems.append(f"积分流水核验未通过：{exc}")
