from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from tongxin.accounts.roles import ROLE_CHOICES
from tongxin.core import trees
from tongxin.core.forms import StyledForm
from tongxin.core.scoping import scoped


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错5次，账号将被锁定10分钟。",
        "inactive": "该账号已停用，请联系安全管理员。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-control form-control-lg"


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(
        label="当前密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label="新密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，包含小写字母、大写字母、数字、符号中的至少3类，不能是常见密码。",
    )
    new_password2 = forms.CharField(
        label="再次输入新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        self.wrong_old_password = False  # the view counts these (``passwords.change_locked``)
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        value: str = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            self.wrong_old_password = True
            raise forms.ValidationError("当前密码不正确。")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class OtpTokenForm(StyledForm):
    token = forms.RegexField(
        label="6位动态验证码",
        regex=r"^\d{6}$",
        error_messages={"invalid": "动态验证码应为6位数字。", "required": "请输入动态验证码。"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class UserCreateForm(StyledForm):
    username = forms.RegexField(
        label="用户名",
        regex=r"^[A-Za-z0-9_.@+-]{3,150}$",
        error_messages={"invalid": "用户名只能使用字母、数字和 _ . @ + -，3到150位。"},
    )
    real_name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号码", max_length=20, required=False)
    password = forms.CharField(
        label="初始密码", widget=forms.PasswordInput, help_text="用户首次登录时须修改。"
    )


class GrantForm(StyledForm):
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)
    node = forms.ChoiceField(label="授权范围", help_text="该角色在所选区划或党组织及其下级范围内有效。")

    def __init__(self, actor: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for tree in trees.all_trees():
            nodes = scoped(tree.model._default_manager.all(), actor, "accounts.manage").order_by("path")
            options = [(f"{tree.name}:{n.pk}", "\u3000" * n.depth + n.name) for n in nodes[:5000]]
            if options:
                groups.append((tree.label, options))
        self.fields["node"].choices = [("", "请选择"), *groups]  # type: ignore[attr-defined]

    def clean_node(self) -> Any:
        value: str = self.cleaned_data["node"]
        tree_name, _, pk = value.partition(":")
        tree = trees.get(tree_name)
        node = tree.model._default_manager.filter(pk=int(pk)).first()
        if node is None:
            raise forms.ValidationError("所选范围不存在。")
        return node


class AuditFilterForm(StyledForm):
    action = forms.CharField(label="操作", required=False)
    actor = forms.CharField(label="操作人", required=False)
    success = forms.ChoiceField(
        label="结果", required=False, choices=[("", "全部"), ("1", "成功"), ("0", "失败")]
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
