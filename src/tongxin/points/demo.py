"""Demo data of 党群积分: villagers and households of 孙庄村, a sample scheme (labelled 样例), claims in
every state, an objection, a correction, a published quarterly board, the points shop; and a
county-level sample scheme for 孟州市 so that grid-worker incentives of the cases module have a scheme.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.system import SYSTEM
from tongxin.orgs import services as org_services
from tongxin.orgs.models import PartyOrg, Person, Region
from tongxin.points import periods, services
from tongxin.points.models import Claim, LedgerEntry, Scheme, Wallet
from tongxin.points.services import ItemSpec

GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰萍红建国志鹏浩宇博文峰晨阳旭辉亮凯"
SURNAMES = "孙孙孙孙孙王李张刘赵"

SUNZHUANG_ITEMS = [
    ItemSpec(code="LAB", name="参加义务劳动", category="labour", points=5, cap_person_month=3),
    ItemSpec(code="VOL", name="参加志愿服务", category="volunteer", points=3, cap_person_month=4),
    ItemSpec(code="ENV", name="庭院干净整洁", category="sanitation", points=2, cap_household_month=1,
             evidence_required=True),
    ItemSpec(code="CUS", name="红白事简办", category="customs", points=10, cap_household_year=2),
    ItemSpec(code="FIL", name="孝老爱亲事迹", category="filial", points=8, cap_person_quarter=1),
    ItemSpec(code="PIO", name="党员先锋岗值守", category="governance", points=4, eligible="members",
             cap_person_month=4),
    ItemSpec(code="LIT", name="乱堆乱放、乱倒垃圾", category="sanitation", points=-3),
    ItemSpec(code="LAW", name="违反村规民约", category="law", points=-5),
]  # fmt: skip

MENGZHOU_ITEMS = [
    ItemSpec(code="report", name="有效上报隐患", category="governance", points=5),
    ItemSpec(code="service", name="志愿服务", category="volunteer", points=2),
]


def build(*, regions: dict[str, Region], orgs: dict[str, PartyOrg]) -> None:
    rng = random.Random(4)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    sunzhuang = regions["孙庄村"]
    recorder = User.objects.get(username="sunzhuang_jf")
    reviewer = User.objects.get(username="sunzhuang_sh")
    secretary = User.objects.get(username="sunzhuang_sj")
    resident = User.objects.get(username="sunbin")

    people = _villagers(sunzhuang, orgs.get("孙庄村党支部"), rng)
    sunbin = people[0]
    services.link_person(actor=SYSTEM, user=resident, person=sunbin)

    scheme = services.create_scheme(
        actor=SYSTEM, region=sunzhuang, name="孙庄村党群积分方案（样例）", items=SUNZHUANG_ITEMS,
        effective_from=date(today.year - 1, 1, 1), base_score=60, reset="yearly", accrual="both", is_sample=True,
    )  # fmt: skip
    _mengzhou_scheme(regions["孟州市"])

    this_q = periods.quarter_of(today)
    q_start, _ = periods.bounds(this_q)
    last_q = periods.quarter_of(q_start - timedelta(days=1))
    lq_start, lq_end = periods.bounds(last_q)

    # Final claims: last quarter, and this quarter so far.
    def final(item: str, on: date, title: str, group: list[Person]) -> Claim:
        claim = services.record_claim(
            actor=recorder, scheme=scheme, item_code=item, occurred_on=on, title=title, people=group, today=on
        )
        claim = services.approve_claim(actor=reviewer, claim=claim, note="情况属实", today=on)
        assert claim.notice_until is not None
        services.finalise_due_claims(today=claim.notice_until + timedelta(days=1))
        return claim

    for k, month_start in enumerate([lq_start, lq_start + timedelta(days=31), lq_start + timedelta(days=62)]):
        final(
            "LAB", month_start + timedelta(days=4), f"{month_start.month}月村道清扫", rng.sample(people, 18)
        )
        final(
            "VOL",
            month_start + timedelta(days=12),
            f"{month_start.month}月敬老院志愿服务",
            rng.sample(people, 9),
        )
        if k == 1:
            final("FIL", month_start + timedelta(days=15), "照顾瘫痪婆婆十年", [people[3]])
            final("CUS", month_start + timedelta(days=18), "婚事新办、不收彩礼", [people[7]])
    members = [p for p in people if p.org_path]
    final("PIO", lq_end - timedelta(days=20), "党员先锋岗：防汛值守", members[:4])
    final("LIT", lq_end - timedelta(days=10), "在村道旁乱倒建筑垃圾", [people[11]])
    wrong = final("LAB", lq_end - timedelta(days=6), "沟渠清淤", people[12:16])
    if today > q_start + timedelta(days=10):
        final("LAB", q_start + timedelta(days=3), "冬季植树", rng.sample(people, 12))
        final("VOL", q_start + timedelta(days=6), "文明实践站值班", rng.sample(people, 6))

    # A correction: one person was recorded for 沟渠清淤 who was not there.
    entry = LedgerEntry.objects.filter(source="claim", source_ref=f"line:{wrong.lines.first().pk}").first()  # type: ignore[union-attr]
    if entry is not None:
        services.reverse_entry(actor=secretary, entry=entry, reason="经核实当天外出务工，登记有误")

    # Published quarterly board (last quarter), by person and by household.
    services.publish_board(
        actor=secretary, region=sunzhuang, period=last_q, title=f"孙庄村{periods.label(last_q)}党群积分榜",
        name_style="initial",
    )  # fmt: skip
    services.publish_board(actor=secretary, region=sunzhuang, period=last_q, by="household")

    # Claims in the other states, now.
    services.record_claim(
        actor=recorder, scheme=scheme, item_code="LAB", occurred_on=today, title="村委会门前积雪清扫",
        people=rng.sample(people, 14), today=today,
    )  # fmt: skip
    services.record_claim(
        actor=recorder, scheme=scheme, item_code="VOL", occurred_on=today - timedelta(days=1),
        title="防诈骗宣传入户", people=people[20:23], today=today,
    )  # fmt: skip
    rejected = services.record_claim(
        actor=recorder, scheme=scheme, item_code="FIL", occurred_on=today - timedelta(days=2),
        title="陪同老人看病", people=[people[5]], today=today,
    )  # fmt: skip
    services.reject_claim(actor=reviewer, claim=rejected, reason="缺少邻里证明，请补充后重新申报")
    in_notice = services.record_claim(
        actor=recorder, scheme=scheme, item_code="VOL", occurred_on=today - timedelta(days=1),
        title="村卫生室义诊帮忙", people=people[1:6], today=today,
    )  # fmt: skip
    in_notice = services.approve_claim(actor=reviewer, claim=in_notice, today=today)
    services.raise_objection(
        actor=resident, line=in_notice.lines.order_by("id").last(), reason="义诊那天他在镇上赶集，没有来帮忙",  # type: ignore[arg-type]
        today=today,
    )  # fmt: skip

    # 积分超市: a few redemptions this year, paid from the spendable balance.
    shelf = {
        name: services.create_goods(actor=SYSTEM, scheme=scheme, name=name, price=price, stock=stock)
        for name, price, stock in (
            ("毛巾", 10, 60),
            ("洗衣粉", 15, 40),
            ("食用油（5升）", 50, 12),
            ("大米（10斤）", 40, 2),
        )
    }
    for p in people[:12]:
        wallet = Wallet.objects.filter(person=p, scheme=scheme, cycle=str(today.year)).first()
        for name in ("洗衣粉", "毛巾"):
            if wallet is not None and wallet.balance >= shelf[name].price:
                services.redeem(actor=recorder, goods=shelf[name], person=p, today=today)
                wallet.refresh_from_db()


def _villagers(village: Region, branch: PartyOrg | None, rng: random.Random) -> list[Person]:
    people: list[Person] = []
    head = org_services.create_person(
        actor=SYSTEM, name="孙斌", region=village, mobile="13803910009", gender="M"
    )
    household = org_services.create_household(
        actor=SYSTEM, region=village, head=head, number="001", address="孙庄村一组"
    )
    head.refresh_from_db()
    people.append(head)
    people.append(
        org_services.create_person(
            actor=SYSTEM, name="李秀兰", region=village, household=household, gender="F"
        )
    )
    used = {"孙斌", "李秀兰"}
    for h in range(2, 13):
        size = rng.choice((2, 2, 3, 3, 4))
        names: list[str] = []
        while len(names) < size:
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            if name not in used:
                used.add(name)
                names.append(name)
        hhead = org_services.create_person(actor=SYSTEM, name=names[0], region=village)
        hh = org_services.create_household(
            actor=SYSTEM, region=village, head=hhead, number=f"{h:03d}", address=f"孙庄村{(h - 1) // 4 + 1}组"
        )
        hhead.refresh_from_db()
        people.append(hhead)
        for name in names[1:]:
            people.append(org_services.create_person(actor=SYSTEM, name=name, region=village, household=hh))
    if branch is not None:
        for p in people[2::5]:
            org_services.record_membership(
                actor=SYSTEM, person=p, org=branch, status="full", since=date(2015, 7, 1)
            )
            p.refresh_from_db()
    return people


def _mengzhou_scheme(mengzhou: Region) -> Scheme:
    existing = services.scheme_covering(mengzhou)
    if existing is not None:
        return existing
    return services.create_scheme(
        actor=SYSTEM, region=mengzhou, name="孟州市新就业群体积分方案（样例）", items=MENGZHOU_ITEMS,
        effective_from=date(2024, 1, 1), accrual="person", reset="none", is_sample=True,
    )  # fmt: skip
