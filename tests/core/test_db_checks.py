"""The database system check that warns when PostgreSQL runs without autovacuum."""

from __future__ import annotations

import pytest
from django.db import connection

from tongxin.core.checks import postgres_autovacuum

pytestmark = pytest.mark.django_db


def test_sqlite_needs_no_vacuum_warning() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert postgres_autovacuum(databases=["default"]) == []


def test_postgres_warning_follows_the_server_setting() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SHOW autovacuum")
        (value,) = cur.fetchone()
    ids = [w.id for w in postgres_autovacuum(databases=["default"])]
    assert ids == ([] if value == "on" else ["tongxin.W001"])


def test_no_databases_no_queries() -> None:
    assert postgres_autovacuum(databases=None) == []
