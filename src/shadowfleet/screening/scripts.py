"""Any script to Latin letters, with the script recorded: a name is compared in one alphabet.

rigour (ICU) spells Cyrillic, Greek, Armenian and Georgian as the lists do ("Ковальчук" -> "Kovalchuk");
Hangul goes syllable by syllable through anyascii, so that the Korean-name model sees each syllable
(rigour runs them together: "김정은" -> "gimjeong-eun"); Han goes through pypinyin, one syllable per
character; whatever ICU leaves unspelt (Khmer, some Arabic letters come back as "?") goes through
anyascii. Every library here is a declared dependency (pyproject.toml).
"""

from __future__ import annotations

from functools import lru_cache

from anyascii import anyascii
from pypinyin import lazy_pinyin
from rigour.text.scripts import text_scripts
from rigour.text.translit import ascii_text

HANGUL = "Hangul"
HAN = "Han"
LATIN = "Latin"
# Scripts that leave short vowels unwritten (or that transliterate them unreliably): their Latin form
# is compared by consonants ("`ly khmny" is "Ali Khamenei"), see compare.py.
ABJADS = frozenset({"Arabic", "Hebrew", "Syriac", "Thaana", "Khmer", "Thai", "Lao", "Myanmar"})
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def script_of(text: str) -> str:
    """The name's script ("Latin" for plain ASCII), or the scripts joined by '+' when mixed."""
    if text.isascii():
        return LATIN
    found = text_scripts(text) - {"Common", "Inherited"}
    return "+".join(sorted(found)) or LATIN


def hangul_syllables(text: str) -> str:
    """Each Hangul syllable romanised alone (Revised Romanisation letters), separated by '-': the
    Korean-name model compares syllables, and given names are written as one word in Hangul."""
    out: list[str] = []
    for ch in text:
        if _HANGUL_FIRST <= ord(ch) <= _HANGUL_LAST:
            if out and out[-1] not in (" ", "-"):
                out.append("-")
            out.append(anyascii(ch).lower())
        else:
            out.append(" " if ch.isspace() else anyascii(ch))
    return "".join(out)


def _han_syllables(text: str) -> str:
    """Mandarin pinyin, one syllable per character; a CJK name has no spaces, so the first character is
    kept apart as the family name ("毛泽东" -> "mao ze-dong")."""
    words = []
    for word in text.split():
        syllables = lazy_pinyin(word, errors=anyascii)
        if len(syllables) >= 2 and all(_is_han(c) for c in word):
            words.append(f"{syllables[0]} {'-'.join(syllables[1:])}")
        else:
            words.append("".join(syllables))
    return " ".join(words)


def _is_han(ch: str) -> bool:
    return 0x3400 <= ord(ch) <= 0x9FFF or 0xF900 <= ord(ch) <= 0xFAFF


@lru_cache(maxsize=100_000)
def to_latin(text: str) -> tuple[str, str]:
    """(the name in ASCII letters, its script)."""
    script = script_of(text)
    if script == LATIN:  # accents off ("José Martínez" -> "Jose Martinez"), else the words break at them
        return (text if text.isascii() else anyascii(text)), LATIN
    if script == HANGUL:
        return hangul_syllables(text), script
    if script == HAN:  # Chinese; Japanese mixes Han with kana and goes through ICU below
        return _han_syllables(text), script
    latin = ascii_text(text)
    if "?" in latin:  # ICU had no spelling for some letters
        latin = anyascii(text)
    return latin, script
