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
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
