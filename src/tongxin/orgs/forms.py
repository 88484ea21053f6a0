from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import QuerySet

from tongxin.accounts.models import User
from tongxin.core.forms import IdChoiceField, IdMultipleChoiceField, offer
from tongxin.core.pii import mask_mobile
from tongxin.core.text import by_pinyin
from tongxin.orgs import selectors
from tongxin.orgs.models import CommitteeMember, Membership, PartyOrg, Person, Region, Unit


class PartyOrgForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, error_messages={"required": "请填写党组织名称。"})
    kind = forms.ChoiceField(label="类型", choices=PartyOrg.Kind.choices)
    parent = IdChoiceField(label="上级党组织", queryset=PartyOrg.objects.none(), required=False)
    region: IdChoiceField = IdChoiceField(label="所在区划", queryset=Region.objects.none(), required=False)
    code = forms.CharField(label="组织代码", max_length=32, required=False)
    secretary_name = forms.CharField(label="书记", max_length=50, required=False)
    established_on = forms.DateField(
        label="成立日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "成立日期格式应为 年-月-日。"},
    )
    established_doc = forms.CharField(label="成立批复文号", max_length=100, required=False)

    def __init__(self, user: User, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "parent", selectors.party_orgs_for(user, selectors.EDIT))
        offer(self, "region", selectors.regions_for(user, selectors.EDIT))
        if editing:
            del self.fields["parent"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"{label}格式应为 年-月-日。"},
    )


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=100, error_messages={"required": "请填写单位名称。"})
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    kind = forms.ChoiceField(label="单位类型", choices=Unit.Kind.choices)
    industry = forms.ChoiceField(label="行业", choices=Unit.Industry.choices)
    region: IdChoiceField = IdChoiceField(
        label="所在区划", queryset=Region.objects.none(), error_messages={"required": "请选择所在区划。"}
    )
    supervising_org = IdChoiceField(label="主管党组织", queryset=PartyOrg.objects.none(), required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    workforce = forms.IntegerField(label="从业人员数", min_value=0, initial=0)
    gig_workers = forms.IntegerField(label="新就业群体人数", min_value=0, initial=0)
    has_union = forms.BooleanField(label="已建工会", required=False)
    has_youth_league = forms.BooleanField(label="已建团组织", required=False)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Users granted on the organisation tree (a 两新工委) register units in the region their
        # organisation is located in, never in another county's.
        offer(self, "region", selectors.area_regions_for(user, selectors.EDIT))
        offer(self, "supervising_org", selectors.party_orgs_for(user).filter(is_active=True))
        _style(self)


class InstructorForm(forms.Form):
    instructor = IdChoiceField(
        label="党建指导员", queryset=User.objects.none(), error_messages={"required": "请选择党建指导员。"}
    )
    appointed_on = _date("选派日期")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "instructor", selectors.instructors_for(user))
        _style(self)


class SetUpForm(forms.Form):
    kind = forms.ChoiceField(
        label="组建类型", choices=[("branch", "党支部（单独组建）"), ("joint_branch", "联合党支部")]
    )
    units = IdMultipleChoiceField(
        label="覆盖单位",
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个单位。"},
    )
    name = forms.CharField(
        label="党组织名称", max_length=100, error_messages={"required": "请填写党组织名称。"}
    )
    parent = IdChoiceField(label="上级党组织", queryset=PartyOrg.objects.none(), required=False)
    region: IdChoiceField = IdChoiceField(label="所在区划", queryset=Region.objects.none(), required=False)
    secretary_name = forms.CharField(label="书记", max_length=50, required=False)
    established_on = _date("成立日期", required=False)
    established_doc = forms.CharField(label="成立批复文号", max_length=100, required=False)
    move_members = forms.BooleanField(
        label="将这些单位的党员组织关系转入新组织", required=False, initial=True
    )

    def __init__(
        self,
        user: User,
        units: QuerySet[Unit],
        *args: Any,
        unit_label: Callable[[Unit], str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "units", units)
        units_field = self.fields["units"]
        assert isinstance(units_field, IdMultipleChoiceField)
        units_field.label_of = unit_label
        # Shown in 拼音 order (the database sorts by code point); what is accepted is still ``units``.
        units_field.choices = [
            (u.pk, units_field.label_from_instance(u)) for u in by_pinyin(units, lambda u: u.name)
        ]
        offer(self, "parent", selectors.party_orgs_for(user, selectors.EDIT).filter(is_active=True))
        offer(self, "region", selectors.regions_for(user, selectors.EDIT))
        _style(self)


class MoveForm(forms.Form):
    parent = IdChoiceField(
        label="新的上级党组织",
        queryset=PartyOrg.objects.none(),
        error_messages={"required": "请选择上级党组织。"},
    )

    def __init__(self, user: User, org: PartyOrg, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mine = selectors.party_orgs_for(user, selectors.EDIT).filter(is_active=True)
        offer(self, "parent", mine.exclude(path__startswith=org.path))
        _style(self)


class OrgUnitsForm(forms.Form):
    units = IdMultipleChoiceField(
        label="覆盖单位", queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, units: QuerySet[Unit], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "units", units)
        _style(self)


class CommitteeForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False, help_text="选了人员时可不填")
    person = IdChoiceField(label="人员（本组织党员）", queryset=Person.objects.none(), required=False)
    position = forms.ChoiceField(label="职务", choices=CommitteeMember.Position.choices)
    term_start = _date("任期开始")
    term_end = _date("任期届满", required=False, help_text="不填则按规则计算（村、党委5年，其他3年）")

    def __init__(self, org: PartyOrg, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "person", selectors.members_of(org))
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("name") and not data.get("person"):
            self.add_error("name", "请填写姓名或选择人员。")
        return data


class PersonForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    id_card = forms.CharField(label="身份证号码", max_length=18, required=False)
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)
    region: IdChoiceField = IdChoiceField(
        label="居住地", queryset=Region.objects.none(), error_messages={"required": "请选择居住地。"}
    )
    unit = IdChoiceField(label="工作单位", queryset=Unit.objects.none(), required=False)
    occupation = forms.ChoiceField(
        label="职业", choices=[("", "—"), *Person.Occupation.choices], required=False
    )
    is_gig_worker = forms.BooleanField(label="新就业群体", required=False)

    def __init__(
        self, user: User, *args: Any, editing: bool = False, current_mobile: str = "", **kwargs: Any
    ) -> None:
        """``current_mobile``: the number on record when editing. The form never shows it in full (that
        is a look through ``pii.reveal``, audited, on the person's page): it shows the masked number,
        and the masked number submitted back keeps the number on record unchanged."""
        self.current_mobile = current_mobile
        if editing:
            kwargs.setdefault("initial", {})["mobile"] = mask_mobile(current_mobile)
        super().__init__(*args, **kwargs)
        offer(self, "region", selectors.regions_for(user, selectors.EDIT))
        offer(self, "unit", selectors.units_for(user))
        if editing:
            del self.fields["id_card"]
            self.fields["mobile"].help_text = "显示为脱敏号码；不修改则保留原号码，修改请输入完整的新号码。"
        _style(self)

    def clean_mobile(self) -> str:
        mobile: str = self.cleaned_data.get("mobile", "").strip()
        if self.current_mobile and mobile == mask_mobile(self.current_mobile):
            return self.current_mobile
        return mobile


class ApplicationForm(forms.Form):
    org = IdChoiceField(
        label="接收申请的党组织",
        queryset=PartyOrg.objects.none(),
        error_messages={"required": "请选择党组织。"},
    )
    applied_on = _date("递交申请书日期")

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "org", selectors.party_orgs_for(user, selectors.EDIT).filter(is_active=True))
        _style(self)


class TransferForm(forms.Form):
    to_org = IdChoiceField(
        label="转入党组织",
        queryset=PartyOrg.objects.none(),
        error_messages={"required": "请选择转入党组织。"},
    )
    reason = forms.CharField(
        label="转接原因", max_length=200, error_messages={"required": "请填写转接原因。"}
    )
    started_on = _date("转出日期")

    def __init__(self, user: User, membership: Membership, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the transfer rule allows: organisations in the user's scope, or in the sending
        # organisation's county (services.may_transfer_to); never the whole country's list.
        offer(self, "to_org", selectors.transfer_destinations_for(user, membership))
        _style(self)


class MergeForm(forms.Form):
    duplicate = IdChoiceField(
        label="重复的人员（将合并到本人）",
        queryset=Person.objects.none(),
        error_messages={"required": "请选择重复的人员。"},
    )

    def __init__(self, candidates: QuerySet[Person], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "duplicate", candidates)
        _style(self)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="导入内容", choices=[("units", "单位"), ("people", "人员"), ("memberships", "党员身份")]
    )
    file = forms.FileField(label="Excel 文件（.xlsx）", error_messages={"required": "请选择要导入的文件。"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class MembershipForm(forms.Form):
    org = IdChoiceField(
        label="所在党组织", queryset=PartyOrg.objects.none(), error_messages={"required": "请选择党组织。"}
    )
    status = forms.ChoiceField(label="状态", choices=Membership.Status.choices)
    since = _date("该状态开始日期")
    is_mobile = forms.BooleanField(label="流动党员", required=False)
    home_org = IdChoiceField(label="流出地党组织", queryset=PartyOrg.objects.none(), required=False)
    host_org = IdChoiceField(label="流入地党组织", queryset=PartyOrg.objects.none(), required=False)

    def __init__(self, user: User, *args: Any, current: Membership | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "org", selectors.party_orgs_for(user, selectors.EDIT).filter(is_active=True))
        # Home and host organisations: those in the user's scope, and the ones already on record (a
        # mobile member's organisation in another county stays selectable), never every organisation.
        keep = (current.home_org_id, current.host_org_id) if current else ()
        for name in ("home_org", "host_org"):
            offer(self, name, selectors.active_orgs_for(user, keep=keep))
        _style(self)
