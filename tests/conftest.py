from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.factories import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests need Debian's Chromium; without it they are skipped with a clear reason."""
    has_chromium = shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not has_chromium:
                item.add_marker(pytest.mark.skip(reason="Chromium 未安装：apt-get install chromium"))


@pytest.fixture(autouse=True)
def _anchor_dir(settings: Any, tmp_path: Path) -> None:
    """Each test anchors its published boards' chain heads in a file of its own."""
    settings.ANCHOR_DIR = tmp_path / "anchors"


@pytest.fixture(autouse=True)
def _skip_pg_only(request: pytest.FixtureRequest) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if request.node.get_closest_marker("pg_only") and not on_postgres:
        pytest.skip("needs PostgreSQL for real concurrency (make test-pg)")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: rows get the same ids again after a rollback, and a cached
    throttle (e.g. the once-per-window audit of refusals in core.scoping) must not leak between tests."""
    cache.clear()
