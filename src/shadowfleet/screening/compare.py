"""Two parties in, scored parts out: the one place that decides how alike two records are."""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Levenshtein

from shadowfleet.core.identifiers import imo_valid
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


TOKEN_FLOOR = 0.5  # below this two words are different words, even within the edit budget
_GATE = 0.7  # below this the quick whole-string measure already rules a name out


def similarity(a: NameKey, b: NameKey) -> float:
    """0-1: how alike two names are, word by word, in any order.

    The same letters with other spacing are one name (Kumunsan, Kumun San). Otherwise each word must
    find its counterpart: "Kim Jong Un" and "Kim Jong Man" share two words of three, not 87 % of their
    letters; a word missing from the longer name costs less than a word that differs."""
    if a.joined == b.joined:
        return 1.0
    quick = max(fuzz.token_sort_ratio(a.text, b.text), fuzz.ratio(a.joined, b.joined)) / 100.0
    if quick < _GATE:
        return quick
    sorted_a, sorted_b = "".join(sorted(a.tokens)), "".join(sorted(b.tokens))
    return max(aligned(a.tokens, b.tokens), _near(a.joined, b.joined), _near(sorted_a, sorted_b))


def _near(a: str, b: str) -> float:
    """A typo or two across the whole name (one per dozen letters) is still the name."""
    budget = 1 + max(len(a), len(b)) // 12
    if Levenshtein.distance(a, b, score_cutoff=budget) > budget:
        return 0.0
    return fuzz.ratio(a, b) / 100.0


def _merge_splits(tokens: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    """Join neighbours that the other name writes as one word ("kum un san" -> "kumunsan")."""
    words, merged, i = set(other), [], 0
    while i < len(tokens):
        for width in (3, 2):
            if i + width <= len(tokens) and "".join(tokens[i : i + width]) in words:
                merged.append("".join(tokens[i : i + width]))
                i += width
                break
        else:
            merged.append(tokens[i])
            i += 1
    return tuple(merged)


def word_similarity(x: str, y: str) -> float:
    """Two words are one mistyped when they differ by one edit per four letters (a swap is one edit)."""
    budget = max(1, max(len(x), len(y)) // 4)
    if OSA.distance(x, y, score_cutoff=budget) > budget:
        return 0.0
    return float(OSA.normalized_similarity(x, y))


def aligned(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """Words paired best-first (each used once); the share of letters covered, averaged over both names
    and over the better-covered one."""
    a, b = _merge_splits(left, right), _merge_splits(right, left)
    pairs = sorted(
        ((word_similarity(x, y), min(x, y), max(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    cover_a = cover_b = 0.0
    for sim, _, _, i, j in pairs:
        if sim < TOKEN_FLOOR:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        cover_a += sim * len(a[i])
        cover_b += sim * len(b[j])
    len_a, len_b = sum(map(len, a)), sum(map(len, b))
    if not len_a or not len_b:
        return 0.0
    both = (cover_a + cover_b) / (len_a + len_b)
    if min(len(a), len(b)) == 1 and len(a) != len(b):
        return round(both, 4)  # one shared word ("Patricia") is not a name match
    return round(0.5 * (both + max(cover_a / len_a, cover_b / len_b)), 4)


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
