"""Forms check the shape of input (types, dates); the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from tongxin.accounts.models import User
from tongxin.core import rules
from tongxin.core.forms import IdChoiceField, offer, offer_choices
from tongxin.orgs.models import PartyOrg, Region


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class DeclareForm(StyledForm):
    target_stars = forms.TypedChoiceField(label="目标星级", coerce=int, choices=[])
    reason = forms.CharField(label="说明", required=False, max_length=500, widget=forms.TextInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = rules.in_force("stars_procedure").value("target_choices")
        offer_choices(self, "target_stars", [(c, f"{c}星") for c in choices])


class StarsDecisionForm(StyledForm):
    stars = forms.MultipleChoiceField(label="评定的星", required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(
        label="理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, star_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_choices(self, "stars", star_choices)


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label="理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写理由。"},
    )


class RemoveStarForm(ReasonForm):
    star_code = forms.ChoiceField(label="摘除的星", choices=[])

    def __init__(self, *args: Any, star_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_choices(self, "star_code", star_choices)


class ObjectionForm(StyledForm):
    reason = forms.CharField(
        label="异议理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写异议理由。"},
    )


class ResolveForm(StyledForm):
    upheld = forms.TypedChoiceField(
        label="处理结果",
        coerce=lambda v: v == "1",
        choices=[("0", "异议不成立，继续公示"), ("1", "异议成立，重新审定")],
    )
    resolution = forms.CharField(
        label="处理意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写处理意见。"},
    )


class CriteriaImportForm(StyledForm):
    file = forms.FileField(
        label="标准文件（Excel、YAML 或 JSON）",
        help_text="格式与样例相同：可先下载当前版本修改后导入。导入后成为新版本，已开始的评定仍使用原版本。",
        error_messages={"required": "请选择标准文件。"},
    )


class WeakForm(StyledForm):
    org = forms.ModelChoiceField(
        label="党组织", queryset=PartyOrg.objects.none(), error_messages={"required": "请选择党组织。"}
    )
    reason = forms.CharField(label="软弱涣散原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    plan = forms.CharField(label="整顿方案", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "org", orgs)


class PairingForm(StyledForm):
    strong = forms.ModelChoiceField(label="先进村", queryset=PartyOrg.objects.none())
    weak = forms.ModelChoiceField(label="后进村", queryset=PartyOrg.objects.none())
    note = forms.CharField(label="帮扶内容", max_length=300, required=False)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "strong", orgs)
        offer(self, "weak", orgs)


class VisitForm(StyledForm):
    region = forms.ModelChoiceField(label="督导地点", queryset=Region.objects.none())
    visited_on = forms.DateField(
        label="督导日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为 年-月-日。"},
    )
    summary = forms.CharField(
        label="督导情况（发现的问题）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "region", regions)


class TaskForm(StyledForm):
    org = forms.ModelChoiceField(label="整改党组织", queryset=PartyOrg.objects.none())
    problem = forms.CharField(label="问题", max_length=300)
    required_outcome = forms.CharField(
        label="整改要求", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = IdChoiceField(label="责任人", queryset=User.objects.none(), label_of=lambda u: u.display_name)
    deadline = forms.DateField(
        label="整改时限",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为 年-月-日。"},
    )

    def __init__(self, *args: Any, orgs: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "org", orgs)
        offer(self, "owner", owners)


class TaskReportForm(StyledForm):
    report = forms.CharField(label="整改情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label="佐证文件（可选）", required=False)


class TaskReturnForm(ReasonForm):
    new_deadline = forms.DateField(
        label="新的整改时限（可选）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为 年-月-日。"},
    )
