"""Schemas and lookups that more than one family of the registry's API uses."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema

from tongxin.core.api import actor
from tongxin.core.errors import DomainError
from tongxin.orgs import coverage, selectors
from tongxin.orgs.models import PartyOrg, Region

# An id the database can hold: a larger one would be a 500 on SQLite (OverflowError), not a 422.
Id = Annotated[int, Field(ge=1, le=selectors.MAX_ID)]


class PartyOrgOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    region_id: int | None
    secretary_name: str
    established_on: date | None
    established_doc: str
    is_active: bool


class FindingOut(Schema):
    rule: str
    subject: str
    subject_id: int
    subject_name: str
    message: str
    article: str
    rule_set: str
    basis: str
    verified: bool
    advisory: bool
    action: str
    action_label: str


def finding(f: coverage.Finding) -> dict[str, Any]:
    return {k: getattr(f, k) for k in FindingOut.model_fields}


def filter_region(request: HttpRequest, region_id: int | None, perm: str = selectors.VIEW) -> Region | None:
    """A region named in a query filter: None when absent, 404 when outside the user's area."""
    if region_id is None:
        return None
    return selectors.area_region_for(actor(request), region_id, perm)


def edit_region(request: HttpRequest, region_id: int | None, field: str = "region_id") -> Region | None:
    """A region named in a payload, where the user may register or move things; else a 400 on ``field``."""
    if region_id is None:
        return None
    region = selectors.area_regions_for(actor(request), selectors.EDIT).filter(pk=region_id).first()
    if region is None:
        raise DomainError("所在区划不存在或不在您的管理范围内。", field=field)
    return region


def visible_org(
    request: HttpRequest, org_id: int | None, field: str, perm: str = selectors.VIEW
) -> PartyOrg | None:
    """An organisation named in a payload or filter, within the user's scope for ``perm``; else a 400."""
    if org_id is None:
        return None
    org = selectors.party_orgs_for(actor(request), perm).filter(pk=org_id).first()
    if org is None:
        raise DomainError("党组织不存在或不在您的管理范围内。", field=field)
    return org
