"""The two trees everything hangs off: administrative regions and party organisations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.core.models import AppendOnlyModel, Stamped, TreeNode
from tongxin.core.pii import EncryptedTextField, mask_id_card, mask_mobile


class Region(TreeNode, Stamped):
    """行政区划: city → county → township/street → village/community → grid."""

    PATH_PREFIX = "r"

    class Kind(models.TextChoices):
        CITY = "city", "市"
        COUNTY = "county", "县（市、区）"
        TOWNSHIP = "township", "乡镇"
        STREET = "street", "街道"
        VILLAGE = "village", "村"
        COMMUNITY = "community", "社区"
        GRID = "grid", "网格"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    SCOPE = {"region": "path"}

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def audit_path(self) -> str:
        return self.path


class PartyOrg(TreeNode, Stamped):
    """党组织: from the 两新工委 and committees down to branches and party groups."""

    PATH_PREFIX = "o"

    class Kind(models.TextChoices):
        TWO_NEW_COMMITTEE = "two_new_committee", "两新工委"
        MEMBER_DEPARTMENT = "member_department", "成员单位"
        INDUSTRY_COMMITTEE = "industry_committee", "行业党委"
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        JOINT_BRANCH = "joint_branch", "联合党支部"
        GROUP = "group", "党小组"

    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_orgs",
        verbose_name="所在区划",
    )
    # Denormalised from ``region`` so that region-scoped users see the organisations in their area.
    region_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    secretary_name = models.CharField("书记", max_length=50, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    established_doc = models.CharField("成立批复文号", max_length=100, blank=True)
    is_active = models.BooleanField("存续", default=True)
    # The units the organisation is set up in: one for a unit's own branch, several (<= the rule's
    # limit) for a joint branch. Written only by ``services.set_up_party_org`` / ``set_org_units``.
    units: models.ManyToManyField[Unit, Any] = models.ManyToManyField(
        "Unit", blank=True, related_name="covering_orgs", verbose_name="覆盖单位"
    )

    SCOPE = {"org": "path", "region": "region_path"}

    # Kinds that count as a unit's *own* organisation (a joint branch does not).
    OWN_KINDS = ("committee", "general_branch", "branch")
    # Kinds that are branches in the sense of the branch rules (size, committee).
    BRANCH_KINDS = ("branch", "joint_branch")

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]

    def audit_path(self) -> str:
        return self.path


class Unit(Stamped):
    """单位: a company, a platform's county station, a taxi or freight company, a courier outlet."""

    class Kind(models.TextChoices):
        PLATFORM_STATION = "platform_station", "平台站点"
        COMPANY = "company", "企业"
        TAXI_COMPANY = "taxi_company", "出租车公司"
        FREIGHT_COMPANY = "freight_company", "货运企业"
        COURIER = "courier", "快递网点"
        RIDE_HAILING = "ride_hailing", "网约车平台"
        SOCIAL_ORG = "social_org", "社会组织"
        OTHER = "other", "其他"

    class Industry(models.TextChoices):
        DELIVERY = "delivery", "外卖配送"
        EXPRESS = "express", "快递物流"
        RIDE_HAILING = "ride_hailing", "网约车"
        TAXI = "taxi", "出租车"
        FREIGHT = "freight", "货运"
        IT = "it", "信息技术"
        OTHER = "other", "其他"

    name = models.CharField("单位名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    kind = models.CharField("单位类型", max_length=24, choices=Kind.choices)
    industry = models.CharField("行业", max_length=24, choices=Industry.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name="所在区划"
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    # The organisation responsible for the unit's party-building (e.g. the industry committee).
    supervising_org = models.ForeignKey(
        PartyOrg,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_units",
        verbose_name="主管党组织",
    )
    org_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False, default="")
    address = models.CharField("地址", max_length=200, blank=True)
    workforce = models.PositiveIntegerField("从业人员数", default=0)
    gig_workers = models.PositiveIntegerField("新就业群体人数", default=0)
    has_union = models.BooleanField("已建工会", default=False)
    has_youth_league = models.BooleanField("已建团组织", default=False)
    # The party-building instructor (党建指导员) appointed to the unit: a user with the instructor role.
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instructed_units",
        verbose_name="党建指导员",
    )
    instructor_appointed_on = models.DateField("指导员选派日期", null=True, blank=True)
    is_active = models.BooleanField("存续", default=True)

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def audit_path(self) -> str:
        return self.org_path or self.region_path


class Household(Stamped):
    """户: a household of a village, with its head; points may accrue to it."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="households", verbose_name="所在村（社区）"
    )
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    number = models.CharField("户号", max_length=32, blank=True)
    head = models.ForeignKey(
        "Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="户主"
    )
    address = models.CharField("住址", max_length=200, blank=True)

    SCOPE = {"region": "region_path"}

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["region_path", "number", "id"]

    def __str__(self) -> str:
        return f"{self.head.name if self.head_id and self.head else ''}户 {self.number}".strip()

    def audit_path(self) -> str:
        return self.region_path


class Person(Stamped):
    """人员: anyone Tongxin knows — villagers, residents, gig workers, party members.

    ID and mobile numbers are encrypted at rest; ``*_hash`` columns allow exact lookup.
    """

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class Occupation(models.TextChoices):
        DELIVERY_RIDER = "delivery_rider", "外卖骑手"
        RIDE_HAILING_DRIVER = "ride_hailing_driver", "网约车司机"
        TAXI_DRIVER = "taxi_driver", "出租车司机"
        FREIGHT_DRIVER = "freight_driver", "货车司机"
        COURIER = "courier", "快递员"
        FARMER = "farmer", "农民"
        EMPLOYEE = "employee", "职工"
        SELF_EMPLOYED = "self_employed", "个体经营者"
        STUDENT = "student", "学生"
        RETIRED = "retired", "离退休人员"
        OTHER = "other", "其他"

    name = models.CharField("姓名", max_length=50, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_card = EncryptedTextField("身份证号码", blank=True, default="")
    id_card_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    mobile = EncryptedTextField("手机号码", blank=True, default="")
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="people", verbose_name="居住地")
    region_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name="户"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="people", verbose_name="工作单位"
    )
    occupation = models.CharField("职业", max_length=24, choices=Occupation.choices, blank=True)
    is_gig_worker = models.BooleanField("新就业群体", default=False)
    # Path of the party organisation the person belongs to as a member (empty for non-members),
    # so that a branch secretary's org grant covers their members.
    org_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False, default="")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="已合并到"
    )

    SCOPE = {"region": "region_path", "org": "org_path"}

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["unit", "is_gig_worker"], name="person_unit_gig")]

    def __str__(self) -> str:
        return self.name

    def audit_path(self) -> str:
        return self.org_path or self.region_path

    @property
    def id_card_masked(self) -> str:
        return mask_id_card(self.id_card)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)


class Membership(Stamped):
    """党员身份: a person's standing toward the party, from applicant to full member.

    ``status`` is the current stage; the dates record when each stage began. Only ``full`` members
    count as formal (正式) members in the coverage rules; probationary members never do.
    """

    class Status(models.TextChoices):
        APPLICANT = "applicant", "申请人"
        ACTIVIST = "activist", "入党积极分子"
        CANDIDATE = "candidate", "发展对象"
        PROBATIONARY = "probationary", "预备党员"
        FULL = "full", "正式党员"

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="membership")
    status = models.CharField("状态", max_length=16, choices=Status.choices, db_index=True)
    org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="memberships", verbose_name="所在党组织"
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    applied_on = models.DateField("递交申请书日期", null=True, blank=True)
    activist_on = models.DateField("确定为积极分子日期", null=True, blank=True)
    candidate_on = models.DateField("确定为发展对象日期", null=True, blank=True)
    probationary_on = models.DateField("接收为预备党员日期", null=True, blank=True)
    full_on = models.DateField("转正日期", null=True, blank=True)
    is_mobile = models.BooleanField("流动党员", default=False)
    home_org = models.ForeignKey(
        PartyOrg,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="流出地党组织",
    )
    host_org = models.ForeignKey(
        PartyOrg,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_members",
        verbose_name="流入地党组织",
    )

    SCOPE = {"org": "org_path", "region": "person__region_path"}

    class Meta:
        verbose_name = "党员身份"
        verbose_name_plural = "党员身份"
        indexes = [
            models.Index(fields=["org", "status"], name="membership_org_status"),
            # Applications received in a period (coverage figures).
            models.Index(fields=["applied_on"], name="membership_applied_on"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_status_display()}）"

    def audit_path(self) -> str:
        return self.org_path

    @property
    def is_formal(self) -> bool:
        return self.status == self.Status.FULL


class CommitteeMember(Stamped):
    """A seat on an organisation's committee (or its secretary / deputy where there is no committee),
    for one term. ``ended_on`` is set when the person leaves the seat; current seats have none."""

    class Position(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY = "deputy", "副书记"
        MEMBER = "member", "委员"

    org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="committee", verbose_name="党组织"
    )
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="committee_seats",
        verbose_name="人员",
    )
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=16, choices=Position.choices)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期届满")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    SCOPE = {"org": "org__path", "region": "org__region_path"}

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["org", "position", "term_start", "id"]
        indexes = [models.Index(fields=["org", "ended_on"], name="committee_org_current")]

    def __str__(self) -> str:
        return f"{self.org.name} {self.get_position_display()} {self.name}"

    def audit_path(self) -> str:
        return self.org.path

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class InstructorAppointment(Stamped):
    """The history of instructors appointed to a unit; the current one is also ``Unit.instructor``."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="instructor_history")
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="党建指导员"
    )
    appointed_on = models.DateField("选派日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    SCOPE = {"region": "unit__region_path", "org": "unit__org_path"}

    class Meta:
        verbose_name = "党建指导员选派"
        verbose_name_plural = "党建指导员选派"
        ordering = ["unit", "-appointed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.appointed_on}"

    def audit_path(self) -> str:
        return self.unit.audit_path()


class Transfer(Stamped):
    """组织关系转接: a membership moving from one organisation to another.

    out (已转出) -> in_transit (在途) -> received (已接收). Until it is received the membership stays
    with the sending organisation, which remains responsible for the member.
    """

    class State(models.TextChoices):
        OUT = "out", "已转出"
        IN_TRANSIT = "in_transit", "在途"
        RECEIVED = "received", "已接收"

    # {from_state: {event: to_state}}
    TRANSITIONS: dict[str, dict[str, str]] = {
        "out": {"dispatch": "in_transit"},
        "in_transit": {"receive": "received"},
        "received": {},
    }

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="transfers")
    from_org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="transfers_out", verbose_name="转出党组织"
    )
    to_org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="transfers_in", verbose_name="转入党组织"
    )
    from_org_path = models.CharField(max_length=255, db_index=True, editable=False)
    to_org_path = models.CharField(max_length=255, db_index=True, editable=False)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.OUT, db_index=True)
    reason = models.CharField("转接原因", max_length=200)
    started_on = models.DateField("转出日期")
    received_on = models.DateField("接收日期", null=True, blank=True)

    SCOPE = {"org": "from_org_path"}

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.membership.person.name}：{self.from_org.name} → {self.to_org.name}"

    def audit_path(self) -> str:
        return self.from_org_path


class TransferStep(AppendOnlyModel):
    """One transition of a transfer: who moved it, when, from which state to which."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="steps")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["transfer", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '—'} → {self.to_state}"
