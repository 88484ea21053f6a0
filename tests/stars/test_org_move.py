"""A branch's 五星 cycle follows it when it moves under another committee; and every copy of an org
path anywhere is declared, so that moves rewrite it."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from tests.factories import World
from tongxin.accounts.system import SYSTEM
from tongxin.core.models import AppendOnlyModel
from tongxin.core.scoping import prefix_q
from tongxin.orgs import services as org_services
from tongxin.orgs.paths import declared_copies
from tongxin.stars import services
from tongxin.stars.models import CriteriaSet, StarCycle


def test_a_moved_branch_takes_its_star_records_along(world: World, criteria: CriteriaSet) -> None:
    cycle = services.declare_target(actor=SYSTEM, org=world.branch_a1, year=2026, target_stars=4)
    org_services.move_party_org(
        actor=world.user("county_admin"), org=world.branch_a1, parent=world.committee_b
    )
    world.branch_a1.refresh_from_db()
    cycle.refresh_from_db()
    assert cycle.org_path == world.branch_a1.path
    assert StarCycle.objects.filter(prefix_q("org_path", world.committee_b.path), pk=cycle.pk).exists()
    assert not StarCycle.objects.filter(prefix_q("org_path", world.committee_a.path), pk=cycle.pk).exists()


# Copies that are history on purpose: where an escalation was sent, where an audited act happened.
# And the tree itself, which the move rewrites first.
HISTORY = {
    ("cases.CaseEscalation", "target_path"), ("core.AuditEvent", "org_path"), ("orgs.PartyOrg", "path"),
}  # fmt: skip


def test_every_copy_of_an_org_path_is_declared() -> None:
    """A model that scopes rows by an org path (an ``org_path``/``*_org_path`` field, or an org SCOPE)
    must declare it in ``orgs.paths`` from its app's ready(), or a moved organisation leaves it behind."""
    declared = {(m._meta.label, f) for m, f in declared_copies()}
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        fields = {
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField) and (f.name == "org_path" or f.name.endswith("_org_path"))
        }
        scope = getattr(model, "SCOPE", {}).get("org", "")
        if scope and "__" not in scope:
            fields.add(scope)
        for field in fields:
            if (label, field) in HISTORY or issubclass(model, AppendOnlyModel):
                continue
            if (label, field) not in declared:
                missing.append(f"{label}.{field}")
    assert missing == []
