"""Notifications about cases. The in-app inbox is always written (inside the caller's transaction);
other senders (SMS, WeChat) are pluggable: list dotted paths of callables ``send(notification)`` in the
setting ``CASES_NOTIFY_SENDERS``; they run after the transaction commits, and a failing sender never
undoes the write."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from tongxin.accounts.models import Grant
from tongxin.accounts.roles import roles_with
from tongxin.cases.models import Case, Notification

log = logging.getLogger(__name__)

Sender = Callable[[Notification], None]


@lru_cache(maxsize=1)
def external_senders() -> tuple[Sender, ...]:
    return tuple(import_string(p) for p in getattr(settings, "CASES_NOTIFY_SENDERS", []))


def users_at(tree: str, path: str, perm: str) -> set[int]:
    """Ids of users holding a role with ``perm`` exactly on the node at ``path``."""
    if not path:
        return set()
    return set(
        Grant.objects.filter(
            revoked_at__isnull=True, tree=tree, path=path, role__in=roles_with(perm)
        ).values_list("user_id", flat=True)
    )


def handlers_of(case: Case) -> set[int]:
    """Who is told about a case: the users granted handling on its organisation, else on its region,
    else on the nearest region above that has any."""
    ids = users_at("org", case.handler_path, "cases.handle")
    path = case.region_path
    while not ids and path.count("/") > 1:
        ids = users_at("region", path, "cases.handle")
        path = path[: path.rstrip("/").rfind("/") + 1]
    return ids


def send(*, recipients: Iterable[int], case: Case | None, kind: str, text: str) -> int:
    """Put a message in each recipient's inbox and hand it to the external senders after commit."""
    return send_many([(set(recipients), case, kind, text)])


def send_many(messages: list[tuple[set[int], Case | None, str, str]]) -> int:
    """Many messages at once (one insert): ``(recipients, case, kind, text)`` each."""
    rows = [
        Notification(recipient_id=uid, case=case, kind=kind, text=text[:300])
        for recipients, case, kind, text in messages
        for uid in sorted(recipients)
    ]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, batch_size=1000)
    senders = external_senders()
    if senders:

        def deliver() -> None:
            for row in rows:
                for sender in senders:
                    try:
                        sender(row)
                    except Exception:  # a sender outage must not break the workflow
                        log.exception("notification sender %r failed", sender)

        transaction.on_commit(deliver)
    return len(rows)
