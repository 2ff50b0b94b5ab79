"""Two parties in, scored parts out: the one place that decides how alike two records are."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from shadowfleet.detect.identity import imo_valid
from shadowfleet.screening.features import NAME_FLOOR, Part, part
from shadowfleet.screening.names import ORGANIZATION, VESSEL, NameKey, name_key

PRIMARY, ALIAS, FORMER = "name", "alias", "former name"


@dataclass(frozen=True)
class Party:
    """What matching knows of a record: a query, a listed entry, or either side of a compared pair."""

    schema: str
    names: tuple[tuple[str, str], ...] = ()  # (kind, raw name), primary first
    imo: int | None = None
    company_imo: int | None = None
    mmsi: int | None = None
    flag: str | None = None
    countries: frozenset[str] = field(default_factory=frozenset)

    def keys(self, schema: str) -> list[tuple[str, str, NameKey]]:
        return [(kind, raw, name_key(raw, schema)) for kind, raw in self.names if raw.strip()]


def similarity(a: NameKey, b: NameKey) -> float:
    """0-1: tokens in any order, or the letters with spaces ignored (Kumunsan = Kumun San)."""
    if a.text == b.text:
        return 1.0
    return max(fuzz.token_sort_ratio(a.text, b.text), fuzz.ratio(a.joined, b.joined)) / 100.0


def one_digit_apart(a: int, b: int) -> bool:
    """One digit changed, or two neighbours swapped: a mistyped or doctored IMO."""
    x, y = f"{a:07d}", f"{b:07d}"
    diff = [i for i in range(7) if x[i] != y[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


def neighbours(imo: int) -> list[int]:
    """Every 7-digit number one digit (or one adjacent swap) from `imo`."""
    text = f"{imo:07d}"
    found = {int(text[:i] + d + text[i + 1 :]) for i in range(7) for d in "0123456789" if d != text[i]}
    found |= {int(text[:i] + text[i + 1] + text[i] + text[i + 2 :]) for i in range(6) if text[i] != text[i + 1]}
    return sorted(found)


def name_parts(query: Party, listed: Party) -> list[Part]:
    """The best name pair's share, and the numbers rule applied to that pair."""
    schema = listed.schema
    best: tuple[float, str, str, str, NameKey, NameKey] | None = None
    for _, qraw, qkey in query.keys(schema):
        for kind, raw, key in listed.keys(schema):
            sim = similarity(qkey, key)
            if best is None or sim > best[0]:
                best = (sim, kind, qraw, raw, qkey, key)
    if best is None or best[0] < NAME_FLOOR:
        return []
    sim, kind, qraw, raw, qkey, key = best
    if schema == VESSEL:
        feature = "former_name" if kind == FORMER else "vessel_name"
    else:
        feature = "party_name" if kind == PRIMARY else "alias_name"
    how = "same name" if sim == 1.0 else f"similarity {sim:.2f}"
    parts = [part(feature, sim, f"{qraw!r} ~ listed {kind} {raw!r}, {how}")]
    if qkey.numbers != key.numbers:
        numbers = f"{'/'.join(sorted(qkey.numbers)) or 'none'} vs {'/'.join(sorted(key.numbers)) or 'none'}"
        parts.append(part("number_mismatch", 1.0, f"numbers in the names differ: {numbers}"))
    return parts


def _vessel_parts(query: Party, listed: Party) -> list[Part]:
    parts: list[Part] = []
    if query.imo and listed.imo:
        if query.imo == listed.imo:
            parts.append(part("imo_exact", 1.0, f"IMO {query.imo} is the listed IMO"))
        elif one_digit_apart(query.imo, listed.imo):
            what = "fails the check digit" if not imo_valid(query.imo) else "passes the check digit"
            detail = f"IMO {query.imo} ({what}) is one digit from listed IMO {listed.imo}: possible manipulation"
            parts.append(part("imo_one_digit", 1.0, detail))
        elif imo_valid(query.imo):
            parts.append(part("imo_mismatch", 1.0, f"IMO {query.imo} is not the listed IMO {listed.imo}"))
    if query.mmsi and query.mmsi == listed.mmsi:
        parts.append(part("mmsi_exact", 1.0, f"MMSI {query.mmsi} is the listed MMSI"))
    if query.flag and listed.flag:
        if query.flag == listed.flag:
            parts.append(part("flag_match", 1.0, f"both flagged {query.flag.upper()}"))
        else:
            parts.append(part("flag_mismatch", 1.0, f"flag {query.flag.upper()} vs listed {listed.flag.upper()}"))
    return parts


def _party_parts(query: Party, listed: Party) -> list[Part]:
    parts: list[Part] = []
    if listed.schema == ORGANIZATION and query.company_imo and query.company_imo == listed.company_imo:
        parts.append(part("company_imo_exact", 1.0, f"company IMO {query.company_imo} is the listed number"))
    if query.countries and listed.countries:
        shared = query.countries & listed.countries
        if shared:
            parts.append(part("country_match", 1.0, f"both tied to {', '.join(sorted(shared)).upper()}"))
        else:
            detail = f"{', '.join(sorted(query.countries)).upper()} vs {', '.join(sorted(listed.countries)).upper()}"
            parts.append(part("country_mismatch", 1.0, detail))
    return parts


def identifier_parts(query: Party, listed: Party) -> list[Part]:
    return _vessel_parts(query, listed) if listed.schema == VESSEL else _party_parts(query, listed)


def compare(query: Party, listed: Party) -> list[Part]:
    """Every feature that fires for this pair (the identifiers first, then the names)."""
    names = name_parts(query, listed)
    ids = identifier_parts(query, listed)
    strong = {"imo_exact", "mmsi_exact", "company_imo_exact", "imo_one_digit"}
    if not names and not any(p.feature in strong for p in ids):
        return []  # countries and flags alone never make a match
    return ids + names
