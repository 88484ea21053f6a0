"""A small world for tests: two townships with two villages each, an org tree, one user per role.

Tests build it with the ``world`` fixture (function-scoped, about 60 rows) — never the whole demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.accounts.roles import ROLES
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services as org_services
from tongxin.orgs.models import PartyOrg, Region

PASSWORD = "Test-pass-2026"


@dataclass
class World:
    county: Region
    town_a: Region
    town_b: Region
    village_a1: Region
    village_a2: Region
    village_b1: Region
    village_b2: Region
    committee_a: PartyOrg
    committee_b: PartyOrg
    branch_a1: PartyOrg
    branch_a2: PartyOrg
    branch_b1: PartyOrg
    branch_b2: PartyOrg
    two_new: PartyOrg
    industry: PartyOrg
    station_branch: PartyOrg
    users: dict[str, User] = field(default_factory=dict)
    outsider: User | None = None

    def user(self, role: str) -> User:
        return self.users[role]


# Where each role's user of the world is granted: (tree, attribute of World).
ROLE_NODES: dict[str, tuple[str, str]] = {
    "county_admin": ("region", "county"),
    "township_admin": ("region", "town_a"),
    "county_leader": ("region", "town_a"),
    "village_secretary": ("region", "village_a1"),
    "branch_secretary": ("org", "station_branch"),
    "points_recorder": ("region", "village_a1"),
    "points_reviewer": ("region", "village_a1"),
    "instructor": ("org", "industry"),
    "grid_worker": ("region", "village_a1"),
    "resident": ("region", "village_a1"),
    "trainer": ("region", "county"),
    "security_admin": ("region", "county"),
    "auditor": ("region", "county"),
}


def make_user(username: str, *, real_name: str = "测试用户", mobile: str = "") -> User:
    return account_services.create_user(
        actor=SYSTEM,
        username=username,
        real_name=real_name,
        password=PASSWORD,
        mobile=mobile,
        must_change_password=False,
    )


def build_world() -> World:
    region = org_services.create_region
    org = org_services.create_party_org
    city = region(actor=SYSTEM, name="测试市", kind="city")
    county = region(actor=SYSTEM, name="测试县", kind="county", parent=city)
    town_a = region(actor=SYSTEM, name="甲镇", kind="township", parent=county)
    town_b = region(actor=SYSTEM, name="乙镇", kind="township", parent=county)
    va1 = region(actor=SYSTEM, name="甲一村", kind="village", parent=town_a)
    va2 = region(actor=SYSTEM, name="甲二村", kind="village", parent=town_a)
    vb1 = region(actor=SYSTEM, name="乙一村", kind="village", parent=town_b)
    vb2 = region(actor=SYSTEM, name="乙二村", kind="village", parent=town_b)
    ca = org(actor=SYSTEM, name="甲镇党委", kind="committee", region=town_a)
    cb = org(actor=SYSTEM, name="乙镇党委", kind="committee", region=town_b)
    two_new = org(actor=SYSTEM, name="测试县两新工委", kind="two_new_committee", region=county)
    industry = org(
        actor=SYSTEM, name="货运客运行业党委", kind="industry_committee", parent=two_new, region=county
    )
    w = World(
        county=county,
        town_a=town_a,
        town_b=town_b,
        village_a1=va1,
        village_a2=va2,
        village_b1=vb1,
        village_b2=vb2,
        committee_a=ca,
        committee_b=cb,
        branch_a1=org(actor=SYSTEM, name="甲一村党支部", kind="branch", parent=ca, region=va1),
        branch_a2=org(actor=SYSTEM, name="甲二村党支部", kind="branch", parent=ca, region=va2),
        branch_b1=org(actor=SYSTEM, name="乙一村党支部", kind="branch", parent=cb, region=vb1),
        branch_b2=org(actor=SYSTEM, name="乙二村党支部", kind="branch", parent=cb, region=vb2),
        two_new=two_new,
        industry=industry,
        station_branch=org(
            actor=SYSTEM, name="外卖站点党支部", kind="branch", parent=industry, region=town_b
        ),
    )
    for i, (role, (_tree, attr)) in enumerate(ROLE_NODES.items(), start=1):
        user = make_user(role, real_name=ROLES[role].label, mobile=f"1380000{i:04d}")
        account_services.grant_role(actor=SYSTEM, user=user, role=role, node=getattr(w, attr))
        w.users[role] = user
    w.outsider = make_user("outsider", real_name="无授权用户")
    return w


def login(client: Client, user: User) -> Client:
    """Log ``user`` in, with two-factor verification done when their role needs it."""
    client.force_login(user)
    if user.needs_two_factor():
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def api_client(user: User) -> tuple[Client, dict[str, Any]]:
    """A client and the headers that authenticate as ``user`` with a fresh bearer token (its owner holds a
    confirmed authenticator when their role needs two-factor, as the login policy demands of tokens)."""
    if user.needs_two_factor():
        TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    _, raw = account_services.create_api_token(actor=SYSTEM, user=user, name="test")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
