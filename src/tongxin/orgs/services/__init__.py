"""Writes on the registry. Keyword-only, one transaction each, audited in that transaction.

Split by sub-domain; everything is importable from ``tongxin.orgs.services``.
"""

from tongxin.orgs.services.members import (
    advance_transfer,
    merge_people,
    record_application,
    start_transfer,
)
from tongxin.orgs.services.registry import (
    EDIT,
    create_household,
    create_party_org,
    create_person,
    create_region,
    create_unit,
    record_membership,
    update_party_org,
    update_person,
    update_unit,
)
from tongxin.orgs.services.structure import (
    appoint_committee_member,
    appoint_instructor,
    end_committee_seat,
    move_party_org,
    set_org_units,
    set_up_party_org,
)

__all__ = [
    "EDIT",
    "advance_transfer",
    "appoint_committee_member",
    "appoint_instructor",
    "create_household",
    "create_party_org",
    "create_person",
    "create_region",
    "create_unit",
    "end_committee_seat",
    "merge_people",
    "move_party_org",
    "record_application",
    "record_membership",
    "set_org_units",
    "set_up_party_org",
    "start_transfer",
    "update_party_org",
    "update_person",
    "update_unit",
]
