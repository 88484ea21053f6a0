"""Demo data of the registry: 孟州市's 两新工委 with its member departments, platform stations, an
IT company, taxi and freight companies, riders and drivers — some units deliberately under-covered so
that the coverage engine has findings to show.

Called by ``tongxin demo`` after the regions, organisations and accounts exist (``ctx``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.core.pii import id_check_char
from tongxin.orgs import services
from tongxin.orgs.models import PartyOrg, Person, Region, Unit

MEMBER_DEPARTMENTS = [
    "孟州市交通运输局", "孟州市市场监督管理局", "孟州市发展和改革委员会", "孟州市商务局",
    "孟州市民政局", "孟州市总工会", "孟州市妇女联合会", "共青团孟州市委员会",
]  # fmt: skip

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志鹏浩宇博文斌海峰晨阳旭辉亮凯"


@dataclass(frozen=True)
class DemoUnit:
    name: str
    kind: str
    industry: str
    street: str
    formal: int
    probationary: int = 0
    applicants: int = 0
    others: int = 0
    gig_workers: int = 0
    union: bool = False
    league: bool = False
    instructor: bool = False
    occupation: str = "delivery_rider"


UNITS = [
    # Covered by the existing station branch; a committee of three.
    DemoUnit("孟州市拿到家（美团）配送站", "platform_station", "delivery", "河阳街道", 8, 2, 2, 6, 46, union=True),
    # Covered by the existing IT company branch; its committee's term has expired.
    DemoUnit("孟州市享到家信息技术有限公司", "company", "it", "会昌街道", 4, 0, 1, 3, 12, union=True, occupation="employee"),
    # Three formal members and no branch of their own: "组建一个".
    DemoUnit("孟州市饿了么配送站", "platform_station", "delivery", "河阳街道", 3, 1, 1, 5, 38),
    # Members but no organisation: two taxi companies for one joint branch.
    DemoUnit("孟州市顺达出租汽车有限公司", "taxi_company", "taxi", "大定街道", 2, 0, 0, 4, 60, occupation="taxi_driver"),
    DemoUnit("孟州市安运出租车有限公司", "taxi_company", "taxi", "大定街道", 1, 1, 0, 3, 42, occupation="taxi_driver"),
    # No members: one with a union, one with an instructor, one reached by nothing yet.
    DemoUnit("孟州市通达货运有限公司", "freight_company", "freight", "会昌街道", 0, 0, 1, 4, 85, union=True, occupation="freight_driver"),
    DemoUnit("孟州市中通快递营业部", "courier", "express", "河阳街道", 0, 0, 0, 4, 26, instructor=True, occupation="courier"),
    DemoUnit("孟州市鑫源物流有限公司", "freight_company", "freight", "大定街道", 0, 0, 0, 3, 33, occupation="freight_driver"),
    DemoUnit("孟州市滴滴出行服务站", "ride_hailing", "ride_hailing", "会昌街道", 0, 0, 1, 3, 120, league=True, occupation="ride_hailing_driver"),
]  # fmt: skip

# Six small logistics firms in one joint branch: one more than the rule allows.
JOINT_SMALL = [f"孟州市{n}物流有限公司" for n in ("恒通", "顺丰源", "宏达", "永兴", "金桥", "汇通")]


class _People:
    """Deterministic names, ID numbers (孟州市's prefix, valid check digit) and mobile numbers."""

    def __init__(self, seed: int = 20260601) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not secrets
        self.n = 0

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )

    def id_card(self, born: date) -> str:
        self.n += 1
        first17 = f"410883{born:%Y%m%d}{self.n % 1000:03d}"
        return first17 + id_check_char(first17)

    def born(self) -> date:
        return date(self.rng.randint(1970, 2002), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def mobile(self) -> str:
        return f"139{self.rng.randint(10000000, 99999999)}"


def build(*, regions: dict[str, Region], orgs: dict[str, PartyOrg]) -> dict[str, Unit]:
    """Units, workers and members of the 孟州市 new business forms; adds the member departments to
    ``orgs``. Returns the units by name (the cases demo places its riders' station there)."""
    lxgw = orgs["孟州市两新工委"]
    freight = orgs["孟州市货运客运行业党委"]
    station_branch = orgs["孟州市拿到家（美团）党支部"]
    it_branch = orgs["孟州市享到家信息技术有限公司党支部"]
    for name in MEMBER_DEPARTMENTS:
        orgs[name] = services.create_party_org(
            actor=SYSTEM, name=name, kind="member_department", parent=lxgw, region=regions["孟州市"]
        )

    gen = _People()
    instructor = User.objects.filter(username="mz_zhidao").first()
    units: dict[str, Unit] = {}
    secretaries: dict[str, Person] = {}
    for spec in UNITS:
        unit = services.create_unit(
            actor=SYSTEM,
            name=spec.name,
            kind=spec.kind,
            industry=spec.industry,
            region=regions[spec.street],
            supervising_org=lxgw if spec.industry == "it" else freight,
            address=f"孟州市{spec.street}",
            workforce=spec.gig_workers + 5,
            gig_workers=spec.gig_workers,
            has_union=spec.union,
            has_youth_league=spec.league,
        )
        units[spec.name] = unit
        home_org = {
            "孟州市拿到家（美团）配送站": station_branch,
            "孟州市享到家信息技术有限公司": it_branch,
        }.get(spec.name, freight)
        people = _workers(gen, unit, spec, regions[spec.street], home_org)
        if people:
            secretaries[spec.name] = people[0]
        if spec.instructor and instructor is not None:
            services.appoint_instructor(
                actor=SYSTEM, unit=unit, instructor=instructor, appointed_on=date(2024, 3, 15)
            )

    services.set_org_units(actor=SYSTEM, org=station_branch, units=[units["孟州市拿到家（美团）配送站"]])
    services.set_org_units(actor=SYSTEM, org=it_branch, units=[units["孟州市享到家信息技术有限公司"]])
    # The station branch: secretary and two committee members, current term.
    for i, position in enumerate(("secretary", "deputy", "member")):
        person = Person.objects.filter(
            unit=units["孟州市拿到家（美团）配送站"], membership__status="full"
        ).order_by("id")[i]
        services.appoint_committee_member(
            actor=SYSTEM,
            org=station_branch,
            person=person,
            name=person.name,
            position=position,
            term_start=date(2024, 6, 1),
        )
    # The IT company branch: a secretary whose three-year term ended in 2026.
    services.appoint_committee_member(
        actor=SYSTEM,
        org=it_branch,
        person=secretaries["孟州市享到家信息技术有限公司"],
        name=secretaries["孟州市享到家信息技术有限公司"].name,
        position="secretary",
        term_start=date(2023, 7, 1),
    )

    # Six small logistics firms, one formal member each, in one joint branch (one too many).
    joint = services.create_party_org(
        actor=SYSTEM,
        name="孟州市会昌街道物流企业联合党支部",
        kind="joint_branch",
        parent=freight,
        region=regions["会昌街道"],
        established_on=date(2024, 5, 1),
    )
    small = []
    for name in JOINT_SMALL:
        spec = DemoUnit(
            name, "freight_company", "freight", "会昌街道", 1, 0, 0, 2, 15, occupation="freight_driver"
        )
        unit = services.create_unit(
            actor=SYSTEM,
            name=name,
            kind=spec.kind,
            industry=spec.industry,
            region=regions["会昌街道"],
            supervising_org=freight,
            workforce=20,
            gig_workers=15,
        )
        _workers(gen, unit, spec, regions["会昌街道"], joint)
        small.append(unit)
        units[name] = unit
    services.set_org_units(actor=SYSTEM, org=joint, units=small)
    return units


def _workers(gen: _People, unit: Unit, spec: DemoUnit, region: Region, org: PartyOrg) -> list[Person]:
    """The unit's registered workers: formal and probationary members first, then applicants, then
    others. Returns the formal members."""
    statuses = ["full"] * spec.formal + ["probationary"] * spec.probationary + ["applicant"] * spec.applicants
    statuses += [""] * spec.others
    formal: list[Person] = []
    for status in statuses:
        born = gen.born()
        person = services.create_person(
            actor=SYSTEM,
            name=gen.name(),
            region=region,
            id_card=gen.id_card(born),
            mobile=gen.mobile(),
            unit=unit,
            occupation=spec.occupation,
            is_gig_worker=spec.occupation != "employee",
        )
        if status == "full":
            year = gen.rng.randint(2008, 2022)
            services.record_membership(
                actor=SYSTEM,
                person=person,
                org=org,
                status="full",
                since=date(year + 1, 7, 1),
                history={"applicant": date(year - 1, 3, 1), "probationary": date(year, 7, 1)},
            )
            formal.append(person)
        elif status == "probationary":
            services.record_membership(
                actor=SYSTEM,
                person=person,
                org=org,
                status="probationary",
                since=date(2026, 6, 28),
                history={"applicant": date(2024, 3, 1), "activist": date(2024, 6, 1)},
            )
        elif status == "applicant":
            services.record_application(
                actor=SYSTEM, person=person, org=org, applied_on=date(2026, gen.rng.randint(1, 10), 15)
            )
    return formal
