from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
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
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts import selectors, services
from tongxin.accounts.forms import (
    AuditFilterForm,
    GrantForm,
    LoginForm,
    OtpTokenForm,
    PasswordChangeForm,
    UserCreateForm,
)
from tongxin.accounts.middleware import password_expired
from tongxin.accounts.models import Grant, User
from tongxin.core import audit
from tongxin.core.errors import DomainError


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
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(actor=user, user=user, new_password=form.cleaned_data["new_password"])
        except DomainError as exc:
            form.add_error("new_password", exc.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。")
            return redirect("dashboard:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": password_expired(user), "max_age": settings.PASSWORD_MAX_AGE_DAYS},
    )


def _qr_svg(data: str) -> str:
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator: show the secret and QR code, confirm with one code."""
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="手机动态验证码", confirmed=False)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(actor=user, action="accounts.otp.enrol", target=user)
            messages.success(request, "已启用两步验证。")
            return redirect("dashboard:home")
        form.add_error("token", "动态验证码不正确或已过期，请重新输入。")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "secret": secret, "qr_svg": _qr_svg(device.config_url)},
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                audit.record(actor=user, action="accounts.otp.verify", target=user)
                return redirect(request.GET.get("next") or "dashboard:home")
        audit.record(
            actor=user, action="accounts.otp.verify", target=user, success=False, message="动态验证码错误"
        )
        form.add_error("token", "动态验证码不正确或已过期，请重新输入。")
    return render(request, "accounts/otp_verify.html", {"form": form})


def _require(request: HttpRequest, perm: str) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.has_perm_anywhere(perm):
        raise Http404("未找到该页面，或您无权查看。")
    return user


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "accounts.manage")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_user(actor=actor, **form.cleaned_data, must_change_password=True)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已创建用户 {created.username}，首次登录时须修改密码。")
            return redirect("accounts:user_detail", pk=created.pk)
    page = Paginator(selectors.managed_users(actor), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "form": form})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "accounts.manage")
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
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已授权。")
            return redirect("accounts:user_detail", pk=target.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {"target": target, "grants": selectors.user_grants(target), "form": form},
    )


@login_required
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "accounts.manage")
    grant = Grant.objects.filter(pk=pk, user__in=selectors.managed_users(actor)).first()
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
    actor = _require(request, "audit.view")
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
