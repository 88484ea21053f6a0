"""Copies of party-organisation paths kept by other apps, so a move can rewrite them.

Apps above ``orgs`` copy ``PartyOrg.path`` into their own rows (``org_path``, ``handler_path`` …) to
scope reads by prefix. ``orgs`` may not import them, so each declares its copies here from its
``AppConfig.ready``; ``move_party_org`` rewrites every declared copy in the same transaction as the
move. Append-only history (escalation records, audit events) keeps the path it had when written.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Model

_COPIES: list[tuple[str, str]] = []


def copies_org_path(model_label: str, field: str) -> None:
    """Declare that ``model_label`` (``"app_label.Model"``) keeps a copy of an org path in ``field``."""
    if (model_label, field) not in _COPIES:
        _COPIES.append((model_label, field))


def declared_copies() -> list[tuple[type[Model], str]]:
    return [(apps.get_model(label), field) for label, field in _COPIES]
