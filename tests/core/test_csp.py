"""Content-Security-Policy: on every response, with a fresh nonce that the few inline scripts carry;
no template has an inline script without it or an inline event handler."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.core.test_wsgi import call
from tests.factories import World, api_client, login

SRC = Path(__file__).resolve().parents[2] / "src" / "tongxin"
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def _nonce(csp: str) -> str:
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", csp)
    assert match, csp
    return match.group(1)


def test_finding_5_every_inline_script_in_the_templates_carries_the_nonce() -> None:
    offenders = []
    for path in SRC.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for attrs in SCRIPT.findall(text):
            if "src=" in attrs or "application/json" in attrs:
                continue
            if 'nonce="{{ request.csp_nonce }}"' not in attrs:
                offenders.append(f"{path.relative_to(SRC)}: <script{attrs}>")
        offenders += [f"{path.relative_to(SRC)}: {m.strip()}" for m in HANDLER.findall(text)]
    assert offenders == []


@pytest.mark.django_db
def test_finding_5_pages_send_a_csp_whose_nonce_the_inline_script_carries(world: World) -> None:
    client = login(Client(), world.user("county_admin"))
    first = client.get(reverse("orgs:coverage"))
    assert first.status_code == 200
    csp = first["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    nonce = _nonce(csp)
    assert f'<script nonce="{nonce}">' in first.content.decode()
    second = client.get(reverse("orgs:coverage"))
    assert _nonce(second["Content-Security-Policy"]) != nonce  # per request


@pytest.mark.django_db
def test_the_login_page_and_the_api_send_the_policy_too(world: World) -> None:
    assert "frame-ancestors 'none'" in Client().get("/accounts/login/")["Content-Security-Policy"]
    client, auth = api_client(world.user("township_admin"))
    assert "object-src 'none'" in client.get("/api/v1/me", **auth)["Content-Security-Policy"]


@pytest.mark.django_db(transaction=True)
def test_the_lean_chains_send_the_policy(world: World) -> None:
    _, headers, _ = call("/accounts/login/")
    assert "script-src 'self' 'nonce-" in headers["Content-Security-Policy"]
    _, headers, _ = call("/api/v1/me", headers={"Authorization": "Bearer tx_wrong"})
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    _, headers, _ = call("/points/public/boards/nope/")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_api_docs_page_needs_no_inline_script(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    for attrs in SCRIPT.findall(page):
        assert "src=" in attrs or "application/json" in attrs, attrs
