"""Tampering with a copy of the ledger through raw SQL, as someone with the database file would:
``tongxin points verify`` must notice every change to a field a person sees, every derived table that
no longer matches the ledger, and the newest entries deleted with the chain head rolled back."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import World
from tests.points.helpers import make_scheme, make_villagers
from tongxin.points import chain, selectors, services
from tongxin.points.models import HouseholdTotal, LedgerEntry, PersonTotal, PublishedBoard, Scheme, Wallet

LE = LedgerEntry._meta.db_table


@dataclass
class Ledger:
    scheme: Scheme
    entries: list[LedgerEntry]  # award, its reversal (by a named user), another award
    other_scheme: Scheme


@pytest.fixture
def ledger(world: World) -> Ledger:
    scheme = make_scheme(world.village_a1)
    other = make_scheme(world.village_a2, name="邻村积分方案")
    people = make_villagers(world.village_a1, 3).people
    first = services.award_points(
        actor=None, person=people[0], points=5, source="test", source_ref="a", reason="义务劳动",
        on=date(2026, 4, 8),
    )  # fmt: skip
    reversal = services.reverse_entry(actor=world.user("village_secretary"), entry=first, reason="录错了人")
    last = services.award_points(
        actor=None, person=people[2], points=8, source="test", source_ref="c", reason="志愿服务",
        on=date(2026, 4, 9),
    )  # fmt: skip
    call_command("points", "verify", "--totals")  # clean before anyone tampers
    return Ledger(scheme=scheme, entries=[first, reversal, last], other_scheme=other)


def _sql(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def _verify(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("points", "verify", *args)
    return str(exc.value)


# Every column of an entry and a changed value for the middle entry (the reversal: it has a household,
# a reversal link and a named actor). The names, region and actor name were not covered before.
def _tampered(column: str, ledger: Ledger, world: World) -> Any:
    first, _, last = ledger.entries
    return {
        "scheme_id": ledger.other_scheme.pk,
        "seq": 7,
        "person_id": last.person_id,
        "household_id": last.household_id,
        "region_path": world.village_a2.path,
        "item_code": "LAB",
        "item_name": "孝老爱亲",
        "points": 5,
        "on": date(2026, 6, 1),
        "source": "claim",
        "source_ref": "999",
        "reason": "冲正#1：改过的理由",
        "reverses_id": last.pk,
        "actor_id": world.user("county_admin").pk,
        "actor_name": "county_admin",
        "created_at": datetime(2026, 4, 8, 1, 2, 3, tzinfo=UTC),
        "prev_hash": last.hash,
        "hash": first.hash,
    }[column]


HASHED = [
    "scheme_id", "seq", "person_id", "household_id", "region_path", "item_code", "item_name", "points", "on",
    "source", "source_ref", "reason", "reverses_id", "actor_id", "actor_name", "created_at", "prev_hash", "hash",
]  # fmt: skip


def test_every_column_of_an_entry_is_in_the_tamper_list() -> None:
    """A column added to entries later must be hashed and get its tamper test here."""
    columns = {f.column for f in LedgerEntry._meta.concrete_fields} - {"id"}
    assert columns == set(HASHED)


@pytest.mark.parametrize("column", HASHED)
def test_verify_detects_a_changed_entry_field(ledger: Ledger, world: World, column: str) -> None:
    reversal = ledger.entries[1]
    value = _tampered(column, ledger, world)
    assert getattr(reversal, column) != value
    _sql(f'UPDATE {LE} SET "{column}" = %s WHERE id = %s', [value, reversal.pk])
    message = _verify("--no-boards")
    assert "核验失败" in message and ("第2条" in message or "缺失" in message or "链头不符" in message)


def test_verify_detects_a_changed_item_name_on_the_board_check_too(ledger: Ledger, world: World) -> None:
    """The public verification page of a board runs the same chain check."""
    board = services.publish_board(
        actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
    )
    _sql(f"UPDATE {LE} SET item_name = %s WHERE id = %s", ["孝老爱亲", ledger.entries[0].pk])
    check = selectors.verify_board(board)
    assert not check.ok and any("第1条流水" in p for p in check.problems)


@pytest.mark.parametrize(
    ("table", "change"),
    [
        (PersonTotal._meta.db_table, "points = points + 1"),
        (HouseholdTotal._meta.db_table, "points = points + 1"),
        (Wallet._meta.db_table, "earned = earned + 1"),
        (Wallet._meta.db_table, "spent = spent + 1"),
    ],
    ids=["person_totals", "household_totals", "wallet_earned", "wallet_spent"],
)
def test_verify_totals_detects_a_changed_derived_table(ledger: Ledger, table: str, change: str) -> None:
    _sql(f"UPDATE {table} SET {change} WHERE id = (SELECT MIN(id) FROM {table})")
    call_command("points", "verify")  # the chains alone are intact
    message = _verify("--totals")
    assert "按流水汇总" in message or "按兑换记录汇总" in message


@pytest.mark.parametrize(
    "table", [PersonTotal._meta.db_table, HouseholdTotal._meta.db_table, Wallet._meta.db_table]
)
def test_verify_totals_detects_a_deleted_derived_row(ledger: Ledger, table: str) -> None:
    _sql(f"DELETE FROM {table} WHERE id = (SELECT MAX(id) FROM {table})")
    _verify("--totals")


def _delete_newest_and_roll_back(ledger: Ledger) -> None:
    """What someone with the database file does to make the newest entry disappear without a trace
    inside the database: delete it, move the chain head back, take its points out of the totals and
    wallet, and delete the board that named the newer head."""
    newest, before = ledger.entries[2], ledger.entries[1]
    _sql(f"DELETE FROM {LE} WHERE id = %s", [newest.pk])
    _sql(
        f"UPDATE {Scheme._meta.db_table} SET chain_seq = %s, chain_head = %s WHERE id = %s",
        [before.seq, before.hash, ledger.scheme.pk],
    )
    _sql(
        f"UPDATE {PersonTotal._meta.db_table} SET points = points - %s WHERE person_id = %s",
        [newest.points, newest.person_id],
    )
    _sql(
        f"UPDATE {HouseholdTotal._meta.db_table} SET points = points - %s WHERE household_id = %s",
        [newest.points, newest.household_id],
    )
    _sql(
        f"UPDATE {Wallet._meta.db_table} SET earned = earned - %s WHERE person_id = %s",
        [newest.points, newest.person_id],
    )
    _sql(f"DELETE FROM {PublishedBoard._meta.db_table}")


def test_verify_detects_the_newest_entry_deleted_and_the_head_rolled_back(
    ledger: Ledger, world: World, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        board = services.publish_board(
            actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
        )
    call_command("points", "verify", "--totals")
    _delete_newest_and_roll_back(ledger)
    # Inside the database everything agrees again ...
    nothing = tmp_path / "no-anchors.jsonl"
    nothing.write_text("")
    call_command("points", "verify", "--totals", "--anchors", str(nothing))
    message = _verify("--totals")
    # ... but the head anchored outside it when the board was published is gone.
    assert f"积分榜 {board.pk}" in message and "发布时链头为第3条，现在只有2条" in message


def test_an_off_machine_copy_of_the_anchors_detects_it_when_the_local_file_is_deleted_too(
    ledger: Ledger, world: World, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_board(
            actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
        )
    copy = tmp_path / "copy.jsonl"
    shutil.copy(chain.anchor_file(), copy)
    _delete_newest_and_roll_back(ledger)
    chain.anchor_file().unlink()
    call_command("points", "verify", "--totals")  # nothing left on the machine to compare with
    assert "现在只有2条" in _verify("--totals", "--anchors", str(copy))


def test_verify_detects_a_rewritten_entry_at_an_anchored_head(
    ledger: Ledger, world: World, django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_board(
            actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
        )
    # The newest entry rewritten consistently (its hash recomputed with the published format and the
    # head moved to it): the chain alone cannot tell.
    newest = LedgerEntry.objects.get(pk=ledger.entries[2].pk)
    fields = {name: getattr(newest, name) for name in chain.FORMATS[chain.CURRENT]}
    fields["points"] = 80
    forged = chain.entry_hash(**fields)
    _sql(f"UPDATE {LE} SET points = 80, hash = %s WHERE id = %s", [forged, newest.pk])
    _sql(f"UPDATE {Scheme._meta.db_table} SET chain_head = %s WHERE id = %s", [forged, ledger.scheme.pk])
    nothing = tmp_path / "no-anchors.jsonl"
    nothing.write_text("")
    call_command("points", "verify", "--no-boards", "--anchors", str(nothing))
    assert "哈希与锚定的链头不符" in _verify("--no-boards")
