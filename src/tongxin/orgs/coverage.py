"""The coverage engine (两个覆盖): the rule set ``orgs_coverage`` applied to units and organisations.

Facts are gathered in a handful of aggregate queries (never one query per unit), then pure functions
turn facts into findings. Every finding names its rule, the rule's article and the rule-set version,
so an official can see why it was raised. Probationary members never count as formal members.
Findings are computed, not stored: when the situation changes (a branch is set up, an instructor
appointed) the finding is gone at the next look; the service that resolved it records which findings
it closed in its audit event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from tongxin.core import rules as rulesets
from tongxin.core.rules import RuleSet
from tongxin.orgs.models import CommitteeMember, Membership, PartyOrg, Region, Unit

RULE_SET = "orgs_coverage"
FULL = Membership.Status.FULL
PROBATIONARY = Membership.Status.PROBATIONARY
PARTY_STATUSES = (FULL, PROBATIONARY)


def rule_set(on: date | None = None) -> RuleSet:
    return rulesets.in_force(RULE_SET, on=on or timezone.localdate())


def basis_label(rs: RuleSet) -> str:
    """The rule version a published figure was computed with, in words a reader understands
    (``口径：党组织设置与两个覆盖规则 2019.1 版``) rather than the rule set's code."""
    return f"口径：{rs.title} {rs.version} 版"


# --- facts ------------------------------------------------------------------------------------


@dataclass
class UnitFacts:
    id: int
    name: str
    region_path: str = ""
    industry: str = ""
    formal: int = 0
    probationary: int = 0
    has_union: bool = False
    has_youth_league: bool = False
    has_instructor: bool = False
    gig_workers: int = 0  # declared by the unit
    gig_members: int = 0  # registered gig workers of the unit who are formal or probationary members
    applications: int = 0  # applications received in the period asked for
    own_orgs: list[int] = field(default_factory=list)
    joint_orgs: list[int] = field(default_factory=list)

    @property
    def members(self) -> int:
        return self.formal + self.probationary

    @property
    def organised(self) -> bool:
        return bool(self.own_orgs or self.joint_orgs)


@dataclass
class OrgFacts:
    id: int
    name: str
    kind: str
    region_path: str = ""
    is_village: bool = False
    formal: int = 0
    members: int = 0  # formal + probationary
    unit_count: int = 0
    committee_size: int = 0
    term_ended_on: date | None = None  # the earliest term end among current seats
    secretary_name: str = ""
    secretary_linked: bool = False  # the secretary's seat names a person in the registry
    secretary_status: str = ""  # that person's membership status ("" = not a member)
    secretary_full_on: date | None = None


# --- findings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str  # "unit" or "org"
    subject_id: int
    subject_name: str
    message: str
    article: str
    verified: bool
    rule_set: str
    advisory: bool
    action: str
    region_path: str = ""
    basis: str = ""  # the rule version, in words (basis_label)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}:{self.subject_id}"

    @property
    def mark(self) -> str:
        return "已核实" if self.verified else "地方默认"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def action_url(self) -> str:
        if self.action == "set_up_branch":
            return reverse("orgs:set_up") + f"?kind=branch&units={self.subject_id}"
        if self.action == "set_up_joint_branch":
            return reverse("orgs:set_up") + f"?kind=joint_branch&units={self.subject_id}"
        if self.action == "appoint_instructor":
            return reverse("orgs:unit_instructor", args=[self.subject_id])
        if self.action == "committee":
            return reverse("orgs:committee_add", args=[self.subject_id])
        if self.action == "org_units":
            return reverse("orgs:org_units", args=[self.subject_id])
        if self.action == "new_sub_org":
            return reverse("orgs:org_create") + f"?parent={self.subject_id}"
        return reverse("orgs:org_update", args=[self.subject_id])

    @property
    def subject_url(self) -> str:
        name = "orgs:unit_detail" if self.subject == "unit" else "orgs:org_detail"
        return reverse(name, args=[self.subject_id])

    @property
    def title(self) -> str:
        return f"{self.subject_name}：{RULE_TITLES[self.rule]}"

    def get_absolute_url(self) -> str:
        return self.subject_url

    def __str__(self) -> str:
        return self.title


ACTION_LABELS = {
    "set_up_branch": "组建党支部",
    "set_up_joint_branch": "组建联合党支部",
    "appoint_instructor": "选派党建指导员",
    "committee": "调整班子成员",
    "org_units": "调整覆盖单位",
    "new_sub_org": "新建下级组织",
    "org_edit": "调整组织类型",
}

RULE_TITLES = {
    "own_branch_min_formal": "应单独组建党支部",
    "members_without_org": "有党员但未建组织",
    "joint_branch_max_units": "联合党支部覆盖单位过多",
    "bridge_before_branch": "无党员且未建工会团组织、未派指导员",
    "committee_min_formal": "应设支部委员会",
    "branch_max_members": "党支部党员人数过多",
    "village_general_branch_over": "村党员超过50人（提示）",
    "village_committee_at": "村党员达到100人（提示）",
    "term_expired": "班子任期已届满",
    "secretary_min_party_years": "书记党龄不足",
}


def _finding(
    rs: RuleSet,
    key: str,
    *,
    subject: str,
    subject_id: int,
    name: str,
    message: str,
    action: str,
    region_path: str,
    advisory: bool = False,
    article_key: str | None = None,
) -> Finding:
    rule = rs[article_key or key]
    return Finding(
        rule=key,
        subject=subject,
        subject_id=subject_id,
        subject_name=name,
        message=message,
        article=rule.article,
        verified=rule.verified,
        rule_set=rs.ref,
        basis=basis_label(rs),
        advisory=advisory,
        action=action,
        region_path=region_path,
    )


def unit_findings(u: UnitFacts, rs: RuleSet) -> list[Finding]:
    """The findings of one unit (pure: facts in, findings out)."""
    own_min = int(rs.value("own_branch_min_formal"))
    common: dict[str, Any] = {
        "subject": "unit",
        "subject_id": u.id,
        "name": u.name,
        "region_path": u.region_path,
    }
    if u.formal >= own_min and not u.own_orgs:
        return [
            _finding(
                rs,
                "own_branch_min_formal",
                message=f"有正式党员{u.formal}名（{own_min}名以上），尚未单独成立党支部。",
                action="set_up_branch",
                **common,
            )
        ]
    if u.members >= int(rs.value("members_without_org")) and not u.organised:
        return [
            _finding(
                rs,
                "members_without_org",
                message=f"有党员{u.members}名（其中正式党员{u.formal}名），尚未建立或纳入任何党组织，"
                "应与邻近单位组建联合党支部。",
                action="set_up_joint_branch",
                **common,
            )
        ]
    if u.members == 0 and not u.organised and not (u.has_union or u.has_youth_league or u.has_instructor):
        return [
            _finding(
                rs,
                "bridge_before_branch",
                message="暂无党员，既未建工会或团组织，也未选派党建指导员。",
                action="appoint_instructor",
                **common,
            )
        ]
    return []


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def org_findings(o: OrgFacts, rs: RuleSet, today: date) -> list[Finding]:
    """The findings of one party organisation (pure)."""
    out: list[Finding] = []
    common: dict[str, Any] = {
        "subject": "org",
        "subject_id": o.id,
        "name": o.name,
        "region_path": o.region_path,
    }
    is_branch = o.kind in PartyOrg.BRANCH_KINDS
    max_units = int(rs.value("joint_branch_max_units"))
    if o.kind == PartyOrg.Kind.JOINT_BRANCH and o.unit_count > max_units:
        out.append(
            _finding(
                rs,
                "joint_branch_max_units",
                message=f"覆盖{o.unit_count}个单位，超过{max_units}个，应拆分或单独建支部。",
                action="org_units",
                **common,
            )
        )
    need_committee = int(rs.value("committee_min_formal"))
    min_size = int(rs.value("committee_min_size"))
    if is_branch and o.formal >= need_committee and o.committee_size < min_size:
        out.append(
            _finding(
                rs,
                "committee_min_formal",
                message=f"有正式党员{o.formal}名（{need_committee}名以上），应设立{min_size}人以上的支部委员会，"
                f"现有班子成员{o.committee_size}名。",
                action="committee",
                **common,
            )
        )
    max_members = int(rs.value("branch_max_members"))
    if is_branch and not o.is_village and o.members > max_members:
        out.append(
            _finding(
                rs,
                "branch_max_members",
                message=f"有党员{o.members}名，超过{max_members}名，宜分设党支部或成立党总支。",
                action="new_sub_org",
                **common,
            )
        )
    if o.is_village and o.kind in ("branch", "general_branch"):
        at = int(rs.value("village_committee_at"))
        over = int(rs.value("village_general_branch_over"))
        if o.members >= at:
            out.append(
                _finding(
                    rs,
                    "village_committee_at",
                    message=f"村党员{o.members}名（{at}名以上），根据工作需要经县级党委批准可成立党委。",
                    action="org_edit",
                    advisory=True,
                    **common,
                )
            )
        elif o.members > over and o.kind == "branch":
            out.append(
                _finding(
                    rs,
                    "village_general_branch_over",
                    message=f"村党员{o.members}名（超过{over}名），可以成立党总支。",
                    action="org_edit",
                    advisory=True,
                    **common,
                )
            )
    if o.term_ended_on is not None and o.term_ended_on < today:
        out.append(
            _finding(
                rs,
                "term_expired",
                article_key=_term_rule(o),
                message=f"班子任期已于{_ymd(o.term_ended_on)}届满，应按期换届。",
                action="committee",
                **common,
            )
        )
    years = int(rs.value("secretary_min_party_years"))
    if o.secretary_linked:
        short = (
            o.secretary_status != FULL
            or o.secretary_full_on is None
            or _add_years(o.secretary_full_on, years) > today
        )
        if short:
            since = f"，{_ymd(o.secretary_full_on)}转正" if o.secretary_full_on else "，尚不是正式党员"
            out.append(
                _finding(
                    rs,
                    "secretary_min_party_years",
                    message=f"书记{o.secretary_name}党龄不足{years}年{since}。",
                    action="committee",
                    **common,
                )
            )
    return out


def _ymd(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _term_rule(o: OrgFacts) -> str:
    if o.kind == PartyOrg.Kind.COMMITTEE:
        return "term_years_committee"
    return "term_years_village" if o.is_village else "term_years_branch"


def term_years(org: PartyOrg, rs: RuleSet | None = None) -> int:
    """How long a committee elected in ``org`` serves, by the rule set (village 5, committee 5, else 3)."""
    rs = rs or rule_set()
    is_village = bool(org.region_id and org.region and org.region.kind in VILLAGE_KINDS)
    facts = OrgFacts(id=org.pk, name=org.name, kind=org.kind, is_village=is_village)
    return int(rs.value(_term_rule(facts)))


VILLAGE_KINDS = (Region.Kind.VILLAGE, Region.Kind.COMMUNITY)


# --- stages: 成熟一个、组建一个、健全一个、巩固一个 --------------------------------------------------

STAGES = {
    "mature": ("成熟一个", "暂不具备组建条件：建工会、团组织，派指导员，培养发展党员"),
    "form": ("组建一个", "条件已成熟或已有党员，应组建党支部或联合党支部"),
    "perfect": ("健全一个", "已建组织，但班子、规模或任期等仍需健全"),
    "consolidate": ("巩固一个", "已建组织且无待办事项，巩固提升"),
}


def unit_stage(u: UnitFacts, unit_open: bool, orgs_open: bool) -> str:
    if not u.organised:
        return "form" if unit_open and u.members else "mature"
    if unit_open or orgs_open:
        return "perfect"
    return "consolidate"


# --- gathering facts ---------------------------------------------------------------------------


def unit_facts(units: QuerySet[Unit], period: tuple[date, date] | None = None) -> dict[int, UnitFacts]:
    """Facts of every unit in ``units``, in three queries whatever their number. With ``period``, the
    applications received in it are counted too."""
    ids = units.values("pk")
    facts = {
        row[0]: UnitFacts(
            id=row[0],
            name=row[1],
            region_path=row[2],
            industry=row[3],
            has_union=row[4],
            has_youth_league=row[5],
            has_instructor=row[6] is not None,
            gig_workers=row[7],
        )
        for row in units.order_by().values_list(
            "pk",
            "name",
            "region_path",
            "industry",
            "has_union",
            "has_youth_league",
            "instructor_id",
            "gig_workers",
        )
    }
    party = Q(status__in=PARTY_STATUSES)
    # A merged duplicate never holds a membership (merging moves it), so no filter on merged_into: it
    # would make SQLite walk every person instead of the few members. Two plain queries rather than one
    # with an OR, which would make the planners drive from the people table.
    counts = (
        Membership.objects.filter(party, person__unit__in=ids)
        .values_list("person__unit_id")
        .annotate(
            formal=Count("id", filter=Q(status=FULL)),
            prob=Count("id", filter=Q(status=PROBATIONARY)),
            gig=Count("id", filter=Q(person__is_gig_worker=True)),
        )
        .order_by()
    )
    for unit_id, formal, prob, gig in counts:
        f = facts.get(unit_id)
        if f is not None:
            f.formal, f.probationary, f.gig_members = formal, prob, gig
    if period is not None:
        apps = (
            Membership.objects.filter(
                applied_on__gte=period[0], applied_on__lte=period[1], person__unit__in=ids
            )
            .values_list("person__unit_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for unit_id, n in apps:
            if unit_id in facts:
                facts[unit_id].applications = n
    through = PartyOrg.units.through.objects.filter(unit__in=ids, partyorg__is_active=True).values_list(
        "unit_id", "partyorg_id", "partyorg__kind"
    )
    for unit_id, org_id, kind in through:
        unit = facts.get(unit_id)
        if unit is None:
            continue
        if kind in PartyOrg.OWN_KINDS:
            unit.own_orgs.append(org_id)
        elif kind == PartyOrg.Kind.JOINT_BRANCH:
            unit.joint_orgs.append(org_id)
    return facts


def org_facts(orgs: QuerySet[PartyOrg]) -> dict[int, OrgFacts]:
    """Facts of every organisation in ``orgs`` (active ones), in five queries."""
    orgs = orgs.filter(is_active=True)
    ids = orgs.values("pk")
    facts = {
        row[0]: OrgFacts(
            id=row[0], name=row[1], kind=row[2], region_path=row[3], is_village=row[4] in VILLAGE_KINDS
        )
        for row in orgs.order_by().values_list("pk", "name", "kind", "region_path", "region__kind")
    }
    counts = (
        Membership.objects.filter(org__in=ids, status__in=PARTY_STATUSES)
        .values("org_id")
        .annotate(formal=Count("id", filter=Q(status=FULL)), members=Count("id"))
        .order_by()
    )
    for row in counts:
        facts[row["org_id"]].formal, facts[row["org_id"]].members = row["formal"], row["members"]
    units = (
        PartyOrg.units.through.objects.filter(partyorg__in=ids).values("partyorg_id").annotate(n=Count("id"))
    )
    for covered in units.order_by():
        facts[covered["partyorg_id"]].unit_count = covered["n"]
    seats = (
        CommitteeMember.objects.filter(org__in=ids, ended_on__isnull=True)
        .values("org_id")
        .annotate(n=Count("id"), ends=Min("term_end"))
        .order_by()
    )
    for seat in seats:
        facts[seat["org_id"]].committee_size = seat["n"]
        facts[seat["org_id"]].term_ended_on = seat["ends"]
    secretaries = CommitteeMember.objects.filter(
        org__in=ids, ended_on__isnull=True, position=CommitteeMember.Position.SECRETARY
    ).values_list("org_id", "name", "person_id", "person__membership__status", "person__membership__full_on")
    for org_id, name, person_id, status, full_on in secretaries:
        f = facts[org_id]
        f.secretary_name = name
        f.secretary_linked = person_id is not None
        f.secretary_status = status or ""
        f.secretary_full_on = full_on
    return facts


@dataclass
class Evaluation:
    """What the engine found for a set of units and organisations."""

    rule_set: RuleSet
    units: dict[int, UnitFacts]
    orgs: dict[int, OrgFacts]
    unit_findings: dict[int, list[Finding]]
    org_findings: dict[int, list[Finding]]
    stages: dict[int, str]
    shown_orgs: set[int]

    @cached_property
    def findings(self) -> list[Finding]:
        """Findings on the units, then on the organisations that were asked about."""
        out = [f for fs in self.unit_findings.values() for f in fs]
        out += [f for oid, fs in self.org_findings.items() if oid in self.shown_orgs for f in fs]
        return out

    def for_unit(self, unit_id: int) -> list[Finding]:
        return self.unit_findings.get(unit_id, [])

    def for_org(self, org_id: int) -> list[Finding]:
        return self.org_findings.get(org_id, [])

    def stage_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STAGES, 0)
        for stage in self.stages.values():
            counts[stage] += 1
        return counts

    def rule_counts(self) -> list[tuple[str, str, int]]:
        counts: dict[str, int] = defaultdict(int)
        for f in self.findings:
            counts[f.rule] += 1
        return [(rule, RULE_TITLES[rule], n) for rule, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def evaluate(
    units: QuerySet[Unit],
    orgs: QuerySet[PartyOrg] | None = None,
    *,
    on: date | None = None,
    period: tuple[date, date] | None = None,
) -> Evaluation:
    """Apply the rule set in force ``on`` (today) to ``units`` and ``orgs``.

    The organisations that cover the units are evaluated too (a unit's stage depends on them), but only
    the findings of ``orgs`` are listed.
    """
    today = on or timezone.localdate()
    rs = rule_set(today)
    ufacts = unit_facts(units, period)
    covering = PartyOrg.units.through.objects.filter(unit__in=units.values("pk")).values("partyorg_id")
    shown_qs = orgs.filter(is_active=True) if orgs is not None else PartyOrg.objects.none()
    shown: set[int] = set(shown_qs.values_list("pk", flat=True))
    # Subqueries rather than lists of ids: thousands of parameters cost more to compile than to run.
    ofacts = org_facts(PartyOrg.objects.filter(Q(pk__in=covering) | Q(pk__in=shown_qs.values("pk"))))
    ufind = {uid: fs for uid, f in ufacts.items() if (fs := unit_findings(f, rs))}
    ofind = {oid: fs for oid, f in ofacts.items() if (fs := org_findings(f, rs, today))}
    stages = {
        uid: unit_stage(f, uid in ufind, any(oid in ofind for oid in (*f.own_orgs, *f.joint_orgs)))
        for uid, f in ufacts.items()
    }
    return Evaluation(
        rule_set=rs,
        units=ufacts,
        orgs=ofacts,
        unit_findings=ufind,
        org_findings=ofind,
        stages=stages,
        shown_orgs=shown,
    )


def open_keys(units: Iterable[Unit], orgs: Iterable[PartyOrg] = ()) -> set[str]:
    """The keys of the findings open now on these units and organisations (for audit records)."""
    unit_ids = [u.pk for u in units]
    org_ids = [o.pk for o in orgs]
    ev = evaluate(Unit.objects.filter(pk__in=unit_ids), PartyOrg.objects.filter(pk__in=org_ids))
    return {f.key for f in ev.findings}
