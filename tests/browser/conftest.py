"""Playwright in headless Chromium (Debian's package, /usr/bin/chromium) against pytest-django's
live server. Screenshots go to tests/browser/screenshots/ (look at them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to set up data
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("TONGXIN_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser: object, viewport: dict[str, int], mobile: bool) -> Iterator[object]:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=mobile, has_touch=mobile
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    # Every page of every browser test runs under the Content-Security-Policy: a script it refuses
    # (an inline one without the nonce, an onclick=…) fails the test.
    refused: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    yield page
    context.close()
    assert refused == [], refused


@pytest.fixture
def phone_page(browser: object) -> Iterator[object]:
    yield from _page(browser, PHONE, True)


@pytest.fixture
def desktop_page(browser: object) -> Iterator[object]:
    yield from _page(browser, DESKTOP, False)


def shot(page: object, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def log_in(page: object, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
