"""党群积分 models, split by sub-domain: schemes, claims and notice, the ledger, boards, the shop."""

from tongxin.points.models.boards import PublishedBoard
from tongxin.points.models.claims import Claim, ClaimLine, Objection
from tongxin.points.models.ledger import HouseholdTotal, LedgerEntry, PersonLink, PersonTotal, Wallet
from tongxin.points.models.schemes import PointItem, Scheme, SchemeVersion
from tongxin.points.models.shop import Goods, Redemption

__all__ = [
    "Claim",
    "ClaimLine",
    "Goods",
    "HouseholdTotal",
    "LedgerEntry",
    "Objection",
    "PersonLink",
    "PersonTotal",
    "PointItem",
    "PublishedBoard",
    "Redemption",
    "Scheme",
    "SchemeVersion",
    "Wallet",
]
