"""The two trees everything hangs off: administrative regions and party organisations."""

from __future__ import annotations

from django.db import models

from tongxin.core.models import Stamped, TreeNode
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

    SCOPE = {"org": "path", "region": "region_path"}

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
        indexes = [models.Index(fields=["org", "status"], name="membership_org_status")]

    def __str__(self) -> str:
        return f"{self.person.name}（{self.get_status_display()}）"

    def audit_path(self) -> str:
        return self.org_path

    @property
    def is_formal(self) -> bool:
        return self.status == self.Status.FULL
