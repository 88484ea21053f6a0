"""Out-of-scope 404s are audited, but one row per (user, target type, target id) per window."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.http import Http404

from tests.factories import World
from tongxin.core import scoping
from tongxin.core.models import AuditEvent
from tongxin.orgs.models import PartyOrg


def _denials() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action="access.denied").values_list(
            "actor_username", "target_type", "target_id"
        )
    )


def _refuse(user: object, pk: int) -> None:
    with pytest.raises(Http404):
        scoping.get_scoped_or_404(PartyOrg.objects.all(), user, "registry.view", pk=pk)


@pytest.mark.django_db
def test_finding_5_repeated_out_of_scope_404s_write_one_audit_row(world: World) -> None:
    cache.clear()
    secretary = world.user("village_secretary")
    for _ in range(20):
        _refuse(secretary, world.branch_b1.pk)
    assert _denials() == [("village_secretary", "orgs.partyorg", str(world.branch_b1.pk))]


@pytest.mark.django_db
def test_each_user_and_each_row_still_gets_its_row(world: World) -> None:
    cache.clear()
    for _ in range(3):
        _refuse(world.user("village_secretary"), world.branch_b1.pk)
        _refuse(world.user("village_secretary"), world.branch_b2.pk)
        _refuse(world.user("grid_worker"), world.branch_b1.pk)
    assert sorted(_denials()) == sorted(
        [
            ("village_secretary", "orgs.partyorg", str(world.branch_b1.pk)),
            ("village_secretary", "orgs.partyorg", str(world.branch_b2.pk)),
            ("grid_worker", "orgs.partyorg", str(world.branch_b1.pk)),
        ]
    )


@pytest.mark.django_db
def test_a_refusal_after_the_window_is_recorded_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    monkeypatch.setattr(scoping, "REFUSAL_AUDIT_WINDOW", 0.05)
    secretary = world.user("village_secretary")
    _refuse(secretary, world.branch_b1.pk)
    time.sleep(0.1)  # the window has passed
    _refuse(secretary, world.branch_b1.pk)
    assert len(_denials()) == 2


@pytest.mark.django_db
def test_a_missing_row_is_not_audited(world: World) -> None:
    _refuse(world.user("village_secretary"), 999_999)
    assert _denials() == []
