from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tongxin.accounts.models import User
from tongxin.demo.county import DEMO_ACCOUNTS, build_registry
from tongxin.orgs.models import PartyOrg, Region
from tongxin.stars.models import StarCycle


@pytest.mark.django_db
def test_demo_accounts_json_and_idempotent_load() -> None:
    out = io.StringIO()
    call_command("demo", "--accounts-json", stdout=out)
    accounts = json.loads(out.getvalue())
    assert {a["role"] for a in accounts} >= {
        "county_admin", "township_admin", "village_secretary", "branch_secretary", "points_recorder",
        "points_reviewer", "instructor", "grid_worker", "resident", "trainer", "security_admin", "auditor",
    }  # fmt: skip
    assert all(set(a) == {"role", "username", "scope"} for a in accounts)
    regions = Region.objects.count()
    # Running it again loads nothing twice.
    call_command("demo", "--accounts-json", stdout=io.StringIO())
    assert Region.objects.count() == regions
    for name in ["孙庄村", "黄村村", "西滑封村", "塚头村", "李梧村", "西温村", "孟州市", "沁阳市"]:
        assert Region.objects.filter(name=name).exists(), name
    assert PartyOrg.objects.filter(name="孟州市货运客运行业党委", parent__name="孟州市两新工委").exists()
    assert User.objects.count() >= len(DEMO_ACCOUNTS)


@pytest.mark.django_db
def test_demo_table_prints_totp_secrets_for_2fa_roles() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    lines = [
        line
        for line in out.getvalue().splitlines()
        if line.startswith(("county_admin", "auditor", "resident"))
    ]
    secrets = {line.split()[0]: line.split()[-1] for line in lines}
    assert len(secrets["auditor"]) == 32  # base32 TOTP secret
    assert secrets["resident"] == "孙庄村"  # no secret column for roles without 2FA


@pytest.mark.django_db
def test_the_registry_part_builds_alone_and_names_its_units() -> None:
    demo = build_registry()
    assert demo.units["孟州市拿到家（美团）配送站"].region == demo.regions["河阳街道"]
    assert "孟州市两新工委" in demo.orgs
    assert not StarCycle.objects.exists()  # the other modules' demo data is not built
