"""Names across scripts and spellings, disguise, short forms and distinctive-word penalties (issue #12)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowfleet.screening.chinese import wade_plain
from shadowfleet.screening.compare import Party, compare
from shadowfleet.screening.features import FEATURES, total
from shadowfleet.screening.korean import canonical
from shadowfleet.screening.names import ORGANIZATION, PERSON, VESSEL, name_key, schema_of
from shadowfleet.screening.pair_metrics import COMPARE_THRESHOLD, label_of

SHAPES = Path(__file__).parent / "data" / "screening_pairs_shapes.csv"
PAIRS = Path(__file__).parent / "data" / "screening_pairs.csv"
OTHER_NAMES = Path(__file__).parent / "data" / "screening_pairs_other_names.csv"


def _score(schema: str, a: str, b: str) -> tuple[float, set[str]]:
    score, parts = total(compare(Party(schema, (("name", a),)), Party(schema, (("name", b),)), bridge=True))
    return score, {p.feature for p in parts}


@pytest.mark.parametrize(
    ("schema", "a", "b", "feature"),
    [
        (PERSON, "Ковальчук Юрий Валентинович", "Yury Valentinovich KOVALCHUK", "transliterated"),
        (PERSON, "김정은", "Kim Jong Un", "korean_name"),
        (PERSON, "ウラジーミル・プーチン", "Vladimir Putin", "name_symbols"),
        (PERSON, "علي خامنئي", "Ali Khamenei", "consonants"),
        (PERSON, "ហ៊ុន សែន", "Hun Sen", "consonants"),
        (PERSON, "Dmitrij Medwedew", "Dmitry Medvedev", "spelling_variant"),
        (PERSON, "Mao Tse-tung", "Mao Zedong", "chinese_name"),
        (PERSON, "Ri Yong Ho", "Lee Yong-ho", "korean_name"),
        (PERSON, "Yi Yong-ho", "Ri Yong Ho", "korean_name"),
        (PERSON, "Choe Ryong Hae", "Choi Ryong-hae", "korean_name"),
        (PERSON, "Al1 Khamene1", "Ali Khamenei", "digits_for_letters"),
        (PERSON, "nU gnoJ miK", "Kim Jong Un", "reversed_word"),
        (ORGANIZATION, "RosneftPJSC", "PJSC Rosneft Oil Company", "joined_words"),
        (PERSON, "A. G. Lukashenko", "Alexander Grigoryevich Lukashenko", "initials"),
        (PERSON, "Ayatollah Khamenei", "Ali Hosseini Khamenei", "honorific"),
        (ORGANIZATION, "KOMID", "Korea Mining Development Trading Corporation", "acronym"),
        (ORGANIZATION, "IRGC", "Islamic Revolutionary Guard Corps", "acronym"),
        (ORGANIZATION, "21st Century Shipping", "Twenty-First Century Shipping", "number_words"),
        (ORGANIZATION, "Rosneft", "PJSC Rosneft Oil Company", "brand_name"),
        (PERSON, "金正恩", "Kim Jong Un", "korean_name"),
        (PERSON, "KHAYRBIK, Muhammad Nasif", "KHEIRBEK, Mohammad Nasif", "sounds_alike"),
        (PERSON, "GHANI, Esmail", "QANI, Esmail", "sounds_alike"),
        (ORGANIZATION, "Sepah-e Pasdaran-e Enghelab-e Eslami", "Islamic Revolutionary Guard Corps", "translated_word"),
        (PERSON, "崔龍海", "Choe Ryong Hae", "korean_name"),
        (PERSON, "李克强", "Li Keqiang", "transliterated"),
        (ORGANIZATION, "Ocean Star II", "Ocean Star 2", "roman_numeral"),
        (PERSON, "HASSAN, Ali Ahmad", "Ali Ahmad Hassan", "party_name"),
        (ORGANIZATION, "ПАО НК Роснефть", "Rosneft Oil Company", "transliterated"),
    ],
)
def test_one_party_in_another_script_or_spelling_is_a_match(schema: str, a: str, b: str, feature: str) -> None:
    score, features = _score(schema, a, b)
    assert score >= COMPARE_THRESHOLD and feature in features, (score, features)
    assert _score(schema, b, a)[0] == score  # the order of the pair does not matter


@pytest.mark.parametrize(
    ("schema", "a", "b", "feature"),
    [
        (ORGANIZATION, "National Iranian Oil Company", "National Iraqi Oil Company", None),
        (ORGANIZATION, "Dalian Shipping Company", "Dalian Trading Company", None),
        (ORGANIZATION, "Fund VI", "Fund VII", "number_mismatch"),
        (ORGANIZATION, "A.B.C. Trading", "C.B.A. Trading", "initials_reordered"),
        (ORGANIZATION, "Sovcomflot UK Ltd", "Sovcomflot", "country_suffix"),
        (ORGANIZATION, "Rosneft Trading SA", "Rosneft Trading LLC", "legal_form_differs"),
        (PERSON, "박봉주", "박봉수", None),
        (PERSON, "Ri Song Chol", "Ri Song Hyok", None),
        (PERSON, "Abdullah bin Mohammed bin Ali", "Abdullah bin Mohammed bin Omar", "name_part_differs"),
        (PERSON, "成 朱", "CHEN, Zhu", None),
        (PERSON, "金正恩", "Kim Jong Nam", None),
        (PERSON, "우진 영미 이", "JON, Jin Yong", None),  # a metaphone key pairs one word once
        (PERSON, "GHANI, Esmail", "QANI, Ismat", None),
        (PERSON, "OGUNGBUYI, Abeni O.", "OGUNGBUYI, Oluwole A.", "initials_crossed"),
        (PERSON, "ALI, Hassan Ahmad", "HASSAN, Ali Ahmad", "family_name_swapped"),
        (ORGANIZATION, "Ocean Star II", "Ocean Star III", "number_mismatch"),
    ],
)
def test_near_namesakes_are_told_apart_with_the_word_named(schema: str, a: str, b: str, feature: str | None) -> None:
    score, features = _score(schema, a, b)
    assert score <= COMPARE_THRESHOLD + 0.05 and (feature is None or feature in features), (score, features)


def test_a_hanja_name_is_read_in_korean_only_when_every_character_has_a_reading() -> None:
    from shadowfleet.screening.hanja import hangul_reading

    assert hangul_reading("金正恩") == "김정은"
    assert hangul_reading("习近平") is None  # 习 is no Korean family name
    assert name_key("毛泽东", PERSON).korean is None and name_key("金正恩", PERSON).korean is not None


def test_the_screener_finds_hanja_and_katakana_names() -> None:
    from screening_data import screener
    from shadowfleet.screening.screener import Query

    for query, listed, feature in (
        ("金正恩", "KIM, Jong Un", "korean_name"),
        ("ウラジーミル・プーチン", "PUTIN, Vladimir Vladimirovich", "name_symbols"),
    ):
        matches = screener().screen(Query(query, PERSON))
        assert matches and matches[0].entry["name"] == listed
        assert feature in {p.feature for p in matches[0].parts}
    assert not screener().screen(Query("ウラジーミル・ゼレンスキー", PERSON))


def test_accented_latin_letters_are_read_not_dropped() -> None:
    # "José" was split at the é ("jos"), and "GmbH" read as two words run together
    assert name_key("José Martínez", PERSON).tokens == ("jose", "martinez")
    assert name_key("Müller Straße GmbH", ORGANIZATION).tokens == ("muller", "strasse")


def test_korean_syllables_agree_across_romanisations() -> None:
    assert {canonical(s) for s in ("chol", "cheol", "chul")} == {"jol"}
    assert canonical("ryong") == canonical("yong") and canonical("un") == canonical("eun")
    assert canonical("hyok") != canonical("chol") and canonical("xyz") is None


def test_wade_giles_and_pinyin_meet() -> None:
    assert wade_plain([["mao"], ["tse", "tung"]]) == wade_plain([["mao"], ["zedong"]])
    assert wade_plain([["maria"], ["lopez"]]) is None


def test_every_new_feature_is_declared_with_a_source() -> None:
    for name in ("transliterated", "korean_name", "acronym", "country_word_differs", "industry_word_differs"):
        assert FEATURES[name].source


def test_bad_bytes_and_blank_names_never_crash() -> None:
    assert name_key("CHON MA SAN \udcff", VESSEL).text == "chon ma san"
    assert name_key("", PERSON).tokens == () and schema_of("company") == ORGANIZATION


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=25), st.text(max_size=25), st.sampled_from([VESSEL, PERSON, ORGANIZATION]))
def test_any_unicode_pair_scores_within_bounds_and_adds_up(a: str, b: str, schema: str) -> None:
    score, parts = total(compare(Party(schema, (("name", a),)), Party(schema, (("name", b),))))
    assert 0.0 <= score <= 1.0 and round(sum(p.points for p in parts), 3) == score


def _f1(rows: list[dict[str, str]]) -> float:
    tp = sum(1 for r in rows if r["hit"] and r["label"])
    fp = sum(1 for r in rows if r["hit"] and not r["label"])
    fn = sum(1 for r in rows if not r["hit"] and r["label"])
    return 2 * tp / (2 * tp + fp + fn)


def _scored(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        schema = schema_of(r["schema"]) or VESSEL
        out.append({**r, "label": label_of(r["label"]), "hit": _score(schema, r["name1"], r["name2"])[0] >= 0.7})
    return out


def test_the_shapes_file_scores_f1_above_0_9() -> None:
    rows = _scored(SHAPES)
    assert len(rows) >= 150
    assert _f1(rows) >= 0.9  # type: ignore[arg-type]


def test_the_list_drawn_pairs_hold_their_level() -> None:
    rows = [r for r in _scored(PAIRS) if str(r["group"]).startswith("list_")]
    assert len(rows) >= 300
    assert _f1(rows) >= 0.86  # type: ignore[arg-type]  # 0.875 now, see SCREENING_PAIRS.md


def test_the_aliases_that_are_other_names_are_scored_apart() -> None:
    """Split out of the headline file (SCREENING_PAIRS.md): a name comparison cannot decide them, but what
    it finds of them must not fall, and every one of them stays labelled a match."""
    rows = _scored(OTHER_NAMES)
    assert len(rows) >= 80 and {r["group"] for r in rows} == {"list_alias_other_name"}
    assert all(r["label"] for r in rows)
    assert sum(bool(r["hit"]) for r in rows) >= 8


def test_a_un_entry_is_found_by_its_name_in_its_own_script() -> None:
    from screening_data import screener
    from shadowfleet.screening.screener import Query

    matches = screener().screen(Query("صدام حسين التكريتي", PERSON))
    assert matches and "SADDAM" in matches[0].entry["name"].upper()
    assert "transliterated" in {p.feature for p in matches[0].parts}
