"""Writes tests/data/screening_pairs.csv: the hand-made shapes plus pairs drawn from the bundled lists;
and tests/data/screening_pairs_other_names.csv: the OFAC aliases that are other names (split out).

    python tests/make_screening_pairs.py

Groups drawn from the lists (deterministic: sorted, every k-th record):
- `list_original_script` (UN consolidated 2026-02-27): an entry's Latin name vs its NAME_ORIGINAL_SCRIPT
  (Arabic, Cyrillic); negatives pair one entry's original script with the next entry's Latin name.
- `list_alias` (OFAC SDN watchman bench 2021-07-07, alt.csv `aka`/`fka`): the primary name vs an alias
  that shares a word with it and is a spelling, transliteration, translation or acronym of it (`_decidable`).
- `list_alias_other_name` (same file, own CSV): aliases sharing a word that are another name of the party
  (aliases sharing none are other names too: no name matcher finds them).
- `list_namesake` (same SDN file): two different entries of one type whose names share their first word
  and are otherwise different (negatives).
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from rapidfuzz import fuzz
from rigour.text import metaphone

HERE = Path(__file__).resolve().parent
SANCTIONS = HERE.parents[1] / "shared" / "data" / "sanctions"
BENCH = SANCTIONS / "ofac" / "watchman_bench_2021-07-07"
KIND = {"individual": "person", "-0-": "company"}


def _words(name: str) -> set[str]:
    return {w for w in name.replace(",", " ").replace(".", " ").lower().split() if len(w) > 2}


# Words that say nothing of who a party is: an alias sharing only these with the name is another name.
_FILLER_WORDS = (
    "the of and for al el bin ibn abu abd ben de del la le company co ltd llc inc corp corporation limited sa sas "
    "group holding international trading foundation society organization organisation bank state "
    "mohammed muhammad mohamed mohammad ahmad ahmed ali "
    "oao ojsc pao pjsc jsc ooo zao cjsc sarl gup fgup ltda plc pte cia"  # legal forms, in any language
)
_FILLER = frozenset(_FILLER_WORDS.split(" "))
_SPLIT = re.compile(r"[\s,.\-/()&:]+")
# Words of Persian and Arabic organisation names and their English translation as OFAC gives both
# ("SEPAH PASDARAN" is the Guard Corps, "BONYAD" a foundation): a translated word is the same word.
_GLOSSARY = {"sepah": "corps", "pasdaran": "guard", "bonyad": "foundation", "enghelab": "revolution"}
_GLOSSARY |= {"eslami": "islamic", "sanati": "industrial", "kataib": "brigades"}


def _tokens(name: str) -> list[str]:
    return [w for w in _SPLIT.split(name.replace("'", "").lower()) if w]


def _counterpart(word: str, other: list[str]) -> bool:
    """A word of one name has a counterpart in the other: spelt alike (same first letter and rapidfuzz
    ratio >= 70, or ratio >= 80), sounding alike (metaphone keys ratio >= 75: GHANI/QANI, KHAYRBIK/KHEIRBEK),
    translated (the glossary), or the initials or the run-together form of neighbouring words (DSK,
    GOHARIMOQADAM)."""
    for v in other:
        if (word[0] == v[0] and fuzz.ratio(word, v) >= 70) or fuzz.ratio(word, v) >= 80:
            return True
        if len(word) > 2 and len(v) > 2 and fuzz.ratio(metaphone(word), metaphone(v)) >= 75:
            return True
        if _GLOSSARY.get(word) == v or _GLOSSARY.get(v) == word:
            return True
    spans = (other[k : k + n] for k in range(len(other)) for n in range(2, 7) if k + n <= len(other))
    return any(word in ("".join(w[0] for w in span), "".join(span)) for span in spans)


def _decidable(name: str, alias: str) -> bool:
    """Whether a name comparison can tell that `alias` is `name`: every telling word of the shorter one
    (filler such as al, bin, company, foundation, Mohammed, legal forms left out) has a counterpart in the
    other (`_counterpart`). Otherwise the alias is another name that shares a word (a place, a sector, a
    common given name)."""
    words_a, words_b = _tokens(name), _tokens(alias)
    a = {w for w in words_a if len(w) > 2} - _FILLER
    b = {w for w in words_b if len(w) > 2} - _FILLER
    short, other = (a, words_b) if len(a) <= len(b) else (b, words_a)
    return bool(short) and all(_counterpart(w, other) for w in short)


def _un() -> list[tuple[str, str, str, str, str]]:
    root = ET.parse(SANCTIONS / "un" / "un_consolidated_2026-02-27.xml").getroot()
    found = []
    for record in [*root.iter("INDIVIDUAL"), *root.iter("ENTITY")]:
        original = " ".join((record.findtext("NAME_ORIGINAL_SCRIPT") or "").split())  # one line per field
        parts = [(record.findtext(t) or "").strip() for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        latin = " ".join(p for p in parts if p)
        if original and latin and not original.isascii():
            found.append((latin, original, "person" if record.tag == "INDIVIDUAL" else "company"))
    found.sort()
    rows = [("list_original_script", "1", kind, original, latin) for latin, original, kind in found[::6]]
    rows += [
        ("list_original_script", "0", a[2], a[1], b[0])
        for a, b in zip(found[::12], found[1::12], strict=False)
        if a[2] == b[2] and not _words(a[0]) & _words(b[0])
    ]
    return rows


def _sdn() -> tuple[list[tuple[str, str, str, str, str]], list[tuple[str, str, str, str, str]]]:
    with (BENCH / "sdn.csv").open(encoding="latin-1", newline="") as fh:
        sdn = {r[0]: (r[1], r[2].strip()) for r in csv.reader(fh) if len(r) > 2}
    with (BENCH / "alt.csv").open(encoding="latin-1", newline="") as fh:
        alt = sorted((r[0], r[3]) for r in csv.reader(fh) if len(r) > 3 and r[0] in sdn)
    drawn = [
        (KIND.get(sdn[ent][1], "company"), sdn[ent][0], name)
        for ent, name in alt
        if sdn[ent][1] in KIND and _words(sdn[ent][0]) & _words(name) and sdn[ent][0].lower() != name.lower()
    ][::20]
    aliases = [  # labels as OFAC gives them; the group says whether the names alone can tell
        ("list_alias" if _decidable(name, alias) else "list_alias_other_name", "1", kind, name, alias)
        for kind, name, alias in drawn
    ]
    by_first: dict[tuple[str, str], list[str]] = {}
    for name, kind in sorted(sdn.values()):
        if kind in KIND and len(name.split()) >= 2:
            by_first.setdefault((kind, name.split()[0].strip(",").lower()), []).append(name)
    namesakes = []
    for (kind, _), names in sorted(by_first.items()):
        if len(names) >= 2 and len(_words(names[0]) & _words(names[1])) < max(len(_words(names[0])), 2):
            namesakes.append(("list_namesake", "0", KIND[kind], names[0], names[1]))
    return aliases, namesakes[::8]


def main() -> None:
    with (HERE / "data" / "screening_pairs_shapes.csv").open(encoding="utf-8", newline="") as fh:
        shapes = [tuple(r) for r in csv.reader(fh)][1:]
    aliases, namesakes = _sdn()
    rows = [*shapes, *_un(), *[r for r in aliases if r[0] == "list_alias"], *namesakes]
    others = [r for r in aliases if r[0] != "list_alias"]
    for name, written in (("screening_pairs.csv", rows), ("screening_pairs_other_names.csv", others)):
        with (HERE / "data" / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "group", "label", "schema", "name1", "name2"])
            writer.writerows([i, *r] for i, r in enumerate(written, 1))
        print(f"{name}: {len(written)} pairs")


if __name__ == "__main__":
    main()
