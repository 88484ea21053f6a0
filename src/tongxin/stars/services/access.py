"""Who may do what in the stars module, and the rules every stars service shares: permission checks on
a row's paths, the user row to record, the township of a village, the procedure rules."""

from __future__ import annotations

from datetime import date

from tongxin.accounts.models import User
from tongxin.core import rules
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Region

VIEW = "stars.view"
SELF_ASSESS = "stars.self_assess"
RATE = "stars.rate"
APPROVE = "stars.approve"
MANAGE = "stars.manage"
SUPERVISE = "stars.supervise"

BRANCH_KINDS = ("branch", "general_branch", "committee")
VILLAGE_KINDS = ("village", "community")
TOWNSHIP_KINDS = ("township", "street")


def may(actor: User, perm: str, *, region_path: str = "", org_path: str = "") -> bool:
    """Whether ``actor`` holds ``perm`` on a node above the row (``SYSTEM`` holds everything)."""
    return bool(region_path and in_scope(region_path, actor, perm, "region")) or bool(
        org_path and in_scope(org_path, actor, perm, "org")
    )


def require(actor: User, perm: str, message: str, *, region_path: str = "", org_path: str = "") -> None:
    if not may(actor, perm, region_path=region_path, org_path=org_path):
        raise DomainError(message, code="forbidden")


def user_row(actor: User) -> User | None:
    """The user to store in a ``…_by`` column: the person acting, or nobody for ``SYSTEM`` (never saved;
    the audit log names it)."""
    return None if actor.is_system else actor


def township_of(region: Region) -> Region:
    """The township (or street) a village or community belongs to, or the region itself."""
    if region.kind in TOWNSHIP_KINDS:
        return region
    ids = [int(seg[1:]) for seg in region.path.strip("/").split("/") if seg.startswith("r")]
    town = Region.objects.filter(pk__in=ids, kind__in=TOWNSHIP_KINDS).order_by("-depth").first()
    if town is None:
        raise DomainError(f"“{region.name}”不在任何乡镇（街道）之下。", field="region")
    return town


def branch_region(org: PartyOrg) -> Region:
    """The village or community whose branch ``org`` is; refuse organisations that are not."""
    region = org.region
    if org.kind not in BRANCH_KINDS or region is None or region.kind not in VILLAGE_KINDS:
        raise DomainError(
            f"“{org.name}”不是村（社区）党组织，不参加“五星”支部创建。", field="org", code="invalid"
        )
    return region


def procedure(on: date | None = None) -> rules.RuleSet:
    return rules.in_force("stars_procedure", on=on)


def clean_reason(reason: str, *, field: str = "reason", label: str = "理由") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"请填写{label}。", field=field)
    if len(reason) > 2000:
        raise DomainError(f"{label}不能超过2000字。", field=field)
    return reason
