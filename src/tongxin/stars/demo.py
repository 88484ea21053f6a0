"""Demo data for 五星支部创建: the 武陟县 villages of the public reports at different star levels,
weak villages with rectification tasks in every state, and county leaders assigned (分包) to
townships. Deterministic: fixed choices, dates relative to today."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from tongxin.accounts.demo_users import demo_user
from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.orgs.models import PartyOrg, Region
from tongxin.stars import services, sources
from tongxin.stars.models import Indicator, StarCycle

FIVE = ["party_strength", "prosperity", "ecology", "rule_of_law", "civility"]

# Demo people who do the star work (the foundation's accounts cover 孙庄村 and 龙源街道 already).
LEADERS = [
    ("wz_dubao_li", "县级领导 李建设（分包三阳乡、大虹桥乡）", ["三阳乡", "大虹桥乡"]),
    ("wz_dubao_zhao", "县级领导 赵振华（分包乔庙镇、西陶镇）", ["乔庙镇", "西陶镇"]),
    ("wz_dubao_sun", "县级领导 孙立新（分包龙源街道）", ["龙源街道"]),
]
TOWNSHIP_ADMINS = [
    ("qiaomiao_admin", "乔庙镇组织委员 高峰", "乔庙镇"),
    ("xitao_admin", "西陶镇组织委员 马丽", "西陶镇"),
    ("sanyang_admin", "三阳乡组织委员 刘洋", "三阳乡"),
    ("dahongqiao_admin", "大虹桥乡组织委员 陈静", "大虹桥乡"),
]
SECRETARIES = [
    ("huangcun_sj", "黄村村党支部书记 张家恒", "黄村村"),
    ("xihuafeng_sj", "西滑封村党支部书记 王海", "西滑封村"),
    ("zhongtou_sj", "塚头村党支部书记 李明", "塚头村"),
    ("liwu_sj", "李梧村党支部书记 周强", "李梧村"),
    ("xiwen_sj", "西温村党支部书记 吴刚", "西温村"),
]


def _user(username: str, real_name: str, role: str, nodes: list[Region]) -> User:
    return demo_user(username=username, real_name=real_name, role=role, nodes=nodes)


def _fill(cycle: StarCycle, actor: User, *, share: float, now: datetime) -> None:
    for ind in Indicator.objects.filter(star__criteria_set=cycle.criteria_set).order_by(
        "star__order", "order"
    ):
        if ind.method == Indicator.Method.YES_NO:
            services.assess_indicator(
                actor=actor, cycle=cycle, indicator_id=ind.pk, met=share >= 0.7, now=now
            )
        elif ind.method == Indicator.Method.SCORE:
            services.assess_indicator(
                actor=actor, cycle=cycle, indicator_id=ind.pk, score=round(ind.max_score * share), now=now,
                note="按本村台账自评",
            )  # fmt: skip


def _link_boards(cycle: StarCycle, actor: User, now: datetime) -> None:
    """Attach the village's published points board (if the points demo made one) to two indicators."""
    for record in sources.candidates("points_board", region=cycle.region, limit=1):
        evidence = services.link_record(
            actor=actor, region=cycle.region, kind="points_board", ref_id=record.ref_id
        )
        for star, code in (("party_strength", "points_participation"), ("civility", "services")):
            ind = Indicator.objects.filter(
                star__criteria_set=cycle.criteria_set, star__code=star, code=code
            ).first()
            if ind is not None:
                services.attach_evidence(
                    actor=actor, cycle=cycle, indicator_id=ind.pk, evidence=evidence, now=now
                )


def _run(
    org: PartyOrg,
    *,
    year: int,
    target: int,
    stars: list[str],
    upto: str,
    secretary: User,
    township_admin: User,
    county_admin: User,
    start: datetime,
) -> StarCycle:
    cycle = services.declare_target(actor=secretary, org=org, year=year, target_stars=target, now=start)
    _fill(cycle, secretary, share=0.3 + 0.14 * len(stars), now=start + timedelta(days=30))
    _link_boards(cycle, secretary, start + timedelta(days=30))
    if upto == "self_assessing":
        return cycle
    cycle = services.submit_self_assessment(actor=secretary, cycle=cycle, now=start + timedelta(days=40))
    if upto == "submitted":
        return cycle
    cycle = services.rate_cycle(
        actor=township_admin, cycle=cycle, stars=stars, reason="经实地核查", now=start + timedelta(days=50)
    )
    if upto == "township_rated":
        return cycle
    approve_at = timezone.now() - timedelta(days=1) if upto == "in_notice" else start + timedelta(days=60)
    cycle = services.approve_cycle(
        actor=county_admin, cycle=cycle, stars=stars, reason="县委组织部审定", now=approve_at
    )
    if upto == "in_notice":
        return cycle
    return services.finalise_cycle(actor=county_admin, cycle=cycle, now=approve_at + timedelta(days=25))


def build(*, regions: dict[str, Region], orgs: dict[str, PartyOrg]) -> None:
    services.load_sample_criteria(actor=SYSTEM, applies_to="village")
    services.load_sample_criteria(actor=SYSTEM, applies_to="community")

    leaders = [_user(u, n, "county_leader", [regions[t] for t in towns]) for u, n, towns in LEADERS]
    admins = {t: _user(u, n, "township_admin", [regions[t]]) for u, n, t in TOWNSHIP_ADMINS}
    admins["龙源街道"] = User.objects.get(username="longyuan_admin")
    secretaries = {v: _user(u, n, "village_secretary", [regions[v]]) for u, n, v in SECRETARIES}
    secretaries["孙庄村"] = User.objects.get(username="sunzhuang_sj")
    county_admin = User.objects.get(username="wz_admin")

    now = timezone.now()
    year = timezone.localdate().year
    start = now - timedelta(days=120)
    plan = [
        # village, township, target, stars as decided, how far the cycle has come
        ("孙庄村", "龙源街道", 5, FIVE, "final"),
        ("黄村村", "乔庙镇", 5, FIVE[:4], "final"),
        ("西滑封村", "西陶镇", 4, ["party_strength", "ecology", "civility"], "final"),
        ("塚头村", "三阳乡", 4, FIVE[:4], "in_notice"),
        ("李梧村", "三阳乡", 3, ["party_strength", "civility"], "submitted"),
        ("西温村", "大虹桥乡", 3, ["prosperity", "ecology"], "final"),
    ]
    cycles: dict[str, StarCycle] = {}
    for village, town, target, stars, upto in plan:
        org = orgs[f"{village}党支部"]
        # Last year's final rating too, so the star page has history.
        _run(org, year=year - 1, target=target, stars=stars[: max(0, len(stars) - 1)] or stars, upto="final",
             secretary=secretaries[village], township_admin=admins[town], county_admin=county_admin,
             start=start - timedelta(days=365))  # fmt: skip
        cycles[village] = _run(
            org, year=year, target=target, stars=stars, upto=upto, secretary=secretaries[village],
            township_admin=admins[town], county_admin=county_admin, start=start,
        )  # fmt: skip
    # 摘星 in dynamic review: 西滑封村 lost 生态宜居星 after an inspection.
    services.remove_star(
        actor=county_admin, cycle=cycles["西滑封村"], star_code="ecology", reason="人居环境暗访发现垃圾堆放未清理",
        now=now - timedelta(days=5),
    )  # fmt: skip
    # An objection during 塚头村's notice.
    services.raise_objection(
        actor=User.objects.get(username="sunbin"), cycle=cycles["塚头村"], reason="村集体经济收入数据与公开账目不一致",
        now=now,
    )  # fmt: skip

    # Weak and lax branches, with plans, pairings and rectification tasks in every state.
    services.list_weak_branch(
        actor=county_admin, org=orgs["西温村党支部"], year=year, reason="班子不团结，组织生活不经常",
        plan="选派第一书记，县级领导包村，半年内完成整顿", now=start,
    )  # fmt: skip
    services.list_weak_branch(
        actor=county_admin, org=orgs["李梧村党支部"], year=year, reason="集体经济薄弱，党员队伍老化",
        plan="与塚头村结对共建，发展合作社，年内发展2名年轻党员", now=start,
    )  # fmt: skip
    services.pair_branches(actor=county_admin, strong=orgs["孙庄村党支部"], weak=orgs["西温村党支部"], year=year,
                           note="孙庄村党群积分经验带动", now=start)  # fmt: skip
    services.pair_branches(actor=county_admin, strong=orgs["塚头村党支部"], weak=orgs["李梧村党支部"], year=year,
                           note="同乡结对，产业帮扶", now=start)  # fmt: skip

    li = leaders[0]
    visit = services.record_visit(
        actor=li, region=regions["西温村"], visited_on=(now - timedelta(days=40)).date(),
        summary="实地督导西温村：组织生活记录不全；村务公开栏未更新；矛盾纠纷台账缺失。",
        now=now - timedelta(days=40),
    )  # fmt: skip
    owner = secretaries["西温村"]
    made = now - timedelta(days=40)
    services.create_task(
        actor=li, org=orgs["西温村党支部"], problem="组织生活记录不全", visit=visit, owner=owner,
        required_outcome="补齐本年度三会一课记录，支委会每月召开", deadline=(now - timedelta(days=10)).date(), now=made,
    )  # fmt: skip
    services.escalate_overdue(now)
    reported = services.create_task(
        actor=li, org=orgs["西温村党支部"], problem="村务公开栏未更新", visit=visit, owner=owner,
        required_outcome="按季度公开村务、财务", deadline=(now + timedelta(days=10)).date(), now=made,
    )  # fmt: skip
    services.report_task(
        actor=owner, task=reported, report="已更新第三季度村务、财务公开", now=now - timedelta(days=2)
    )
    returned = services.create_task(
        actor=li, org=orgs["西温村党支部"], problem="矛盾纠纷台账缺失", visit=visit, owner=owner,
        required_outcome="建立矛盾纠纷排查化解台账", deadline=(now + timedelta(days=20)).date(), now=made,
    )  # fmt: skip
    services.report_task(actor=owner, task=returned, report="已建台账", now=now - timedelta(days=6))
    services.return_task(
        actor=li, task=returned, reason="台账只有标题，缺少排查记录", now=now - timedelta(days=4)
    )
    verified = services.create_task(
        actor=li, org=orgs["李梧村党支部"], problem="党员活动室杂物堆放", owner=secretaries["李梧村"],
        required_outcome="清理活动室，恢复党员活动功能", deadline=(now - timedelta(days=15)).date(), now=made,
    )  # fmt: skip
    services.report_task(
        actor=secretaries["李梧村"], task=verified, report="已清理并布置", now=now - timedelta(days=20)
    )
    services.verify_task(actor=li, task=verified, now=now - timedelta(days=18))
