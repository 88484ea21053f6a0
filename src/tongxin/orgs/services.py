"""Writes on the registry. Keyword-only, one transaction each, audited in that transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.core.scoping import in_scope
from tongxin.orgs.models import PartyOrg, Region

ORG_FIELDS = [
    "name", "kind", "code", "parent", "region", "secretary_name", "established_on", "established_doc", "is_active",
]  # fmt: skip
EDIT = "registry.edit"


def _may_edit_region(actor: Any, region: Region) -> bool:
    return actor is None or in_scope(region.path, actor, EDIT, "region")


def _may_edit_org(actor: Any, org: PartyOrg) -> bool:
    if actor is None:
        return True
    return in_scope(org.path, actor, EDIT, "org") or (
        bool(org.region_path) and in_scope(org.region_path, actor, EDIT, "region")
    )


@service("orgs.region.create")
def create_region(
    *, actor: Any, name: str, kind: str, parent: Region | None = None, code: str = ""
) -> Region:
    """Add a region under ``parent`` (a root when None, system only). Its path follows the parent's."""
    name = name.strip()
    if not name:
        raise DomainError("请填写区划名称。", field="name")
    if kind not in Region.Kind.values:
        raise DomainError(f"区划类型“{kind}”无效。", field="kind")
    if parent is None and actor is not None:
        raise DomainError("只有系统可以创建顶级区划。", field="parent")
    if parent is not None and not _may_edit_region(actor, parent):
        raise DomainError("只能在您管理的区划下新增。", field="parent")
    if parent is not None and Region.objects.filter(parent=parent, name=name).exists():
        raise DomainError(f"“{parent.name}”下已有名为“{name}”的区划。", field="name")
    region = Region.objects.create(name=name, kind=kind, parent=parent, code=code.strip())
    region.path = (parent.path if parent else "/") + region.segment()
    region.depth = parent.depth + 1 if parent else 0
    region.save(update_fields=["path", "depth"])
    audit.record(
        actor=actor,
        action="orgs.region.create",
        target=region,
        after=audit.snapshot(region, ["name", "kind", "code", "parent"]),
    )
    return region


def _check_org_input(
    *,
    actor: Any,
    name: str,
    kind: str,
    parent: PartyOrg | None,
    region: Region | None,
    established_on: date | None,
) -> None:
    if not name:
        raise DomainError("请填写党组织名称。", field="name")
    if kind not in PartyOrg.Kind.values:
        raise DomainError(f"党组织类型“{kind}”无效。", field="kind")
    if established_on and established_on > timezone.localdate():
        raise DomainError("成立日期不能晚于今天。", field="established_on")
    if parent is None and region is None:
        raise DomainError("请选择上级党组织或所在区划。", field="parent")
    if parent is not None and not _may_edit_org(actor, parent):
        raise DomainError("只能在您管理的党组织下新增或调整。", field="parent")
    if (
        region is not None
        and not _may_edit_region(actor, region)
        and (parent is None or not _may_edit_org(actor, parent))
    ):
        raise DomainError("所在区划不在您的管理范围内。", field="region")


@service("orgs.party_org.create")
def create_party_org(
    *,
    actor: Any,
    name: str,
    kind: str,
    parent: PartyOrg | None = None,
    region: Region | None = None,
    code: str = "",
    secretary_name: str = "",
    established_on: date | None = None,
    established_doc: str = "",
) -> PartyOrg:
    """Set up a party organisation under ``parent`` and/or in ``region``. A root organisation (no
    parent) may only be created by a user who manages its region."""
    name = name.strip()
    _check_org_input(
        actor=actor, name=name, kind=kind, parent=parent, region=region, established_on=established_on
    )
    if parent is None and region is not None and not _may_edit_region(actor, region):
        raise DomainError("只能在您管理的区划内新建党组织。", field="region")
    if PartyOrg.objects.filter(parent=parent, region=region, name=name, is_active=True).exists():
        raise DomainError(f"已存在名为“{name}”的党组织。", field="name")
    org = PartyOrg.objects.create(
        name=name,
        kind=kind,
        parent=parent,
        region=region,
        region_path=region.path if region else "",
        code=code.strip(),
        secretary_name=secretary_name.strip(),
        established_on=established_on,
        established_doc=established_doc.strip(),
    )
    org.path = (parent.path if parent else "/") + org.segment()
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    audit.record(
        actor=actor, action="orgs.party_org.create", target=org, after=audit.snapshot(org, ORG_FIELDS)
    )
    return org


@service("orgs.party_org.update")
def update_party_org(
    *,
    actor: Any,
    org: PartyOrg,
    name: str,
    kind: str,
    region: Region | None,
    code: str = "",
    secretary_name: str = "",
    established_on: date | None = None,
    established_doc: str = "",
) -> PartyOrg:
    """Change an organisation's own attributes (moving it in the tree is ``move_party_org``)."""
    if not _may_edit_org(actor, org):
        raise DomainError("该党组织不在您的管理范围内。", field="org")
    name = name.strip()
    _check_org_input(
        actor=actor,
        name=name,
        kind=kind,
        parent=org.parent,
        region=region or org.region,
        established_on=established_on,
    )
    before = audit.snapshot(org, ORG_FIELDS)
    org.name = name
    org.kind = kind
    org.region = region
    org.region_path = region.path if region else ""
    org.code = code.strip()
    org.secretary_name = secretary_name.strip()
    org.established_on = established_on
    org.established_doc = established_doc.strip()
    org.updated_at = timezone.now()
    org.full_clean(exclude=["path", "parent"])
    org.save()
    audit.record(
        actor=actor,
        action="orgs.party_org.update",
        target=org,
        before=before,
        after=audit.snapshot(org, ORG_FIELDS),
    )
    return org
