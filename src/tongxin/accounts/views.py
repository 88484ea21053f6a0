from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from tongxin.accounts import passwords, policy, selectors, services
from tongxin.accounts.forms import (
    AuditFilterForm,
    GrantForm,
    LoginForm,
    OtpTokenForm,
    PasswordChangeForm,
    UserCreateForm,
)
from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.errors import DomainError
from tongxin.core.views import form_error, qr_svg, safe_next, user_with


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_password"] = settings.DEMO_PASSWORD if settings.DEMO_MODE else ""
        return ctx


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the session
    messages.info(request, "您已安全退出。")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST or None)
    locked = ""
    if request.method == "POST":
        if passwords.change_locked(user):
            # Refused before the password is even looked at, like a login locked by axes.
            form = PasswordChangeForm(user)
            locked = _locked_message()
        elif form.is_valid():
            try:
                services.change_password(
                    actor=user, user=user, new_password=form.cleaned_data["new_password"]
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, "密码已修改；您的 API 令牌已随旧密码一并失效。")
                return redirect("dashboard:home")
        elif form.wrong_old_password:
            passwords.note_wrong_old_password(user)
            if passwords.change_locked(user):
                locked = _locked_message()
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "locked": locked,
            "forced": policy.password_expired(user),
            "max_age": settings.PASSWORD_MAX_AGE_DAYS,
        },
    )


def _locked_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"当前密码连续输错次数过多，修改密码已暂停{minutes}分钟，请稍后再试。"


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator: show the secret and QR code, confirm with one code.

    A user who already has a confirmed authenticator may add another only from a verified session;
    with the password alone they are sent to the verification step (a lost phone is a reset by a
    security administrator, ``services.reset_two_factor``)."""
    user: User = request.user  # type: ignore[assignment]
    if not policy.may_enrol_device(request):
        audit.record(
            actor=user,
            action="accounts.otp.enrol",
            target=user,
            success=False,
            message="未通过两步验证，不能绑定新的身份验证器",
        )
        messages.info(request, "您已绑定身份验证器：请先输入动态验证码；手机丢失请联系安全管理员重置。")
        return redirect("accounts:otp_verify")
    device = services.start_enrolment(actor=user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_enrolment(actor=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "已启用两步验证。")
            return redirect("dashboard:home")
        form.add_error("token", "动态验证码不正确或已过期，请重新输入。")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        # Uncached: the URL holds the TOTP secret, which must not stay in the process's QR cache.
        {"form": form, "secret": secret, "qr_svg": qr_svg.__wrapped__(device.config_url, box_size=8)},
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in selectors.confirmed_devices(user):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit.record(actor=user, action="accounts.otp.verify", target=user)
                return redirect(safe_next(request, "dashboard:home"))
        audit.record(
            actor=user, action="accounts.otp.verify", target=user, success=False, message="动态验证码错误"
        )
        form.add_error("token", "动态验证码不正确或已过期，请重新输入。")
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    actor = user_with(request, "accounts.manage")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_user(actor=actor, **form.cleaned_data, must_change_password=True)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"已创建用户 {created.username}，首次登录时须修改密码。")
            return redirect("accounts:user_detail", pk=created.pk)
    page = Paginator(selectors.managed_users(actor), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "form": form})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = user_with(request, "accounts.manage")
    target = selectors.managed_user_or_none(actor, pk)
    if target is None:
        raise Http404("未找到该用户，或您无权查看。")
    form = GrantForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_role(
                actor=actor, user=target, role=form.cleaned_data["role"], node=form.cleaned_data["node"]
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "已授权。")
            return redirect("accounts:user_detail", pk=target.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "grants": selectors.user_grants(target),
            "form": form,
            "tokens": selectors.tokens_of(target)[:50],
            "has_device": policy.has_confirmed_device(target),
        },
    )


def _managed(request: HttpRequest, pk: int) -> tuple[User, User]:
    actor = user_with(request, "accounts.manage")
    target = selectors.managed_user_or_none(actor, pk)
    if target is None:
        raise Http404("未找到该用户，或您无权查看。")
    return actor, target


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable or re-enable an account (the security administrator's page action)."""
    actor, target = _managed(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_user_active(actor=actor, user=target, active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "已启用该账号。" if active else "已停用该账号：其登录会话和全部 API 令牌已失效。"
        )
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a user's authenticators so that they enrol anew at their next login (lost phone)."""
    actor, target = _managed(request, pk)
    try:
        services.reset_two_factor(actor=actor, user=target)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已重置两步验证：该用户下次登录时须重新绑定身份验证器。")
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens; a security administrator also sees those of everyone they manage."""
    user = user_with(request)
    managed = (
        Paginator(selectors.managed_tokens(user).filter(revoked_at__isnull=True), 50).get_page(
            request.GET.get("page")
        )
        if user.has_perm_anywhere("accounts.manage")
        else None
    )
    return render(
        request,
        "accounts/token_list.html",
        {"own": selectors.tokens_of(user)[:50], "managed": managed, "days": settings.API_TOKEN_DAYS},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_with(request)
    token = selectors.token_for(user, pk)
    if token is None:
        raise Http404("未找到该令牌，或您无权查看。")
    try:
        services.revoke_api_token(actor=user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销令牌 {token.key_prefix}…")
    return redirect(safe_next(request, "accounts:token_list"))


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = user_with(request, "accounts.manage")
    grant = selectors.managed_grant(actor, pk)
    if grant is None:
        raise Http404("未找到该授权。")
    try:
        services.revoke_grant(actor=actor, grant=grant)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销授权。")
    return redirect("accounts:user_detail", pk=grant.user_id)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    actor = user_with(request, "audit.view")
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        cd = form.cleaned_data
        filters = {
            "action": cd["action"].strip(),
            "username": cd["actor"].strip(),
            "success": None if cd["success"] == "" else cd["success"] == "1",
            "date_from": cd["date_from"],
            "date_to": cd["date_to"],
        }
    page = Paginator(selectors.audit_events(actor, **filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "accounts/audit_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )
