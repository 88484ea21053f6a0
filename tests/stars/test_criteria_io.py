"""Checking a criteria document: every problem is listed at once, each naming the place (star,
indicator, field) and the reason, in Chinese; a good document reads into typed specs."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tongxin.stars import criteria_io
from tongxin.stars.criteria_io import CriteriaErrors

Doc = dict[str, Any]


def _ind(doc: Doc, star: int, ind: int) -> dict[str, Any]:
    indicator: dict[str, Any] = doc["stars"][star]["indicators"][ind]
    return indicator


CASES: list[tuple[str, Callable[[Doc], None], str]] = [
    ("applies_to", lambda d: d.update(applies_to="town"), "applies_to：应为 village（村）或 community（城市社区）"),
    ("title missing", lambda d: d.pop("title"), "title（名称）：不能为空"),
    ("title blank", lambda d: d.update(title="   "), "title（名称）：不能为空"),
    ("source too long", lambda d: d.update(source="依" * 501), "source（依据）：超过 500 个字"),
    ("year", lambda d: (d.pop("effective_from"), d.update(effective_year="明年")), "effective_year（起用年度）：应为四位年份"),
    ("rules shape", lambda d: d.update(rules=[1]), "rules：应为键值结构"),
    ("levels empty", lambda d: d["rules"].pop("levels"), "rules.levels：应列出星级档次（code、label、min_stars）"),
    ("level code", lambda d: d["rules"]["levels"]["value"][0].update(code="six"), "rules.levels 第1项 code：应为 five、four 或 three"),
    ("level range", lambda d: d["rules"]["levels"]["value"][1].update(min_stars=30), "rules.levels 第2项 min_stars：应在 1 到 20 之间"),
    ("precondition", lambda d: d["rules"]["precondition_star"].update(value="moon"), "rules.precondition_star：前置星“moon”不在 stars 中"),
    ("no stars", lambda d: (d.update(stars=[]), d["rules"].pop("precondition_star")), "stars：至少应有一颗星"),
    ("star shape", lambda d: d["stars"].__setitem__(1, "产业兴旺"), "第2颗星：应为键值结构"),
    ("duplicate star", lambda d: d["stars"][2].update(code="prosperity"), "第3颗星 code：与前面的星重复（prosperity）"),
    ("pass percent type", lambda d: d["stars"][0].update(pass_percent="八十"), "第1颗星 pass_percent：应为整数"),
    ("pass percent range", lambda d: d["stars"][0].update(pass_percent=0), "第1颗星 pass_percent：应在 1 到 100 之间"),
    ("no indicators", lambda d: d["stars"][4].update(indicators=[]), "第5颗星 indicators：至少应有一项指标"),
    ("method", lambda d: _ind(d, 0, 1).update(method="guess"), "第1颗星第2项指标 method：应为 yes_no、score 或 metric 之一"),
    ("weight bool", lambda d: _ind(d, 0, 0).update(weight=True), "第1颗星第1项指标 weight：应为整数"),
    ("max score missing", lambda d: _ind(d, 0, 1).pop("max_score"), "第1颗星第2项指标 max_score：评分指标应写明满分"),
    ("comparison", lambda d: _ind(d, 0, 2).update(comparison=">"), '第1颗星第3项指标 comparison：应为 ">=" 或 "<="'),
    ("threshold", lambda d: _ind(d, 0, 2).update(threshold="六十"), "第1颗星第3项指标 threshold：应为数字"),
    ("threshold infinite", lambda d: _ind(d, 0, 2).update(threshold="Infinity"), "第1颗星第3项指标 threshold：应为数字"),
    ("duplicate indicator", lambda d: _ind(d, 0, 1).update(code="leadership"), "第1颗星第2项指标 code：与本星前面的指标重复（leadership）"),
    ("evidence too long", lambda d: _ind(d, 1, 0).update(evidence="账" * 301), "第2颗星第1项指标 evidence：超过 300 个字"),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_it_names_the_place_and_the_reason(mutate: Callable[[Doc], None], message: str) -> None:
    doc = criteria_io.load_sample("village")
    mutate(doc)
    with pytest.raises(CriteriaErrors) as exc:
        criteria_io.parse(doc)
    assert exc.value.errors == [message]
    assert exc.value.field == "file"


def test_it_lists_every_problem_together() -> None:
    doc = criteria_io.load_sample("village")
    chosen = [c for c in CASES if c[0] in {"applies_to", "title missing", "year", "method", "threshold"}]
    for _, mutate, _ in chosen:
        mutate(doc)
    with pytest.raises(CriteriaErrors) as exc:
        criteria_io.parse(doc)
    assert exc.value.errors == [c[2] for c in chosen]
    assert exc.value.message.startswith("标准文件有 5 处问题：")


def test_a_good_document_reads_into_typed_specs() -> None:
    spec = criteria_io.parse(criteria_io.load_sample("village"))
    assert (spec.applies_to, spec.effective_year, spec.sample) == ("village", 2022, True)
    assert spec.rules["precondition_star"] == "party_strength"
    assert [lv["min_stars"] for lv in spec.rules["levels"]] == [5, 4, 3]
    participation = spec.stars[0].indicators[2]
    assert (participation.metric, participation.comparison, participation.threshold) == (
        "points.household_participation_pct", ">=", Decimal("60")
    )  # fmt: skip
    assert participation.max_score == 0  # only score indicators have one
    org_life = spec.stars[0].indicators[1]
    assert (org_life.method, org_life.max_score, org_life.metric, org_life.threshold) == (
        "score",
        10,
        "",
        None,
    )
    # The same document gives the same digest (a re-import is a retry, not a new version).
    assert criteria_io.parse(criteria_io.load_sample("village")).digest == spec.digest
