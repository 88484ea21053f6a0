from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer, SessionAuth

from tongxin.accounts.models import ApiToken, User
from tongxin.accounts.principal import user_for_token
from tongxin.core.api import ERRORS, actor


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tx_...``; tokens are looked up by their SHA-256 (``principal``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = user_for_token(token)
        if found is None:
            return None
        user, token_id, last_used = found
        now = timezone.now()
        if last_used is None or now - last_used > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The logged-in browser session (CSRF-checked on writes by ninja)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


AUTH = [TokenAuth(), ActiveSessionAuth()]

router = Router(tags=["账号"])


class GrantOut(Schema):
    role: str
    role_label: str
    tree: str
    node_id: int
    label: str


class CurrentUserOut(Schema):
    id: int
    username: str
    real_name: str
    mobile_masked: str
    roles: list[str]
    grants: list[GrantOut]


@router.get("/me", response={200: CurrentUserOut, **ERRORS}, summary="当前用户与授权")
def me(request: HttpRequest) -> dict[str, Any]:
    user: User = actor(request)
    grants = user.active_grants()
    return {
        "id": user.pk,
        "username": user.username,
        "real_name": user.real_name,
        "mobile_masked": user.mobile_masked,
        "roles": sorted(user.role_codes()),
        "grants": [
            {
                "role": g.role,
                "role_label": g.role_label,
                "tree": g.tree,
                "node_id": g.node_id,
                "label": g.label,
            }
            for g in grants
        ],
    }
