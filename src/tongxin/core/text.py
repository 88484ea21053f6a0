"""Text helpers for Chinese: the order people expect a list of names in.

Python and the database compare Chinese by code point, which puts 张 before 李 before 王 in no order a
reader recognises. Lists of people, villages and organisations are shown in 拼音 order instead, the
order of a Chinese dictionary: by the letters of each syllable, then by its tone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")

PinyinKey = tuple[tuple[tuple[str, int], ...], str]


def pinyin_key(name: str) -> PinyinKey:
    """A sort key putting ``name`` in 拼音 order: ``sorted(names, key=pinyin_key)``.

    Each character gives (letters, tone) — 李 ("li", 3) — so 李 comes before 刘 before 王 before 张;
    same letters sort by tone (妈 ma1 < 麻 ma2); ties fall back to the name itself so the order is
    total and stable. Letters and digits in a name keep their own order, lower-cased, with tone 0.
    Words are read as words (重庆 chong2 qing4, 银行 yin2 hang2); a surname read differently from the
    common word (曾 as a surname is zeng) is not special-cased.
    """
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    parts = []
    for syllable in syllables:
        if syllable[-1:].isdigit() and syllable[:-1].isalpha() and syllable[:-1].isascii():
            parts.append((syllable[:-1], int(syllable[-1])))
        else:
            parts.append((syllable.lower(), 0))
    return tuple(parts), name


def by_pinyin(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """``items`` as a list in 拼音 order of ``name(item)``."""
    return sorted(items, key=lambda item: pinyin_key(name(item)))
