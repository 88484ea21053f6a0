"""Permission names of the points module and small checks shared by services, selectors and views."""

from __future__ import annotations

from tongxin.accounts.models import User
from tongxin.core.scoping import in_scope

VIEW = "points.view"
RECORD = "points.record"
REVIEW = "points.review"
MANAGE = "points.manage"
SHOP = "points.shop"
SELF = "self.view"

# The shop: a user may hold points.shop (keeping a village's shop) on one node and points.manage on
# another. What either grant allows (restocking, the goods list) reaches the goods of both scopes.
SHOP_OR_MANAGE = (SHOP, MANAGE)


def may(actor: User | None, perm: str, path: str) -> bool:
    """Whether ``actor`` holds ``perm`` on a region covering ``path``. ``accounts.system.SYSTEM`` holds
    every permission everywhere; ``None`` (callers written before SYSTEM existed) is treated as it."""
    return actor is None or in_scope(path, actor, perm, "region")


def stored_user(actor: User | None) -> User | None:
    """The actor as the user row a model stores (``None`` for SYSTEM, which is never saved)."""
    return actor if actor is not None and actor.pk is not None else None
