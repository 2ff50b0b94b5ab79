"""The matching features, declared once: weight, what it looks at, where the weight comes from.

A match's score is the sum of weight x value over the features that fire (logic-v2 style, reference.md
§4), clipped to 0-1; the explanation lists every part, including the clip, so the parts add up.
"""

from __future__ import annotations

from dataclasses import dataclass

from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL

SCORER_VERSION = "screen-v2"
NAME_FLOOR = 0.80  # below this similarity a name says nothing (Watchman and yente both cut near here)


@dataclass(frozen=True)
class Feature:
    name: str
    weight: float
    schemata: frozenset[str]
    source: str  # why this weight


_V = frozenset({VESSEL})
_PO = frozenset({PERSON, ORGANIZATION})
_ALL = frozenset({VESSEL, PERSON, ORGANIZATION})

FEATURES = {
    f.name: f
    for f in (
        Feature("imo_exact", 0.95, _V, "logic-v2: an IMO hit weighs 0.95; Watchman forces exact IMO to 1.0"),
        Feature("mmsi_exact", 0.95, _V, "logic-v2: an MMSI hit weighs 0.95"),
        Feature("company_imo_exact", 0.95, frozenset({ORGANIZATION}), "IMO company numbers are unique per owner"),
        Feature(
            "imo_one_digit", 0.5, _V, "2020 advisory red flag 2: an IMO one digit off a listed IMO is manipulation"
        ),
        Feature("imo_mismatch", -0.3, _V, "both IMOs valid and different: a different hull, unless laundered"),
        Feature("vessel_name", 0.85, _V, "vessel names repeat across fleets: a name alone stays below 1"),
        Feature("former_name", 0.85, _V, "OFAC f.k.a. names: a renamed hull keeps its risk"),
        Feature("party_name", 1.0, _PO, "logic-v2 name match for persons and organisations"),
        Feature("alias_name", 0.9, _PO, "a listed a.k.a. or f.k.a. name counts a little less than the name"),
        Feature("number_mismatch", -0.5, _ALL, "logic-v2: 'KUM UN SAN 3' is not 'KUM UN SAN'"),
        # How the names were read (weight 0: they say why two spellings met, the similarity carries the score)
        Feature("transliterated", 0.0, _ALL, "another script, spelt in Latin letters (rigour/ICU, anyascii, pypinyin)"),
        Feature("number_words", 0.0, _ALL, "'Twenty-First' and '21st' are 21: one number, two spellings"),
        Feature("roman_numeral", 0.0, _ALL, "'VII' is 7, so that 'Fund VI' and 'Fund VII' differ by number"),
        Feature("honorific", 0.0, frozenset({PERSON}), "a title ('Ayatollah', 'Sheikh', 'General') says rank, not who"),
        Feature("joined_words", 0.0, _ALL, "'RosneftPJSC': words run together in a field"),
        Feature(
            "translated_word",
            0.0,
            frozenset({ORGANIZATION}),
            "'SEPAH PASDARAN' is the Guard Corps: a word of a Persian, Arabic or Russian name in English",
        ),
        Feature("abbreviation", 0.0, _PO, "'TV' is 'Television', 'Mohd' is 'Muhammad': one word, two spellings"),
        Feature("korean_name", 0.0, frozenset({PERSON}), "MR, RR and DPRK spellings read syllable by syllable"),
        Feature("chinese_name", 0.0, frozenset({PERSON}), "pinyin and Wade-Giles spellings of one name"),
        Feature("spelling_variant", 0.0, _ALL, "'Medwedew' is 'Medvedev': one sound, several Latin spellings"),
        Feature("sounds_alike", 0.0, frozenset({PERSON}), "'KHAYRBIK'/'KHEIRBEK', 'GHANI'/'QANI': one metaphone key"),
        Feature("consonants", 0.0, _ALL, "Arabic, Hebrew and Khmer spell few vowels: their consonants compared"),
        Feature("name_symbols", 0.0, _ALL, "rigour's Wikidata name table: one name in several scripts"),
        Feature("name_dropped", 0.0, frozenset({PERSON}), "a middle name or patronymic left out of one record"),
        Feature("brand_name", 0.0, frozenset({ORGANIZATION}), "a brand is the legal name without its sector words"),
        Feature("title_and_family_name", 0.0, frozenset({PERSON}), "'Ayatollah Khamenei': a title with a family name"),
        # Disguise and short forms: a little less sure than the name spelt out
        Feature("digits_for_letters", -0.05, _PO, "'Al1 Khamene1': digits that stand for letters are disguise"),
        Feature("reversed_word", -0.1, _ALL, "a word written backwards: disguise, or a keying error"),
        Feature("scrambled_word", -0.1, _ALL, "a word's letters scrambled: disguise, or a keying error"),
        Feature("initials", -0.05, frozenset({PERSON}), "'A. G. Lukashenko': an initial fits many names"),
        Feature("acronym", 0.0, frozenset({ORGANIZATION}), "'KOMID', 'IRGC': the letters of the full name in order"),
        # Words that tell near-namesakes apart
        Feature("country_word_differs", -0.5, _ALL, "'National Iranian Oil' is not 'National Iraqi Oil'"),
        Feature(
            "country_suffix", -0.3, frozenset({ORGANIZATION}), "'Sovcomflot UK': a subsidiary abroad is its own company"
        ),
        Feature("industry_word_differs", -0.4, _ALL, "'Dalian Shipping' is not 'Dalian Trading'"),
        Feature(
            "legal_form_differs", -0.35, frozenset({ORGANIZATION}), "an LLC and a JSC of one name are two companies"
        ),
        Feature("initials_reordered", -0.4, frozenset({ORGANIZATION}), "'A.B.C. Trading' is not 'C.B.A. Trading'"),
        Feature(
            "initials_crossed",
            -0.35,
            frozenset({PERSON}),
            "'OGUNGBUYI, Abeni O.' is not 'OGUNGBUYI, Oluwole A.': the initials pair with different given names",
        ),
        Feature(
            "family_name_swapped",
            -0.35,
            frozenset({PERSON}),
            "'ALI, Hassan Ahmad' is not 'HASSAN, Ali Ahmad': the lists' comma marks the family name",
        ),
        Feature("name_part_differs", -0.3, frozenset({PERSON}), "'Ri Song Chol' is not 'Ri Song Hyok': a part differs"),
        Feature("flag_match", 0.05, _V, "same flag: weak, flags hop (2020 advisory red flag 7)"),
        Feature("flag_mismatch", -0.15, _V, "another flag: a name alone then stays below the threshold"),
        Feature("country_match", 0.05, _PO, "same country: weak support"),
        Feature("country_mismatch", -0.2, _PO, "logic-v2 country mismatch penalty"),
    )
}


@dataclass(frozen=True)
class Part:
    """One feature's share of a score, with the facts behind it."""

    feature: str
    value: float  # 0-1: how strongly the feature holds
    points: float  # weight x value, rounded: the parts sum to the score
    detail: str

    def to_json(self) -> dict[str, object]:
        return {"feature": self.feature, "value": self.value, "points": self.points, "detail": self.detail}


def part(feature: str, value: float, detail: str) -> Part:
    return Part(feature, round(value, 3), round(FEATURES[feature].weight * value, 3), detail)


def total(parts: list[Part]) -> tuple[float, list[Part]]:
    """The score and the parts, with a `clip` part where the sum left 0-1."""
    raw = round(sum(p.points for p in parts), 3)
    score = min(max(raw, 0.0), 1.0)
    if score != raw:
        parts = [*parts, Part("clip", 0.0, round(score - raw, 3), f"the sum {raw:g} is clipped to {score:g}")]
    return score, parts


def explain(parts: list[Part]) -> str:
    """One line: '0.95 imo_exact (IMO 8720436 is listed); +0.05 flag_match (kp)'."""
    return "; ".join(f"{p.points:+.2f} {p.feature} ({p.detail})" for p in parts)
