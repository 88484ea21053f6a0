"""The OpenAPI document is the contract for API clients and for schemathesis in CI."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django.test import Client
from ninja import Schema

from tests.factories import World, api_client

API_MODULES = [
    "tongxin.accounts.api",
    "tongxin.orgs.api",
    "tongxin.points.api",
    "tongxin.cases.api",
    "tongxin.stars.api",
    "tongxin.stars.api.schemas",
]


def test_schema_class_names_are_unique_across_modules() -> None:
    # ninja names OpenAPI components after the class: two `MeOut`s would describe one endpoint with
    # the other's schema.
    seen: dict[str, str] = {}
    for name in API_MODULES:
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Schema)
                and cls.__module__.startswith("tongxin.")
                and cls.__module__ != "tongxin.core.api"
            ):
                owner = cls.__module__
                assert seen.setdefault(cls_name, owner) == owner, (
                    f"{cls_name} is defined in {owner} and {seen[cls_name]}"
                )


def test_every_operation_documents_the_error_shape(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for code in ("401", "404", "422"):
                assert code in operation["responses"], f"{method.upper()} {path} does not document {code}"


def test_unmatched_api_urls_answer_in_the_error_shape(db: None) -> None:
    response = Client().get("/api/v1/orgs/-5")  # ids are integers: "-5" matches no route
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到该记录，或您无权查看。", "field": None}
    assert "text/html" in Client().get("/no-such-page/").headers["Content-Type"]


@pytest.mark.django_db
def test_an_impossible_year_is_bad_input_not_a_server_error(world: World) -> None:
    client, auth = api_client(world.user("county_admin"))
    response = client.get("/api/v1/stars/county?year=373", **auth)
    assert response.status_code == 422 and response.json()["field"] == "year"
