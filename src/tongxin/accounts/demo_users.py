"""Demo accounts for the modules' demo data (``tongxin demo``): one helper, so every module creates them
the same way — the demo password, no forced change, grants on the given nodes, idempotent."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from tongxin.accounts import services
from tongxin.accounts.models import User
from tongxin.core.models import TreeNode


def demo_user(
    *, username: str, real_name: str, role: str, nodes: Iterable[TreeNode], mobile: str = ""
) -> User:
    """The demo user ``username``, created with ``role`` on each of ``nodes`` if it does not exist yet."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.create_user(
            actor=None,
            username=username,
            real_name=real_name,
            password=settings.DEMO_PASSWORD,
            mobile=mobile,
            must_change_password=False,
            validate_password=False,
        )
        for node in nodes:
            services.grant_role(actor=None, user=user, role=role, node=node)
    return user
