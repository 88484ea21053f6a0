"""Permission names of the points module and small checks shared by services, selectors and views."""

from __future__ import annotations

from typing import Any

from tongxin.core.scoping import in_scope

VIEW = "points.view"
RECORD = "points.record"
REVIEW = "points.review"
MANAGE = "points.manage"
SHOP = "points.shop"
SELF = "self.view"


def may(actor: Any, perm: str, path: str) -> bool:
    """Whether ``actor`` holds ``perm`` on a region covering ``path``; the system (None) always may."""
    return actor is None or in_scope(path, actor, perm, "region")
