"""Importing criteria sets: every import is a new version; nothing that exists is changed."""

from __future__ import annotations

from typing import Any

from tongxin.accounts.models import User
from tongxin.core import audit
from tongxin.core.audit import service
from tongxin.core.errors import DomainError
from tongxin.stars import criteria_io
from tongxin.stars.models import CriteriaSet, Indicator, Star
from tongxin.stars.services.access import MANAGE, user_row


@service("stars.criteria.import")
def import_criteria(*, actor: User, data: dict[str, Any]) -> CriteriaSet:
    """Check the whole document and save it as the next version of its kind (村 or 城市社区).

    Importing the same document as the latest version again returns that version (a retry).
    Cycles already started keep the version they were started with.
    """
    if not actor.has_perm_anywhere(MANAGE):
        raise DomainError("只有县级管理员可以导入评定标准。", code="forbidden")
    spec = criteria_io.parse(data)
    latest = (
        CriteriaSet.objects.select_for_update()
        .filter(applies_to=spec.applies_to)
        .order_by("-version")
        .first()
    )
    if latest is not None and latest.digest == spec.digest:
        return latest
    cs = CriteriaSet.objects.create(
        applies_to=spec.applies_to,
        version=(latest.version + 1) if latest else 1,
        title=spec.title,
        source=spec.source,
        is_sample=spec.sample,
        effective_year=spec.effective_year,
        rules=spec.rules,
        document=spec.document,
        digest=spec.digest,
        created_by=user_row(actor),
    )
    for s_order, star_spec in enumerate(spec.stars, start=1):
        star = Star.objects.create(
            criteria_set=cs,
            code=star_spec.code,
            name=star_spec.name,
            order=s_order,
            pass_percent=star_spec.pass_percent,
            description=star_spec.description,
        )
        Indicator.objects.bulk_create(
            [
                Indicator(
                    star=star,
                    code=i.code,
                    text=i.text,
                    method=i.method,
                    max_score=i.max_score,
                    weight=i.weight,
                    metric=i.metric,
                    comparison=i.comparison,
                    threshold=i.threshold,
                    evidence_hint=i.evidence,
                    order=i_order,
                )
                for i_order, i in enumerate(star_spec.indicators, start=1)
            ]
        )
    audit.record(
        actor=actor,
        action="stars.criteria.import",
        target=cs,
        after={"applies_to": cs.applies_to, "version": cs.version, "title": cs.title, "sample": cs.is_sample},
    )
    return cs


@service("stars.criteria.load_sample")
def load_sample_criteria(*, actor: User, applies_to: str) -> CriteriaSet:
    """Import the shipped sample set (样例) for villages or communities; a repeat returns it."""
    if applies_to not in criteria_io.SAMPLE_FILES:
        raise DomainError("适用对象应为村或城市社区。", field="applies_to")
    existing = CriteriaSet.objects.filter(applies_to=applies_to).order_by("-version").first()
    if existing is not None:
        return existing
    return import_criteria(actor=actor, data=criteria_io.load_sample(applies_to))
