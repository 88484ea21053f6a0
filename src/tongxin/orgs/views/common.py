"""Query-string helpers shared by the registry's pages (the rest comes from ``tongxin.core.views``)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.http import HttpRequest

from tongxin.accounts.models import User
from tongxin.orgs import selectors
from tongxin.orgs.models import Region


def query_without(request: HttpRequest, *keys: str) -> str:
    """The current query string without ``keys`` (for pager and export links)."""
    return urlencode([(k, v) for k, v in request.GET.items() if k not in keys and v])


def region_param(request: HttpRequest, user: User, perm: str = selectors.VIEW) -> Region | None:
    """The region named by ``?region=``, when it lies in the area the user's grants for ``perm`` reach;
    None when the parameter is absent or not a number; 404 (audited) for a region outside that area."""
    raw = request.GET.get("region", "")
    if not raw.isdigit() or not 0 < int(raw) <= selectors.MAX_ID:
        return None
    return selectors.area_region_for(user, int(raw), perm)


def date_param(request: HttpRequest, name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default
