from __future__ import annotations

from typing import Any

from django import forms

from tongxin.orgs import selectors
from tongxin.orgs.models import PartyOrg, Region


class PartyOrgForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, error_messages={"required": "请填写党组织名称。"})
    kind = forms.ChoiceField(label="类型", choices=PartyOrg.Kind.choices)
    parent = forms.ModelChoiceField(label="上级党组织", queryset=PartyOrg.objects.none(), required=False)
    region: forms.ModelChoiceField = forms.ModelChoiceField(
        label="所在区划", queryset=Region.objects.none(), required=False
    )
    code = forms.CharField(label="组织代码", max_length=32, required=False)
    secretary_name = forms.CharField(label="书记", max_length=50, required=False)
    established_on = forms.DateField(
        label="成立日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "成立日期格式应为 年-月-日。"},
    )
    established_doc = forms.CharField(label="成立批复文号", max_length=100, required=False)

    def __init__(self, user: Any, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = selectors.party_orgs_for(user, selectors.EDIT)  # type: ignore[attr-defined]
        self.fields["region"].queryset = selectors.regions_for(user, selectors.EDIT)  # type: ignore[attr-defined]
        if editing:
            del self.fields["parent"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
