"""Security administrator and auditor pages (three-administrator separation), as permission tables."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World, login
from tongxin.accounts.models import Grant, User
from tongxin.accounts.system import SYSTEM
from tongxin.core import audit
from tongxin.core.models import AuditEvent

ROLES = [
    "county_admin", "township_admin", "county_leader", "village_secretary", "branch_secretary",
    "points_recorder", "points_reviewer", "instructor", "grid_worker", "resident", "trainer",
    "security_admin", "auditor",
]  # fmt: skip

# role -> (user pages, audit page)
TABLE = {role: (404, 404) for role in ROLES}
TABLE["security_admin"] = (200, 404)
TABLE["auditor"] = (404, 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.django_db
def test_admin_pages_permission_table(world: World, client: Client, role: str) -> None:
    users_page, audit_page = TABLE[role]
    login(client, world.user(role))
    assert client.get(reverse("accounts:user_list")).status_code == users_page
    assert (
        client.get(reverse("accounts:user_detail", args=[world.user("resident").pk])).status_code
        == users_page
    )
    assert client.get(reverse("accounts:audit_list")).status_code == audit_page


@pytest.mark.django_db
def test_security_admin_creates_a_user_and_grants_a_role(world: World, client: Client) -> None:
    login(client, world.user("security_admin"))
    bad = client.post(
        reverse("accounts:user_list"),
        {"username": "zhang", "real_name": "张三", "mobile": "12345", "password": "Qiang-Mima-77"},
    )
    assert bad.status_code == 200 and "手机号码" in bad.content.decode()
    assert not User.objects.filter(username="zhang").exists()
    ok = client.post(
        reverse("accounts:user_list"),
        {"username": "zhang", "real_name": "张三", "mobile": "13912345678", "password": "Qiang-Mima-77"},
    )
    user = User.objects.get(username="zhang")
    assert ok.status_code == 302 and user.must_change_password
    granted = client.post(
        reverse("accounts:user_detail", args=[user.pk]),
        {"role": "village_secretary", "node": f"region:{world.village_b2.pk}"},
    )
    assert granted.status_code == 302
    assert user.grants.get().path == world.village_b2.path
    detail = client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert "139****5678" in detail and "13912345678" not in detail


@pytest.mark.django_db
def test_security_admin_cannot_grant_outside_their_scope_or_to_themself(world: World, client: Client) -> None:
    from tongxin.accounts import services
    from tongxin.core.errors import DomainError

    sec = world.user("security_admin")
    outside = services.create_user(actor=None, username="x", real_name="外", password="Qiang-Mima-77")
    from tongxin.orgs import services as org_services

    other_county = org_services.create_region(actor=SYSTEM, name="外县", kind="county")
    with pytest.raises(DomainError):
        services.grant_role(actor=sec, user=outside, role="county_admin", node=other_county)
    with pytest.raises(DomainError):
        services.grant_role(actor=sec, user=sec, role="county_admin", node=world.county)
    assert not Grant.objects.filter(user=outside).exists()


@pytest.mark.django_db
def test_auditor_filters_events(world: World, client: Client) -> None:
    audit.record(
        actor=world.user("township_admin"), action="orgs.unit.create", success=False, message="被拒绝的写入"
    )
    login(client, world.user("auditor"))
    page = client.get(
        reverse("accounts:audit_list"), {"action": "orgs.unit", "success": "0"}
    ).content.decode()
    assert "被拒绝的写入" in page
    assert "accounts.grant.create" not in page
    assert AuditEvent.objects.filter(action="accounts.grant.create").exists()
