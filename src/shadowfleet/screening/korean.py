"""Korean names: McCune-Reischauer, Revised and DPRK spellings of one name, syllable by syllable.

The DPRK lists write "Ri Yong Ho", South Korean sources "Lee Yong-ho", older ones "Yi Yong-ho"; "Choe Ryong
Hae" is "Choi Ryong-hae", "Chol" is "Cheol", "Jong" is "Chong", "Un" is "Eun". Each syllable is reduced to
a canonical form that every system spells the same (initials: ch/j, k/g, t/d, p/b, r/l merge, the DPRK
initial r before y/i drops; vowels: eo/o, eu/u merge; finals: k/g, l/r, t/d/s, p/b merge), family names
through the table of their usual spellings. Given names are then compared syllable by syllable: one
different syllable is another person ("Ri Song Chol" is not "Ri Song Hyok", "박봉주" is not "박봉수").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_VOWELS = "wae|weo|yae|yeo|eui|ae|ai|eo|eu|ee|oe|oi|oo|ui|wa|we|wi|wo|ya|ye|yi|yo|yu|a|e|i|o|u"
_SYLLABLE = re.compile(rf"^(tch|ch|jj|kk|tt|pp|ss|sh|[gkndtrlmbpsjhcf])?({_VOWELS})(ng|ck|[kgnltdmbp])?$")
_INITIAL = {"tch": "j", "ch": "j", "jj": "j", "c": "j", "kk": "g", "k": "g", "tt": "d", "t": "d"}
_INITIAL |= {"pp": "b", "p": "b", "f": "b", "ss": "s", "sh": "s", "l": "r"}
# eo, o, u and eu merge: South Korean custom writes 정 Jung, 철 Chul, 성 Sung where MR writes Chong,
# Ch'ol, Song, and the family name and every consonant must still agree.
_VOWEL = {"eo": "o", "u": "o", "eu": "o", "oo": "o", "yeo": "yo", "yu": "yo", "ee": "i", "yi": "i", "eui": "ui"}
_VOWEL |= {"oi": "oe"}
_VOWEL |= {"we": "oe", "weo": "wo", "ai": "ae"}
_FINAL = {"ck": "k", "g": "k", "r": "l", "d": "t", "b": "p"}

# Usual spellings of the common family names (MR, RR, DPRK and South Korean custom), each set to one
# RR spelling that the syllable rules then reduce. Sources: National Institute of Korean Language
# romanisation tables; the spellings on the UN 1718 and OFAC DPRK lists.
_FAMILIES = {
    "i": "lee rhee yi ri li i ree rhie yee",
    "bak": "park pak bak bag pahk",
    "choe": "choi choe chwe choy chey",
    "gim": "kim gim ghim",
    "jeong": "jung chung jeong jong chong cheong",
    "jo": "cho jo joe jho",
    "jeon": "jeon jon chon chun jun cheon",
    "sin": "shin sin shinn",
    "o": "oh o",
    "no": "roh ro noh no rho",
    "im": "lim rim im yim",
    "yu": "ryu yu yoo you ryoo lyu",
    "yang": "yang ryang",
    "han": "han hahn",
    "hwang": "hwang whang",
    "gang": "kang gang",
    "go": "ko go koh",
    "gu": "ku gu koo goo",
    "gwon": "kwon gwon kwun",
    "son": "son sohn",
    "song": "song",
    "mun": "moon mun",
    "hyeon": "hyun hyon hyeon",
    "ju": "ju joo chu choo",
    "yeom": "yeom yom ryom youm",
    "bae": "bae pae bai",
    "baek": "baek paek paik baik",
    "seo": "seo so suh soh",
    "seok": "seok sok suk",
    "an": "ahn an",
    "nam": "nam",
    "jang": "jang chang",
    "jin": "jin chin",
    "yun": "yun yoon",
    "gye": "kye gye",
    "hong": "hong",
    "heo": "heo ho hur huh",
    "cha": "cha",
    "byeon": "pyon byun byeon pyun",
    "bang": "pang bang",
    "sim": "sim shim",
    "eom": "um eom om",
    "gil": "kil gil",
    "gong": "kong gong",
    "gwak": "kwak gwak",
    "chae": "chae chai",
    "ma": "ma",
    "min": "min",
    "myeong": "myong myeong",
    "tae": "tae",
    "wang": "wang",
    "won": "won",
}
FAMILY = {spelling: rr for rr, spellings in _FAMILIES.items() for spelling in spellings.split()}


@lru_cache(maxsize=8192)
def canonical(syllable: str) -> str | None:
    """One romanised syllable in the form every system shares, or None when it is no Korean syllable."""
    found = _SYLLABLE.match(syllable)
    if found is None:
        return None
    initial, vowel, final = found.group(1) or "", found.group(2), found.group(3) or ""
    initial = _INITIAL.get(initial, initial)
    vowel = _VOWEL.get(vowel, vowel)
    if initial == "r" and vowel[0] in "yi":
        initial = ""  # DPRK Ryong, Ri; South Yong, I
    return initial + vowel + _FINAL.get(final, final)


@dataclass(frozen=True)
class KoreanName:
    readings: tuple[tuple[str, tuple[str, ...]], ...]  # (family, given syllables), canonical; "Jong Un Kim"
    spelled: str  # as written, for the explanation          has two: family JONG or KIM


def _family(word: str) -> str | None:
    rr = FAMILY.get(word)
    return canonical(rr) if rr else None


def parse(words: list[list[str]], hangul: bool) -> KoreanName | None:
    """A name of 2-4 Korean syllables in at most three words, the family name first or last (first
    when written in Hangul); None when it is not such a name."""
    syllables = [s for w in words for s in w]
    if not words:
        return None
    ends = {w[0] for w in (words[0], words[-1]) if len(w) == 1 and w[0] in FAMILY} if not hangul else set()
    if not 2 <= len(syllables) <= 4 or len(words) > 3 or any(canonical(s) is None for s in syllables if s not in ends):
        return None
    spelled = " ".join("-".join(w) for w in words)
    if hangul:  # written family first, one syllable
        return KoreanName(((canonical(syllables[0]) or "", tuple(canonical(s) or "" for s in syllables[1:])),), spelled)
    if len(words) < 2:
        return None
    readings = []
    for family_word, rest in ((words[0], words[1:]), (words[-1], words[:-1])):
        family = _family(family_word[0]) if len(family_word) == 1 else None
        if family is not None:
            readings.append((family, tuple(canonical(s) or "" for w in rest for s in w)))
    return KoreanName(tuple(readings), spelled) if readings else None


def compare_korean(a: KoreanName, b: KoreanName) -> tuple[float, str]:
    """(similarity, why): the same family and the same given syllables, or a different person."""
    return max((_compare(a, b, x, y) for x in a.readings for y in b.readings), key=lambda r: r[0])


def _compare(
    a: KoreanName, b: KoreanName, x: tuple[str, tuple[str, ...]], y: tuple[str, tuple[str, ...]]
) -> tuple[float, str]:
    what = f"Korean name {a.spelled!r} ~ {b.spelled!r}"
    (family_a, given_a), (family_b, given_b) = x, y
    if family_a != family_b:
        return 0.3, f"{what}: family names {family_a.upper()} and {family_b.upper()} differ"
    if given_a == given_b or "".join(given_a) == "".join(given_b):
        return 1.0, f"{what}: family {family_a.upper()}, given {'-'.join(given_a).upper()} (romanisations agree)"
    if len(given_a) == len(given_b):
        diff = [f"{p.upper()}/{q.upper()}" for p, q in zip(given_a, given_b, strict=True) if p != q]
        return 0.5, f"{what}: given-name syllable {', '.join(diff)} differs: another person"
    return 0.6, f"{what}: given names {'-'.join(given_a).upper()} and {'-'.join(given_b).upper()} differ in length"
