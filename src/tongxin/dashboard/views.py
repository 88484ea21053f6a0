from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tongxin.accounts.context import nav_entries
from tongxin.accounts.roles import ROLES
from tongxin.core import workdays
from tongxin.core.text import by_pinyin
from tongxin.core.views import user_with
from tongxin.orgs import selectors as org_selectors

CALENDAR_LOOKAHEAD = timedelta(days=60)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A home page per role: what the user's grants cover and where their work starts."""
    user = user_with(request)  # login_required sends strangers to the login page first
    grants = by_pinyin(user.active_grants(), lambda g: g.label)  # the scopes in 拼音 order of their names
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
    # Every menu entry the user can open is also a large button here: on a phone the home page is the menu.
    seen = {"dashboard:home", "orgs:tree"}
    for label, url_name, perm, _order in nav_entries():
        if url_name in seen or not (perm is None or user.has_perm_anywhere(perm)):
            continue
        seen.add(url_name)
        cards.append({"title": label, "url": url_name, "text": ""})
    # One description per role, however many places the user holds it.
    roles = list({g.role: ROLES[g.role] for g in grants if g.role in ROLES}.values())
    # Deadlines counted in working days reach about two months ahead; say so when that runs into a year
    # whose national holidays are not published yet (they are then counted Monday to Friday).
    today = timezone.localdate()
    calendar_notice = workdays.notice(today, today + CALENDAR_LOOKAHEAD) if grants else None
    return render(
        request,
        "dashboard/home.html",
        {"grants": grants, "cards": cards, "roles": roles, "calendar_notice": calendar_notice},
    )
