"""``accounts.principal`` (raw SQL through ``QuerySet.raw``) gives what the ORM gives, and applies the
token rules: live token, active user, active grants in id order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import World, make_user
from tongxin.accounts import services
from tongxin.accounts.models import ApiToken, Grant, User
from tongxin.accounts.principal import token_and_user
from tongxin.accounts.system import SYSTEM


@pytest.mark.django_db
def test_the_raw_principal_equals_the_orm_field_by_field(world: World) -> None:
    user = world.user("county_admin")
    _, raw = services.create_api_token(actor=SYSTEM, user=user)
    found = token_and_user(raw)
    assert found is not None
    token, fast = found
    orm_user = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(fast, field.attname) == getattr(orm_user, field.attname), field.name
    assert fast.mobile == "13800000001" and fast.is_active is True  # the encrypted field decrypted
    orm_token = ApiToken.objects.get(pk=token.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(token, field.attname) == getattr(orm_token, field.attname), field.name
    orm_grants = list(Grant.objects.filter(user=user, revoked_at__isnull=True).order_by("id"))
    for got, want in zip(fast.active_grants(), orm_grants, strict=True):
        for field in Grant._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(want, field.attname), field.name


@pytest.mark.django_db
def test_the_raw_principal_refuses_expired_revoked_unknown_and_inactive(world: World) -> None:
    user = make_user("holder")
    _, raw = services.create_api_token(actor=SYSTEM, user=user)
    assert token_and_user(raw) is not None
    assert token_and_user("tx_unknown") is None
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_and_user(raw) is None
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() + timedelta(days=1))
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert token_and_user(raw) is None
    User.objects.filter(pk=user.pk).update(is_active=True)
    ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())
    assert token_and_user(raw) is None


@pytest.mark.django_db
def test_the_raw_principal_caches_only_active_grants_in_id_order(world: World) -> None:
    user = make_user("many_grants")
    kept = [
        services.grant_role(actor=SYSTEM, user=user, role="points_recorder", node=world.village_a1),
        services.grant_role(actor=SYSTEM, user=user, role="points_reviewer", node=world.village_b1),
    ]
    gone = services.grant_role(actor=SYSTEM, user=user, role="resident", node=world.village_a1)
    Grant.objects.filter(pk=gone.pk).update(revoked_at=timezone.now())
    _, raw = services.create_api_token(actor=SYSTEM, user=user)
    found = token_and_user(raw)
    assert found is not None
    assert [g.pk for g in found[1].active_grants()] == [g.pk for g in kept]
    _, bare_raw = services.create_api_token(actor=SYSTEM, user=make_user("no_grants"))
    bare = token_and_user(bare_raw)
    assert bare is not None and bare[1].active_grants() == []
