from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tongxin.accounts.models import User
from tongxin.accounts.roles import ROLES
from tongxin.orgs import selectors as org_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A home page per role: what the user's grants cover and where their work starts."""
    user: User = request.user  # type: ignore[assignment]
    grants = user.active_grants()
    cards = []
    if user.has_perm_anywhere("registry.view"):
        cards.append(
            {
                "title": "组织体系",
                "figure": org_selectors.party_orgs_for(user).count(),
                "unit": "个党组织",
                "url": "orgs:tree",
                "text": "区划、党组织，逐级展开。",
            }
        )
    if user.has_perm_anywhere("accounts.manage"):
        cards.append(
            {"title": "用户与授权", "url": "accounts:user_list", "text": "新建用户，按区划或党组织授权。"}
        )
    if user.has_perm_anywhere("audit.view"):
        cards.append(
            {"title": "审计日志", "url": "accounts:audit_list", "text": "查询登录、修改和越权访问记录。"}
        )
    roles = [ROLES[g.role] for g in grants if g.role in ROLES]
    return render(request, "dashboard/home.html", {"grants": grants, "cards": cards, "roles": roles})
