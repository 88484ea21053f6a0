from datetime import UTC, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Router, Schema
from ninja.security import HttpBearer, SessionAuth

from tongxin.accounts.models import ApiToken, Grant, User
from tongxin.core.api import ERRORS, actor


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tx_...``; tokens are looked up by their SHA-256.

    Every API call pays for this lookup, so it is two plain SQL statements (token joined with its
    active user; the user's active grants) instead of ORM query compilation, which costs more than the
    queries themselves. Results are the same model instances the ORM would give.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user_table = User._meta.db_table
        token_table = ApiToken._meta.db_table
        rows = list(
            User.objects.raw(
                f"SELECT u.*, t.id AS token_id, t.last_used_at AS token_last_used_at "  # noqa: S608 - our tables
                f"FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id "
                f"WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active",
                [ApiToken.digest_of(token)],
            )
        )
        if not rows:
            return None
        user = rows[0]
        user._grant_cache = list(
            Grant.objects.raw(
                f"SELECT * FROM {Grant._meta.db_table} WHERE user_id = %s AND revoked_at IS NULL ORDER BY id",  # noqa: S608
                [user.pk],
            )
        )
        now = timezone.now()
        last_used = user.token_last_used_at  # type: ignore[attr-defined]
        if isinstance(last_used, str):  # extra columns come back unconverted on SQLite (UTC)
            last_used = parse_datetime(last_used)
        if last_used is not None and timezone.is_naive(last_used):
            last_used = last_used.replace(tzinfo=UTC)
        if last_used is None or now - last_used > timedelta(minutes=5):
            ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
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


class MeOut(Schema):
    id: int
    username: str
    real_name: str
    mobile_masked: str
    roles: list[str]
    grants: list[GrantOut]


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户与授权")
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
