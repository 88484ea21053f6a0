"""Scoped access: narrow any queryset to the rows under the acting user's granted nodes.

A scoped model declares where its tree paths are, e.g. ``SCOPE = {"region": "region_path", "org":
"org_path"}`` (lookups may cross relations: ``"person__region_path"``). The acting user object
provides ``scope_paths(perm) -> {"region": [...], "org": [...]}`` (see ``accounts.models.User``).
A row is visible when any of its paths starts with a granted path of the same tree.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models
from django.db.models import Q
from django.http import Http404

from tongxin.core import audit

M = TypeVar("M", bound=models.Model)


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose ``field`` starts with ``prefix``, in a form the database can answer from an index.

    SQLite's LIKE is case-insensitive and ignores the index, so there a range on the binary
    collation is used; paths end with "/" and "0" follows "/" in ASCII, so [p, p[:-1]+"0") is exactly
    the set of strings starting with p. PostgreSQL answers startswith from its pattern-ops index.
    """
    if connection.vendor == "sqlite" and prefix.endswith("/"):
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + "0"})
    return Q(**{f"{field}__startswith": prefix})


def scope_filter(model: type[models.Model], paths: dict[str, list[str]]) -> Q | None:
    """The Q that selects rows of ``model`` under ``paths``; None when nothing is granted."""
    spec: dict[str, str] = getattr(model, "SCOPE", {})
    if not spec:
        raise TypeError(f"{model.__name__} declares no SCOPE; it cannot be read through scoping.")
    q: Q | None = None
    for tree, field in spec.items():
        for prefix in collapse(paths.get(tree, [])):
            part = prefix_q(field, prefix)
            q = part if q is None else q | part
    return q


def collapse(prefixes: list[str]) -> list[str]:
    """Drop prefixes covered by a shorter granted prefix (a grant on the county covers its villages)."""
    out: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(o) for o in out):
            out.append(p)
    return out


def scoped(qs: models.QuerySet[M], user: Any, perm: str) -> models.QuerySet[M]:
    """Only the rows of ``qs`` that ``user`` may see for ``perm``; empty for anonymous users."""
    if user is None or not getattr(user, "is_authenticated", False):
        return qs.none()
    q = scope_filter(qs.model, user.scope_paths(perm))
    if q is None:
        return qs.none()
    return qs.filter(q)


def get_scoped_or_404(qs: models.QuerySet[M], user: Any, perm: str, **lookup: Any) -> M:
    """The one row matching ``lookup`` inside the user's scope, else ``Http404`` (no existence leaks).

    A refused access to a row that exists is recorded in the audit log, once per user and row within
    ``REFUSAL_AUDIT_WINDOW`` (a script walking ids must not fill the log with one row per request).
    """
    try:
        return scoped(qs, user, perm).get(**lookup)
    except ObjectDoesNotExist:
        if qs.filter(**lookup).exists():
            target_type = qs.model._meta.label_lower
            target_id = str(lookup.get("pk", lookup.get("id", "")))
            if _first_refusal_in_window(user, target_type, target_id):
                audit.record(
                    actor=user,
                    action="access.denied",
                    target_type=target_type,
                    target_id=target_id,
                    success=False,
                    message=f"超出权限范围的访问（{perm}）",
                )
        raise Http404("未找到该记录，或您无权查看。") from None


# One audit row per (user, target type, target id) per window; later refusals within it are not recorded.
REFUSAL_AUDIT_WINDOW = 300


def _first_refusal_in_window(user: Any, target_type: str, target_id: str) -> bool:
    """True for the first refusal of this user on this row in the window (``cache.add`` is atomic on
    every shared cache backend, so two workers do not both record it)."""
    who = getattr(user, "pk", None) or getattr(user, "username", "") or "anonymous"
    key = f"tx:refused:{who}:{target_type}:{hashlib.sha256(target_id.encode()).hexdigest()[:32]}"
    return bool(cache.add(key, 1, timeout=REFUSAL_AUDIT_WINDOW))


def in_scope(path: str, user: Any, perm: str, tree: str) -> bool:
    """Whether a single node path lies under one of the user's grants for ``perm`` in ``tree``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(path.startswith(p) for p in user.scope_paths(perm).get(tree, []))
