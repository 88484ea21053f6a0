"""The user's messages about cases (new, assigned, escalated, resolved, points)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tongxin.cases import selectors, services
from tongxin.core.views import user_with


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = user_with(request)
    if request.method == "POST":
        n = services.mark_read(actor=user)
        messages.success(request, f"已将 {n} 条消息标为已读。")
        return redirect("cases:inbox")
    page = Paginator(selectors.inbox(user), 30).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page": page, "unread": selectors.unread_count(user)})
