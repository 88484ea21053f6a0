"""Writes of 党群积分. Keyword-only, one transaction each, audited in that transaction; one module per
aggregate (schemes, awards, claims, caps, objections, boards, links, shop).

Other modules award points only through ``award_points``; everything else here is used by this app's
pages, API, demo loader and ``tick`` job. Every name other apps and tests use is re-exported here, so
``from tongxin.points.services import award_points`` and ``services.award_points`` both keep working.
"""

from tongxin.points.selectors import linked_person, scheme_covering
from tongxin.points.services.awards import award_points, reverse_entry
from tongxin.points.services.boards import publish_board
from tongxin.points.services.caps import check_caps
from tongxin.points.services.claims import approve_claim, record_claim, record_self_claim, reject_claim
from tongxin.points.services.links import link_person
from tongxin.points.services.objections import decide_objection, finalise_due_claims, raise_objection
from tongxin.points.services.schemes import (
    CAP_FIELDS,
    CAP_LABELS,
    ITEM_CAP_MAX,
    ITEM_CODE_MAX,
    ITEM_NAME_MAX,
    ITEM_POINTS_MAX,
    ITEMS_MAX,
    RULES,
    SCHEME_REGION_KINDS,
    ItemSpec,
    add_scheme_version,
    create_scheme,
    scheme_for_person,
)
from tongxin.points.services.shop import (
    PRICE_MAX,
    REDEEM_MAX,
    RESTOCK_MAX,
    STOCK_MAX,
    create_goods,
    redeem,
    restock_goods,
    set_goods_active,
    update_goods,
)

__all__ = [
    "CAP_FIELDS", "CAP_LABELS", "ITEMS_MAX", "ITEM_CAP_MAX", "ITEM_CODE_MAX", "ITEM_NAME_MAX",
    "ITEM_POINTS_MAX", "PRICE_MAX", "REDEEM_MAX", "RESTOCK_MAX", "RULES", "SCHEME_REGION_KINDS", "STOCK_MAX",
    "ItemSpec", "add_scheme_version", "approve_claim", "award_points", "check_caps", "create_goods",
    "create_scheme", "decide_objection", "finalise_due_claims", "link_person", "linked_person",
    "publish_board", "raise_objection", "record_claim", "record_self_claim", "redeem", "reject_claim",
    "restock_goods", "reverse_entry", "scheme_covering", "scheme_for_person", "set_goods_active",
    "update_goods",
]  # fmt: skip
