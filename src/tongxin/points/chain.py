"""The hash chain of a scheme's ledger: the one canonical serialisation of an entry, its hash, and the
anchors of chain heads kept outside the database.

An entry's hash is sha256 over ``canonical()``: a format tag and the entry's fields joined by the unit
separator (0x1F), which services strip from free text, so the serialisation is unambiguous. Times are
UTC with microseconds. The writer (``ledger.append_entries``), the verifier (``verify``) and the
benchmark generator all go through ``canonical()``.

Formats are versioned and a chain only moves forward: entries written before format 2 keep their
format-1 hashes and still verify; once an entry of format 2 appears in a chain, every later entry must
be format 2 (the verifier refuses a format-1 entry after it, so a rewritten tail cannot fall back to
the format that does not cover the displayed names).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

GENESIS = "0" * 64
SEP = "\x1f"

# The fields each format covers, in order (names are LedgerEntry columns). Format 2 adds everything a
# person sees on a statement or board that format 1 left out: the item's name, who recorded it and
# the region the entry was booked to.
FORMATS: dict[int, tuple[str, ...]] = {
    1: (
        "scheme_id", "seq", "person_id", "household_id", "item_code", "points", "on", "source",
        "source_ref", "reason", "reverses_id", "actor_id", "created_at", "prev_hash",
    ),
    2: (
        "scheme_id", "seq", "person_id", "household_id", "region_path", "item_code", "item_name",
        "points", "on", "source", "source_ref", "reason", "reverses_id", "actor_id", "actor_name",
        "created_at", "prev_hash",
    ),
}  # fmt: skip
CURRENT = 2
# Every column any format reads, in one order: the verifier selects these and picks per format.
ALL_FIELDS: tuple[str, ...] = FORMATS[2]
PICK: dict[int, tuple[int, ...]] = {v: tuple(ALL_FIELDS.index(f) for f in fs) for v, fs in FORMATS.items()}
# The formats that read every field in order (the verifier hashes their row as it comes).
_WHOLE = {v for v, pick in PICK.items() if pick == tuple(range(len(ALL_FIELDS)))}
_TAGS = {v: f"v{v}" for v in FORMATS}


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


def _text(value: object) -> str:
    if value.__class__ is str:
        return value  # type: ignore[return-value]  # checked just above (the verifier's hot path)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical_texts(version: int, texts: Iterable[str]) -> str:
    """The canonical text of an entry of format ``version`` from its field values already as text,
    in ``FORMATS[version]`` order: the format tag and the values joined by the separator."""
    return SEP.join((_TAGS[version], *texts))


def canonical_values(version: int, values: Sequence[object]) -> str:
    """``canonical_texts`` of values of any type: dates become ISO dates, datetimes ``stamp()``,
    None the empty string, strings are taken as they are."""
    return canonical_texts(version, map(_text, values))


def canonical(version: int = CURRENT, /, **fields: object) -> str:
    """The canonical text of an entry given by keyword (the names of ``FORMATS[version]``)."""
    names = FORMATS[version]
    if set(fields) != set(names):
        raise TypeError(f"format {version} needs exactly {names}; got {sorted(fields)}")
    return canonical_values(version, [fields[n] for n in names])


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entry_hash(version: int = CURRENT, /, **fields: object) -> str:
    return digest(canonical(version, **fields))


def row_matches(texts: Sequence[str], stored_hash: str, allowed: Iterable[int]) -> int | None:
    """The format (of ``allowed``, tried in that order) whose hash of an entry given as text values
    in ``ALL_FIELDS`` order equals ``stored_hash``; None when none does (the verifier's hot path)."""
    for version in allowed:
        values = texts if version in _WHOLE else [texts[i] for i in PICK[version]]
        if hashlib.sha256(canonical_texts(version, values).encode()).hexdigest() == stored_hash:
            return version
    return None


# --- anchors: chain heads kept outside the database -------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    scheme_id: int
    seq: int
    head: str
    board_id: int | None
    at: str
    line: int


def anchor_file() -> Path:
    return Path(settings.ANCHOR_DIR) / "ledger-anchors.jsonl"


def anchor_heads(*, heads: dict[str, list[Any]], board_id: int | None) -> None:
    """Append one line per scheme (scheme, head sequence, head hash, board id, time) to the anchor
    file once the surrounding transaction commits (a rolled-back publication anchors nothing). The
    file is append-only JSON lines; copy it off the machine with the backups (docs/deployment.md)."""
    at = timezone.now().astimezone(UTC).isoformat()
    lines = [
        json.dumps(
            {"scheme": int(sid), "seq": int(seq), "head": head, "board": board_id, "at": at},
            sort_keys=True,
        )
        for sid, (seq, head) in sorted(heads.items(), key=lambda kv: int(kv[0]))
    ]

    def write() -> None:
        path = anchor_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))

    transaction.on_commit(write)


def set_anchors_aside() -> Path | None:
    """When a database is emptied on purpose (``tongxin demo --reset``) its old anchors name chains
    that no longer exist: keep the file, renamed with the time, and start a new one."""
    path = anchor_file()
    if not path.exists():
        return None
    aside = path.with_name(f"{path.stem}.{timezone.now().astimezone(UTC):%Y%m%dT%H%M%SZ}{path.suffix}")
    path.rename(aside)
    return aside


def read_anchors(path: Path) -> tuple[list[Anchor], list[str]]:
    """The anchors in ``path`` and the lines that could not be read (as problems to report)."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    with path.open(encoding="utf-8") as src:
        for n, raw in enumerate(src, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
                anchors.append(
                    Anchor(
                        scheme_id=int(data["scheme"]), seq=int(data["seq"]), head=str(data["head"]),
                        board_id=None if data.get("board") is None else int(data["board"]),
                        at=str(data.get("at", "")), line=n,
                    )
                )  # fmt: skip
            except (ValueError, KeyError, TypeError):
                problems.append(f"锚点文件第{n}行无法解读")
    return anchors, problems
