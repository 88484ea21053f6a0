from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

# (label, url name, permission or None for every logged-in user, order). Apps add their own entries
# with a ``nav_items`` attribute on their AppConfig, so no app has to edit this file.
NAV: list[tuple[str, str, str | None, int]] = [
    ("首页", "dashboard:home", None, 0),
    ("组织体系", "orgs:tree", "registry.view", 10),
    ("党组织", "orgs:org_list", "registry.view", 11),
    ("用户与授权", "accounts:user_list", "accounts.manage", 90),
    ("审计日志", "accounts:audit_list", "audit.view", 95),
]


def nav_entries() -> list[tuple[str, str, str | None, int]]:
    entries = list(NAV)
    for config in apps.get_app_configs():
        entries.extend(getattr(config, "nav_items", []))
    return sorted(entries, key=lambda e: e[3])


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    if user is not None and user.is_authenticated:
        for label, name, perm, _order in nav_entries():
            if perm is None or user.has_perm_anywhere(perm):
                url = reverse(name)
                items.append({"label": label, "url": url, "active": False})
        # One entry is active: the one whose address is the longest prefix of this page's
        # (组织体系 /orgs/ must not light up beside 党组织 /orgs/orgs/).
        matches = [
            i for i in items if request.path.startswith(i["url"]) and (i["url"] != "/" or request.path == "/")
        ]
        if matches:
            max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "demo_mode": settings.DEMO_MODE}
