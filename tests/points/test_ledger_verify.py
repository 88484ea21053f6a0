"""Verification of the ledger: hash formats, the derived tables rebuilt from the ledger, and the chain
heads anchored outside the database when a board is published."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import World
from tests.points.helpers import ITEMS, make_scheme, make_villagers
from tongxin.core.models import AuditEvent
from tongxin.points import chain, services, verify
from tongxin.points.models import HouseholdTotal, LedgerEntry, PersonTotal, Scheme, Wallet

LE = LedgerEntry._meta.db_table


def _award(person: Any, points: int, ref: str, on: date = date(2026, 4, 8)) -> LedgerEntry:
    return services.award_points(
        actor=None, person=person, points=points, source="test", source_ref=ref, reason="测试", on=on
    )


def _v1(entry: LedgerEntry, prev: str) -> str:
    """The format-1 hash as the writer computed it before format 2 (written out here, not read from
    the code under test): no item name, actor name or region."""
    created = entry.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields = [
        "v1", entry.scheme_id, entry.seq, entry.person_id, entry.household_id or "", entry.item_code,
        entry.points, entry.on.isoformat(), entry.source, entry.source_ref, entry.reason,
        entry.reverses_id or "", entry.actor_id or "", created, prev,
    ]  # fmt: skip
    return hashlib.sha256("\x1f".join(map(str, fields)).encode()).hexdigest()


def _rehash_as_format_1(scheme: Scheme) -> None:
    """Turn the chain into one written before format 2 existed."""
    prev = chain.GENESIS
    with connection.cursor() as cur:
        for entry in LedgerEntry.objects.filter(scheme=scheme).order_by("seq"):
            digest = _v1(entry, prev)
            cur.execute(f"UPDATE {LE} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, entry.pk])
            prev = digest
        cur.execute(f"UPDATE {Scheme._meta.db_table} SET chain_head = %s WHERE id = %s", [prev, scheme.pk])


def test_entries_written_with_format_1_still_verify_and_new_ones_use_format_2(world: World) -> None:
    scheme = make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 2).people
    _award(people[0], 5, "old-1")
    _award(people[1], 3, "old-2")
    _rehash_as_format_1(scheme)
    scheme.refresh_from_db()
    check = verify.verify_chain(scheme)
    assert check.ok and check.checked == 2 and check.old_format == 2, check.message

    newer = _award(people[0], 4, "new")
    assert newer.prev_hash == scheme.chain_head
    fields = {name: getattr(newer, name) for name in chain.FORMATS[2]}
    assert newer.hash == chain.entry_hash(2, **fields) != _v1(newer, newer.prev_hash)
    scheme.refresh_from_db()
    check = verify.verify_chain(scheme)
    assert check.ok and check.checked == 3 and check.old_format == 2, check.message


def test_a_format_1_entry_after_a_format_2_entry_is_refused(world: World) -> None:
    """A tail rewritten in the old format (which does not cover the item name) does not verify."""
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _award(person, 5, "a")
    second = _award(person, 3, "b")
    digest = _v1(second, second.prev_hash)
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {LE} SET hash = %s WHERE id = %s", [digest, second.pk])
    Scheme.objects.filter(pk=scheme.pk).update(chain_head=digest)
    scheme.refresh_from_db()
    check = verify.verify_chain(scheme)
    assert not check.ok and check.bad_entry_id == second.pk


def test_canonical_refuses_missing_or_unknown_fields() -> None:
    with pytest.raises(TypeError):
        chain.canonical(2, scheme_id=1)


def test_rebuild_totals_restores_every_derived_table_and_is_idempotent(world: World) -> None:
    make_scheme(world.village_a1)
    people = make_villagers(world.village_a1, 4).people
    for i, p in enumerate(people):
        _award(p, i + 1, f"r{i}", on=date(2026, 1 + i * 3, 5))
    keeper = world.user("points_recorder")
    goods = services.create_goods(actor=None, scheme=Scheme.objects.get(), name="香皂", price=1, stock=10)
    services.redeem(actor=keeper, goods=goods, person=people[3], quantity=2, today=date(2026, 11, 1))

    def snapshot() -> tuple[list[Any], ...]:
        return (
            sorted(PersonTotal.objects.values_list(
                "person_id", "period", "points", "region_path", "anc1", "anc2", "anc3", "household_id", "is_member"
            )),
            sorted(HouseholdTotal.objects.values_list(
                "household_id", "period", "points", "region_path", "anc1", "anc2", "anc3"
            )),
            sorted(Wallet.objects.values_list("scheme_id", "person_id", "cycle", "earned", "spent")),
        )  # fmt: skip

    kept = snapshot()
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {PersonTotal._meta.db_table} SET points = points + 7")
        cur.execute(f"DELETE FROM {HouseholdTotal._meta.db_table}")
        cur.execute(f"UPDATE {Wallet._meta.db_table} SET spent = 0, earned = 99")
    with pytest.raises(CommandError):
        call_command("points", "verify", "--totals")

    call_command("points", "rebuild-totals")
    assert snapshot() == kept
    call_command("points", "verify", "--totals")
    event = AuditEvent.objects.filter(action="points.totals.rebuild").get()
    assert event.actor_username == "system" and event.after is not None
    assert event.after["differences"] > 0 and event.after["wallets"] == len(kept[2])

    call_command("points", "rebuild-totals")
    assert snapshot() == kept
    assert AuditEvent.objects.filter(action="points.totals.rebuild").latest("id").after["differences"] == 0  # type: ignore[index]


def test_wallet_cycles_follow_the_version_in_force(world: World) -> None:
    """A scheme that switches from a yearly reset to none: verify's SQL puts each entry in the cycle
    ``ledger.cycle_of`` used when it was appended."""
    scheme = make_scheme(world.village_a1)
    person = make_villagers(world.village_a1, 1).people[0]
    _award(person, 5, "yearly", on=date(2026, 3, 1))
    services.add_scheme_version(
        actor=world.user("village_secretary"),
        scheme=scheme,
        effective_from=date(2026, 6, 1),
        items=ITEMS,
        reset="none",
        note="改为不清零",
    )
    _award(person, 7, "never", on=date(2026, 7, 1))
    assert sorted(Wallet.objects.values_list("cycle", "earned")) == [("2026", 5), ("all", 7)]
    assert verify.totals_mismatches() == []
    Wallet.objects.filter(cycle="all").update(earned=8)
    assert verify.totals_mismatches() == [
        f"积分钱包 方案{scheme.pk} 人员{person.pk} all：累计获得为8分，按流水汇总为7分"
    ]


def test_publishing_a_board_anchors_its_heads_outside_the_database(
    world: World, django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    scheme = make_scheme(world.village_a1)
    _award(make_villagers(world.village_a1, 1).people[0], 5, "a")
    scheme.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        board = services.publish_board(
            actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
        )
    lines = [json.loads(line) for line in chain.anchor_file().read_text().splitlines()]
    assert [(a["scheme"], a["seq"], a["head"], a["board"]) for a in lines] == [
        (scheme.pk, 1, scheme.chain_head, board.pk)
    ]
    assert lines[0]["at"].startswith(str(board.published_at.year))
    call_command("points", "verify")
    # the wall print-out and the verification page name the head the board was published with
    page = client.get(board.get_absolute_url()).content.decode()
    assert "第1条" in page and scheme.chain_head[:16] in page
    page = client.get(board.get_verify_url()).content.decode()
    assert "第1条" in page and scheme.chain_head in page


def test_a_rolled_back_publication_anchors_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    make_scheme(world.village_a1)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        services.publish_board(
            actor=world.user("village_secretary"), region=world.village_a1, period="2026Q9"
        )
    assert not chain.anchor_file().exists()


def test_verify_reports_an_unreadable_anchor_line(world: World) -> None:
    make_scheme(world.village_a1)
    chain.anchor_file().parent.mkdir(parents=True)
    chain.anchor_file().write_text("not json\n")
    with pytest.raises(CommandError) as exc:
        call_command("points", "verify")
    assert "第1行无法解读" in str(exc.value)


def test_verify_refuses_a_missing_anchors_file(db: None) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("points", "verify", "--anchors", "/nonexistent/anchors.jsonl")
    assert "不存在" in str(exc.value)


def test_anchors_set_aside_when_the_database_is_emptied_are_kept_but_no_longer_checked(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    make_scheme(world.village_a1)
    _award(make_villagers(world.village_a1, 1).people[0], 5, "a")
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_board(
            actor=world.user("village_secretary"), region=world.village_a1, period="2026Q2"
        )
    kept = chain.anchor_file().read_text()
    aside = chain.set_anchors_aside()
    assert aside is not None and aside.read_text() == kept and not chain.anchor_file().exists()
    assert chain.set_anchors_aside() is None
