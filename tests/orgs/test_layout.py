"""The registry's shape, enforced: pages and API read only through scoped selectors (no ``Model.objects``
in ``orgs/views`` or ``orgs/api``), no import hidden inside a function, and no module over 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import tongxin.orgs

ORGS = Path(tongxin.orgs.__file__).parent
PAGES_AND_API = [*sorted((ORGS / "views").glob("*.py")), *sorted((ORGS / "api").glob("*.py"))]
SOURCES = [p for p in sorted(ORGS.rglob("*.py")) if "migrations" not in p.parts]
# ready() imports models while the app registry is being built: the one place it must be inside.
IMPORTS_ALLOWED = {("apps.py", "ready")}


def test_pages_and_api_never_touch_model_managers() -> None:
    offenders = [
        f"{path.relative_to(ORGS)}:{node.lineno}"
        for path in PAGES_AND_API
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}
    ]
    assert PAGES_AND_API, "the views and api packages were not found"
    assert offenders == [], f"read through orgs.selectors instead: {offenders}"


def test_no_import_is_hidden_inside_a_function() -> None:
    offenders = []
    for path in SOURCES:
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (path.name, fn.name) in IMPORTS_ALLOWED:
                continue
            offenders += [
                f"{path.relative_to(ORGS)}:{node.lineno}"
                for node in ast.walk(fn)
                if isinstance(node, ast.Import | ast.ImportFrom)
            ]
    assert offenders == []


def test_no_module_is_over_600_lines() -> None:
    long = {str(p.relative_to(ORGS)): n for p in SOURCES if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}
