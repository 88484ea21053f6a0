"""Which registry person a login account is (so a villager sees "my points")."""

from __future__ import annotations

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.orgs.models import Person
from tongxin.points import access
from tongxin.points.models import PersonLink
from tongxin.points.selectors import account_in_scope

# The same words whether the account does not exist or belongs to a place the actor does not manage:
# the refusal must not tell a township in one county which usernames exist in another.
# An account without any grant belongs nowhere yet: it is granted a role in its village first.
ACCOUNT_UNKNOWN = "没有这个登录账号，或该账号不在您的管理范围内（账号须先在本村（社区）授予角色）。"


@service("points.link.set")
def link_person(*, actor: User, user: User, person: Person) -> PersonLink:
    """Say which registry person a login account is, so the villager sees "my points".

    Needs the actor's management scope over both sides: the person, and every place the account
    belongs (its grants; an account without any grant cannot be linked yet), and over the person the
    account was linked to before, if any. The audit event keeps the link before and after. Linking
    an account to the person it is already linked to changes nothing and records nothing."""
    if not access.may(actor, access.MANAGE, person.region_path):
        raise DomainError("该人员不在您的积分管理范围内。", field="person")
    if not account_in_scope(actor, user):
        raise DomainError(ACCOUNT_UNKNOWN, field="user")
    current = PersonLink.objects.select_for_update().select_related("person").filter(user=user).first()
    previous = current.person if current is not None else None
    if previous is not None and not access.may(actor, access.MANAGE, previous.region_path):
        raise DomainError(ACCOUNT_UNKNOWN, field="user")
    if current is not None and previous is not None and previous.pk == person.pk:
        return current
    if PersonLink.objects.filter(person=person).exclude(user=user).exists():
        raise DomainError(f"“{person.name}”已关联其他账号。", field="person")
    link, _ = PersonLink.objects.update_or_create(
        user=user, defaults={"person": person, "region_path": person.region_path}
    )
    audit.record(
        actor=actor, action="points.link.set", target=link,
        before={"user": user.pk, "person": previous.pk if previous else None,
                "person_name": previous.name if previous else None},
        after={"user": user.pk, "person": person.pk, "person_name": person.name},
    )  # fmt: skip
    return link
