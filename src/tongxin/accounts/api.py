from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer, SessionAuth

from tongxin.accounts import policy
from tongxin.accounts.models import User
from tongxin.accounts.principal import token_and_user, touch
from tongxin.core.api import ERRORS, actor


class LoginPolicyError(Exception):
    """The caller is authenticated but breaks the login policy (``accounts.policy``): answered 403 with
    the refusal's code (``two_factor_required``, ``password_change_required`` …)."""

    def __init__(self, refusal: policy.Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tx_...``: an unexpired, unrevoked token (looked up by its SHA-256) of an
    active user, whose active grants come with it (``principal``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_and_user(token)
        if found is None:
            return None
        row, user = found
        touch(row, timezone.now())
        refused = policy.token_refusal(user)
        if refused is not None:
            raise LoginPolicyError(refused)
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The logged-in browser session (CSRF-checked on writes by ninja), under the same login policy as
    the pages: two-factor and a current password (timeouts: ``SessionTimeoutMiddleware``)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        refused = policy.session_refusal(request)
        if refused is not None:
            raise LoginPolicyError(refused)
        return user


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
