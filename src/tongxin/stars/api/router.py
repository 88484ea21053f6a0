"""The one router of the 五星支部创建 API; each family module adds its operations to it."""

from django.http import Http404, HttpRequest
from ninja import Router

from tongxin.accounts.models import User
from tongxin.core.api import actor

router = Router(tags=["五星支部创建"])


def need(request: HttpRequest, perm: str) -> User:
    """The API user when they hold ``perm`` somewhere; otherwise the operation does not exist (404)."""
    user: User = actor(request)
    if not user.has_perm_anywhere(perm):
        raise Http404
    return user
