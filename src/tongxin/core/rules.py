"""Versioned rule sets (DOMAIN.md): every threshold, deadline and bracket is data with its source.

A rule set is a YAML file under ``tongxin/rules/`` with an ``id``, a ``version``, an ``effective_from``
date, and rules that each carry a ``value``, the ``article`` it comes from and a ``verified`` flag
(False = "local default", shown as such in the UI). Several versions of one id may exist; the one in
force on a date is the latest whose ``effective_from`` is not after that date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from tongxin.core.errors import DomainError

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Rule:
    key: str
    value: Any
    article: str
    verified: bool
    label: str = ""

    @property
    def mark(self) -> str:
        return "已核实" if self.verified else "地方默认"


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    effective_from: date
    title: str
    source: str
    rules: dict[str, Rule] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Rule:
        try:
            return self.rules[key]
        except KeyError:
            raise KeyError(f"规则集 {self.id}@{self.version} 中没有规则 {key}") from None

    def value(self, key: str) -> Any:
        return self[key].value

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def _parse(data: dict[str, Any]) -> RuleSet:
    rules = {
        key: Rule(
            key=key,
            value=spec["value"],
            article=spec.get("article", data.get("source", "")),
            verified=bool(spec.get("verified", False)),
            label=spec.get("label", ""),
        )
        for key, spec in (data.get("rules") or {}).items()
    }
    eff = data["effective_from"]
    return RuleSet(
        id=data["id"],
        version=str(data["version"]),
        effective_from=eff if isinstance(eff, date) else date.fromisoformat(str(eff)),
        title=data.get("title", data["id"]),
        source=data.get("source", ""),
        rules=rules,
    )


@lru_cache(maxsize=1)
def _all() -> dict[str, list[RuleSet]]:
    out: dict[str, list[RuleSet]] = {}
    for path in sorted(RULES_DIR.glob("*.yaml")):
        rs = _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
        out.setdefault(rs.id, []).append(rs)
    for versions in out.values():
        versions.sort(key=lambda r: r.effective_from)
    return out


def versions(rule_set_id: str) -> list[RuleSet]:
    return list(_all().get(rule_set_id, []))


class RuleNotInForce(DomainError, LookupError):
    """No version of a rule set was in force on the date asked: a date typed before the first version
    (e.g. 1970-01-01) is bad input the person can correct, never a server error."""


def in_force(rule_set_id: str, on: date | None = None) -> RuleSet:
    """The version of ``rule_set_id`` in force on ``on`` (today by default); ``RuleNotInForce`` (a
    ``DomainError``: 400 in the API, a form error on pages) for a date before its first version."""
    on = on or timezone.localdate()
    known = _all().get(rule_set_id, [])
    candidates = [r for r in known if r.effective_from <= on]
    if not candidates:
        if not known:
            raise LookupError(f"规则集 {rule_set_id} 不存在")
        first = known[0]
        raise RuleNotInForce(
            f"日期 {on.isoformat()} 早于“{first.title}”最早的生效日期（{first.effective_from.isoformat()}），"
            "无法按规则办理，请核对日期。"
        )
    return candidates[-1]
