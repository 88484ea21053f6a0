"""The points API (/api/v1/points/...): the same selectors and services as the pages, one module per
page family (schemes, claims, ledger and boards, shop), all on the one router of ``api.router``."""

from tongxin.points.api import claims, ledger, schemes, shop
from tongxin.points.api.router import router

# Importing the family modules registers their operations on the router.
FAMILIES = (schemes, claims, ledger, shop)

__all__ = ["FAMILIES", "router"]
