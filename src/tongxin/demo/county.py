"""The deterministic demo county, modelled on public reports from Jiaozuo, Henan.

Places and organisations come from the seed newspaper page (shared/seed): 武陟县 with its townships and
the villages named there, 孟州市 with its 两新工委 and 货运客运行业党委, 沁阳市. Each module then adds its
demo data through the typed ``build`` of its own ``demo.py``, imported and called here in layer order
(orgs → points → cases → stars), each given exactly what it needs from the ``DemoCounty``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts import services as account_services
from tongxin.accounts.models import User
from tongxin.accounts.roles import ROLES
from tongxin.accounts.system import SYSTEM
from tongxin.cases import demo as cases_demo
from tongxin.orgs import demo as orgs_demo
from tongxin.orgs import services as org_services
from tongxin.orgs.models import PartyOrg, Region, Unit
from tongxin.points import demo as points_demo
from tongxin.stars import demo as stars_demo

# 武陟县's 15 townships and streets (2023 report: "全县15个乡镇（街道）").
WUZHI_TOWNSHIPS: list[tuple[str, str]] = [
    ("木城街道", "street"), ("龙源街道", "street"), ("龙泉街道", "street"), ("木栾街道", "street"),
    ("大封镇", "township"), ("西陶镇", "township"), ("谢旗营镇", "township"), ("乔庙镇", "township"),
    ("詹店镇", "township"), ("三阳乡", "township"), ("小董乡", "township"), ("大虹桥乡", "township"),
    ("北郭乡", "township"), ("嘉应观乡", "township"), ("圪垱店乡", "township"),
]  # fmt: skip

# Villages named in the reports, with their branch secretaries where the reports name them.
WUZHI_VILLAGES: dict[str, list[tuple[str, str]]] = {
    "龙源街道": [("孙庄村", "")],
    "乔庙镇": [("黄村村", "张家恒")],
    "西陶镇": [("西滑封村", "")],
    "三阳乡": [("塚头村", ""), ("李梧村", "")],
    "大虹桥乡": [("西温村", "")],
}

MENGZHOU_STREETS = [("河阳街道", "street"), ("会昌街道", "street"), ("大定街道", "street")]
QINYANG_STREETS = [("覃怀街道", "street"), ("太行街道", "street")]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    real_name: str
    tree: str  # "region" or "org"
    node: str  # the node's name
    mobile: str


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("county_admin", "wz_admin", "武陟县委组织部 王敏", "region", "武陟县", "13803910001"),
    DemoAccount("township_admin", "longyuan_admin", "龙源街道 李静", "region", "龙源街道", "13803910002"),
    DemoAccount(
        "village_secretary", "sunzhuang_sj", "孙庄村党支部书记 孙国强", "region", "孙庄村", "13803910003"
    ),
    DemoAccount(
        "branch_secretary",
        "naodaojia_sj",
        "拿到家支部书记 赵磊",
        "org",
        "孟州市拿到家（美团）党支部",
        "13803910004",
    ),
    DemoAccount("points_recorder", "sunzhuang_jf", "孙庄村积分员 孙丽", "region", "孙庄村", "13803910005"),
    DemoAccount("points_reviewer", "sunzhuang_sh", "孙庄村审核员 孙红", "region", "孙庄村", "13803910006"),
    DemoAccount("instructor", "mz_zhidao", "党建指导员 陈晓", "org", "孟州市货运客运行业党委", "13803910007"),
    DemoAccount("grid_worker", "liukaikai", "刘凯凯", "region", "迎秀社区", "13803910008"),
    DemoAccount("resident", "sunbin", "孙斌", "region", "孙庄村", "13803910009"),
    DemoAccount("trainer", "qy_peixun", "沁阳市委党校 米凡", "region", "沁阳市", "13803910010"),
    DemoAccount("security_admin", "jz_secadmin", "安全管理员 周安", "region", "焦作市", "13803910011"),
    DemoAccount("auditor", "jz_auditor", "审计员 吴审", "region", "焦作市", "13803910012"),
    DemoAccount("county_admin", "mz_lxgw", "孟州市两新工委 杜慧", "org", "孟州市两新工委", "13803910013"),
]


@dataclass
class DemoCounty:
    """What the demo builders made, by name: the places and organisations of the reports (each module's
    builder may add organisations of its own to ``orgs``) and the registry's units."""

    scale: int
    regions: dict[str, Region] = field(default_factory=dict)
    orgs: dict[str, PartyOrg] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)


def is_loaded() -> bool:
    return Region.objects.exists()


@transaction.atomic
def build_demo(*, scale: int = 1) -> DemoCounty:
    """Create the demo county. ``scale`` multiplies villages for benchmarks (1 = the reports' places)."""
    demo = build_registry(scale=scale)
    points_demo.build(regions=demo.regions, orgs=demo.orgs)
    cases_demo.build(regions=demo.regions, orgs=demo.orgs, units=demo.units)
    stars_demo.build(regions=demo.regions, orgs=demo.orgs)
    return demo


@transaction.atomic
def build_registry(*, scale: int = 1) -> DemoCounty:
    """The places, organisations and accounts of the reports and the registry's demo data (units,
    workers, members) — the part every module's demo stands on."""
    demo = DemoCounty(scale=scale)
    _build_places(demo)
    _create_accounts(demo.regions, demo.orgs)
    demo.units = orgs_demo.build(regions=demo.regions, orgs=demo.orgs)
    return demo


def _build_places(demo: DemoCounty) -> None:
    """The regions and party organisations of the reports (``demo.scale`` multiplies 武陟县's villages)."""
    scale, regions, orgs = demo.scale, demo.regions, demo.orgs
    city = org_services.create_region(actor=SYSTEM, name="焦作市", kind="city", code="410800")
    regions["焦作市"] = city

    wuzhi = org_services.create_region(actor=SYSTEM, name="武陟县", kind="county", parent=city, code="410823")
    regions["武陟县"] = wuzhi
    for i, (name, kind) in enumerate(WUZHI_TOWNSHIPS, start=1):
        town = org_services.create_region(
            actor=SYSTEM, name=name, kind=kind, parent=wuzhi, code=f"410823{i:03d}"
        )
        regions[name] = town
        committee = org_services.create_party_org(
            actor=SYSTEM,
            name=f"中共武陟县{name}{'工作委员会' if kind == 'street' else '委员会'}",
            kind="committee",
            region=town,
        )
        orgs[town.name + "党委"] = committee
        villages = list(WUZHI_VILLAGES.get(name, []))
        villages += [(f"{name[:2]}试点{k}村", "") for k in range(1, 4 * (scale - 1) + 1)]
        for j, (vname, secretary) in enumerate(villages, start=1):
            village = org_services.create_region(
                actor=SYSTEM, name=vname, kind="village", parent=town, code=f"410823{i:03d}{j:03d}"
            )
            regions[vname] = village
            orgs[vname + "党支部"] = org_services.create_party_org(
                actor=SYSTEM,
                name=f"{vname}党支部",
                kind="branch",
                parent=committee,
                region=village,
                secretary_name=secretary,
            )

    mengzhou = org_services.create_region(
        actor=SYSTEM, name="孟州市", kind="county", parent=city, code="410883"
    )
    regions["孟州市"] = mengzhou
    for i, (name, kind) in enumerate(MENGZHOU_STREETS, start=1):
        regions[name] = org_services.create_region(
            actor=SYSTEM, name=name, kind=kind, parent=mengzhou, code=f"410883{i:03d}"
        )
    regions["迎秀社区"] = org_services.create_region(
        actor=SYSTEM, name="迎秀社区", kind="community", parent=regions["河阳街道"], code="410883001001"
    )
    lxgw = org_services.create_party_org(
        actor=SYSTEM,
        name="孟州市两新工委",
        kind="two_new_committee",
        region=mengzhou,
        established_on=date(2023, 3, 1),
    )
    freight = org_services.create_party_org(
        actor=SYSTEM,
        name="孟州市货运客运行业党委",
        kind="industry_committee",
        parent=lxgw,
        region=mengzhou,
        secretary_name="张建强",
        established_on=date(2023, 5, 1),
    )
    orgs.update({"孟州市两新工委": lxgw, "孟州市货运客运行业党委": freight})
    orgs["孟州市拿到家（美团）党支部"] = org_services.create_party_org(
        actor=SYSTEM, name="孟州市拿到家（美团）党支部", kind="branch", parent=freight, region=mengzhou,
        established_on=date(2023, 6, 1),
    )  # fmt: skip
    orgs["孟州市享到家信息技术有限公司党支部"] = org_services.create_party_org(
        actor=SYSTEM, name="孟州市享到家信息技术有限公司党支部", kind="branch", parent=lxgw, region=mengzhou,
        established_on=date(2023, 7, 1),
    )  # fmt: skip

    qinyang = org_services.create_region(
        actor=SYSTEM, name="沁阳市", kind="county", parent=city, code="410882"
    )
    regions["沁阳市"] = qinyang
    for i, (name, kind) in enumerate(QINYANG_STREETS, start=1):
        regions[name] = org_services.create_region(
            actor=SYSTEM, name=name, kind=kind, parent=qinyang, code=f"410882{i:03d}"
        )


def _create_accounts(regions: dict[str, Region], orgs: dict[str, PartyOrg]) -> None:
    for acc in DEMO_ACCOUNTS:
        user = account_services.create_user(
            actor=SYSTEM,
            username=acc.username,
            real_name=acc.real_name,
            password=settings.DEMO_PASSWORD,
            mobile=acc.mobile,
            must_change_password=False,
            validate_password=False,
        )
        node = regions[acc.node] if acc.tree == "region" else orgs[acc.node]
        account_services.grant_role(actor=SYSTEM, user=user, role=acc.role, node=node)
        if user.needs_two_factor():
            TOTPDevice.objects.get_or_create(user=user, name="演示动态验证码", defaults={"confirmed": True})


def accounts_table() -> list[dict[str, str]]:
    """The demo accounts as rows: role, username, scope, and the TOTP secret where 2FA applies."""
    rows = []
    for acc in DEMO_ACCOUNTS:
        row = {
            "role": acc.role,
            "role_label": ROLES[acc.role].label,
            "username": acc.username,
            "scope": acc.node,
        }
        user = User.objects.filter(username=acc.username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        row["totp_secret"] = base64.b32encode(device.bin_key).decode() if device else ""
        rows.append(row)
    return rows
