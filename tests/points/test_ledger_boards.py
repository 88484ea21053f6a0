"""The ledger is append-only and chained; boards rank from totals, publish as verifiable snapshots."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import World
from tests.points.helpers import ITEMS, make_scheme, make_villagers
from tongxin.accounts.system import SYSTEM
from tongxin.core.errors import DomainError
from tongxin.core.models import AppendOnlyError
from tongxin.orgs import services as org_services
from tongxin.points import selectors, services
from tongxin.points.models import LedgerEntry, PublishedBoard
from tongxin.points.services import ItemSpec


def _award(person, points: int, ref: str, on: date = date(2026, 4, 8)) -> LedgerEntry:  # type: ignore[no-untyped-def]
    return services.award_points(
        actor=None, person=person, points=points, source="test", source_ref=ref, reason="测试", on=on
    )


def test_the_model_refuses_update_and_delete(world: World) -> None:
    make_scheme(world.village_a1)
    entry = _award(make_villagers(world.village_a1, 1).people[0], 5, "a")
    entry.points = 50
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=50)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()


def test_ties_share_a_rank(world: World) -> None:
    make_scheme(world.village_a1)
    a, b, c, d = make_villagers(world.village_a1, 4).people
    for p, pts in ((a, 9), (b, 5), (c, 9), (d, 2)):
        _award(p, pts, f"r{p.pk}")
    rows = selectors.board_rows(region=world.village_a1, period="2026Q2")
    assert [(r["rank"], r["points"]) for r in rows] == [(1, 9), (1, 9), (3, 5), (4, 2)]
    assert selectors.person_rank(person=b, period="2026Q2").rank == 3
    assert selectors.person_rank(person=c, period="2026Q2").rank == 1
    # the same from the township's board, and by month and year
    assert [r["points"] for r in selectors.board_rows(region=world.town_a, period="2026-04")] == [9, 9, 5, 2]
    assert len(selectors.board_rows(region=world.county, period="2026", size=2)) == 2


def test_boards_by_household_and_by_audience(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 4, per_household=2).people
    org_services.record_membership(
        actor=SYSTEM, person=people[3], org=world.branch_a1, status="full", since=date(2020, 1, 1)
    )
    for i, p in enumerate(people):
        _award(p, i + 1, f"h{i}")
    households = selectors.board_rows(region=world.village_a1, period="2026Q2", by="household")
    assert [r["points"] for r in households] == [7, 3]
    assert households[0]["name"].endswith("户")
    members = selectors.board_rows(region=world.village_a1, period="2026Q2", audience="members")
    assert [r["name"] for r in members] == [people[3].name]
    villagers = selectors.board_rows(region=world.village_a1, period="2026Q2", audience="villagers")
    assert people[3].name not in [r["name"] for r in villagers] and len(villagers) == 3


def test_a_reversing_entry_fixes_the_board(world: World) -> None:
    make_scheme(world.village_a1)
    a, b = make_villagers(world.village_a1, 2).people
    wrong = _award(a, 20, "wrong")
    _award(b, 10, "right")
    assert selectors.board_rows(region=world.village_a1, period="2026Q2")[0]["ref"] == a.pk
    reversal = services.reverse_entry(actor=world.user("village_secretary"), entry=wrong, reason="录错了人")
    assert reversal.points == -20 and reversal.reverses_id == wrong.pk and reversal.on == wrong.on
    rows = selectors.board_rows(region=world.village_a1, period="2026Q2")
    assert rows[0]["ref"] == b.pk and rows[1]["points"] == 0
    assert LedgerEntry.objects.get(pk=wrong.pk).points == 20  # history stays
    with pytest.raises(DomainError):
        services.reverse_entry(actor=world.user("village_secretary"), entry=wrong, reason="再冲一次")
    with pytest.raises(DomainError):
        services.reverse_entry(actor=world.user("points_recorder"), entry=wrong, reason="无权")


def test_a_scheme_change_leaves_past_entries_and_boards_unchanged(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    entry = services.award_points(
        actor=None, person=person, points=5, source="test", source_ref="x", reason="义务劳动", on=date(2026, 4, 8),
        item_code="LAB",
    )  # fmt: skip
    board = services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
    )
    new_items = [ItemSpec(code="LAB", name="义务劳动（新）", category="labour", points=8), *ITEMS[1:]]
    services.add_scheme_version(
        actor=world.user("village_secretary"), scheme=scheme, effective_from=date(2026, 7, 1), items=new_items,
        note="村民代表会议修订",
    )  # fmt: skip
    entry.refresh_from_db()
    assert entry.points == 5 and entry.item_name == "义务劳动"
    assert selectors.verify_board(board).ok
    later = services.award_points(
        actor=None, person=person, points=8, source="test", source_ref="y", reason="义务劳动", on=date(2026, 7, 8),
        item_code="LAB",
    )  # fmt: skip
    assert later.item_name == "义务劳动（新）"
    with pytest.raises(DomainError) as exc:
        services.add_scheme_version(
            actor=world.user("village_secretary"), scheme=scheme, effective_from=date(2026, 5, 1), items=new_items,
            note="倒填",
        )  # fmt: skip
    assert exc.value.field == "effective_from"


def test_bad_items_are_listed_all_at_once(world: World) -> None:
    items = [
        ItemSpec(code="A", name="", category="labour", points=1),
        ItemSpec(code="A", name="重复", category="nope", points=0),
    ]
    with pytest.raises(DomainError) as exc:
        make_scheme(world.village_a1, items=items)
    assert "第1项：项目名称不能为空" in exc.value.message
    assert "第2项：项目代码“A”重复" in exc.value.message and "类别“nope”无效" in exc.value.message


def test_publish_freezes_a_snapshot_with_the_chain_heads(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    for i, p in enumerate(people):
        _award(p, 10 - i, f"p{i}")
    board = services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2", name_style="initial"
    )
    scheme.refresh_from_db()
    assert board.heads == {str(scheme.pk): [3, scheme.chain_head]}
    assert [r["points"] for r in board.rows] == [10, 9, 8]
    assert board.rows[0]["name"] == "村民*"  # 村民000 → surname and the given name's first character
    # later entries change the live board but not the snapshot, which still verifies
    _award(people[2], 50, "later")
    assert selectors.verify_board(board).ok
    assert selectors.board_rows(region=world.village_a1, period="2026Q2")[0]["points"] == 58
    assert list(selectors.published_boards(region=world.town_a)) == [board]
    assert board.get_absolute_url().startswith("/points/public/boards/")
    assert str(board) == board.title


def test_tamper_is_detected_by_verify_and_on_the_snapshot(world: World, client) -> None:  # type: ignore[no-untyped-def]
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 3).people
    entries = [_award(p, 5, f"t{i}") for i, p in enumerate(people)]
    board = services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
    )
    call_command("points", "verify")
    assert "与积分流水一致" in client.get(board.get_verify_url()).content.decode()

    with connection.cursor() as cur:
        cur.execute(f"UPDATE {LedgerEntry._meta.db_table} SET points = 50 WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError) as exc:
        call_command("points", "verify")
    assert f"第2条流水（#{entries[1].pk}）" in str(exc.value)
    page = client.get(board.get_verify_url()).content.decode()
    assert "不再一致" in page and f"#{entries[1].pk}" in page


def test_a_tampered_snapshot_is_detected(world: World) -> None:
    make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _award(person, 5, "s")
    board = services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
    )
    PublishedBoard.objects.filter(pk=board.pk).update(rows=[{**board.rows[0], "points": 500}])
    board.refresh_from_db()
    check = selectors.verify_board(board)
    assert not check.ok and any("摘要" in p for p in check.problems)


def test_verify_command_names_a_scheme(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    _award(make_villagers(world.village_a1, 1).people[0], 5, "v")
    call_command("points", "verify", "--scheme", str(scheme.pk), "--totals")
    with pytest.raises(CommandError):
        call_command("points", "verify", "--scheme", "999999")


def test_publish_validates_its_input(world: World) -> None:
    make_scheme(world.village_a1)
    sj = world.user("village_secretary")
    with pytest.raises(DomainError) as exc:
        services.publish_board(actor=sj, region=world.village_a1, period="2026Q5")
    assert exc.value.field == "period"
    with pytest.raises(DomainError) as exc:
        services.publish_board(actor=sj, region=world.village_a2, period="2026Q2")
    assert exc.value.field == "region"


def test_verify_reads_times_without_microseconds(world: World) -> None:
    """SQLite stores a time with no microseconds without the fraction; verification must still match."""
    from datetime import UTC, datetime
    from unittest import mock

    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 4, 8, 3, 0, 0, tzinfo=UTC)):
        _award(person, 5, "exact-second")
    _award(person, 3, "with-microseconds")
    scheme.refresh_from_db()
    check = selectors.verify_chain(scheme)
    assert check.checked == 2 and check.ok, check.message
