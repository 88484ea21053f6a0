from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from tongxin.cases.models import Category, Channel, ServiceRecord, Validity, VolunteerTeam
from tongxin.core.forms import offer
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
        offer(self, "category", categories)
        offer(self, "region", regions)
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
        offer(self, "region", regions)
        offer(self, "org", orgs)
        _style(self)


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label="队员")
    role = forms.CharField(label="职务", required=False, max_length=30)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, "person", people)
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
        offer(self, "team", teams)
        offer(self, "person", people)
        offer(self, "region", regions)
        _style(self)


VALIDITY_CHOICES = [(Validity.INVALID, "无效上报"), (Validity.MALICIOUS, "恶意上报")]


# --- page helpers shared by the cases views ------------------------------------------------------

# The Chinese name of each field a service may name in a DomainError, for "字段：原因" messages.
FIELD_LABELS = {
    "category": "问题类别",
    "description": "问题描述",
    "region": "所在区划",
    "address": "地址",
    "lat": "位置",
    "lng": "位置",
    "photos": "现场照片",
    "photo": "结果照片",
    "reporter_name": "上报人姓名",
    "reporter_mobile": "上报人手机号",
    "reason": "理由",
    "note": "办理结果",
    "rating": "评价",
    "assignee": "承办人",
    "org": "承办组织",
    "into": "合并目标",
    "validity": "有效性",
    "event": "操作",
    "body": "内容",
    "name": "名称",
    "person": "队员",
    "served_on": "服务日期",
    "quantity": "数量",
    "minutes": "服务时长",
    "kind": "类型",
    "team": "队伍",
    "confirmer": "确认人",
    "record": "服务记录",
}


def error_text(exc: Any) -> str:
    """A refused write as one "字段：原因" message (pages that answer with a message, not a form)."""
    label = FIELD_LABELS.get(exc.field or "", exc.field or "")
    return f"{label}：{exc.message}" if label else str(exc.message)


def form_errors_text(form: forms.BaseForm) -> list[str]:
    return [f"{FIELD_LABELS.get(name, name)}：{errs[0]}" for name, errs in form.errors.items()]


def parse_period(params: Any) -> tuple[date | None, date | None]:
    """``since``/``until`` of a query string as dates; a missing or malformed one is None."""

    def parse(name: str) -> date | None:
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    return parse("since"), parse("until")


def case_number(value: Any) -> int:
    """A case id typed as ``123``, ``#123``, ``SB123`` or ``SQ123``; 0 when it is none of these or out of
    the database's integer range."""
    try:
        n = int(str(value).strip().lstrip("#").removeprefix("SB").removeprefix("SQ"))
    except (TypeError, ValueError):
        return 0
    return n if 0 < n < 2**63 else 0
