"""award_points: the contract other modules use."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from tests.factories import World
from tests.points.helpers import make_scheme, make_villagers
from tongxin.core.errors import DomainError
from tongxin.core.models import AuditEvent
from tongxin.points import selectors, services
from tongxin.points.models import LedgerEntry, PersonTotal, Wallet


def test_it_appends_a_final_entry_in_the_scheme_covering_the_person(world: World) -> None:
    scheme = make_scheme(world.town_a, name="甲镇积分方案")
    village = make_villagers(world.village_a1, 2)
    person = village.people[0]
    entry = services.award_points(
        actor=None,
        person=person,
        points=3,
        source="cases",
        source_ref="case:17",
        reason="上报隐患办结",
        on=date(2026, 5, 6),
    )
    assert entry.scheme == scheme
    assert entry.seq == 1 and entry.points == 3
    assert PersonTotal.objects.get(person=person, period="2026Q2").points == 3
    assert PersonTotal.objects.get(person=person, period="2026-05").points == 3
    assert Wallet.objects.get(person=person, scheme=scheme, cycle="2026").earned == 3
    assert AuditEvent.objects.filter(action="points.award", success=True).count() == 1


def test_the_nearest_scheme_wins(world: World) -> None:
    make_scheme(world.county, name="县方案")
    village_scheme = make_scheme(world.village_a1, name="村方案")
    person = make_villagers(world.village_a1, 1).people[0]
    entry = services.award_points(
        actor=None, person=person, points=2, source="cases", source_ref="c1", reason="办结"
    )
    assert entry.scheme == village_scheme


def test_a_retry_returns_the_existing_entry_and_writes_nothing(world: World) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    kwargs = {
        "actor": None,
        "person": person,
        "points": 2,
        "source": "cases",
        "source_ref": "c9",
        "reason": "办结",
    }
    first = services.award_points(**kwargs)  # type: ignore[arg-type]
    again = services.award_points(**kwargs)  # type: ignore[arg-type]
    assert again.pk == first.pk
    assert LedgerEntry.objects.count() == 1
    assert sum(PersonTotal.objects.filter(person=person).values_list("points", flat=True)) == 6


def test_it_refuses_a_person_no_scheme_covers(world: World) -> None:
    make_scheme(world.village_a2)
    person = make_villagers(world.village_a1, 1).people[0]
    with pytest.raises(DomainError) as exc:
        services.award_points(
            actor=None, person=person, points=2, source="cases", source_ref="c1", reason="办结"
        )
    assert "没有启用的积分方案" in exc.value.message
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("points", "source", "source_ref", "reason", "field"),
    [(0, "cases", "c1", "x", "points"), (2, "", "c1", "x", "source"), (2, "cases", "", "x", "source_ref"),
     (2, "cases", "c1", " ", "reason"), (2, "claim", "c1", "x", "source")],
)  # fmt: skip
def test_it_refuses_bad_input_naming_the_field(
    world: World, points: int, source: str, source_ref: str, reason: str, field: str
) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    with pytest.raises(DomainError) as exc:
        services.award_points(
            actor=None, person=person, points=points, source=source, source_ref=source_ref, reason=reason
        )
    assert exc.value.field == field


def test_entries_are_chained(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    entries = [
        services.award_points(
            actor=None, person=p, points=1, source="cases", source_ref=f"c{i}", reason="办结"
        )
        for i, p in enumerate(people)
    ]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    scheme.refresh_from_db()
    assert scheme.chain_seq == 3 and scheme.chain_head == entries[2].hash
    assert selectors.verify_chain(scheme).ok


def test_household_participation(world: World) -> None:
    make_scheme(world.town_a)
    v1 = make_villagers(world.village_a1, 4, prefix="甲")
    make_villagers(world.village_a2, 2, prefix="乙")
    services.award_points(
        actor=None,
        person=v1.people[1],
        points=2,
        source="cases",
        source_ref="c1",
        reason="办结",
        on=date(2026, 3, 1),
    )
    services.award_points(
        actor=None,
        person=v1.people[2],
        points=-2,
        source="cases",
        source_ref="c2",
        reason="扣分",
        on=date(2026, 3, 1),
    )
    assert selectors.household_participation(region=world.town_a, year=2026) == (1, 3)
    assert selectors.household_participation(region=world.village_a1, year=2026) == (1, 2)
    assert selectors.household_participation(region=world.town_a, year=2025) == (0, 3)


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_calls_write_one_entry() -> None:
    import threading

    from tests.factories import build_world

    w = build_world()
    make_scheme(w.village_a1)
    person = make_villagers(w.village_a1, 1).people[0]
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def call() -> None:
        try:
            barrier.wait()
            e = services.award_points(
                actor=None, person=person, points=4, source="cases", source_ref="same", reason="办结"
            )
            results.append(e.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    assert LedgerEntry.objects.filter(source_ref="same").count() == 1


def test_a_new_scheme_version_applies_to_the_next_award_at_once(world: World) -> None:
    """Appends cache a scheme's versions per process; a new version must still apply from the next call."""
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    first = services.award_points(
        actor=None, person=person, points=2, source="cases", source_ref="v1", reason="办结", on=date(2026, 5, 6),
        item_code="LAB",
    )  # fmt: skip
    assert first.item_name == "义务劳动"
    with pytest.raises(DomainError, match="没有代码为“NEW”的项目"):
        services.award_points(actor=None, person=person, points=2, source="cases", source_ref="v2", reason="办结",
                              on=date(2026, 6, 2), item_code="NEW")  # fmt: skip
    services.add_scheme_version(
        actor=world.user("village_secretary"), scheme=scheme, effective_from=date(2026, 6, 1), note="改名并新增",
        items=[services.ItemSpec(code="LAB", name="公益劳动", category="labour", points=5),
               services.ItemSpec(code="NEW", name="新项目", category="labour", points=1)],
    )  # fmt: skip
    renamed = services.award_points(actor=None, person=person, points=2, source="cases", source_ref="v3",
                                    reason="办结", on=date(2026, 6, 2), item_code="LAB")  # fmt: skip
    new = services.award_points(actor=None, person=person, points=1, source="cases", source_ref="v4",
                                reason="办结", on=date(2026, 6, 2), item_code="NEW")  # fmt: skip
    before = services.award_points(actor=None, person=person, points=2, source="cases", source_ref="v5",
                                   reason="办结", on=date(2026, 5, 31), item_code="LAB")  # fmt: skip
    assert (renamed.item_name, new.item_name, before.item_name) == ("公益劳动", "新项目", "义务劳动")


def test_a_retry_of_an_award_returns_it_even_after_its_item_was_dropped(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    entry = services.award_points(actor=None, person=person, points=2, source="cases", source_ref="r1",
                                  reason="办结", on=date(2026, 6, 2), item_code="VOL")  # fmt: skip
    services.add_scheme_version(
        actor=world.user("village_secretary"), scheme=scheme, effective_from=date(2026, 6, 1), note="取消志愿服务",
        items=[services.ItemSpec(code="LAB", name="义务劳动", category="labour", points=5)],
    )  # fmt: skip
    again = services.award_points(actor=None, person=person, points=2, source="cases", source_ref="r1",
                                  reason="办结", on=date(2026, 6, 2), item_code="VOL")  # fmt: skip
    assert again.pk == entry.pk and LedgerEntry.objects.count() == 1
