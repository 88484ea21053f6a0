"""The contracts with other modules: every metric and evidence source the rule files and the evidence
picker name is a registered, callable reader (a renamed selector breaks the import, not a figure), and
what has no source yet says so with its reason and never counts as met."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.factories import World
from tests.points.helpers import make_villagers
from tongxin.core.rules import RULES_DIR
from tongxin.stars import criteria_io, selectors, services, sources
from tongxin.stars.assessment import evaluate
from tongxin.stars.metrics import METRICS, Figure, Metric, measure
from tongxin.stars.models import Evidence

NOW = datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
RULE_FILES = sorted(RULES_DIR.glob("stars_criteria_*.yaml"))


def _metrics_named(path: Path) -> set[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {ind["metric"] for star in doc["stars"] for ind in star["indicators"] if ind["method"] == "metric"}


def test_the_rule_files_are_found() -> None:
    assert [p.name for p in RULE_FILES] == ["stars_criteria_community.yaml", "stars_criteria_village.yaml"]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_metric_in_the_rule_files_maps_to_a_live_registered_callable(path: Path) -> None:
    named = _metrics_named(path)
    assert named, "the sample criteria measure something"
    for name in named:
        metric = METRICS[name]
        assert callable(metric.compute), name
        assert metric.pending == "", name


@pytest.mark.django_db
def test_every_registered_metric_measures_or_says_why_not(world: World) -> None:
    make_villagers(world.village_a1, 2)  # households, so participation has a denominator
    for name, metric in METRICS.items():
        figure = measure(name, region=world.village_a1, year=2026, now=NOW)
        if metric.pending:
            assert (figure.value, figure.reason) == (None, metric.pending)
        else:
            assert figure.available, (name, figure.reason)


def test_every_live_source_has_both_readers_and_is_an_evidence_kind() -> None:
    kinds = set(Evidence.Kind.values)
    for kind, source in sources.SOURCES.items():
        if source.pending:
            assert source.list_records is None and source.find_record is None
            assert not sources.available(kind)
        else:
            assert callable(source.list_records) and callable(source.find_record), kind
            assert kind in kinds, kind
            assert sources.available(kind)


def test_a_metric_is_either_measured_or_pending() -> None:
    with pytest.raises(ValueError):
        Metric("x.y", "x", "件")
    with pytest.raises(ValueError):
        Metric("x.y", "x", "件", compute=lambda region, year, now: Figure.unavailable("x"), pending="因为")


def test_an_unknown_metric_in_a_criteria_file_is_refused_naming_the_row() -> None:
    doc = criteria_io.load_sample("village")
    doc["stars"][0]["indicators"][0].update(
        method="metric", metric="points.renamed", comparison=">=", threshold=1
    )
    with pytest.raises(criteria_io.CriteriaErrors) as exc:
        criteria_io.parse(doc)
    assert any("第1颗星第1项指标 metric" in e and "points.renamed" in e for e in exc.value.errors)


@pytest.mark.django_db
def test_a_pending_metric_is_unavailable_with_its_reason_and_never_counts_as_met(world: World) -> None:
    doc = criteria_io.load_sample("village")
    org_life = next(i for i in doc["stars"][0]["indicators"] if i["code"] == "org_life")
    org_life.update(method="metric", metric="life.org_life_on_schedule_pct", comparison=">=", threshold=90)
    services.import_criteria(actor=world.user("county_admin"), data=doc)
    cycle = services.declare_target(
        actor=world.user("village_secretary"), org=world.branch_a1, year=2026, target_stars=5, now=NOW
    )
    row = next(r for s in evaluate(cycle, now=NOW).stars for r in s.rows if r.indicator.code == "org_life")
    assert row.figure is not None and row.figure.value is None
    assert row.figure.text == "无法测算"
    assert row.figure.reason == "组织生活（三会一课）模块尚未上线，暂不能自动测算；请用自评或评分指标代替"
    assert row.fraction == 0


@pytest.mark.django_db
def test_a_pending_source_offers_nothing_and_the_picker_says_why(world: World) -> None:
    assert sources.candidates("meeting", region=world.village_a1) == []
    assert sources.find("meeting", region=world.village_a1, ref_id="1") is None
    picker = selectors.evidence_candidates(world.user("village_secretary"), world.village_a1)
    assert "meeting" not in picker.linked
    assert picker.unavailable == [
        "“三会一课”会议记录（组织生活（三会一课）模块尚未上线，会议记录暂请以文件上传）"
    ]
    assert set(picker.linked) == {"points_board", "case", "coverage_finding"}
