from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from tongxin.cases.models import Category, Channel, ServiceRecord, Validity, VolunteerTeam
from tongxin.orgs.models import PartyOrg, Person, Region


def _style(form: forms.Form) -> None:
    """Bootstrap classes on every widget (the shared fragment renders widgets as they are)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IntakeForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), label="问题类别", empty_label="请选择"
    )
    description = forms.CharField(
        label="问题描述", widget=forms.Textarea(attrs={"rows": 4, "placeholder": "发生了什么？在哪里？"})
    )
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(), label="所在网格（村、社区）", empty_label=None
    )
    address = forms.CharField(
        label="地址", required=False, max_length=200, help_text="没有定位时请填写地址。"
    )
    photos = MultiplePhotoField(
        label="现场照片（最多4张）",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    published = forms.BooleanField(
        label="允许在公开平台展示（不显示上报人身份，位置模糊到约100米）", required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        regions: QuerySet[Region],
        staff: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        if staff:
            self.fields["reporter_name"] = forms.CharField(
                label="上报人姓名（代为登记时填写）", required=False, max_length=50
            )
            self.fields["reporter_mobile"] = forms.CharField(
                label="上报人手机号", required=False, max_length=20
            )
            self.fields["channel"] = forms.ChoiceField(
                label="来源",
                choices=[
                    (Channel.APP, "本人上报"),
                    (Channel.PHONE, "电话代报"),
                    (Channel.WALK_IN, "驿站现场代报"),
                ],
            )
        _style(self)


class TeamForm(forms.Form):
    name = forms.CharField(label="队伍名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=VolunteerTeam.TeamKind.choices)
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label="所在区划", empty_label=None)
    org = forms.ModelChoiceField(queryset=PartyOrg.objects.none(), label="牵头党组织", required=False)
    founded_on = forms.DateField(
        label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, regions: QuerySet[Region], orgs: QuerySet[PartyOrg], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        _style(self)


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label="队员")
    role = forms.CharField(label="职务", required=False, max_length=30)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        _style(self)


class ServiceRecordForm(forms.Form):
    kind = forms.ChoiceField(label="服务类型", choices=ServiceRecord.ServiceKind.choices)
    team = forms.ModelChoiceField(queryset=VolunteerTeam.objects.none(), label="队伍", required=False)
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label="服务人")
    region = forms.ModelChoiceField(queryset=Region.objects.none(), label="服务地点", empty_label=None)
    served_on = forms.DateField(label="服务日期", widget=forms.DateInput(attrs={"type": "date"}))
    quantity = forms.IntegerField(label="数量（份/次）", min_value=1, initial=1)
    minutes = forms.IntegerField(label="服务时长（分钟）", min_value=0, initial=0)
    beneficiaries = forms.IntegerField(label="服务对象人数", min_value=0, initial=1)
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(
        self,
        *args: Any,
        teams: QuerySet[VolunteerTeam],
        people: QuerySet[Person],
        regions: QuerySet[Region],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        _style(self)


VALIDITY_CHOICES = [(Validity.INVALID, "无效上报"), (Validity.MALICIOUS, "恶意上报")]
