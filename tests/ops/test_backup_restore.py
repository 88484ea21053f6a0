"""``tongxin backup`` and ``tongxin restore``: a round trip into a fresh database (a new SQLite file, or
a newly created PostgreSQL database dropped afterwards) keeps every row, every ledger head and every
uploaded file, and ``points verify`` is clean; restore refuses what it must refuse."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import build_world
from tests.points.helpers import make_scheme, make_villagers
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services as org_services
from tongxin.points import chain, services
from tongxin.points.models import Scheme

pytestmark = pytest.mark.django_db(transaction=True)  # backup reads committed data, as in production

UPLOAD = "points/evidence/2026/04/photo.jpg"


def _field_key() -> str:
    return settings.FIELD_KEY or Path(settings.FIELD_KEY_FILE).read_text().strip()


def _tables_and_counts() -> dict[str, int]:
    with connection.cursor() as cur:
        out = {}
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')
            out[table] = cur.fetchone()[0]
        return out


def _heads() -> dict[str, list[Any]]:
    return {
        str(pk): [seq, head] for pk, seq, head in Scheme.objects.values_list("pk", "chain_seq", "chain_head")
    }


@pytest.fixture
def installation(tmp_path: Path, settings: Any) -> dict[str, Any]:
    """A small county with encrypted personal data, a ledger, a published board and an upload."""
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    org_services.create_person(actor=SYSTEM, name="张三", region=world.village_a1, mobile="13803910009")
    for i, person in enumerate(people):
        services.award_points(
            actor=SYSTEM, person=person, points=i + 2, source="test", source_ref=f"r{i}", reason="义务劳动",
            on=date(2026, 4, 8),
        )  # fmt: skip
    services.publish_board(actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2")
    upload = Path(settings.MEDIA_ROOT) / UPLOAD
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"\xff\xd8\xff\xe0 a photo")
    scheme.refresh_from_db()
    assert chain.anchor_file().exists()
    return {"counts": _tables_and_counts(), "heads": _heads()}


@pytest.fixture
def target_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a ``tongxin`` process on a fresh, empty database of the same vendor, with a data
    directory of its own (files, anchors; no field key there)."""
    data_dir = tmp_path / "target"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_")}
    env["TONGXIN_DATA_DIR"] = str(data_dir)
    if connection.vendor == "sqlite":
        yield env
        return
    params = connection.settings_dict
    name = f"tx_ledger_restore_{uuid.uuid4().hex[:12]}"
    admin = {
        "dbname": "postgres",
        "user": params["USER"] or "postgres",
        "host": params["HOST"] or "127.0.0.1",
    }
    if params.get("PORT"):
        admin["port"] = str(params["PORT"])
    if params.get("PASSWORD"):
        admin["password"] = params["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = admin["user"] + (f":{admin['password']}" if "password" in admin else "")
    env["TONGXIN_DATABASE_URL"] = f"postgres://{auth}@{admin['host']}:{admin.get('port', '5432')}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tongxin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tongxin.cli", *args], env=env, capture_output=True, text=True, check=False,
        timeout=300,
    )  # fmt: skip


def _restored_counts(env: dict[str, str]) -> tuple[dict[str, int], dict[str, list[Any]]]:
    if "TONGXIN_DATABASE_URL" in env:
        conn: Any = psycopg.connect(env["TONGXIN_DATABASE_URL"].replace("postgres://", "postgresql://", 1))
        tables_sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    else:
        conn = sqlite3.connect(Path(env["TONGXIN_DATA_DIR"]) / "tongxin.sqlite3")
        tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    try:
        cur = conn.cursor()
        cur.execute(tables_sql)
        counts = {}
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT id, chain_seq, chain_head FROM points_scheme")
        heads = {str(pk): [seq, head] for pk, seq, head in cur.fetchall()}
    finally:
        conn.close()
    return counts, heads


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows_heads_and_files(
    installation: dict[str, Any], target_database: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor and manifest["app_version"]
    assert manifest["tables"] == installation["counts"]
    assert manifest["ledger_heads"] == installation["heads"] and installation["heads"]
    assert [f["path"] for f in manifest["files"]] == [UPLOAD]
    assert (backup / "anchors.jsonl").read_text() == chain.anchor_file().read_text()
    assert "field_key" not in {p.name for p in backup.rglob("*")}

    env = {**target_database, "TONGXIN_FIELD_KEY": _field_key()}
    done = _tongxin(env, "restore", str(backup))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "核对全部通过" in done.stdout and "积分流水核验通过" in done.stdout
    assert "已用当前密钥解密成功" in done.stdout

    counts, heads = _restored_counts(env)
    restore_audit = 1  # restore records itself once everything is checked
    assert {t: c for t, c in counts.items() if t != "core_auditevent"} == {
        t: c for t, c in installation["counts"].items() if t != "core_auditevent"
    }
    assert counts["core_auditevent"] == installation["counts"]["core_auditevent"] + restore_audit
    assert heads == installation["heads"]
    data_dir = Path(env["TONGXIN_DATA_DIR"])
    assert (data_dir / "media" / UPLOAD).read_bytes() == b"\xff\xd8\xff\xe0 a photo"
    assert (data_dir / "anchors" / "ledger-anchors.jsonl").exists()
    verify = _tongxin(env, "points", "verify", "--totals")
    assert verify.returncode == 0 and "核验通过" in verify.stdout, verify.stdout + verify.stderr

    # into the same database again: it is no longer empty
    again = _tongxin(env, "restore", str(backup))
    assert again.returncode != 0 and "目标数据库不是空的" in again.stderr


def test_restore_says_plainly_when_the_key_does_not_decrypt(
    installation: dict[str, Any], target_database: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    env = {**target_database, "TONGXIN_FIELD_KEY": Fernet.generate_key().decode()}
    done = _tongxin(env, "restore", str(backup))
    assert done.returncode != 0
    assert "解不开加密字段" in done.stdout and "does not decrypt" in done.stdout


def test_restore_refuses_without_the_field_key(
    installation: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    settings.FIELD_KEY = ""
    settings.FIELD_KEY_FILE = tmp_path / "nowhere" / "field_key"
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(backup), "--force")
    assert "缺少个人信息加密密钥" in str(exc.value) and "field-encryption key is missing" in str(exc.value)
    assert not settings.FIELD_KEY_FILE.exists()  # nor does it make up a new key
    assert _heads() == installation["heads"]  # nothing was touched


def test_restore_refuses_a_database_that_is_not_empty(installation: dict[str, Any], tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(backup))
    assert "--force" in str(exc.value)


def test_restore_refuses_a_damaged_database_file(installation: dict[str, Any], tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    with (backup / manifest["database"]["file"]).open("ab") as f:
        f.write(b"x")
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(backup), "--force")
    assert "校验值不符" in str(exc.value)


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x").write_text("x")
    with pytest.raises(CommandError) as exc:
        call_command("backup", str(tmp_path / "old"))
    assert "不为空" in str(exc.value)
    assert not (tmp_path / "old.partial").exists()
