"""Two parties in, scored parts out: the one place that decides how alike two records are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Levenshtein
from rigour.names import NameTypeTag, SymbolCategory, analyze_names

from shadowfleet.core.identifiers import imo_valid
from shadowfleet.screening.features import FEATURES, NAME_FLOOR, Part, part
from shadowfleet.screening.korean import compare_korean
from shadowfleet.screening.memo import cached
from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL, NameKey, name_key, neighbour_joins
from shadowfleet.screening.scripts import HAN, HANGUL
from shadowfleet.screening.tokens import GENERIC_ANY, INDUSTRY_ANY, acronym_of, is_country_word

PRIMARY, ALIAS, FORMER = "name", "alias", "former name"
NamedKey = tuple[str, str, NameKey]  # (kind, raw name, its key)


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

    def keys(self, schema: str) -> list[NamedKey]:
        if schema == self.schema:
            return self.own_keys
        return [(kind, raw, name_key(raw, schema)) for kind, raw in self.names if raw.strip()]

    @cached
    def own_keys(self) -> list[NamedKey]:
        """The names' keys for this party's own schema, built once (a listed party is compared often)."""
        return [(kind, raw, name_key(raw, self.schema)) for kind, raw in self.names if raw.strip()]


TOKEN_FLOOR = 0.5  # below this two words are different words, even within the edit budget
_GATE = 0.7  # below this the quick whole-string measure already rules a name out
_FAMILY_GATE = 0.6  # ... unless the names share a family name (every labelled match of that kind is >= 0.63)
# Scripts whose names rigour's Wikidata name table bridges better than a transliteration does
# (katakana "ウラジーミル" is "Vladimir"; Arabic "علي" is "Ali").
# Loading the table takes seconds, so pair scoring and the screener's kana queries alone use it.
KANA = frozenset({"Katakana", "Hiragana", "Han+Katakana", "Han+Hiragana", "Hiragana+Katakana"})
_PARTICLES = frozenset({"al", "el", "bin", "ibn", "bint", "abu", "abd", "ben", "de", "da", "van", "von", "ul"})

Note = tuple[str, float, str]  # (feature, value, detail): a part of the explanation


@dataclass(frozen=True)
class NameMatch:
    """How alike two names are (0-1) and the features that say why, penalties included."""

    sim: float
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class _Aligned:
    score: float
    left_over_a: tuple[str, ...]  # words with no counterpart
    left_over_b: tuple[str, ...]
    matched: tuple[tuple[str, str], ...]
    kinds: frozenset[str]  # how words were matched besides spelling (initials, reversed ...)
    cover_short: float = 0.0  # the share of the fully matched name's letters covered (0 when neither is)


def similarity(a: NameKey, b: NameKey) -> float:
    """0-1: how alike two names are, word by word, in any order (the penalties are not in it)."""
    return match_names(a, b).sim


def match_names(a: NameKey, b: NameKey, bridge: bool = False) -> NameMatch:
    """Two names compared in the way their kind asks: Korean and Chinese names syllable by syllable,
    acronyms, other scripts, then word by word with the distinctive words checked."""
    rewrites: tuple[Note, ...] = ()
    if a.notes or b.notes:
        rewrites = tuple((feature, 1.0, detail) for feature, detail in dict.fromkeys((*a.notes, *b.notes)))
    if a.joined == b.joined:
        return NameMatch(1.0, (*rewrites, *_legal_forms(a, b)))
    if a.korean and b.korean:
        sim, why = compare_korean(a.korean, b.korean)
        return NameMatch(sim, (*rewrites, ("korean_name", 1.0 if sim == 1.0 else 0.0, why)))
    if len(a.tokens) > 1 and a.backwards == b.sorted_tokens:
        return NameMatch(1.0, (*rewrites, ("reversed_word", 1.0, f"{a.text!r} is {b.text!r} written backwards")))
    if a.chinese and b.chinese and a.chinese == b.chinese:
        why = f"Chinese name {a.text!r} ~ {b.text!r}: both {'-'.join(a.chinese).upper()} (pinyin / Wade-Giles)"
        return NameMatch(1.0, (*rewrites, ("chinese_name", 1.0, why)))
    if a.schema == ORGANIZATION:
        for short, long in ((a, b), (b, a)):
            if len(short.tokens) == 1 and acronym_of(short.tokens[0], long.all_words):
                why = f"{short.tokens[0].upper()} is the acronym of {long.text!r}"
                return NameMatch(0.9, (*rewrites, ("acronym", 1.0, why)))
    found = _words(a, b)
    if bridge and found.sim < NAME_FLOOR and (a.script in KANA or b.script in KANA):
        by_symbols = _symbols(a, b)
        if by_symbols.sim > found.sim:
            found = by_symbols
    return NameMatch(found.sim, (*rewrites, *found.notes))


def worth_comparing(a: NameKey, b: NameKey) -> bool:
    """False when `match_names(a, b)` is sure to stay below NAME_FLOOR: the screener's cheap first stage,
    which most of the index's candidates do not pass (no alignment, no explanation built for them)."""
    if a.joined == b.joined or (a.korean and b.korean) or (a.chinese and b.chinese):
        return True
    if len(a.tokens) > 1 and a.backwards == b.sorted_tokens:
        return True
    if a.schema == ORGANIZATION and (len(a.tokens) == 1 or len(b.tokens) == 1):
        return True  # an acronym
    return _worth_aligning(a, b, _quick(a, b, enough=_GATE))


def _quick(a: NameKey, b: NameKey, enough: float = 1.0) -> float:
    """The whole-string measure: the words in sorted order, or run together. Once the first reaches
    `enough` the second is not computed (the cheap stage only asks whether it clears its gate)."""
    in_order = fuzz.ratio(a.sorted_text, b.sorted_text) / 100.0
    if in_order >= enough:
        return in_order
    return max(in_order, fuzz.ratio(a.joined, b.joined) / 100.0)


def _worth_aligning(a: NameKey, b: NameKey, quick: float) -> bool:
    """Whether a name the quick measure rules out may still match word by word: a name dropped, a
    disguised word, a spelling variant, an abjad's consonants, initials or a title (cheap tests first)."""
    if quick >= _GATE:
        return True
    words_a, words_b = a.token_set, b.token_set
    if words_a <= words_b or words_b <= words_a or a.reversed_words & words_b or b.reversed_words & words_a:
        return True
    if a.spelt_set <= b.spelt_set or b.spelt_set <= a.spelt_set:
        return True  # one name's words in the other, read by sound ("Al Mashreq Investment Fund", "Al Mashrek Fund")
    if (a.spelt_joined != a.joined or b.spelt_joined != b.joined) and fuzz.ratio(a.spelt_joined, b.spelt_joined) >= 80:
        return True
    if (a.abjad or b.abjad) and fuzz.ratio(a.skeleton_joined, b.skeleton_joined) >= 70:
        return True
    if a.schema != PERSON:
        return False
    if (a.initials or a.honorific) and a.longest in words_b:
        return True  # "A. G. Lukashenko": an initial, or a title, with one word of the other name
    if (b.initials or b.honorific) and b.longest in words_a:
        return True
    if (shared := a.sound_set & b.sound_set) and _sounds_reach_floor(a, b, shared):
        return True  # the same metaphone keys
    # a family name in common: given names may be spelt apart or one left out
    return quick >= _FAMILY_GATE and _family_in_common(a, b)


def _family_in_common(a: NameKey, b: NameKey) -> bool:
    """Both names of two words or more, sharing a word that is not a particle (al, bin ...), and the
    shorter name's one or two other words each near one of the longer's, as written or read by sound."""
    shared = a.token_set & b.token_set
    if not shared or shared <= _PARTICLES or len(a.tokens) < 2 or len(b.tokens) < 2:
        return False
    short, long = (a, b) if len(a.tokens) <= len(b.tokens) else (b, a)
    rest = [(t, s) for t, s in zip(short.tokens, short.spelt, strict=True) if t not in shared and t not in _PARTICLES]
    if len(rest) > 2 or not any(len(w) >= 3 and w not in _PARTICLES for w in shared):
        return False
    others = [(t, s) for t, s in zip(long.tokens, long.spelt, strict=True) if t not in shared]
    return all(any(_near_word(word, t) or _near_word(sound, s) for t, s in others) for word, sound in rest)


def _near_word(x: str, y: str) -> bool:
    """Whether two words may pair in `aligned`: lengths within the edit budget (or an initial) first,
    as that rules most pairs out without computing a distance."""
    return _may_pair(x, y, person=True, exact=False) and _relation(x, y, True)[0] >= TOKEN_FLOOR


def _words(a: NameKey, b: NameKey) -> NameMatch:
    quick = _quick(a, b)
    if not _worth_aligning(a, b, quick):
        return NameMatch(quick)
    person = a.schema == PERSON
    found = aligned(a.tokens, b.tokens, person)
    near = max(_near(a.joined, b.joined), _near("".join(a.sorted_tokens), "".join(b.sorted_tokens)))
    sim = max(found.score, near)
    extra: list[Note] = []
    if HAN in (a.script, b.script):
        return _han(a, b)
    sim, found, extra = _readings(a, b, sim, found)
    if (a.abjad or b.abjad) and sim < NAME_FLOOR and min(len(a.skeleton_joined), len(b.skeleton_joined)) >= 6:
        ratio = fuzz.ratio(a.skeleton_joined, b.skeleton_joined) / 100.0
        if ratio >= 0.88:  # words split differently ("abd al-rahman" / "abderrahmane")
            sim = round(0.9 * ratio, 4)
            extra = [("consonants", 1.0, f"{a.text!r} ~ {b.text!r}: the same consonants ({a.script}/{b.script})")]
    if person and sim < 0.85 and bool(found.left_over_a) != bool(found.left_over_b):
        shorter = a if not found.left_over_a else b
        dropped = [w for w in found.left_over_a or found.left_over_b if w not in _PARTICLES]
        content = [w for w in shorter.tokens if w not in _PARTICLES]
        # a patronymic left out of a two-word name; of a longer name, any but one of its own number of words
        allowed = 1 if len(content) < 3 else len(content) - 1
        if len(content) >= 2 and 1 <= len(dropped) <= allowed and found.cover_short >= 0.8:
            sim = max(sim, round(0.9 * found.cover_short, 4))
            extra.append(("name_dropped", 1.0, f"{', '.join(map(repr, dropped))} in one record only"))
    notes: list[Note] = [(k, 1.0, _KIND_DETAIL[k]) for k in sorted(found.kinds)] + extra
    sim, extra = _brand_and_title(a, b, found, sim)
    notes.extend(extra)
    if sim >= NAME_FLOOR:
        # a whole-name typo budget that the words' alignment missed: the left-over words are that typo
        notes.extend(_penalties(a, b, found, typo=near >= sim and near > found.score))
    return NameMatch(round(sim, 4), tuple(notes))


def _readings(a: NameKey, b: NameKey, sim: float, found: _Aligned) -> tuple[float, _Aligned, list[Note]]:
    """The names read by sound, by an abjad's consonants, or (persons) by their metaphone keys, when
    that brings them closer than their letters do."""
    extra: list[Note] = []
    if sim < 0.95 and (a.spelt != a.tokens or b.spelt != b.tokens):
        spelt = aligned(a.spelt, b.spelt, exact=True)  # short words must then agree: "li" is not "liu"
        if spelt.score * 0.98 > sim:
            sim, found = round(spelt.score * 0.98, 4), spelt
            extra.append(
                ("spelling_variant", 1.0, f"{a.text!r} ~ {b.text!r} read by sound (w/v, ij/y, kh/h, ou/u ...)")
            )
    if (a.abjad or b.abjad) and sim < 0.95:
        skeleton = aligned(a.skeleton, b.skeleton, a.schema == PERSON)
        if skeleton.score * 0.95 > sim:
            sim, found = round(skeleton.score * 0.95, 4), skeleton
            why = f"{a.text!r} ~ {b.text!r} compared by consonants ({a.script}/{b.script})"
            extra = [("consonants", 1.0, why)]
    if a.schema == PERSON and sim < NAME_FLOOR:
        sound = sounds_alike(a, b)
        if sound.score * SOUND_FACTOR > sim:
            sim, found = round(sound.score * SOUND_FACTOR, 4), sound
            keys = ", ".join(
                f"{x}={k.upper()}" for x, k in zip(a.tokens, a.sound, strict=True) if x not in sound.left_over_a
            )
            extra = [("sounds_alike", 1.0, f"{a.text!r} ~ {b.text!r}: the same metaphone keys ({keys})")]
    return sim, found, extra


SOUND_FACTOR = 0.9  # a name met by its sound only is a little less sure than one met by its letters


def sounds_alike(a: NameKey, b: NameKey) -> _Aligned:
    """Words of two persons' names paired by their metaphone key, each word once ("KHAYRBIK"/"KHEIRBEK"
    KHRBK, "GHANI"/"QANI" KN), scored as `aligned` scores words: the letters covered, over both names and
    the better-covered one. Dictionary look-ups only, so that the screener's cheap stage computes it whole.
    Names from Hangul or Han are left to the Korean and Chinese models (their syllables are short)."""
    if min(len(a.tokens), len(b.tokens)) < 2 or {a.script, b.script} & {HAN, HANGUL}:
        return _Aligned(0.0, a.tokens, b.tokens, (), frozenset())
    rest_a, rest_b = _unpaired(a, b), _unpaired(b, a)
    hit_a = len(a.joined) - sum(map(len, rest_a))
    hit_b = len(b.joined) - sum(map(len, rest_b))
    if not hit_a or not hit_b:
        return _Aligned(0.0, a.tokens, b.tokens, (), frozenset())
    cover_a, cover_b = hit_a / len(a.joined), hit_b / len(b.joined)
    both = (hit_a + hit_b) / (len(a.joined) + len(b.joined))
    matched = tuple((t, "") for t in a.tokens if t not in rest_a)
    short = cover_a if not rest_a else cover_b if not rest_b else 0.0
    return _Aligned(round(0.5 * (both + max(cover_a, cover_b)), 4), rest_a, rest_b, matched, frozenset(), short)


def _sounds_reach_floor(a: NameKey, b: NameKey, shared: frozenset[str]) -> bool:
    bound = _sound_bound(a, b, shared) * SOUND_FACTOR >= NAME_FLOOR
    return bound and sounds_alike(a, b).score * SOUND_FACTOR >= NAME_FLOOR


def _sound_bound(a: NameKey, b: NameKey, shared: frozenset[str]) -> float:
    """At least `sounds_alike(a, b).score`: the words whose key is anywhere in the other name, as if each
    paired (dictionary look-ups, no counting: most candidates stop here)."""
    letters_a, letters_b = a.sound_letters, b.sound_letters
    hit_a = hit_b = 0
    for k in shared:  # one loop, no generators: most of the cheap stage's candidates reach this line
        hit_a += letters_a[k]
        hit_b += letters_b[k]
    len_a, len_b = len(a.joined), len(b.joined)
    return 0.5 * ((hit_a + hit_b) / (len_a + len_b) + max(hit_a / len_a, hit_b / len_b))


def _unpaired(a: NameKey, b: NameKey) -> tuple[str, ...]:
    """`a`'s words whose metaphone key is not left among `b`'s keys (each of `b`'s keys pairs once)."""
    left: dict[str, int] = {}  # a plain dict: a Counter costs more to build than the pairing itself
    for k in b.sound:
        if len(k) >= 2:
            left[k] = left.get(k, 0) + 1
    rest = []
    for t, k in zip(a.tokens, a.sound, strict=True):
        if left.get(k, 0) > 0:
            left[k] -= 1
        else:
            rest.append(t)
    return tuple(rest)


_KIND_DETAIL = {
    "initials": "an initial stands for a name",
    "reversed_word": "a word is written backwards",
    "scrambled_word": "a word's letters are scrambled",
    "initials_crossed": "each name's initial stands for a given name the other spells out: two people",
}


def _han(a: NameKey, b: NameKey) -> NameMatch:
    """A name written in Chinese characters reads as exact pinyin syllables: each must be in the other name
    (given names may be run together), or it is another name ("成 朱" Cheng Zhu is not Chen Zhu)."""
    found = aligned(a.tokens, b.tokens, exact=True)
    if found.left_over_a or found.left_over_b:
        rest = "/".join((*found.left_over_a, *found.left_over_b))
        return NameMatch(min(found.score, 0.6), (("chinese_name", 0.0, f"syllables {rest} have no counterpart"),))
    why = f"{a.text!r} ~ {b.text!r}: the same pinyin syllables"
    return NameMatch(1.0, (("chinese_name", 1.0, why),))


def _brand_and_title(a: NameKey, b: NameKey, found: _Aligned, sim: float) -> tuple[float, list[Note]]:
    """A brand is the full name less its sector words; a title and a family name name one person."""
    extra = found.left_over_a or found.left_over_b
    if a.schema == ORGANIZATION and not (found.left_over_a and found.left_over_b) and extra:
        distinctive = [
            x for x, _ in found.matched if x not in GENERIC_ANY and x not in INDUSTRY_ANY and not is_country_word(x)
        ]
        if distinctive and all(w in GENERIC_ANY or w in INDUSTRY_ANY for w in extra) and sim < 0.9:
            return 0.9, [
                ("brand_name", 1.0, f"{' '.join(distinctive)!r} without the sector words {', '.join(extra)!r}")
            ]
    if a.schema == PERSON:
        for short, long in ((a, b), (b, a)):
            family = short.honorific and len(short.tokens) == 1 and short.tokens[0] == long.tokens[-1]
            if family and len(short.tokens[0]) >= 4 and sim < 0.85:
                return 0.85, [("title_and_family_name", 1.0, f"a title and {short.tokens[0]!r} name one person")]
    return sim, []


def _penalties(a: NameKey, b: NameKey, found: _Aligned, typo: bool = False) -> list[Note]:
    """Words that tell two near-namesakes apart: a country, a sector, a legal form, the order of initials,
    a different part of a person's name."""
    notes: list[Note] = []
    only_a, only_b = found.left_over_a, found.left_over_b
    if a.schema in (ORGANIZATION, VESSEL):
        countries_a = [w for w in only_a if is_country_word(w)]
        countries_b = [w for w in only_b if is_country_word(w)]
        if countries_a and countries_b:
            notes.append(("country_word_differs", 1.0, f"{'/'.join(countries_a)} vs {'/'.join(countries_b)}"))
        elif a.schema == ORGANIZATION and bool(only_a) != bool(only_b):
            longer = a if only_a else b
            last = longer.tokens[-1]
            if (last in (only_a or only_b) and is_country_word(last)) or (len(last) <= 3 and _iso_country(last)):
                notes.append(("country_suffix", 1.0, f"{last!r} ends {longer.text!r}: a subsidiary in another country"))
        sectors_a = [w for w in only_a if w in INDUSTRY_ANY]
        sectors_b = [w for w in only_b if w in INDUSTRY_ANY]
        if sectors_a and sectors_b:
            notes.append(("industry_word_differs", 1.0, f"{'/'.join(sectors_a)} vs {'/'.join(sectors_b)}"))
    if a.schema == ORGANIZATION:
        notes.extend(_legal_forms(a, b))
        letters_a = [t for t in a.tokens if len(t) == 1 and t.isalpha()]
        letters_b = [t for t in b.tokens if len(t) == 1 and t.isalpha()]
        if len(letters_a) >= 2 and sorted(letters_a) == sorted(letters_b) and letters_a != letters_b:
            order = f"{'.'.join(letters_a).upper()} vs {'.'.join(letters_b).upper()}"
            notes.append(("initials_reordered", 1.0, order))
    if a.schema == PERSON:
        notes.extend(_family_swapped(a, b))
    if a.schema == PERSON and not typo:
        differ_a = [w for w in only_a if len(w) > 1 and w not in _PARTICLES]
        differ_b = [w for w in only_b if len(w) > 1 and w not in _PARTICLES]
        if differ_a and differ_b:
            notes.append(("name_part_differs", 1.0, f"{'/'.join(differ_a)} vs {'/'.join(differ_b)}"))
    return notes


def _family_swapped(a: NameKey, b: NameKey) -> list[Note]:
    """Both names mark their family name (a comma), of three words or more, the family names share no
    word and each is among the other's given names: 'ALI, Hassan Ahmad' and 'HASSAN, Ali Ahmad' are two
    people. Arabic names carry no fixed family name ('BIN MUHAMMAD, Ayadi' is 'AYADI, Ben Muhammad'), so a
    family name with a particle is left alone."""
    fa, fb = a.family, b.family
    if not fa or not fb or fa & fb or (fa | fb) & _PARTICLES or min(len(a.tokens), len(b.tokens)) < 3:
        return []
    if not fa <= b.token_set or not fb <= a.token_set:
        return []
    return [
        ("family_name_swapped", 1.0, f"family name {' '.join(sorted(fa)).upper()} vs {' '.join(sorted(fb)).upper()}")
    ]


def _legal_forms(a: NameKey, b: NameKey) -> list[Note]:
    if a.schema != ORGANIZATION or not a.legal or not b.legal or a.legal & b.legal:
        return []
    return [("legal_form_differs", 1.0, f"{'/'.join(sorted(a.legal))} vs {'/'.join(sorted(b.legal))}")]


@lru_cache(maxsize=4096)
def _iso_country(token: str) -> bool:
    return token in ("uk", "us", "usa", "uae", "hk", "sg", "de", "fr", "cn", "ru", "in", "ae", "tr", "nl", "cy")


@lru_cache(maxsize=50_000)
def name_symbols(raw: str, schema: str) -> tuple[frozenset[str], ...]:
    """rigour's Wikidata name ids for each part of a name (its parts across scripts share them)."""
    tag = NameTypeTag.PER if schema == PERSON else NameTypeTag.ORG
    parts: dict[str, set[str]] = {}
    for name in analyze_names(tag, [raw], consolidate=False):
        for piece in name.parts:
            parts.setdefault(piece.form, set())
        for span in name.spans:
            if span.symbol.category == SymbolCategory.NAME:
                for piece in span.parts:
                    parts.setdefault(piece.form, set()).add(str(span.symbol.id))
    return tuple(frozenset(s) for s in parts.values())


def _symbols(a: NameKey, b: NameKey) -> NameMatch:
    """How many of each name's parts meet a part of the other in rigour's name table."""
    left, right = name_symbols(a.raw, a.schema), name_symbols(b.raw, b.schema)
    if not left or not right:
        return NameMatch(0.0)
    hit_a = sum(1 for s in left if any(s & t for t in right))
    hit_b = sum(1 for t in right if any(s & t for s in left))
    share_a, share_b = hit_a / len(left), hit_b / len(right)
    # as `aligned` scores words: both names' shares, and the better one (a patronymic left out costs less)
    sim = 0.95 * 0.5 * (0.5 * (share_a + share_b) + max(share_a, share_b))
    shared = f"{hit_a} of {len(left)} and {hit_b} of {len(right)} parts"
    why = f"{a.raw!r} ~ {b.raw!r}: {shared} share a name in rigour's table"
    return NameMatch(round(sim, 4), (("name_symbols", 1.0, why),))


def _near(a: str, b: str) -> float:
    """A typo or two across the whole name (one per dozen letters) is still the name."""
    budget = 1 + max(len(a), len(b)) // 12
    if Levenshtein.distance(a, b, score_cutoff=budget) > budget:
        return 0.0
    return fuzz.ratio(a, b) / 100.0


def _merge_splits(tokens: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, ...]:
    """Join neighbours that the other name writes as one word ("kum un san" -> "kumunsan")."""
    if len(tokens) < 2 or len(other) < 1:
        return tokens
    if neighbour_joins(tokens).isdisjoint(other):
        return tokens  # no two or three neighbours are one word of the other name
    words = set(other)
    merged, i = [], 0
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
    longest = max(len(x), len(y))
    budget = max(1, longest // 4)
    distance = OSA.distance(x, y, score_cutoff=budget)
    return 0.0 if distance > budget else 1.0 - distance / longest


# Words recur across names (Mohammad, Ali, Kim, Trading): a pair of words is judged once.
@lru_cache(maxsize=1 << 18)
def _relation(x: str, y: str, person: bool) -> tuple[float, str]:
    """How two words correspond: spelling, or an initial, a reversed or scrambled word."""
    sim = word_similarity(x, y)
    if sim >= TOKEN_FLOOR:
        return sim, ""
    if person and (len(x) == 1) != (len(y) == 1) and x[0] == y[0] and x.isalpha() and y.isalpha():
        return 0.8, "initials"
    if len(x) >= 3 and x == y[::-1]:
        return 0.9, "reversed_word"
    if len(x) >= 4 and len(x) == len(y) and sorted(x) == sorted(y):
        return 0.85, "scrambled_word"
    return sim, ""


@lru_cache(maxsize=1 << 18)
def _exact(x: str, y: str) -> tuple[float, str]:
    """Equal words; words of five letters or more may still differ by a typo."""
    if x == y:
        return 1.0, ""
    return (word_similarity(x, y), "") if min(len(x), len(y)) >= 5 else (0.0, "")


def _may_pair(x: str, y: str, person: bool, exact: bool) -> bool:
    """False when two different words are sure not to pair in `aligned`, by their lengths alone (half of
    the pairs it meets): too far apart for `word_similarity`'s edit budget, and no initial of the other
    (a reversed or scrambled word has the other's length). Cheaper than the cached look-up."""
    short, long = (len(x), len(y)) if len(x) <= len(y) else (len(y), len(x))
    if exact:
        return short >= 5 and long - short <= long // 4
    return long - short <= max(1, long // 4) or (person and short == 1)


def _word_pairs(
    a: tuple[str, ...], b: tuple[str, ...], person: bool, exact: bool
) -> list[tuple[float, str, str, int, int, str]]:
    """(-similarity, the two words, their positions, how they pair) for the word pairs that may pair,
    best first."""
    pairs = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x == y:  # a common pair: the cached look-up costs more than the answer
                pairs.append((-1.0, x, x, i, j, ""))
            elif _may_pair(x, y, person, exact):
                sim, kind = _exact(x, y) if exact else _relation(x, y, person)
                if sim >= TOKEN_FLOOR:  # the rest never pair
                    pairs.append((-sim, min(x, y), max(x, y), i, j, kind))
    pairs.sort()
    return pairs


def aligned(left: tuple[str, ...], right: tuple[str, ...], person: bool = False, exact: bool = False) -> _Aligned:
    """Words paired best-first (each used once); the share of letters covered, averaged over both names
    and over the better-covered one. `exact`: only equal words pair."""
    a, b = _merge_splits(left, right), _merge_splits(right, left)
    pairs = _word_pairs(a, b, person, exact)
    used_a: set[int] = set()
    used_b: set[int] = set()
    kinds: set[str] = set()
    cover_a = cover_b = 0.0
    initial_sides: set[bool] = set()  # which name's initial stood for the other's word (True: left)
    for negative, _, _, i, j, kind in pairs:
        sim = -negative
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        if kind:
            kinds.add(kind)
        if kind == "initials":
            initial_sides.add(len(a[i]) == 1)
        cover_a += sim * len(a[i])
        cover_b += sim * len(b[j])
    if len(initial_sides) == 2:  # "Abeni O." / "Oluwole A.": each initial stands for the other's given name
        kinds.add("initials_crossed")
    rest_a = tuple(t for i, t in enumerate(a) if i not in used_a)
    rest_b = tuple(t for j, t in enumerate(b) if j not in used_b)
    matched = tuple(sorted((a[i], "") for i in used_a))
    len_a, len_b = sum(map(len, a)), sum(map(len, b))
    if not len_a or not len_b:
        return _Aligned(0.0, rest_a, rest_b, matched, frozenset(kinds))
    both = (cover_a + cover_b) / (len_a + len_b)
    short = cover_a / len_a if not rest_a else cover_b / len_b if not rest_b else 0.0
    if min(len(a), len(b)) == 1 and len(a) != len(b):  # one shared word is not a name
        return _Aligned(round(both, 4), rest_a, rest_b, matched, frozenset(kinds), short)
    score = round(0.5 * (both + max(cover_a / len_a, cover_b / len_b)), 4)
    return _Aligned(score, rest_a, rest_b, matched, frozenset(kinds), short)


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


def name_parts(query: Party, listed: Party, bridge: bool = False, only: Sequence[NamedKey] | None = None) -> list[Part]:
    """The best name pair's share, its rewrites and penalties, and the numbers rule applied to it;
    `only`: the listed names to look at (those the screener's index found), else all of them."""
    schema = listed.schema
    best: tuple[float, NameMatch, str, str, str, NameKey, NameKey] | None = None
    for _, qraw, qkey in query.keys(schema):
        for kind, raw, key in listed.keys(schema) if only is None else only:
            found = match_names(qkey, key, bridge)
            net = found.sim + sum(FEATURES[f].weight * v for f, v, _ in found.notes)
            if best is None or net > best[0]:
                best = (net, found, kind, qraw, raw, qkey, key)
    if best is None or best[1].sim < NAME_FLOOR:
        return []
    _, found, kind, qraw, raw, qkey, key = best
    if schema == VESSEL:
        feature = "former_name" if kind == FORMER else "vessel_name"
    else:
        feature = "party_name" if kind == PRIMARY else "alias_name"
    how = "same name" if found.sim == 1.0 else f"similarity {found.sim:.2f}"
    parts = [part(feature, found.sim, f"{qraw!r} ~ listed {kind} {raw!r}, {how}")]
    parts.extend(part(f, v, detail) for f, v, detail in found.notes)
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


def compare(query: Party, listed: Party, bridge: bool = False, only: Sequence[NamedKey] | None = None) -> list[Part]:
    """Every feature that fires for this pair (the identifiers first, then the names); `bridge` also looks
    kana names up in rigour's name table (pair scoring, and the screener for the names its kana route
    found: the table takes seconds to load);
    `only`: the listed names worth comparing (None: all)."""
    names = name_parts(query, listed, bridge, only)
    ids = identifier_parts(query, listed)
    strong = {"imo_exact", "mmsi_exact", "company_imo_exact", "imo_one_digit"}
    if not names and not any(p.feature in strong for p in ids):
        return []  # countries and flags alone never make a match
    return ids + names
