"""Which registry person a login account is (so a villager sees "my points")."""

from __future__ import annotations

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access
from tongxin.points.models import PersonLink


@service("points.link.set")
def link_person(*, actor: User, user: User, person: Person) -> PersonLink:
    """Say which registry person a login account is, so the villager sees "my points"."""
    if not access.may(actor, access.MANAGE, person.region_path):
        raise DomainError("该人员不在您的积分管理范围内。", field="person")
    if PersonLink.objects.filter(person=person).exclude(user=user).exists():
        raise DomainError(f"“{person.name}”已关联其他账号。", field="person")
    link, _ = PersonLink.objects.update_or_create(
        user=user, defaults={"person": person, "region_path": person.region_path}
    )
    audit.record(
        actor=actor, action="points.link.set", target=link, after={"user": user.pk, "person": person.pk}
    )
    return link
