"""Exporting units, people and memberships with the import template's columns (personal data masked
unless the user may reveal it, and then the export is audited as such)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.pii import mask_id_card, mask_mobile
from tongxin.core.xlsx import Column, Sheet, workbook
from tongxin.orgs import selectors
from tongxin.orgs.excel.columns import KINDS, STAGE_DATES, Lookups
from tongxin.orgs.models import Membership, PartyOrg, Person, Unit

# --- exporting ----------------------------------------------------------------------------------


def _workbook(kind: str, rows: Iterable[list[Any]], *, note: str = "") -> bytes:
    title, columns = KINDS[kind]
    data = Sheet(
        name=title,
        columns=[
            Column(c.label + ("*" if c.required else ""), max(12, len(c.label) * 2 + 4)) for c in columns
        ],
        rows=rows,
    )
    explained = [[c.label, "是" if c.required else "", c.help] for c in columns]
    explained += [[], ["整表要么全部导入，要么一行也不导入；有误的行会逐行列出行号、列和原因。"]]
    if note:
        explained.append([note])
    help_sheet = Sheet(name="填写说明", columns=["列", "必填", Column("说明", 80)], rows=explained)
    return workbook(data, help_sheet)


def template(kind: str) -> bytes:
    """An empty workbook with the columns of ``kind`` and a sheet explaining them."""
    return _workbook(kind, [])


def _yes(value: bool) -> str:
    return "是" if value else "否"


def export_units(actor: User, units: QuerySet[Unit]) -> bytes:
    lk = Lookups(actor)
    rows = [
        [
            u.name,
            u.credit_code,
            u.get_kind_display(),
            u.get_industry_display(),
            u.region.code or lk.region_label(u.region),
            (u.supervising_org.code or u.supervising_org.name) if u.supervising_org else "",
            u.address,
            u.workforce,
            u.gig_workers,
            _yes(u.has_union),
            _yes(u.has_youth_league),
        ]
        for u in units.select_related("region", "supervising_org")
    ]
    _audit_export(actor, "units", len(rows), revealed=False)
    return _workbook("units", rows)


def _may_reveal(actor: User) -> bool:
    return bool(actor is not None and actor.has_perm_anywhere("pii.reveal"))


def export_people(actor: User, people: QuerySet[Person]) -> bytes:
    """People with full ID and mobile numbers for users holding ``pii.reveal`` (the export is audited
    as such), masked for everyone else (such a file cannot be imported again)."""
    lk = Lookups(actor)
    reveal = _may_reveal(actor)
    if reveal:
        people = people.filter(pk__in=selectors.people_for(actor, "pii.reveal").values("pk"))
    rows = [
        [
            p.name,
            p.id_card if reveal else mask_id_card(p.id_card),
            p.mobile if reveal else mask_mobile(p.mobile),
            p.region.code or lk.region_label(p.region),
            p.household.number if p.household else "",
            (p.unit.credit_code or p.unit.name) if p.unit else "",
            p.get_occupation_display() if p.occupation else "",
            _yes(p.is_gig_worker),
        ]
        for p in people.select_related("region", "household", "unit")
    ]
    _audit_export(actor, "people", len(rows), revealed=reveal)
    note = "" if reveal else "本表身份证号码和手机号码已脱敏，不能用于重新导入。"
    return _workbook("people", rows, note=note)


def export_memberships(actor: User, memberships: QuerySet[Membership]) -> bytes:
    reveal = _may_reveal(actor)
    if reveal:
        memberships = memberships.filter(pk__in=selectors.memberships_for(actor, "pii.reveal").values("pk"))

    def org(o: PartyOrg | None) -> str:
        return (o.code or o.name) if o else ""

    rows = [
        [
            m.person.id_card if reveal else mask_id_card(m.person.id_card),
            m.person.name,
            org(m.org),
            m.get_status_display(),
            *[getattr(m, d) for d in STAGE_DATES],
            _yes(m.is_mobile),
            org(m.home_org),
            org(m.host_org),
        ]
        for m in memberships.select_related("person", "org", "home_org", "host_org")
    ]
    _audit_export(actor, "memberships", len(rows), revealed=reveal)
    note = "" if reveal else "本表身份证号码已脱敏，不能用于重新导入。"
    return _workbook("memberships", rows, note=note)


def _audit_export(actor: User, kind: str, count: int, *, revealed: bool) -> None:
    audit.record(
        actor=actor,
        action="orgs.export",
        target_type=f"orgs.{kind}",
        message=f"导出{KINDS[kind][0]}{count}行" + ("（含完整身份证号码和手机号码）" if revealed else ""),
        after={"kind": kind, "rows": count, "revealed": revealed},
    )


EXPORTERS = {"units": export_units, "people": export_people, "memberships": export_memberships}
