"""Words of a name rewritten before comparison, and the words that carry a company's identity.

Each rewrite is reported (features.py names it in the explanation): digits for letters ("Al1 Khamene1"),
number words and ordinals ("Twenty-First" -> 21, "21st" -> 21), roman numerals ("Fund VII" -> 7),
honorifics ("Ayatollah"), words run together ("RosneftPJSC").
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour._core import ordinals_dict
from rigour.territories import lookup_territory

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"})
_LETTERS_AND_DIGITS = re.compile(r"^(?=.*[a-z].*[a-z])(?=.*[0-9@$])[a-z0-9@$]+$")
_ORDINAL_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)$")
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_CAMEL = re.compile(r"(?<=[a-z])(?<!\bGmb)(?<!\bmb)(?=[A-Z])")  # "GmbH", "mbH" are one legal form


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
]
_UNITS += ["sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
CARDINALS = {w: i for i, w in enumerate(_UNITS)} | _TENS | {"hundred": 100, "thousand": 1000}


class _NumberWords:
    """Membership in the cardinal and ordinal words, loaded on first use."""

    def __contains__(self, token: object) -> bool:
        return token in CARDINALS or token in _ordinal_words()


NUMBER_WORDS = _NumberWords()


@lru_cache(maxsize=1)
def _ordinal_words() -> dict[str, int]:
    """Ordinal words in the languages rigour knows (first, premier, erste, первый ...), plain letters."""
    found: dict[str, int] = {}
    for number, words in ordinals_dict().items():
        for word in words:
            if word.isalpha() and word.isascii() and len(word) > 2 and not _ROMAN.match(word.casefold()):
                found.setdefault(word.casefold(), number)
    for word, number in (("twentieth", 20), ("thirtieth", 30), ("fortieth", 40), ("fiftieth", 50)):
        found[word] = number
    return found


# Words prefixed to a person's name that say rank or respect, not who (rigour strips Mr/Dr/Sir itself).
HONORIFICS = _set(
    "mr mrs ms miss dr prof sir lord lady dame rev gen general col colonel maj major capt captain lt adm admiral "
    "marshal president minister sheikh shaikh shaykh sheik ayatollah ayatullah hojatoleslam hojjatoleslam mullah "
    "mulla imam haji hajji hajj mawlana maulana emir prince princess king queen comrade excellency"
)

# Words that say what a company does: two companies that differ in one of these are two companies
# ("Dalian Shipping Company" is not "Dalian Trading Company").
INDUSTRY = _set(
    "shipping shipmanagement ship ships maritime marine navigation tanker tankers trading trade traders oil gas "
    "petroleum petrochemical petrochemicals energy chemical chemicals mining mineral minerals metal metals steel "
    "bank banking insurance reinsurance investment investments finance financial capital credit logistics "
    "transport transportation freight cargo airlines airline aviation aircraft construction engineering "
    "electronics electric technology technologies software industries industrial import export fisheries "
    "fishing food foods textile textiles pharmaceutical pharmaceuticals medical hotel hotels tourism travel media "
    "telecom telecommunications agriculture agricultural machinery equipment automotive motors coal power cement "
    "estate property properties realty exchange commodities lines line carriers bulk container containers "
    "offshore drilling refinery refining tobacco gold diamond diamonds arms defense defence security "
    "consulting consultancy services construction cars shipyard shipbuilding fund pipeline pipelines resources "
    "manufacturing production exploration mobile telecommunications communications television radio broadcasting"
)

# Short forms of words that lists and registries write either way ("Zawrah TV Station", "Al-Omqy and Bros").
ABBREVIATIONS = {
    "Organization": {
        "tv": "television", "bros": "brothers", "intl": "international", "natl": "national", "mfg": "manufacturing",
        "dept": "department", "assn": "association", "univ": "university", "svcs": "services", "mgmt": "management",
        "trdg": "trading", "shpg": "shipping", "engg": "engineering", "telecom": "telecommunications",
    },
    "Person": {"mohd": "muhammad", "muhd": "muhammad", "mhd": "muhammad"},
}  # fmt: skip

# Words of organisation names in Persian, Arabic and Russian (as the lists transliterate them) with the
# English word the lists' translations use: "SEPAH PASDARAN" is the Guard Corps, "BONYAD" a foundation,
# "KATA'IB" brigades, "ROSSIISKII NATSIONALNYI" Russian National. Sources: the OFAC SDN aliases that give
# both forms (IRGC, Bonyad Mostazafan, Kata'ib Hizballah) and the Russian legal names beside their English.
TRANSLATIONS = {
    "sepah": "corps", "sepahe": "corps", "pasdaran": "guard", "pasdarane": "guard", "enghelab": "revolution",
    "enqelab": "revolution", "eslami": "islamic", "islami": "islamic", "bonyad": "foundation",
    "sanati": "industrial", "sanaye": "industries", "kataib": "brigades", "katibat": "battalion",
    "rossiiskii": "russian", "rossiyskiy": "russian", "rossiski": "russian", "rossiiskaya": "russian",
    "natsionalny": "national", "natsionalnyi": "national", "kommercheski": "commercial",
    "kommercheskii": "commercial", "tsentralnaya": "central", "komissiya": "commission",
    "respubliki": "republic", "gosudarstvennoe": "state", "gosudarstvennaya": "state",
}  # fmt: skip

# Words that say nothing of which company it is: a brand is its full name without them.
GENERIC = _set(
    "group holding holdings international intl global general company co corporation corp enterprise "
    "enterprises the of and national joint stock public limited ltd llc inc sa ag jsc pjsc ojsc cjsc oao zao ooo "
    "gmbh bv nv plc pte fze fzco fzc llp lp nk"
)


def camel_split(text: str) -> tuple[str, bool]:
    """'RosneftPJSC' -> 'Rosneft PJSC': a lower-case letter followed by a capital starts a word."""
    if text.isupper() or text.islower():
        return text, False
    split = _CAMEL.sub(" ", text)
    return split, split != text


def unleet(token: str) -> str | None:
    """'al1' -> 'ali', 'khamene1' -> 'khamenei'; None for a plain word or a number."""
    if _ORDINAL_DIGITS.match(token) or not _LETTERS_AND_DIGITS.match(token):
        return None
    return token.translate(_LEET)


def number_of(token: str) -> int | None:
    """The value of a cardinal or ordinal word, or of '21st' / '2nd'."""
    if token in CARDINALS:
        return CARDINALS[token]
    digits = _ORDINAL_DIGITS.match(token)
    if digits:
        return int(digits.group(1))
    return _ordinal_words().get(token)


def numbers_joined(tokens: list[str]) -> tuple[list[str], bool]:
    """Number words to digits, tens joined to units ('twenty', 'first' -> '21')."""
    out: list[str] = []
    changed = False
    last_tens = False
    for token in tokens:
        value = number_of(token)
        if value is None:
            out.append(token)
            last_tens = False
            continue
        changed = changed or token != str(value)
        if last_tens and 0 < value < 10:
            out[-1] = str(int(out[-1]) + value)
            last_tens = False
            continue
        out.append(str(value))
        last_tens = token in _TENS
    return out, changed


def roman_value(token: str) -> int | None:
    """A roman numeral from 1 to 39 as a number ('vii' -> 7); look-alike words ('mix', 'li') are left alone."""
    found = _ROMAN.match(token)
    if not token or found is None:
        return None
    tens, rest = found.groups()
    units = {"ix": 9, "iv": 4}.get(rest) or (5 if rest.startswith("v") else 0) + rest.count("i")
    return 10 * len(tens) + units


@lru_cache(maxsize=20_000)
def is_country_word(token: str) -> bool:
    """A country, its people or its main regions ('iranian', 'iraq', 'panama')."""
    if len(token) < 4 or token in GENERIC or token in ("island", "islands", "jersey", "georgia", "jordan"):
        return False
    found = lookup_territory(token)
    return found is not None and not str(found.code).startswith("zz")


def acronym_of(short: str, words: tuple[str, ...]) -> bool:
    """'komid' from KOrea MIning Development (Trading Corporation), 'irgc' from Islamic Revolutionary
    Guard Corps: the short form takes each word's first letters in order, starting with the first word,
    over at least two words, and the words it leaves at the end say nothing of which company it is."""
    if not 2 <= len(short) <= 8 or len(words) < 2 or not short.isalpha():
        return False
    content = [w for w in words if w not in ("of", "and", "the", "for")]

    def take(i: int, k: int) -> bool:
        if i == len(short):
            return k >= 2 and all(w in GENERIC or w in INDUSTRY for w in content[k:])
        if k == len(content):
            return False
        word = content[k]
        return any(short[i : i + n] == word[:n] and take(i + n, k + 1) for n in range(min(len(word), 3), 0, -1))

    return take(0, 0)


_SPELLINGS = (
    ("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("ph", "f"),
    ("ck", "k"), ("ks", "x"), ("ij", "y"), ("iy", "y"), ("yj", "y"), ("ou", "u"), ("oo", "u"), ("ee", "i"),
    ("w", "v"), ("j", "y"), ("q", "k"), ("c", "k"),
)  # fmt: skip
_DOUBLE = re.compile(r"(.)\1+")


@lru_cache(maxsize=100_000)
def spelling(token: str) -> str:
    """Latin spellings of one sound brought together: German, French, English and scholarly
    transliterations of a name ("Dmitrij Medwedew", "Dmitry Medvedev"); doubled letters once."""
    for written, sound in _SPELLINGS:
        token = token.replace(written, sound)
    return _DOUBLE.sub(r"\1", token.replace("y", "i"))


def _spelt_too(words: frozenset[str]) -> frozenset[str]:
    return words | frozenset(spelling(w) for w in words)


# The sets as the spelling-variant comparison writes their words ("shipping" -> "shiping").
INDUSTRY_ANY = _spelt_too(INDUSTRY)
GENERIC_ANY = _spelt_too(GENERIC)
