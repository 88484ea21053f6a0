"""Demo data of the closed loop, after the 孟州 report: five delivery riders serve as part-time grid
workers of 迎秀社区, report safety hazards and environment problems (80 of them, counted by the rule
``cases_defaults.grid_report_tally_categories``), deliver medicine and visit homes (240 services), hand
out leaflets (over 1,000), in a 爱心车队 and a 志愿服务队. Every figure shown in the app is computed from
the records made here — none is typed in. Deterministic (seeded) apart from dates, which are relative to
today so that deadlines, overdue cases and escalations look alive."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from tongxin.accounts.demo_users import demo_user
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.cases import services
from tongxin.cases.models import Case, Category, ServiceRecord, VolunteerTeam
from tongxin.core.pii import lookup_hash
from tongxin.orgs import services as org_services
from tongxin.orgs.models import PartyOrg, Person, Region, Unit
from tongxin.points import services as points_services

RIDERS = [
    # username, name, mobile (liukaikai is a county demo account; the other four are made here)
    ("liukaikai", "刘凯凯", "13803910008"),
    ("mz_rider_wang", "王志强", "13803915002"),
    ("mz_rider_zhao", "赵亚飞", "13803915003"),
    ("mz_rider_chen", "陈晓东", "13803915004"),
    ("mz_rider_li", "李明阳", "13803915005"),
]
HAZARD_TEXTS = [
    "小区东门消防通道被车辆堵塞",
    "路口信号灯不亮，车辆抢行",
    "楼道内电动车飞线充电",
    "道路中间井盖破损下陷",
    "施工围挡倒伏占用非机动车道",
    "夜间路段无照明，有行人摔倒",
    "门店门口堆放易燃纸箱",
    "学校门口车辆逆行严重",
]
OTHER_TEXTS = {
    "environment": ["垃圾桶满溢无人清运", "绿化带内堆放建筑垃圾"],
    "facility_damage": ["公交站牌破损", "健身器材螺丝松动"],
    "needy_people": ["独居老人行动不便，需要代购常用药"],
}
APPEALS = [
    ("social_insurance", "想了解灵活就业人员参加职工养老保险的办法"),
    ("legal_advice", "配送途中发生剐蹭，咨询责任如何划分"),
    ("skills_training", "想报名电工技能培训"),
    ("rights_protection", "平台超时罚款规则不合理，希望反映"),
]


def _user(username: str, real_name: str, mobile: str, role: str, node: Region) -> User:
    return demo_user(username=username, real_name=real_name, role=role, nodes=[node], mobile=mobile)


def _person(name: str, mobile: str, region: Region, unit: Any = None) -> Person:
    found = Person.objects.filter(mobile_hash=lookup_hash(mobile)).first()
    if found is not None:
        return found
    return org_services.create_person(
        actor=SYSTEM,
        name=name,
        region=region,
        mobile=mobile,
        unit=unit,
        occupation="delivery_rider",
        is_gig_worker=True,
    )


def _at(now: datetime, days_ago: float, hour: int) -> datetime:
    local = timezone.localtime(now - timedelta(days=days_ago))
    return min(local.replace(hour=hour, second=0, microsecond=0), now - timedelta(minutes=10))


def build(*, regions: dict[str, Region], orgs: dict[str, PartyOrg], units: dict[str, Unit]) -> None:
    rng = random.Random(5)  # noqa: S311 - demo data, not security
    now = timezone.now()
    services.sync_categories(actor=SYSTEM)
    cats = {c.code: c for c in Category.objects.all()}

    mengzhou, heyang, yingxiu = regions["孟州市"], regions["河阳街道"], regions["迎秀社区"]
    street = orgs.get("河阳街道党工委") or org_services.create_party_org(
        actor=SYSTEM, name="中共孟州市河阳街道工作委员会", kind="committee", region=heyang
    )
    community = orgs.get("迎秀社区党支部") or org_services.create_party_org(
        actor=SYSTEM,
        name="迎秀社区党支部",
        kind="branch",
        parent=street,
        region=yingxiu,
        secretary_name="郭丽",
    )
    orgs.update({"河阳街道党工委": street, "迎秀社区党支部": community})
    # Appeals of gig workers anywhere in 孟州 go to the 两新工委 (the reports' 暖新驿站 practice).
    for code, _ in APPEALS:
        services.set_routing_rule(
            actor=SYSTEM, region=mengzhou, org=orgs["孟州市两新工委"], category=cats[code]
        )

    handler = _user("yingxiu_sj", "迎秀社区党支部书记 郭丽", "13803915010", "village_secretary", yingxiu)
    _user("heyang_admin", "河阳街道 马红", "13803915011", "township_admin", heyang)
    lxgw_user = User.objects.get(username="mz_lxgw")

    if points_services.scheme_covering(yingxiu) is None:
        points_services.create_scheme(
            actor=SYSTEM,
            region=mengzhou,
            name="孟州市新就业群体积分（样例）",
            items=[
                points_services.ItemSpec(code="report", name="有效上报隐患", category="governance", points=5),
                points_services.ItemSpec(code="service", name="志愿服务", category="volunteer", points=2),
            ],
            effective_from=date(2024, 1, 1),
            accrual="person",
            is_sample=True,
        )

    unit = units.get("孟州市拿到家（美团）配送站")
    riders: list[tuple[User, Person]] = []
    for username, name, mobile in RIDERS:
        user = _user(username, name, mobile, "grid_worker", yingxiu)
        riders.append((user, _person(name, mobile, yingxiu, unit)))

    fleet = services.create_team(
        actor=SYSTEM,
        name="孟州市骑手爱心车队",
        kind=VolunteerTeam.TeamKind.LOVE_FLEET,
        region=mengzhou,
        org=orgs.get("孟州市拿到家（美团）党支部"),
        founded_on=date(2024, 3, 1),
    )
    team = services.create_team(
        actor=SYSTEM,
        name="迎秀社区志愿服务队",
        kind=VolunteerTeam.TeamKind.VOLUNTEER,
        region=yingxiu,
        org=community,
        founded_on=date(2024, 4, 1),
    )
    for i, (_, person) in enumerate(riders):
        services.add_team_member(
            actor=SYSTEM, team=fleet, person=person, role="队长" if i == 0 else "", joined_on=date(2024, 3, 1)
        )
        if i < 3:
            services.add_team_member(actor=SYSTEM, team=team, person=person, joined_on=date(2024, 4, 1))

    _services(rng, riders, fleet, yingxiu, now)
    # The second person: the street's officer confirms last month's service records (points then go
    # out within the caps); older ones stay recorded without points.
    confirmer = User.objects.get(username="heyang_admin")
    recent = timezone.localdate(now) - timedelta(days=30)
    for record in ServiceRecord.objects.filter(region=yingxiu, served_on__gte=recent).order_by(
        "served_on", "id"
    ):
        services.confirm_service(actor=confirmer, record=record)
    _cases(rng, riders, cats, yingxiu, handler, lxgw_user, now)
    _wuzhi(rng, regions, cats, now)
    services.escalate_overdue(now)


def _services(
    rng: random.Random,
    riders: list[tuple[User, Person]],
    fleet: VolunteerTeam,
    yingxiu: Region,
    now: datetime,
) -> None:
    today = timezone.localdate(now)
    kinds = [ServiceRecord.ServiceKind.MEDICINE_DELIVERY] * 150 + [
        ServiceRecord.ServiceKind.DOOR_TO_DOOR
    ] * 90
    for n, kind in enumerate(kinds):
        _, person = riders[n % len(riders)]
        services.record_service(
            actor=SYSTEM,
            kind=kind,
            person=person,
            region=yingxiu,
            served_on=today - timedelta(days=rng.randint(1, 180)),
            minutes=rng.choice([20, 30, 40, 60]),
            beneficiaries=1,
            team=fleet,
            note="为行动不便的老人送药"
            if kind == ServiceRecord.ServiceKind.MEDICINE_DELIVERY
            else "入户走访",
        )
    for n in range(12):
        _, person = riders[n % len(riders)]
        services.record_service(
            actor=SYSTEM,
            kind=ServiceRecord.ServiceKind.LEAFLETS,
            person=person,
            region=yingxiu,
            served_on=today - timedelta(days=rng.randint(1, 180)),
            quantity=rng.randint(85, 120),
            minutes=60,
            beneficiaries=rng.randint(30, 80),
            team=fleet,
            note="防诈骗、消防安全宣传",
        )


def _walk(
    case: Case,
    *,
    handler: User,
    reporter: User,
    start: datetime,
    outcome: str,
    rng: random.Random,
    now: datetime,
) -> None:
    """Move a case through the loop as a community would, with plausible times."""
    if outcome == "open":
        return
    t = start + timedelta(minutes=rng.randint(20, 90))
    services.accept_case(actor=handler, case=case, now=t)
    if outcome == "accepted":
        return
    t += timedelta(hours=rng.randint(1, 6))
    services.start_case(actor=handler, case=case, now=t)
    if outcome == "in_progress":
        return
    late = outcome == "late"
    t = case.resolve_due_at + timedelta(hours=5) if late else t + timedelta(hours=rng.randint(2, 40))
    t = min(t, now - timedelta(hours=1))
    services.resolve_case(actor=handler, case=case, note="已到现场处理完毕，附整改情况。", now=t)
    if outcome == "resolved":
        return
    services.confirm_case(
        actor=reporter, case=case, rating=rng.choice([5, 5, 5, 4, 4, 3]), now=t + timedelta(hours=3)
    )


def _cases(
    rng: random.Random,
    riders: list[tuple[User, Person]],
    cats: dict[str, Category],
    yingxiu: Region,
    handler: User,
    lxgw_user: User,
    now: datetime,
) -> None:
    base_lat, base_lng = 34.9063, 112.7892
    # 76 hazards here plus the 4 environment and facility reports below: the report's 80.
    plan = ["closed"] * 64 + ["late"] * 4 + ["resolved"] * 3 + ["in_progress"] * 2 + ["open"] * 3
    for n, outcome in enumerate(plan):
        reporter, _ = riders[n % len(riders)]
        days_ago = 1.5 if outcome in ("in_progress", "resolved") else 170 - 2 * n
        start = now - timedelta(hours=5) if outcome == "open" else _at(now, days_ago, rng.randint(8, 20))
        code = "traffic_safety" if n % 4 == 1 else "safety_hazard"
        case = services.submit_case(
            actor=reporter,
            intake=services.Intake(
                category=cats[code],
                description=HAZARD_TEXTS[n % len(HAZARD_TEXTS)],
                region=yingxiu,
                lat=f"{base_lat + rng.uniform(-0.01, 0.01):.6f}",
                lng=f"{base_lng + rng.uniform(-0.01, 0.01):.6f}",
                address="迎秀社区",
            ),
            now=start,
        )
        # "open": reported hours ago and never accepted; the tick at the end escalates it to 河阳街道.
        _walk(case, handler=handler, reporter=reporter, start=start, outcome=outcome, rng=rng, now=now)
    for n, (code, texts) in enumerate(OTHER_TEXTS.items()):
        for m, text in enumerate(texts):
            reporter, _ = riders[(n + m) % len(riders)]
            start = _at(now, 40 - 10 * n - m, 10)
            case = services.submit_case(
                actor=reporter,
                intake=services.Intake(
                    category=cats[code], description=text, region=yingxiu, address="迎秀社区"
                ),
                now=start,
            )
            _walk(case, handler=handler, reporter=reporter, start=start, outcome="closed", rng=rng, now=now)
    for n, (code, text) in enumerate(APPEALS):
        reporter, _ = riders[n % len(riders)]
        start = _at(now, 20 - 4 * n, 15)
        case = services.submit_case(
            actor=reporter,
            intake=services.Intake(category=cats[code], description=text, region=yingxiu, address="暖新驿站"),
            now=start,
        )
        _walk(
            case,
            handler=lxgw_user,
            reporter=reporter,
            start=start,
            outcome="closed" if n < 3 else "accepted",
            rng=rng,
            now=now,
        )


def _wuzhi(rng: random.Random, regions: dict[str, Region], cats: dict[str, Category], now: datetime) -> None:
    """A few reports by a villager of 孙庄村 (武陟县, 龙源街道), handled by the village branch."""
    village = regions.get("孙庄村")
    resident = User.objects.filter(username="sunbin").first()
    handler = User.objects.filter(username="sunzhuang_sj").first()
    if village is None or resident is None or handler is None:
        return
    _person("孙斌", "13803910009", village)
    texts = [
        ("environment", "村东坑塘漂浮垃圾", "closed"),
        ("facility_damage", "村委会门前路灯损坏", "closed"),
        ("safety_hazard", "废弃机井未封盖", "late"),
        ("environment", "秸秆堆放占道", "in_progress"),
    ]
    for n, (code, text, outcome) in enumerate(texts):
        start = _at(now, 30 - 7 * n, 9)
        case = services.submit_case(
            actor=resident,
            intake=services.Intake(category=cats[code], description=text, region=village, address="孙庄村"),
            now=start,
        )
        _walk(case, handler=handler, reporter=resident, start=start, outcome=outcome, rng=rng, now=now)
