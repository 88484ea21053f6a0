from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import World, login
from tongxin.accounts.system import SYSTEM
from tongxin.core.audit import record
from tongxin.core.errors import DomainError
from tongxin.core.models import AppendOnlyError, AuditEvent
from tongxin.core.retention import purge_audit_events
from tongxin.core.reveal import reveal_personal_data
from tongxin.orgs import services
from tongxin.orgs.models import PartyOrg


@pytest.mark.django_db
def test_a_service_write_adds_exactly_one_audit_row(world: World) -> None:
    admin = world.user("township_admin")
    before = AuditEvent.objects.count()
    org = services.create_party_org(
        actor=admin, name="甲一村第一党小组", kind="group", parent=world.branch_a1
    )
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.success, event.actor_id, event.target_id) == (
        "orgs.party_org.create",
        True,
        admin.pk,
        str(org.pk),
    )
    assert event.org_path == org.path
    assert event.after["name"] == "甲一村第一党小组"


@pytest.mark.django_db
def test_a_refused_write_leaves_no_data_and_one_failure_row(world: World) -> None:
    admin = world.user("township_admin")
    orgs_before = PartyOrg.objects.count()
    events_before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        services.create_party_org(actor=admin, name="越权党支部", kind="branch", parent=world.committee_b)
    assert exc.value.field == "parent"
    assert PartyOrg.objects.count() == orgs_before
    events = list(AuditEvent.objects.order_by("id")[events_before:])
    assert len(events) == 1
    assert events[0].success is False and events[0].action == "orgs.party_org.create"
    assert "只能在您管理的党组织下" in events[0].message


@pytest.mark.django_db
def test_audit_rows_refuse_update_and_delete(world: World) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.message = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(message="篡改")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_purge_never_removes_events_younger_than_180_days(world: World) -> None:
    now = timezone.now()
    AuditEvent.objects.create(action="old.event", at=now - timedelta(days=400))
    AuditEvent.objects.create(action="recent.event", at=now - timedelta(days=179))
    purged = purge_audit_events(now=now, days=30)  # asks for 30 days; 180 is the floor
    assert purged == 1
    assert AuditEvent.objects.filter(action="recent.event").exists()
    assert not AuditEvent.objects.filter(action="old.event").exists()


@pytest.mark.django_db
def test_refused_access_is_audited(world: World, client: Client) -> None:
    login(client, world.user("village_secretary"))
    assert client.get(f"/registry/orgs/{world.branch_b1.pk}/").status_code == 404
    event = AuditEvent.objects.filter(action="access.denied").latest("id")
    assert event.success is False and event.target_id == str(world.branch_b1.pk)
    assert event.actor_username == "village_secretary"


@pytest.mark.django_db
def test_personal_data_reveal_needs_permission_and_is_audited(world: World) -> None:
    person = services.create_person(actor=SYSTEM, name="李四", region=world.village_a1, mobile="13912345678")
    with pytest.raises(DomainError):
        reveal_personal_data(actor=world.user("township_admin"), obj=person, field="mobile")
    assert reveal_personal_data(actor=world.user("county_admin"), obj=person, field="mobile") == "13912345678"
    assert AuditEvent.objects.filter(action="pii.reveal", success=True, target_id=str(person.pk)).count() == 1


@pytest.mark.django_db
def test_the_system_actor_is_audited_by_name_and_never_saved() -> None:
    event = record(actor=SYSTEM, action="test.system")
    assert event.actor_id is None
    assert event.actor_username == "system"
    assert SYSTEM.has_perm_anywhere("points.manage")
    assert SYSTEM.scope_paths("points.manage") == {"region": ["/"], "org": ["/"]}
    with pytest.raises(TypeError):
        SYSTEM.save()
