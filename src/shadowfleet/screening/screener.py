"""Queries against the loaded lists: exact identifiers by dictionary, names through the trigram index."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from shadowfleet.core.identifiers import imo_valid
from shadowfleet.core.schema import LIST_ENTRIES, check
from shadowfleet.screening.compare import (
    ALIAS,
    FORMER,
    KANA,
    PRIMARY,
    NamedKey,
    Party,
    compare,
    name_symbols,
    neighbours,
    worth_comparing,
)
from shadowfleet.screening.features import SCORER_VERSION, Part, explain, total
from shadowfleet.screening.hanja import hangul_reading
from shadowfleet.screening.index import GramIndex
from shadowfleet.screening.names import ORGANIZATION, PERSON, SCHEMATA, VESSEL, NameKey, name_key, warm
from shadowfleet.screening.scripts import HAN

DEFAULT_THRESHOLD = 0.75  # recall 0.997 at 0.15 % false positives on the yente fixtures (bench_screen.py, 2026-12-02)
CANDIDATES = 40  # names per schema compared in full
MIN_DICE = 0.3


@dataclass(frozen=True)
class Query:
    """A record to screen; every field but one identifier or the name may be absent."""

    name: str | None = None
    schema: str | None = None  # None: compare with every schema
    imo: int | None = None  # a ship IMO, or a company IMO for an organisation
    mmsi: int | None = None
    country: str | None = None  # ISO alpha-2: flag for a vessel, nationality/seat for a party
    ref: str = ""  # the caller's id, carried to the match

    def party(self, schema: str) -> Party:
        return Party(
            schema,
            ((PRIMARY, self.name),) if self.name else (),
            imo=self.imo if schema == VESSEL else None,
            company_imo=self.imo if schema == ORGANIZATION else None,
            mmsi=self.mmsi,
            flag=self.country if schema == VESSEL else None,
            countries=frozenset({self.country}) if self.country else frozenset(),
        )


@dataclass(frozen=True)
class Match:
    query: Query
    score: float
    parts: tuple[Part, ...]
    entry: dict[str, Any]  # the list_entries row, less its FtM JSON

    @property
    def explanation(self) -> str:
        return explain(list(self.parts))

    @property
    def flags(self) -> list[str]:
        return ["possible_imo_manipulation"] if any(p.feature == "imo_one_digit" for p in self.parts) else []

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        listed_on = e["listed_on"].isoformat() if e["listed_on"] else None
        return {
            "query_ref": self.query.ref,
            "score": self.score,
            "list": e["list_name"],
            "list_version": e["list_version"],
            "entry_id": e["entry_id"],
            "entry_name": e["name"],
            "schema": e["schema"],
            "programs": e["programs"],
            "imo": e["imo"],
            "mmsi": e["mmsi"],
            "listed_on": listed_on,
            "source": f"{e['source']}:{e['line']}",
            "flags": self.flags,
            "explanation": [p.to_json() for p in self.parts],
            "scorer": SCORER_VERSION,
        }


def _party(e: dict[str, Any]) -> Party:
    names = ((PRIMARY, e["name"]), *((ALIAS, a) for a in e["aliases"]), *((FORMER, f) for f in e["former_names"]))
    return Party(e["schema"], names, e["imo"], e["company_imo"], e["mmsi"], e["flag"], frozenset(e["countries"]))


def _search_keys(name: str, schema: str) -> list[NameKey]:
    """The forms of a query name the index is searched with: the name, and a hanja person name's Korean
    reading as well ("金正恩" is searched as "김정은" too: its pinyin "jin zheng-en" meets no Kim)."""
    key = name_key(name, schema)
    reading = hangul_reading(name) if schema == PERSON and key.script == HAN else None
    return [key, name_key(reading, schema)] if reading else [key]


def _doctored(query: Query, parts: list[Part]) -> bool:
    """An IMO that fails its check digit and sits one digit from a listed one: no real hull carries it, so
    it is reported whatever the score (2020 advisory red flag 2)."""
    return bool(query.imo) and not imo_valid(query.imo or 0) and any(p.feature == "imo_one_digit" for p in parts)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the screener is built: the build makes about a million
    objects that live as long as the screener, and the collector's passes over them, triggered by the
    allocations themselves, find nothing to free (build CPU 3.4 -> 1.8 s on OFAC + UN, about half of it
    in those passes). The previous state comes back whatever happens."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Screener:
    """All loaded list entries, indexed once; `screen` answers one query."""

    def __init__(self, entries: pa.Table, threshold: float = DEFAULT_THRESHOLD) -> None:
        warm()  # transliteration tables load now, not on the first non-Latin query
        self.threshold = threshold
        with _collector_paused():
            self.rows = check(entries, LIST_ENTRIES).drop_columns(["ftm"]).to_pylist()
            self.parties = [_party(e) for e in self.rows]
            self._index_identifiers()
            self._index_names()
        self._symbols: dict[str, dict[str, list[int]]] = {}  # rigour name symbol -> index rows, on demand

    def _index_identifiers(self) -> None:
        self.by_imo: dict[int, list[int]] = {}
        self.by_company_imo: dict[int, list[int]] = {}
        self.by_mmsi: dict[int, list[int]] = {}
        for i, p in enumerate(self.parties):
            for number, table in ((p.imo, self.by_imo), (p.company_imo, self.by_company_imo), (p.mmsi, self.by_mmsi)):
                if number:
                    table.setdefault(number, []).append(i)

    def _index_names(self) -> None:
        self.name_rows: dict[str, list[int]] = {s: [] for s in SCHEMATA}  # index row -> party
        self.name_keys: dict[str, list[NamedKey]] = {s: [] for s in SCHEMATA}  # index row -> its name
        for i, p in enumerate(self.parties):
            for named in p.keys(p.schema):
                self.name_rows[p.schema].append(i)
                self.name_keys[p.schema].append(named)
        self.indexes = {s: GramIndex([key for _, _, key in self.name_keys[s]]) for s in SCHEMATA}
        for schema_keys in self.name_keys.values():
            for _, _, key in schema_keys:
                key.prepare()

    def __len__(self) -> int:
        return len(self.rows)

    def candidates(self, query: Query) -> dict[int, list[NamedKey] | None]:
        """The parties worth comparing, each with the names the index found (None: all its names, for
        a party found by an identifier)."""
        found: dict[int, list[NamedKey] | None] = {}
        if query.imo:
            for number in (query.imo, *neighbours(query.imo)):
                found.update(dict.fromkeys(self.by_imo.get(number, ())))
            found.update(dict.fromkeys(self.by_company_imo.get(query.imo, ())))
        if query.mmsi:
            found.update(dict.fromkeys(self.by_mmsi.get(query.mmsi, ())))
        if query.name:
            for schema in (query.schema,) if query.schema else SCHEMATA:
                rows = [
                    r
                    for key in _search_keys(query.name, schema)
                    for r in self.indexes[schema].candidates(key, CANDIDATES, MIN_DICE)
                ]
                for r in dict.fromkeys(rows):
                    party = self.name_rows[schema][r]
                    if party not in found:
                        found[party] = [self.name_keys[schema][r]]
                    elif (names := found[party]) is not None:
                        names.append(self.name_keys[schema][r])
        return found

    def kana_candidates(self, key: NameKey, schema: str) -> dict[int, list[NamedKey]]:
        """Parties whose names share the most parts with a katakana or hiragana name in rigour's Wikidata
        name table ("ウラジーミル・プーチン" and "Vladimir Putin" share both): trigrams of a kana name's
        Latin spelling ("urajimiru puchin") meet nothing. The table's index of the listed names is built
        on the first such query (seconds), never for the Latin queries."""
        parts = name_symbols(key.raw, schema)
        if schema == VESSEL or not parts:
            return {}
        by_symbol = self._symbol_index(schema)
        hits: dict[int, int] = {}
        for symbols in parts:
            for r in {r for s in symbols for r in by_symbol.get(s, ())}:
                hits[r] = hits.get(r, 0) + 1
        need = min(2, len(parts))  # a shared given name alone is not the name
        best = sorted((r for r, n in hits.items() if n >= need), key=lambda r: -hits[r])[:CANDIDATES]
        found: dict[int, list[NamedKey]] = {}
        for r in best:
            found.setdefault(self.name_rows[schema][r], []).append(self.name_keys[schema][r])
        return found

    def _symbol_index(self, schema: str) -> dict[str, list[int]]:
        if schema not in self._symbols:
            index: dict[str, list[int]] = {}
            for r, (_, raw, _) in enumerate(self.name_keys[schema]):
                for symbols in name_symbols(raw, schema):
                    for s in symbols:
                        index.setdefault(s, []).append(r)
            self._symbols[schema] = index
        return self._symbols[schema]

    def screen(self, query: Query, threshold: float | None = None) -> list[Match]:
        """Matches at or above the threshold, best first."""
        cut = self.threshold if threshold is None else threshold
        matches = []
        asked = {s: query.party(s) for s in ((query.schema,) if query.schema else SCHEMATA)}
        keys = {s: name_key(query.name or "", s) for s in asked}
        found_by_kana = {
            i: names
            for s, key in keys.items()
            if key.script in KANA
            for i, names in self.kana_candidates(key, s).items()
        }
        for i, found in {**self.candidates(query), **found_by_kana}.items():
            listed = self.parties[i]
            if listed.schema not in asked:
                continue
            names = found
            if found is not None and i not in found_by_kana:  # found by name: the cheap stage picks the names
                names = [named for named in found if worth_comparing(keys[listed.schema], named[2])]
                if not names:
                    continue
            parts = compare(asked[listed.schema], listed, bridge=i in found_by_kana, only=names)
            if not parts:
                continue
            score, parts = total(parts)
            if score >= cut or _doctored(query, parts):
                matches.append(Match(query, score, tuple(parts), self.rows[i]))
        return sorted(matches, key=lambda m: (-m.score, m.entry["list_name"], m.entry["entry_id"]))
