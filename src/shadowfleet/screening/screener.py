"""Queries against the loaded lists: exact identifiers by dictionary, names through the trigram index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from shadowfleet.core.identifiers import imo_valid
from shadowfleet.core.schema import LIST_ENTRIES, check
from shadowfleet.screening.compare import ALIAS, FORMER, PRIMARY, NamedKey, Party, compare, neighbours, worth_comparing
from shadowfleet.screening.features import SCORER_VERSION, Part, explain, total
from shadowfleet.screening.index import GramIndex
from shadowfleet.screening.names import ORGANIZATION, SCHEMATA, VESSEL, name_key

DEFAULT_THRESHOLD = 0.75  # recall 0.998 at 0.8 % false positives on the yente fixtures (make bench)
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


def _doctored(query: Query, parts: list[Part]) -> bool:
    """An IMO that fails its check digit and sits one digit from a listed one: no real hull carries it, so
    it is reported whatever the score (2020 advisory red flag 2)."""
    return bool(query.imo) and not imo_valid(query.imo or 0) and any(p.feature == "imo_one_digit" for p in parts)


class Screener:
    """All loaded list entries, indexed once; `screen` answers one query."""

    def __init__(self, entries: pa.Table, threshold: float = DEFAULT_THRESHOLD) -> None:
        rows = check(entries, LIST_ENTRIES).drop_columns(["ftm"]).to_pylist()
        self.threshold = threshold
        self.rows = rows
        self.parties = [_party(e) for e in rows]
        self.by_imo: dict[int, list[int]] = {}
        self.by_company_imo: dict[int, list[int]] = {}
        self.by_mmsi: dict[int, list[int]] = {}
        for i, p in enumerate(self.parties):
            for number, table in ((p.imo, self.by_imo), (p.company_imo, self.by_company_imo), (p.mmsi, self.by_mmsi)):
                if number:
                    table.setdefault(number, []).append(i)
        self.name_rows: dict[str, list[int]] = {s: [] for s in SCHEMATA}  # index row -> party
        self.name_keys: dict[str, list[NamedKey]] = {s: [] for s in SCHEMATA}  # index row -> its name
        for i, p in enumerate(self.parties):
            for named in p.keys(p.schema):
                self.name_rows[p.schema].append(i)
                self.name_keys[p.schema].append(named)
        self.indexes = {s: GramIndex([key for _, _, key in self.name_keys[s]]) for s in SCHEMATA}
        for schema_keys in self.name_keys.values():
            for _, _, key in schema_keys:  # the forms comparison reaches for, once per listed name
                key.joined, key.spelt_joined, key.reversed_words, key.token_set, key.sorted_tokens, key.sorted_text  # noqa: B018

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
                rows = self.indexes[schema].candidates(name_key(query.name, schema), CANDIDATES, MIN_DICE)
                for r in rows:
                    party = self.name_rows[schema][r]
                    if party not in found:
                        found[party] = [self.name_keys[schema][r]]
                    elif (names := found[party]) is not None:
                        names.append(self.name_keys[schema][r])
        return found

    def screen(self, query: Query, threshold: float | None = None) -> list[Match]:
        """Matches at or above the threshold, best first."""
        cut = self.threshold if threshold is None else threshold
        matches = []
        asked = {s: query.party(s) for s in ((query.schema,) if query.schema else SCHEMATA)}
        for i, found in self.candidates(query).items():
            listed = self.parties[i]
            if listed.schema not in asked:
                continue
            names = found
            if found is not None:  # found by name only: the cheap first stage decides which names to compare
                key = name_key(query.name or "", listed.schema)
                names = [named for named in found if worth_comparing(key, named[2])]
                if not names:
                    continue
            parts = compare(asked[listed.schema], listed, only=names)
            if not parts:
                continue
            score, parts = total(parts)
            if score >= cut or _doctored(query, parts):
                matches.append(Match(query, score, tuple(parts), self.rows[i]))
        return sorted(matches, key=lambda m: (-m.score, m.entry["list_name"], m.entry["entry_id"]))
