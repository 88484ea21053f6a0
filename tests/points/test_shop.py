"""积分超市: redemption spends the spendable balance, never ranking points; stock and balance never
go negative, also under concurrent redemptions."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from tests.factories import World, build_world
from tests.points.helpers import make_scheme, make_villagers
from tongxin.core.errors import DomainError
from tongxin.points import selectors, services
from tongxin.points.models import Goods, PersonTotal, Redemption, Wallet

TODAY = date(2026, 4, 20)


def _earn(person, points: int, ref: str = "e") -> None:  # type: ignore[no-untyped-def]
    services.award_points(
        actor=None,
        person=person,
        points=points,
        source="test",
        source_ref=ref,
        reason="测试",
        on=date(2026, 4, 1),
    )


def test_redemption_spends_balance_not_ranking_points(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _earn(person, 30)
    goods = services.create_goods(
        actor=world.user("village_secretary"), scheme=scheme, name="洗衣粉", price=10, stock=5
    )
    r = services.redeem(
        actor=world.user("points_recorder"), goods=goods, person=person, quantity=2, today=TODAY
    )
    assert r.points == 20
    wallet = Wallet.objects.get(person=person, scheme=scheme, cycle="2026")
    assert wallet.balance == 10 and wallet.spent == 20
    assert PersonTotal.objects.get(person=person, period="2026Q2").points == 30
    assert selectors.person_rank(person=person, period="2026Q2").points == 30
    goods.refresh_from_db()
    assert goods.stock == 3


def test_it_refuses_overspending_and_overselling(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _earn(person, 15)
    goods = services.create_goods(
        actor=world.user("village_secretary"), scheme=scheme, name="毛巾", price=10, stock=1
    )
    keeper = world.user("points_recorder")
    with pytest.raises(DomainError) as exc:
        services.redeem(actor=keeper, goods=goods, person=person, quantity=2, today=TODAY)
    assert "库存不足" in exc.value.message and exc.value.field == "quantity"
    services.redeem(actor=keeper, goods=goods, person=person, today=TODAY)
    services.restock_goods(actor=keeper, goods=goods, quantity=3)
    with pytest.raises(DomainError) as exc:
        services.redeem(actor=keeper, goods=goods, person=person, today=TODAY)
    assert "可用积分不足：可用5分，需要10分" in exc.value.message
    assert Redemption.objects.count() == 1


def test_a_retried_redemption_is_recorded_once(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _earn(person, 50)
    goods = services.create_goods(
        actor=world.user("village_secretary"), scheme=scheme, name="香皂", price=5, stock=9
    )
    keeper = world.user("points_recorder")
    a = services.redeem(actor=keeper, goods=goods, person=person, request_key="req-1", today=TODAY)
    b = services.redeem(actor=keeper, goods=goods, person=person, request_key="req-1", today=TODAY)
    assert a.pk == b.pk and Redemption.objects.count() == 1
    goods.refresh_from_db()
    assert goods.stock == 8


def test_yearly_reset_starts_a_new_balance(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _earn(person, 50)
    goods = services.create_goods(
        actor=world.user("village_secretary"), scheme=scheme, name="米", price=20, stock=9
    )
    with pytest.raises(DomainError):
        services.redeem(
            actor=world.user("points_recorder"), goods=goods, person=person, today=date(2027, 1, 5)
        )


def test_monthly_report(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 2).people
    for i, p in enumerate(people):
        _earn(p, 100, f"m{i}")
    goods = services.create_goods(
        actor=world.user("village_secretary"), scheme=scheme, name="食用油", price=30, stock=9
    )
    for p in people:
        services.redeem(actor=world.user("points_recorder"), goods=goods, person=p, today=TODAY)
    report = selectors.shop_report(world.user("points_recorder"), month="2026-04")
    assert report == [
        {"goods__name": "食用油", "goods__scheme__name": scheme.name, "quantity": 2, "points": 60, "times": 2}
    ]
    assert selectors.shop_report(world.user("points_recorder"), month="2026-05") == []


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_redemptions_of_the_last_five_items() -> None:
    w = build_world()
    scheme = make_scheme(w.village_a1)
    people = make_villagers(w.village_a1, 4).people
    for i, p in enumerate(people):
        _earn(p, 30 if i == 0 else 100, f"c{i}")  # person 0 can afford 3 of the 5
    goods = services.create_goods(actor=None, scheme=scheme, name="最后五件", price=10, stock=5)
    keeper = w.user("points_recorder")
    barrier = threading.Barrier(20)
    ok: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        try:
            barrier.wait()
            services.redeem(actor=keeper, goods=goods, person=people[i % 4], today=TODAY)
            ok.append(i)
        except DomainError as exc:
            refused.append(exc.message)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(ok) == 5 and len(refused) == 15
    goods.refresh_from_db()
    assert goods.stock == 0
    assert Redemption.objects.count() == 5
    for p in people:
        wallet = Wallet.objects.get(person=p, scheme=scheme)
        assert (
            wallet.spent <= wallet.earned and wallet.spent == 10 * Redemption.objects.filter(person=p).count()
        )
    assert Goods.objects.get(pk=goods.pk).stock >= 0
