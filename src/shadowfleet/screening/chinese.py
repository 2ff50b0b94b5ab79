"""Chinese names in pinyin ("Mao Zedong", "Deng Xiaoping") and Wade-Giles ("Mao Tse-tung", "Teng
Hsiao-p'ing") brought to one spelling, from pypinyin's conversion table.

Apostrophes are gone by the time a name is compared, so both sides are written as Wade-Giles without
them: aspirated and plain syllables then read alike ("tung" is dong or tong), which costs nothing when
a whole name must agree syllable by syllable. A name is read this way only when it is 2-4 syllables in
at most three words, all pinyin or all Wade-Giles.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin.style.wadegiles import _convert_table, to_wade_glides


def _plain(wade: str) -> str:
    return wade.replace("'", "").replace("ü", "u").replace("v", "u")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    """pinyin syllable -> Wade-Giles without apostrophes; and the Wade-Giles syllables so written."""
    finals = [
        "a",
        "e",
        "i",
        "o",
        "u",
        "ai",
        "ei",
        "ao",
        "ou",
        "an",
        "en",
        "ang",
        "eng",
        "ong",
        "ia",
        "ie",
        "iu",
        "ian",
        "in",
        "iang",
        "ing",
        "iao",
        "ua",
        "uo",
        "ui",
        "uai",
        "uan",
        "un",
        "uang",
    ]
    syllables = {p.replace("ü", "v") for p, _ in _convert_table}
    syllables |= {f"{i}{f}" for i in ("", *"bpmfdtnlgkhjqxzcsryw", "zh", "ch", "sh") for f in finals}
    pinyin = {p: _plain(to_wade_glides(p)) for p in syllables}
    pinyin = {p: w for p, w in pinyin.items() if w.isalpha() and w.isascii()}
    return pinyin, frozenset(pinyin.values())


def _split(word: str, known: frozenset[str] | dict[str, str]) -> list[str] | None:
    """A word as one or two syllables of `known` (Chinese given names have at most two)."""
    if word in known:
        return [word]
    for cut in range(len(word) - 1, 0, -1):
        if word[:cut] in known and word[cut:] in known:
            return [word[:cut], word[cut:]]
    return None


def wade_plain(words: list[list[str]]) -> tuple[str, ...] | None:
    """The name's syllables in apostrophe-less Wade-Giles, or None when it is no Chinese name.

    `words` are the name's words, each already split at hyphens ("tse-tung" -> ["tse", "tung"])."""
    if not 1 <= len(words) <= 3:
        return None
    pinyin, wade = _tables()
    for known in (pinyin, wade):
        syllables: list[str] = []
        for word in words:
            parts = [s for w in word for s in (_split(w, known) or ["?"])] if len(word) > 1 else _split(word[0], known)
            if not parts or "?" in parts:
                break
            syllables.extend(parts)
        else:
            if 2 <= len(syllables) <= 4 and len(words) >= 2:
                return tuple(pinyin[s] for s in syllables) if known is pinyin else tuple(syllables)
    return None
