"""Issue 10 item 3 / issue 11 item 5 (cases side): routing rules and the API took organisations from an
unscoped ``PartyOrg.objects``; every read of the cases pages and API now goes through scoped selectors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client

from tests.cases.conftest import Loop
from tests.factories import api_client, login, make_user
from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, RoutingRule
from tongxin.core.errors import DomainError

CASES = Path(services.__file__).resolve().parents[1]


def _town_a_manager(loop: Loop) -> User:
    """A case manager (county_admin role) granted on 甲镇 only."""
    user = make_user("town_a_manager", real_name="甲镇事项管理员")
    account_services.grant_role(actor=SYSTEM, user=user, role="county_admin", node=loop.world.town_a)
    return user


def test_finding_routing_rules_refuse_an_organisation_outside_the_actors_scope(loop: Loop) -> None:
    manager = _town_a_manager(loop)
    with pytest.raises(DomainError) as exc:
        services.set_routing_rule(actor=manager, region=loop.world.village_a1, org=loop.world.branch_b1)
    assert exc.value.field == "org" and "管理范围" in exc.value.message
    assert not RoutingRule.objects.exists()
    services.set_routing_rule(actor=manager, region=loop.world.village_a1, org=loop.world.branch_a2)
    assert RoutingRule.objects.get().org == loop.world.branch_a2


def test_finding_the_routing_api_answers_404_for_an_organisation_outside_scope(loop: Loop) -> None:
    client, headers = api_client(_town_a_manager(loop))
    r = client.post(
        "/api/v1/cases/routing",
        {"region_id": loop.world.village_a1.pk, "org_id": loop.world.branch_b1.pk},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 404 and r.json()["field"] == "org_id"
    assert "管理范围" in r.json()["message"]
    assert not RoutingRule.objects.exists()


def test_the_api_transfer_target_must_be_in_scope(loop: Loop) -> None:
    case = loop.report()
    client, headers = api_client(loop.world.user("village_secretary"))
    r = client.post(
        f"/api/v1/cases/{case.pk}/events",
        {"event": "transfer", "org_id": loop.world.branch_b1.pk, "reason": "属乙一村"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 400 and r.json()["field"] == "org_id"
    assert Case.objects.get(pk=case.pk).handling_org == loop.world.branch_a1


def test_the_api_files_only_in_regions_the_user_may_report_in(loop: Loop) -> None:
    client, headers = api_client(loop.rider)
    r = client.post(
        "/api/v1/cases/",
        {"category": "safety_hazard", "description": "井盖缺失", "region_id": loop.world.village_b1.pk,
         "lat": 34.9, "lng": 112.78},
        content_type="application/json",
        **headers,
    )  # fmt: skip
    assert r.status_code == 404 and r.json()["field"] == "region_id"
    assert not Case.objects.exists()


def test_the_case_page_offers_only_organisations_in_scope_for_transfer(loop: Loop) -> None:
    case = loop.report()
    page = login(Client(), loop.world.user("village_secretary")).get(f"/cases/{case.pk}/").content.decode()
    assert loop.world.branch_b1.name not in page


def _objects_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    ]


def test_cases_views_and_api_read_through_selectors_not_model_objects() -> None:
    modules = [*sorted((CASES / "views").glob("*.py")), CASES / "api.py"]
    assert len(modules) >= 6
    assert [use for m in modules for use in _objects_uses(m)] == []
