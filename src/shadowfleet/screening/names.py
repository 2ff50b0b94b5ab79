"""Names made comparable: transliterated, case-folded, stripped of vessel prefixes and legal forms.

Matching compares these keys, never raw strings, so that "M/V KUM UN SAN 3" meets "Kum Un San 3" and
"Korea Kumunsan Shipping Co" meets "KOREA KUMUN SAN SHIPPING COMPANY" (reference.md §4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rigour.names import remove_obj_prefixes, remove_org_types
from rigour.text import ascii_text

VESSEL = "Vessel"
PERSON = "Person"
ORGANIZATION = "Organization"
SCHEMATA = (VESSEL, PERSON, ORGANIZATION)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_QUOTES = re.compile(r"['‘’`´ʼ\"“”]")  # al-Nu'aymi and al-Nu’aymi are one name
# Legal-form words rigour's table keeps (it rewrites "company limited" but leaves "company" alone).
_LEGAL_WORDS = frozenset({"co", "company", "corp", "corporation", "inc", "incorporated", "limited", "ltd", "llc"})
_VESSEL_WORDS = frozenset({"mv", "mt", "ms", "ss", "the"})
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class NameKey:
    """One name, normalised for one kind of party."""

    text: str  # tokens joined by single spaces
    tokens: tuple[str, ...]
    numbers: frozenset[str]  # "KUM UN SAN 3" must not match "KUM UN SAN"

    @property
    def joined(self) -> str:
        """Without spaces: romanisations split syllables differently (Kumunsan, Kumun San)."""
        return self.text.replace(" ", "")

    @property
    def sorted_text(self) -> str:
        return " ".join(sorted(self.tokens))


@lru_cache(maxsize=200_000)
def name_key(name: str, schema: str) -> NameKey:
    """The comparable form of `name` for a party of `schema` (Vessel, Person, Organization)."""
    text = name if name.isascii() else ascii_text(name)
    text = _QUOTES.sub("", text.casefold())
    if schema == VESSEL:
        text = remove_obj_prefixes(text.replace("m/v", "mv").replace("m/t", "mt"))
    elif schema == ORGANIZATION:
        text = remove_org_types(text)
    tokens = tuple(t for t in _NON_WORD.split(text) if t)
    drop = _VESSEL_WORDS if schema == VESSEL else _LEGAL_WORDS if schema == ORGANIZATION else frozenset()
    kept = tuple(t for t in tokens if t not in drop) or tokens
    numbers = frozenset(n.lstrip("0") or "0" for t in kept for n in _DIGITS.findall(t))
    return NameKey(" ".join(kept), kept, numbers)


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
