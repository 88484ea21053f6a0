"""``tongxin backup PATH``: one directory with everything needed to bring an installation back except
its secrets.

- ``database.sqlite3``: SQLite's online backup API (a consistent copy while the system runs), or
  ``database.dump``: ``pg_dump`` custom format on PostgreSQL, taken from an exported snapshot;
- ``media/``: the uploaded files;
- ``anchors.jsonl``: a copy of the ledger anchors (the chain heads of published boards);
- ``manifest.json``: row counts per table and the ledger head of every scheme, read from the same
  snapshot as the dump, the database's checksum, every file's checksum, the time, the database vendor
  and the application version.

The field-encryption key (``TONGXIN_FIELD_KEY`` or ``field_key`` in the data directory) is never in a
backup: keep it apart (docs/deployment.md). The backup is written to ``PATH.partial`` and renamed at
the end, so a failed run leaves no half backup under ``PATH``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import tongxin
from tongxin.accounts.system import SYSTEM
from tongxin.core import audit
from tongxin.points import chain, verify

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_DIR = "media"
ANCHORS_FILE = "anchors.jsonl"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def app_version() -> str:
    return tongxin.__version__


def _counts_and_heads(cur: Any, tables: list[str]) -> tuple[dict[str, int], dict[str, list[Any]]]:
    counts: dict[str, int] = {}
    for table in sorted(tables):
        cur.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — a table name from the catalogue
        counts[table] = int(cur.fetchone()[0])
    cur.execute(verify.heads_sql())
    heads = {str(pk): [int(seq), head] for pk, seq, head in cur.fetchall()}
    return counts, heads


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_backup(target: Path) -> tuple[dict[str, int], dict[str, list[Any]]]:
    connection.ensure_connection()
    source = connection.connection  # the live connection: also sees an in-memory test database
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        cur = copy.cursor()
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [name for (name,) in cur.fetchall()]
        counts, heads = _counts_and_heads(cur, tables)
        # One self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    return counts, heads


# --- PostgreSQL -----------------------------------------------------------------------------------


def pg_params() -> dict[str, str]:
    """Connection parameters of the default database (the test database under pytest)."""
    s = connection.settings_dict
    params = {
        "dbname": s["NAME"],
        "user": s.get("USER") or "",
        "password": s.get("PASSWORD") or "",
        "host": s.get("HOST") or "",
        "port": str(s.get("PORT") or ""),
    }
    return {k: v for k, v in params.items() if v}


def pg_tool(name: str) -> str:
    """The path of ``pg_dump``/``pg_restore``, refused when missing or older than the server."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）。"
            f" / {name} not found: install the PostgreSQL client tools."
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    tool_major = int(out.split()[-1].split(".")[0])
    connection.ensure_connection()
    server_major = int(connection.pg_version) // 10000  # type: ignore[attr-defined]  # PostgreSQL backend only
    if tool_major < server_major:
        raise BackupError(
            f"{name} 的版本（{tool_major}）低于数据库服务器（{server_major}）：请安装 postgresql-client-{server_major}。"
            f" / {name} {tool_major} is older than the server ({server_major})."
        )
    return path


def pg_env(params: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    if "password" in params:
        env["PGPASSWORD"] = params["password"]
    return env


def pg_args(params: dict[str, str]) -> list[str]:
    args = ["--dbname", params["dbname"]]
    for key, flag in (("host", "--host"), ("port", "--port"), ("user", "--username")):
        if key in params:
            args += [flag, params[key]]
    return args


def _pg_backup(target: Path) -> tuple[dict[str, int], dict[str, list[Any]]]:
    pg_dump = pg_tool("pg_dump")
    params = pg_params()
    # Counts, heads and dump read one snapshot: the manifest describes exactly what the dump holds.
    with psycopg.connect(**params) as snap:  # type: ignore[arg-type]  # keyword parameters of libpq
        snap.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snap.read_only = True
        row = snap.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        cur = snap.cursor()
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [name for (name,) in cur.fetchall()]
        counts, heads = _counts_and_heads(cur, tables)
        done = subprocess.run(  # noqa: S603 — fixed arguments, no shell
            [pg_dump, "--format=custom", f"--snapshot={row[0]}", "--file", str(target), *pg_args(params)],
            capture_output=True, text=True, env=pg_env(params), check=False,
        )  # fmt: skip
        snap.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败 / pg_dump failed: {done.stderr.strip()}")
    return counts, heads


# --- files ----------------------------------------------------------------------------------------


def walk_files(root: Path) -> Iterator[Path]:
    if root.exists():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def file_list(root: Path) -> list[dict[str, Any]]:
    return [
        {"path": p.relative_to(root).as_posix(), "bytes": p.stat().st_size, "sha256": sha256_of(p)}
        for p in walk_files(root)
    ]


# --- the backup -----------------------------------------------------------------------------------


def create_backup(path: Path) -> dict[str, Any]:
    """Write a backup to ``path`` (a new or empty directory) and return its manifest."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"备份目录 {path} 已存在且不为空，请换一个目录。 / {path} exists and is not empty.")
    work = path.with_name(path.name + ".partial")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, mode=0o700)  # personal data: readable by the owner only
    started = timezone.now()
    try:
        if connection.vendor == "sqlite":
            db_file = work / SQLITE_FILE
            counts, heads = _sqlite_backup(db_file)
        elif connection.vendor == "postgresql":
            db_file = work / PG_FILE
            counts, heads = _pg_backup(db_file)
        else:
            raise BackupError(
                f"不支持的数据库 {connection.vendor}。 / Unsupported database {connection.vendor}."
            )
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.copytree(media, work / MEDIA_DIR)
        else:
            (work / MEDIA_DIR).mkdir()
        if chain.anchor_file().exists():
            shutil.copy2(chain.anchor_file(), work / ANCHORS_FILE)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": started.isoformat(),
            "vendor": connection.vendor,
            "app_version": app_version(),
            "django_version": django.get_version(),
            "database": {"file": db_file.name, "bytes": db_file.stat().st_size, "sha256": sha256_of(db_file)},
            "tables": counts,
            "ledger_heads": heads,
            "files": file_list(work / MEDIA_DIR),
            "anchors": sha256_of(work / ANCHORS_FILE) if (work / ANCHORS_FILE).exists() else None,
            "field_key": "not included: keep TONGXIN_FIELD_KEY / the data directory's field_key apart",
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if path.exists():
        path.rmdir()
    work.rename(path)
    with transaction.atomic():
        audit.record(
            actor=SYSTEM, action="ops.backup", target_type="ops.backup", target_id=path.name,
            after={"path": str(path), "tables": len(counts), "rows": sum(counts.values()), "heads": heads,
                   "files": len(manifest["files"])},
        )  # fmt: skip
    return manifest
