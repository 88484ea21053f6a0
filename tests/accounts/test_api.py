from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.factories import World, api_client
from tongxin.accounts.models import ApiToken


@pytest.mark.django_db
def test_token_is_stored_hashed_and_authenticates(world: World) -> None:
    out = io.StringIO()
    call_command("token", "create", "township_admin", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("tx_")
    row = ApiToken.objects.get(user=world.user("township_admin"))
    assert raw not in (row.digest, row.key_prefix + row.digest)
    assert row.digest == ApiToken.digest_of(raw)
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "township_admin"
    assert body["mobile_masked"].count("*") == 4
    assert body["grants"][0]["label"] == "甲镇"


@pytest.mark.django_db
def test_revoked_or_wrong_token_is_refused(world: World) -> None:
    client, auth = api_client(world.user("township_admin"))
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00+08:00")
    response = client.get("/api/v1/me", **auth)
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "未登录或令牌无效。", "field": None}
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer tx_nonsense").status_code == 401


@pytest.mark.django_db
def test_validation_errors_name_the_field_in_chinese(world: World) -> None:
    client, auth = api_client(world.user("county_admin"))
    response = client.post("/api/v1/orgs", {"kind": "branch"}, content_type="application/json", **auth)
    assert response.status_code == 422
    assert response.json() == {"code": "invalid", "message": "字段 name 必填。", "field": "name"}
    bad_kind = client.post(
        "/api/v1/orgs", {"name": "x", "kind": "nonsense"}, content_type="application/json", **auth
    )
    assert bad_kind.status_code == 422 and bad_kind.json()["field"] == "kind"


@pytest.mark.django_db
def test_domain_errors_use_the_same_shape(world: World) -> None:
    client, auth = api_client(world.user("county_admin"))
    response = client.post(
        "/api/v1/orgs",
        {
            "name": "未来党支部",
            "kind": "branch",
            "region_id": world.village_a1.pk,
            "established_on": "2999-01-01",
        },
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "成立日期不能晚于今天。",
        "field": "established_on",
    }


@pytest.mark.django_db
def test_pagination(world: World) -> None:
    client, auth = api_client(world.user("county_admin"))
    first = client.get("/api/v1/regions?page=1&page_size=3", **auth).json()
    second = client.get("/api/v1/regions?page=2&page_size=3", **auth).json()
    assert first["count"] == second["count"] == 7  # county, 2 townships, 4 villages
    assert len(first["items"]) == 3 and len(second["items"]) == 3
    assert {r["id"] for r in first["items"]}.isdisjoint({r["id"] for r in second["items"]})


@pytest.mark.django_db
def test_openapi_document(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "同心 Tongxin API"
    assert "/api/v1/orgs" in schema["paths"]


@pytest.mark.django_db
def test_a_token_call_loads_the_user_and_grants_in_three_statements(
    world: World, django_assert_max_num_queries: Any
) -> None:
    """Token, user and the user's active grants: three statements (``accounts.principal``), plus the
    update of ``last_used_at`` at most every five minutes."""
    client, auth = api_client(world.user("township_admin"))
    client.get("/api/v1/me", **auth)  # the first call stamps last_used_at
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/me", **auth).json()
    assert [g["label"] for g in body["grants"]] == ["甲镇"]


@pytest.mark.django_db
def test_token_user_sees_every_active_grant_once_and_no_revoked_one(world: World) -> None:
    from tests.factories import make_user
    from tongxin.accounts import services as account_services

    user = make_user("many_grants")
    kept = [
        account_services.grant_role(actor=None, user=user, role="points_recorder", node=world.village_a1),
        account_services.grant_role(actor=None, user=user, role="points_reviewer", node=world.village_b1),
    ]
    gone = account_services.grant_role(actor=None, user=user, role="resident", node=world.village_a1)
    type(gone).objects.filter(pk=gone.pk).update(revoked_at=timezone.now())
    client, auth = api_client(user)
    grants = client.get("/api/v1/me", **auth).json()["grants"]
    assert [(g["role"], g["node_id"]) for g in grants] == [(g.role, g.node_id) for g in kept]
    bare_client, bare_auth = api_client(make_user("no_grants"))
    bare = bare_client.get("/api/v1/me", **bare_auth)
    assert bare.status_code == 200 and bare.json()["grants"] == []


@pytest.mark.django_db
def test_the_openapi_document_gives_every_operation_the_error_shape_including_403(client: Client) -> None:
    """Pins ``TongxinAPI.get_openapi_schema`` (api.py): the error responses, 403 of the login policy
    included, are added to every operation and point at one ``ErrorOut`` component."""
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"code", "message", "field"}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for code in ("400", "401", "403", "404", "422"):
                response = operation["responses"].get(code)
                assert response is not None, f"{method.upper()} {path} does not document {code}"
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorOut", (path, code)
