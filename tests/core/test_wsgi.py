"""The WSGI entry point routes bearer-token API calls through the lean chain and the rest through the
stock handler with the full one; both answer the same."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import World
from tongxin.accounts.models import User
from tongxin.accounts.services import create_api_token
from tongxin.accounts.system import SYSTEM
from tongxin.core.models import AuditEvent


def call(
    path: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[str, dict[str, str], bytes]:
    from tongxin.wsgi import application

    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "10.1.2.3",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    for key, value in (headers or {}).items():
        environ["HTTP_" + key.upper().replace("-", "_")] = value
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], _exc_info: Any = None) -> None:
        captured["status"] = status
        captured["headers"] = dict(response_headers)

    chunks = application(environ, start_response)
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return captured["status"], captured["headers"], content


def _enrolled(user: User) -> User:
    """The login policy accepts a token of a two-factor role only while its owner has an authenticator."""
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.mark.django_db(transaction=True)
def test_token_calls_work_through_the_lean_chain(world: World) -> None:
    _, raw = create_api_token(actor=SYSTEM, user=_enrolled(world.user("county_admin")))
    status, headers, content = call("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert status.startswith("200")
    assert json.loads(content)["username"] == "county_admin"
    assert "Set-Cookie" not in headers  # no session machinery on this path
    assert headers.get("X-Content-Type-Options") == "nosniff"  # security headers still apply


@pytest.mark.django_db(transaction=True)
def test_writes_through_the_lean_chain_are_audited_with_the_source_ip(world: World) -> None:
    _, raw = create_api_token(actor=SYSTEM, user=_enrolled(world.user("county_admin")))
    body = json.dumps({"name": "新党小组", "kind": "group", "parent_id": world.branch_a1.pk}).encode()
    status, _, _ = call("/api/v1/orgs", method="POST", headers={"Authorization": f"Bearer {raw}"}, body=body)
    assert status.startswith("201")
    event = AuditEvent.objects.filter(action="orgs.party_org.create").latest("id")
    assert event.source_ip == "10.1.2.3" and event.actor_username == "county_admin"


@pytest.mark.django_db(transaction=True)
def test_bad_token_and_browser_calls(world: World) -> None:
    status, _, content = call("/api/v1/me", headers={"Authorization": "Bearer tx_wrong"})
    assert status.startswith("401") and json.loads(content)["code"] == "unauthenticated"
    status, _, _ = call("/accounts/login/")
    assert status.startswith("200")


@pytest.mark.django_db(transaction=True)
def test_public_board_pages_take_the_stock_chain(world: World) -> None:
    """The published board and its verification page answer a GET without login and set no cookie, with
    the security headers of every page; a POST there is refused by CSRF (the full chain)."""
    from datetime import date

    from tests.points.helpers import make_scheme, make_villagers
    from tongxin.points import services

    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    services.award_points(
        actor=SYSTEM,
        person=person,
        points=5,
        source="test",
        source_ref="w",
        reason="测试",
        on=date(2026, 4, 1),
    )
    board = services.publish_board(actor=world.user("county_admin"), region=world.village_a1, period="2026Q2")
    for path, shows in ((board.get_absolute_url(), person.name), (board.get_verify_url(), "与积分流水一致")):
        status, headers, content = call(path)
        assert status.startswith("200"), path
        assert shows in content.decode()
        assert "Set-Cookie" not in headers
        assert headers.get("X-Frame-Options") == "DENY" and headers.get("X-Content-Type-Options") == "nosniff"
    status, _, _ = call("/points/public/boards/nope/")
    assert status.startswith("404")
    status, _, _ = call(board.get_absolute_url(), method="POST")
    assert status.startswith("403")


@pytest.mark.django_db(transaction=True)
def test_the_lean_chain_reads_no_session_and_leaves_the_setting_alone(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    """A session cookie does not authenticate a bearer call (the lean chain has no session middleware),
    and building that chain does not change ``settings.MIDDLEWARE``."""
    from django.test import Client

    from tongxin.core.handlers import handler_with

    before = list(settings.MIDDLEWARE)
    handler_with(["django.middleware.common.CommonMiddleware"])
    assert list(settings.MIDDLEWARE) == before
    browser = Client()
    browser.force_login(world.user("township_admin"))
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    status, _, _ = call("/api/v1/me", headers={"Cookie": cookie})
    assert status.startswith("200")  # the full chain reads the session
    status, _, content = call("/api/v1/me", headers={"Cookie": cookie, "Authorization": "Bearer tx_wrong"})
    assert status.startswith("401") and json.loads(content)["code"] == "unauthenticated"
