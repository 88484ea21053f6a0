"""The hash chain of a scheme's ledger: canonical serialisation and the hash of one entry.

An entry's hash is sha256 over its fields joined by the unit separator (0x1F), which services strip
from free text, so the serialisation is unambiguous. Times are UTC with microseconds.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

GENESIS = "0" * 64
SEP = "\x1f"


def clean_text(value: str) -> str:
    """Free text as stored in the chain: control characters (incl. the separator) become spaces."""
    return "".join(" " if ord(c) < 32 else c for c in value).strip()


def stamp(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
        f"{moment.second:02d}.{moment.microsecond:06d}Z"
    )


def canonical(
    *,
    scheme_id: int,
    seq: int,
    person_id: int,
    household_id: int | None,
    item_code: str,
    points: int,
    on: date,
    source: str,
    source_ref: str,
    reason: str,
    reverses_id: int | None,
    actor_id: int | None,
    created_at: datetime,
    prev_hash: str,
) -> str:
    return SEP.join(
        (
            "v1",
            str(scheme_id),
            str(seq),
            str(person_id),
            "" if household_id is None else str(household_id),
            item_code,
            str(points),
            on.isoformat(),
            source,
            source_ref,
            reason,
            "" if reverses_id is None else str(reverses_id),
            "" if actor_id is None else str(actor_id),
            stamp(created_at),
            prev_hash,
        )
    )


def entry_hash(**fields: object) -> str:
    return hashlib.sha256(canonical(**fields).encode()).hexdigest()  # type: ignore[arg-type]


def row_hash(scheme_id: str, row: tuple[object, ...]) -> str:
    """The hash of a stored entry from a row ``(seq, person_id, household_id, item_code, points, on,
    source, source_ref, reason, reverses_id, actor_id, created_at, prev_hash)``; the fast path of
    verification, equal to ``entry_hash`` of the same fields."""
    (
        seq,
        person_id,
        household_id,
        item_code,
        points,
        on,
        source,
        source_ref,
        reason,
        rev,
        actor,
        created,
        prev,
    ) = row
    text = SEP.join(
        (
            "v1", scheme_id, str(seq), str(person_id), "" if household_id is None else str(household_id),
            item_code, str(points), on.isoformat(), source, source_ref, reason,  # type: ignore[attr-defined]
            "" if rev is None else str(rev), "" if actor is None else str(actor), stamp(created), prev,  # type: ignore[arg-type]
        )
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()
