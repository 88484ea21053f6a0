"""Loading the user behind an API token, fast.

Every API call pays for this, so it runs two plain SQL statements (token joined with its active user;
the user's active grants) and builds the model instances with the fields' own database converters,
instead of the ORM's query compilation and iteration, which cost several times more than the
queries. The result is the same ``User`` (with its grants cached) that the ORM would give; a test
compares the two field by field on each database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.db import connection, models

from tongxin.accounts.models import ApiToken, Grant, User

Converter = Callable[[Any, Any, Any], Any]


@lru_cache(maxsize=8)
def _plan(
    model: type[models.Model], vendor: str
) -> tuple[list[str], list[list[Converter]], list[Any], list[str]]:
    fields = list(model._meta.concrete_fields)
    columns = [str(f.column) for f in fields]
    attnames = [f.attname for f in fields]
    expressions = [f.get_col(model._meta.db_table) for f in fields]
    converters = [
        list(connection.ops.get_db_converters(expr)) + list(f.get_db_converters(connection))
        for f, expr in zip(fields, expressions, strict=True)
    ]
    return columns, converters, expressions, attnames


def _instance(model: type[models.Model], row: tuple[Any, ...]) -> Any:
    _, converters, expressions, attnames = _plan(model, connection.vendor)
    values = []
    for value, convs, expr in zip(row, converters, expressions, strict=True):
        for conv in convs:
            value = conv(value, expr, connection)
        values.append(value)
    return model.from_db(connection.alias, attnames, values)


def user_for_token(raw_token: str) -> tuple[User, int, Any] | None:
    """The active user owning the active token ``raw_token``, with their active grants loaded;
    plus the token's id and its ``last_used_at``. None when the token is unknown or revoked."""
    user_cols = _plan(User, connection.vendor)[0]
    grant_cols = _plan(Grant, connection.vendor)[0]
    qn = connection.ops.quote_name
    token_table, user_table, grant_table = (qn(m._meta.db_table) for m in (ApiToken, User, Grant))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT t.id, t.last_used_at, {', '.join('u.' + qn(c) for c in user_cols)} "  # noqa: S608 - our names
            f"FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id "
            f"WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active = %s",
            [ApiToken.digest_of(raw_token), True],
        )
        row = cur.fetchone()
        if row is None:
            return None
        token_id, last_used = row[0], row[1]
        user = _instance(User, tuple(row[2:]))
        cur.execute(
            f"SELECT {', '.join(qn(c) for c in grant_cols)} FROM {grant_table} "  # noqa: S608 - our names
            f"WHERE user_id = %s AND revoked_at IS NULL ORDER BY id",
            [user.pk],
        )
        user._grant_cache = [_instance(Grant, tuple(r)) for r in cur.fetchall()]
    last_field = ApiToken._meta.get_field("last_used_at")
    expr = last_field.get_col(ApiToken._meta.db_table)
    for conv in connection.ops.get_db_converters(expr):
        last_used = conv(last_used, expr, connection)
    return user, token_id, last_used
