"""With TONGXIN_ENV=production, `check --deploy --fail-level WARNING` passes."""

from __future__ import annotations

import os
import subprocess
import sys


def test_production_settings_pass_the_deploy_check(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "TONGXIN_ENV": "production",
        "TONGXIN_SECRET_KEY": "k" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "TONGXIN_FIELD_KEY": "a-field-key-for-the-check",
        "TONGXIN_ALLOWED_HOSTS": "tongxin.example.gov.cn",
        "TONGXIN_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tongxin.settings",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tongxin.cli import main; main(['check', '--deploy', '--fail-level', 'WARNING'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "TONGXIN_ENV": "production", "TONGXIN_DATA_DIR": str(tmp_path)}
    env.pop("TONGXIN_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-c", "from tongxin.cli import main; main(['check'])"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TONGXIN_SECRET_KEY" in result.stderr
