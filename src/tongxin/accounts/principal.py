"""The user behind an API bearer token, loaded through ``QuerySet.raw`` (Django's public raw-SQL path).

Every API call pays for this. The stock ORM query (token joined with its user, active grants
prefetched) spends most of its time compiling SQL; ``bench/foundation/principal.py`` measures it against
this module in the same run (see ``bench/foundation/README.md``). ``raw()`` skips the compilation and
still builds the model instances with every field's database converters, so the result is the same
``User`` (grants cached) the ORM gives — ``tests/accounts/test_principal.py`` compares them field by
field and pins the rules below.

Rules: the token is found by its SHA-256, not revoked and not expired (``expires_at`` compared in
Python on the converted value), and its user is active; the user's active grants, in id order, are
cached on the user (``User.active_grants`` reads ``_grant_cache``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from tongxin.accounts.models import ApiToken, Grant, User


def _table(model: type[ApiToken] | type[User] | type[Grant]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def token_and_user(raw_token: str) -> tuple[ApiToken, User] | None:
    """The live token ``raw_token`` and its active user with their active grants; None otherwise."""
    token_sql = (
        f"SELECT t.* FROM {_table(ApiToken)} t JOIN {_table(User)} u ON u.id = t.user_id "  # noqa: S608 - our names
        "WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )
    token = next(iter(ApiToken.objects.raw(token_sql, [ApiToken.digest_of(raw_token), True])), None)
    if token is None or token.expires_at <= timezone.now():
        return None
    user = next(iter(User.objects.raw(f"SELECT * FROM {_table(User)} WHERE id = %s", [token.user_id])))  # noqa: S608
    grants_sql = f"SELECT * FROM {_table(Grant)} WHERE user_id = %s AND revoked_at IS NULL ORDER BY id"  # noqa: S608
    user._grant_cache = list(Grant.objects.raw(grants_sql, [user.pk]))
    token.user = user
    return token, user


def touch(token: ApiToken, now: datetime) -> None:
    """Note when ``token`` was last used, at most every five minutes (a write per call would cost more
    than the call; the token page shows the time)."""
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
