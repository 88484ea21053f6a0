"""The points API (/api/v1/points/...): the same selectors and services as the pages, one module per
page family (schemes, claims, ledger and boards, shop), mounted on one router."""

from ninja import Router

from tongxin.points.api import claims, ledger, schemes, shop
from tongxin.points.api.schemas import TAGS

router = Router(tags=TAGS)
for family in (schemes, claims, ledger, shop):
    router.add_router("", family.router)
