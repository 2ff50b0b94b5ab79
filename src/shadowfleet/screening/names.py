"""Names made comparable: transliterated, case-folded, stripped of vessel prefixes and legal forms.

Matching compares these keys, never raw strings, so that "M/V KUM UN SAN 3" meets "Kum Un San 3" and
"Korea Kumunsan Shipping Co" meets "KOREA KUMUN SAN SHIPPING COMPANY" (reference.md §4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import add

from rigour.names import extract_org_types, remove_obj_prefixes, remove_org_types
from rigour.text import metaphone

from shadowfleet.screening.chinese import wade_plain
from shadowfleet.screening.hanja import hangul_reading
from shadowfleet.screening.korean import KoreanName, parse
from shadowfleet.screening.memo import cached
from shadowfleet.screening.scripts import ABJADS, HAN, HANGUL, LATIN, hangul_syllables, to_latin
from shadowfleet.screening.tokens import (
    ABBREVIATIONS,
    HONORIFICS,
    NUMBER_WORDS,
    TRANSLATIONS,
    camel_split,
    numbers_joined,
    roman_value,
    spelling,
    unleet,
)

VESSEL = "Vessel"
PERSON = "Person"
ORGANIZATION = "Organization"
SCHEMATA = (VESSEL, PERSON, ORGANIZATION)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"[^a-z0-9-]+")  # words keep their hyphens: "Yong-ho" is two syllables of one name
_QUOTES = re.compile(r"['‘’`´ʼ\"“”]")  # al-Nu'aymi and al-Nu’aymi are one name
# Legal-form words rigour's table keeps (it rewrites "company limited" but leaves "company" alone).
_LEGAL_WORDS = frozenset({"co", "company", "corp", "corporation", "inc", "incorporated", "limited", "ltd", "llc"})
_LEGAL_WORDS |= {"nk"}  # Russian "neftyanaya kompaniya", oil company: part of the form, "PAO NK Rosneft"
_VESSEL_WORDS = frozenset({"mv", "mt", "ms", "ss", "the"})
_DIGITS = re.compile(r"\d+")
_ROMAN_LETTERS = frozenset("ivx")
_LAST_ROMAN = re.compile(r"\s((?=[IVX]{2,}\b)X{0,3}(?:IX|IV|V?I{0,3}))\s*$")  # "Ocean Star II", upper case
_VOWELISH = re.compile(r"[aeiouyhw]")
_DOUBLED = re.compile(r"(.)\1+")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffd]")  # control bytes, bytes that were not UTF-8


@dataclass(frozen=True)
class NameKey:
    """One name, normalised for one kind of party."""

    text: str  # tokens joined by single spaces
    tokens: tuple[str, ...]
    numbers: frozenset[str]  # "KUM UN SAN 3" must not match "KUM UN SAN"
    script: str = LATIN  # the script the name was written in
    notes: tuple[tuple[str, str], ...] = ()  # (feature, what was rewritten) for the explanation
    korean: KoreanName | None = None  # a Korean person's name, syllable by syllable
    chinese: tuple[str, ...] | None = None  # a Chinese name's syllables in one romanisation
    legal: frozenset[str] = frozenset()  # legal forms of a company (rigour's generic classes: llc, jsc ...)
    honorific: bool = False  # a title was dropped ("Ayatollah Khamenei")
    schema: str = PERSON
    raw: str = ""

    @cached
    def joined(self) -> str:
        """Without spaces: romanisations split syllables differently (Kumunsan, Kumun San)."""
        return self.text.replace(" ", "")

    @cached
    def sorted_text(self) -> str:
        return " ".join(sorted(self.tokens))

    @cached
    def abjad(self) -> bool:
        return self.script in ABJADS

    # Forms the comparison reaches for, computed once per name (listed names are compared many times).
    @cached
    def spelt(self) -> tuple[str, ...]:
        return tuple(spelling(t) for t in self.tokens)

    @cached
    def spelt_set(self) -> frozenset[str]:
        return frozenset(self.spelt)

    @cached
    def spelt_joined(self) -> str:
        return "".join(self.spelt)

    @cached
    def sound(self) -> tuple[str, ...]:
        """Each word's metaphone key (rigour): "qadhafi" and "gaddafi" both KTF-like, "ghani" and "qani" KN."""
        return tuple(metaphone(t).lower() or t for t in self.tokens)

    @cached
    def sound_set(self) -> frozenset[str]:
        return frozenset(self.sound)

    @cached
    def sound_letters(self) -> dict[str, int]:
        """Letters of the words behind each metaphone key: the cheap stage's bound adds these up."""
        found: dict[str, int] = {}
        for t, k in zip(self.tokens, self.sound, strict=True):
            found[k] = found.get(k, 0) + len(t)
        return found

    @cached
    def skeleton(self) -> tuple[str, ...]:
        """Consonants only, doubled letters once: what an abjad writes ("khamenei" -> "kmn")."""
        return tuple(_DOUBLED.sub(r"\1", _VOWELISH.sub("", t)) or t for t in self.tokens)

    @cached
    def skeleton_joined(self) -> str:
        return "".join(self.skeleton)

    @cached
    def reversed_words(self) -> frozenset[str]:
        """Each word of three letters or more written backwards ("nitup" meets "putin")."""
        return frozenset(t[::-1] for t in self.tokens if len(t) >= 3 and t != t[::-1])

    @cached
    def backwards(self) -> tuple[str, ...]:
        """The words written backwards, sorted: "nU gnoJ miK" is "Kim Jong Un"."""
        return tuple(sorted(t[::-1] for t in self.tokens))

    @cached
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @cached
    def sorted_tokens(self) -> tuple[str, ...]:
        return tuple(sorted(self.tokens))

    @cached
    def all_words(self) -> tuple[str, ...]:
        """Every word as written, legal forms included (NIOC's C is the Company)."""
        return tuple(t for t in _NON_WORD.split(_QUOTES.sub("", to_latin(self.raw)[0].casefold())) if t)

    @cached
    def family(self) -> frozenset[str]:
        """The words before a comma ("ALI, Hassan Ahmad"): how the lists mark a person's family name."""
        if "," not in self.raw:
            return frozenset()
        head = self.raw.split(",", 1)[0]
        return frozenset(t for t in _NON_WORD.split(_QUOTES.sub("", to_latin(head)[0].casefold())) if t)

    @cached
    def initials(self) -> bool:
        return any(len(t) == 1 for t in self.tokens)

    @cached
    def longest(self) -> str:
        return max(self.tokens, key=len, default="")

    def prepare(self) -> None:
        """Compute now the forms comparison reaches for: a listed name is compared with many queries, so
        the screener pays for them once at build rather than on the first query that meets the name."""
        for form in _PREPARED:
            getattr(self, form)
        neighbour_joins(self.tokens)  # what the word alignment looks up first, for the words as written
        neighbour_joins(self.spelt)  # ... and as read by sound
        if self.abjad:
            neighbour_joins(self.skeleton)  # ... and, for an abjad, by their consonants
        if self.schema == PERSON:
            self.family  # noqa: B018  (the lists' comma: only persons' names are read for it)


# The cached forms of a listed name that the screener's cheap stage and the comparison read.
_PREPARED = (
    "joined", "sorted_text", "spelt", "spelt_set", "spelt_joined", "sound", "sound_set", "sound_letters",
    "skeleton", "skeleton_joined", "reversed_words", "backwards", "token_set", "sorted_tokens", "initials",
    "longest", "abjad",
)  # fmt: skip


@lru_cache(maxsize=1 << 18)  # the listed names' (built with the screener) and the queries'
def neighbour_joins(tokens: tuple[str, ...]) -> frozenset[str]:
    """Every two and three neighbouring words run together ("kum un san" -> kumun, unsan, kumunsan): the
    word alignment asks whether the other name writes any of them as one word."""
    threes = zip(tokens, tokens[1:], tokens[2:], strict=False)
    return frozenset(map(add, tokens, tokens[1:])) | frozenset(map("".join, threes))


def _rewrite(tokens: list[str], schema: str, notes: list[tuple[str, str]]) -> list[str]:
    """Digits for letters, number words, roman numerals: each rewrite noted."""
    if schema != VESSEL and not all(t.isalpha() or t.isdigit() for t in tokens):
        plain = [unleet(t) or t for t in tokens]  # a vessel's digits are its number ("KUM UN SAN 3")
        if plain != tokens:
            changed = ", ".join(f"{a}->{b}" for a, b in zip(tokens, plain, strict=True) if a != b)
            notes.append(("digits_for_letters", changed))
            tokens = plain
    if any(t[0].isdigit() or t in NUMBER_WORDS for t in tokens):
        tokens, numbered = numbers_joined(tokens)
        if numbered:
            notes.append(("number_words", "number words and ordinals read as numbers"))
    short = ABBREVIATIONS.get(schema, {})
    if any(t in short for t in tokens):
        notes.append(("abbreviation", ", ".join(f"{t.upper()}={short[t]}" for t in tokens if t in short)))
        tokens = [short.get(t, t) for t in tokens]
    if schema == ORGANIZATION and any(t in TRANSLATIONS for t in tokens):
        notes.append(
            ("translated_word", ", ".join(f"{t.upper()}={TRANSLATIONS[t]}" for t in tokens if t in TRANSLATIONS))
        )
        tokens = [TRANSLATIONS.get(t, t) for t in tokens]
    if any(_ROMAN_LETTERS.issuperset(t) for t in tokens):
        roman = []
        for i, t in enumerate(tokens):
            value = roman_value(t) if len(t) >= 2 or (i == len(tokens) - 1 and i and schema != PERSON) else None
            roman.append(str(value) if value else t)
        if roman != tokens:
            changed = ", ".join(f"{a.upper()}={b}" for a, b in zip(tokens, roman, strict=True) if a != b)
            notes.append(("roman_numeral", changed))
            tokens = roman
    return tokens


@lru_cache(maxsize=200_000)
def name_key(name: str, schema: str) -> NameKey:
    """The comparable form of `name` for a party of `schema` (Vessel, Person, Organization)."""
    notes: list[tuple[str, str]] = []
    name = _UNPRINTABLE.sub(" ", name)
    split, camel = camel_split(name)
    if camel and schema != PERSON:
        notes.append(("joined_words", f"{name!r} read as {split!r}"))
        name = split
    legal: frozenset[str] = frozenset()
    if schema == ORGANIZATION and (numeral := _LAST_ROMAN.search(name)):
        # rigour reads a closing "II" as a legal form (sp, a partnership) and drops it: "Fund II" is number 2
        value = roman_value(numeral.group(1).casefold())
        notes.append(("roman_numeral", f"{numeral.group(1)}={value}"))
        name = f"{name[: numeral.start(1)]}{value}{name[numeral.end(1) :]}"
    if schema == ORGANIZATION:  # rigour knows legal forms in their own script (ПАО, ООО, 株式会社)
        legal = frozenset(generic for _, generic in extract_org_types(name, generic=True))
        name = remove_org_types(name.casefold()) if legal else name
    latin, script = to_latin(name)
    if script != LATIN:
        notes.append(("transliterated", f"{script} {name.strip()!r} read as {latin.strip()!r}"))
    text = _QUOTES.sub("", latin.casefold())
    if schema == VESSEL:
        text = remove_obj_prefixes(text.replace("m/v", "mv").replace("m/t", "mt"))
    elif schema == ORGANIZATION:
        legal |= frozenset(generic for _, generic in extract_org_types(text, generic=True))
        text = remove_org_types(text)
    words = [w.strip("-").split("-") for w in _WORDS.split(text) if w.strip("-")]
    tokens = [t for t in _NON_WORD.split(text) if t]
    titles = 0
    while schema == PERSON and titles < len(tokens) - 1 and tokens[titles] in HONORIFICS:
        titles += 1  # titles lead a name: "Ayatollah Ali Khamenei", "Sheikh Mohammed"
    if titles:
        notes.append(("honorific", f"{' '.join(tokens[:titles])!r} dropped as a title"))
        tokens = tokens[titles:]
        words = words[titles:] if all(len(w) == 1 for w in words[:titles]) else words
    tokens = _rewrite(tokens, schema, notes)
    drop = _VESSEL_WORDS if schema == VESSEL else _LEGAL_WORDS if schema == ORGANIZATION else frozenset()
    kept = tuple(t for t in tokens if t not in drop) or tuple(tokens)
    numbers = frozenset(n.lstrip("0") or "0" for t in kept for n in _DIGITS.findall(t))
    korean = parse(words, script == HANGUL) if schema == PERSON else None
    chinese = wade_plain(words) if schema == PERSON and korean is None else None
    if schema == PERSON and script == HAN and korean is None:
        korean = _hanja_korean(name)  # 金正恩 is Kim Jong Un; the pinyin reading stays for a Chinese name
    return NameKey(
        " ".join(kept), kept, numbers, script, tuple(notes), korean, chinese, legal, bool(titles), schema, name
    )


def _hanja_korean(name: str) -> KoreanName | None:
    """A hanja name read in Korean (hanja.py), syllable by syllable, the reading kept for the explanation."""
    reading = hangul_reading(name)
    if reading is None:
        return None
    found = parse([w.split("-") for w in hangul_syllables(reading).split()], True)
    return replace(found, spelled=f"{name.strip()} ({reading}, {found.spelled})") if found else None


def schema_of(text: str | None) -> str | None:
    """A party type as users and lists write it, mapped to the three schemata matching knows."""
    if not text:
        return None
    word = text.strip().casefold()
    if word in ("vessel", "ship", "boat", "tanker"):
        return VESSEL
    if word in ("person", "individual", "people", "natural person"):
        return PERSON
    if word in ("organization", "organisation", "company", "entity", "legalentity", "legal entity", "business"):
        return ORGANIZATION
    raise ValueError(f"type {text!r}: use vessel, person or company")


_BRACKETS = re.compile(r"\s*\(.*?\)")


@lru_cache(maxsize=4096)
def country_code(text: str | None) -> str | None:
    """ISO 3166 alpha-2 (lower case) for a country as lists, registries and users spell it, or None."""
    if not text or not text.strip():
        return None
    from rigour.territories import lookup_territory

    for candidate in (text, _BRACKETS.sub("", text)):
        found = lookup_territory(candidate.strip())
        if found is not None:
            return str(found.code)
    return None


# One name in each script the lists hold: reading them once loads ICU's transliterators, the pinyin
# tables and rigour's legal forms (tens of milliseconds each), so that no user's first query waits.
_SAMPLES = (
    "Kim Jong Un",
    "Владимир Путин",
    "Αλέξης",
    "علي خامنئي",
    "אברהם",
    "毛泽东",
    "김정은",
    "ウラジーミル",
    "ហ៊ុន សែន",
)


def warm() -> None:
    """Load every table that reading a name needs (the screener calls this when it is built)."""
    for sample in _SAMPLES:
        for schema in SCHEMATA:
            name_key(sample, schema)
