"""Forms of the points pages. Validation of meaning stays in services; forms only parse input."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import items_xlsx, periods
from tongxin.points.ledger import version_on
from tongxin.points.models import PointItem, PublishedBoard, Scheme, SchemeVersion
from tongxin.points.services import ItemSpec

_NONE: Any = Person.objects.none()
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _model(form: forms.Form, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class PersonChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        household = f" · {obj.household.number}户" if obj.household_id and obj.household.number else ""
        return f"{obj.name}{household}"


class ClaimForm(forms.Form):
    item_code = forms.ChoiceField(label="积分项目", widget=forms.Select(attrs=SELECT))
    occurred_on = forms.DateField(label="发生日期", widget=DATE)
    title = forms.CharField(
        label="事由",
        max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "如：清扫村道、植树"}),
    )
    evidence = forms.ImageField(label="现场照片", required=False, widget=forms.ClearableFileInput(attrs=TEXT))
    people = PersonChoice(
        label="参与人员", queryset=Person.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, scheme: Scheme, people: Any, on: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = version_on(scheme, on)
        _choice(self, "item_code").choices = [(i.code, str(i)) for i in version.items.all()]
        _model(self, "people").queryset = people
        self.fields["occurred_on"].initial = on


class SelfClaimForm(forms.Form):
    item_code = forms.ChoiceField(label="积分项目", widget=forms.Select(attrs=SELECT))
    occurred_on = forms.DateField(label="发生日期", widget=DATE)
    title = forms.CharField(label="事由", max_length=200, widget=forms.TextInput(attrs=TEXT))
    evidence = forms.ImageField(label="现场照片", widget=forms.ClearableFileInput(attrs=TEXT))

    def __init__(self, *args: Any, items: list[PointItem], on: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "item_code").choices = [(i.code, str(i)) for i in items if i.points > 0]
        self.fields["occurred_on"].initial = on


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="审核意见", max_length=300, required=False, widget=forms.TextInput(attrs=TEXT)
    )


class BoardForm(forms.Form):
    region = forms.ModelChoiceField(label="区划", queryset=_NONE, widget=forms.Select(attrs=SELECT))
    period = forms.CharField(
        label="周期",
        max_length=7,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "2026Q2 / 2026-04 / 2026"}),
    )
    by = forms.ChoiceField(
        label="排名对象", choices=PublishedBoard.By.choices, widget=forms.Select(attrs=SELECT)
    )
    audience = forms.ChoiceField(
        label="范围", choices=PublishedBoard.Audience.choices, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model(self, "region").queryset = regions

    def clean_period(self) -> str:
        value: str = self.cleaned_data["period"].strip().upper().replace("-Q", "Q")
        try:
            periods.kind_of(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return value


class PublishForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    name_style = forms.ChoiceField(
        label="姓名显示", choices=PublishedBoard.NameStyle.choices, widget=forms.Select(attrs=SELECT)
    )
    size = forms.IntegerField(
        label="名次数", min_value=1, max_value=500, widget=forms.NumberInput(attrs=TEXT)
    )


ITEM_HELP = (
    "每行一个项目，用英文逗号分隔：代码,名称,类别,分值,适用对象,须照片,个人月上限,个人季上限,个人年上限,"
    "每户月上限,每户季上限,每户年上限。类别："
    + "、".join(f"{v}={label}" for v, label in PointItem.Category.choices)
    + "；适用对象：all/villagers/members；须照片：是/否；上限可留空。"
)


def parse_items(text: str) -> list[ItemSpec]:
    """Parse item lines, all or nothing: every bad line is listed in one error."""
    items: list[ItemSpec] = []
    problems: list[str] = []
    rows = [r for r in csv.reader(io.StringIO(text.strip())) if any(c.strip() for c in r)]
    if not rows:
        raise forms.ValidationError("请至少填写一个积分项目。")
    for n, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row] + [""] * 12
        try:
            points = int(cells[3])
        except ValueError:
            problems.append(f"第{n}行：分值“{cells[3]}”不是整数")
            continue
        caps: list[int | None] = []
        bad = False
        for c in cells[6:12]:
            if c == "":
                caps.append(None)
            elif c.isdecimal() and int(c) > 0:  # not isdigit(): int('²') fails
                caps.append(int(c))
            else:
                problems.append(f"第{n}行：上限“{c}”应为正整数或留空")
                bad = True
                break
        if bad:
            continue
        if cells[5] not in ("", "是", "否"):
            problems.append(f"第{n}行：须照片应填“是”或“否”")
            continue
        items.append(
            ItemSpec(
                code=cells[0], name=cells[1], category=cells[2], points=points, eligible=cells[4] or "all",
                evidence_required=cells[5] == "是", cap_person_month=caps[0], cap_person_quarter=caps[1],
                cap_person_year=caps[2], cap_household_month=caps[3], cap_household_quarter=caps[4],
                cap_household_year=caps[5],
            )
        )  # fmt: skip
    if problems:
        raise forms.ValidationError("；".join(problems) + "。")
    return items


def items_text(items: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i in items:
        writer.writerow(
            [i.code, i.name, i.category, i.points, i.eligible, "是" if i.evidence_required else "否"]
            + ["" if getattr(i, f) is None else getattr(i, f) for f in _CAPS]
        )
    return out.getvalue()


_CAPS = [
    "cap_person_month", "cap_person_quarter", "cap_person_year",
    "cap_household_month", "cap_household_quarter", "cap_household_year",
]  # fmt: skip


class VersionForm(forms.Form):
    effective_from = forms.DateField(label="生效日期", widget=DATE)
    base_score = forms.IntegerField(
        label="基础分", min_value=0, max_value=1_000_000, initial=0, widget=forms.NumberInput(attrs=TEXT)
    )
    reset = forms.ChoiceField(
        label="清零周期", choices=SchemeVersion.Reset.choices, widget=forms.Select(attrs=SELECT)
    )
    accrual = forms.ChoiceField(
        label="积分归属", choices=SchemeVersion.Accrual.choices, widget=forms.Select(attrs=SELECT)
    )
    notice_workdays = forms.IntegerField(
        label="公示期（工作日）", min_value=1, max_value=30, widget=forms.NumberInput(attrs=TEXT)
    )
    # Not required: an uploaded workbook may take its place (checked in ``clean``).
    items = forms.CharField(
        label="积分项目",
        help_text=ITEM_HELP,
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 8, "class": "form-control font-monospace"}),
    )
    items_file = forms.FileField(
        label="从Excel导入积分项目",
        required=False,
        help_text="可选。上传后以表中的项目替换上面文本框中的项目；整表要么全部导入，要么一个也不导入。",
        widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".xlsx," + items_xlsx.XLSX}),
    )
    note = forms.CharField(label="修订说明", max_length=200, widget=forms.TextInput(attrs=TEXT))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("items_file")
        if upload:
            try:
                items = items_xlsx.parse_workbook(upload.read(items_xlsx.MAX_BYTES + 1))
            except items_xlsx.ItemsWorkbookError as exc:
                self.add_error("items_file", [exc.summary + "：", *exc.problems])
                cleaned.pop("items", None)
                return cleaned
            cleaned["items"] = items
            # The file replaces the textarea: if another field is wrong, the page shows the file's
            # items in the textarea, so the file need not be chosen again.
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[self.add_prefix("items")] = items_text(items)
            self.data = data
        elif "items" in cleaned:
            try:
                cleaned["items"] = parse_items(cleaned["items"])
            except forms.ValidationError as exc:
                self.add_error("items", exc)
        return cleaned


class SchemeForm(VersionForm):
    name = forms.CharField(label="方案名称", max_length=100, widget=forms.TextInput(attrs=TEXT))
    region = forms.ModelChoiceField(label="区划", queryset=_NONE, widget=forms.Select(attrs=SELECT))
    is_sample = forms.BooleanField(label="样例方案（演示用）", required=False)
    field_order = [
        "name",
        "region",
        "effective_from",
        "base_score",
        "reset",
        "accrual",
        "notice_workdays",
        "items",
        "items_file",
    ]

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model(self, "region").queryset = regions
        del self.fields["note"]
        self.fields["effective_from"].initial = timezone.localdate()


class GoodsEditForm(forms.Form):
    """Name and price of goods; stock is changed only by restocking and redemptions."""

    name = forms.CharField(label="商品名称", max_length=100, widget=forms.TextInput(attrs=TEXT))
    price = forms.IntegerField(label="兑换所需积分", min_value=1, widget=forms.NumberInput(attrs=TEXT))


class GoodsForm(GoodsEditForm):
    scheme = forms.ModelChoiceField(label="积分方案", queryset=_NONE, widget=forms.Select(attrs=SELECT))
    stock = forms.IntegerField(
        label="库存", min_value=0, max_value=1_000_000, widget=forms.NumberInput(attrs=TEXT)
    )
    field_order = ["scheme", "name", "price", "stock"]

    def __init__(self, *args: Any, schemes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model(self, "scheme").queryset = schemes


class RedeemForm(forms.Form):
    person = forms.ModelChoiceField(label="兑换村民", queryset=_NONE, widget=forms.Select(attrs=SELECT))
    quantity = forms.IntegerField(label="数量", min_value=1, initial=1, widget=forms.NumberInput(attrs=TEXT))
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model(self, "person").queryset = people


class LinkForm(forms.Form):
    username = forms.CharField(label="登录账号", max_length=150, widget=forms.TextInput(attrs=TEXT))
    person = forms.ModelChoiceField(label="对应人员", queryset=_NONE, widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model(self, "person").queryset = people


def whole_number(raw: str) -> int | None:
    """``raw`` as a non-negative whole number (full-width digits too), None when it is not one.
    Services bound the value; ``str.isdigit`` is not enough here, as it takes "²", which ``int`` refuses."""
    raw = raw.strip()
    if not raw.isdecimal():
        return None
    try:
        return int(raw)
    except ValueError:  # more digits than int() converts (sys.int_max_str_digits)
        return None
