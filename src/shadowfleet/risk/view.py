"""What risk, alerts, case files and the cap tracker read from a store, loaded once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shadowfleet.core.identifiers import DPRK_MID, mid_table
from shadowfleet.screening.fleet import load_matches
from shadowfleet.screening.names import country_code
from shadowfleet.screening.network import Reached, is_listed, listed_vessels, network
from shadowfleet.store import layout
from shadowfleet.store.events import Event, records
from shadowfleet.store.queries import latest_identities
from shadowfleet.store.store import Store, StoreError


@dataclass
class Vessel:
    """A vessel's latest declared identity, and every name, IMO and call sign it used."""

    mmsi: int
    name: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    length_m: float | None = None
    beam_m: float | None = None
    draught_m: float | None = None
    names: list[str] = field(default_factory=list)
    imos: list[int] = field(default_factory=list)

    @property
    def mid(self) -> int:
        return self.mmsi // 1_000_000

    @property
    def dprk_flagged(self) -> bool:
        return self.mid == DPRK_MID

    @property
    def tanker(self) -> bool | None:
        return None if self.ship_type is None else 80 <= self.ship_type <= 89

    @property
    def label(self) -> str:
        return f"{self.name or 'unnamed'} (MMSI {self.mmsi}{f', IMO {self.imo}' if self.imo else ''})"


@dataclass(frozen=True)
class VesselMatch:
    """One row of the store's vessel_matches table (`core.schema.VESSEL_MATCHES`): a vessel's identity
    matched to a list entry; `listed` says whether it makes the vessel listed (screening's threshold)."""

    mmsi: int
    imo: int | None
    name: str | None
    flag: str | None
    first_seen: datetime | None
    list_name: str
    list_version: str
    entry_id: str
    entry_name: str
    score: float  # 0-1
    flags: tuple[str, ...]
    explanation: str  # JSON [{feature, value, points, detail}]
    entry_source: str  # file:line of the entry in the imported list
    listed: bool

    @classmethod
    def of(cls, row: dict[str, Any]) -> VesselMatch:
        return cls(**{**row, "flags": tuple(row["flags"]), "score": float(row["score"]), "listed": is_listed(row)})


@dataclass
class StoreView:
    store: Store
    events: list[Event]
    vessels: dict[int, Vessel]
    matches: dict[int, list[VesselMatch]]  # MMSI -> its list matches, best first
    reached: dict[int, list[Reached]]  # MMSI -> how it links to listed vessels
    flags: dict[int, str | None]  # MID -> ISO flag
    by_vessel: dict[int, list[Event]] = field(default_factory=dict)  # MMSI -> its events
    mids_by_imo: dict[int, set[int]] = field(default_factory=dict)  # IMO -> MIDs of the MMSIs that sent it
    listed: set[int] = field(default_factory=set)  # MMSIs with a match at the screening threshold

    def __post_init__(self) -> None:
        self.listed = {m for m, rows in self.matches.items() if any(r.listed for r in rows)}
        for e in self.events:
            for party in set(e.parties):
                self.by_vessel.setdefault(party, []).append(e)
        for v in self.vessels.values():
            for imo in {*v.imos, *([v.imo] if v.imo else [])}:
                self.mids_by_imo.setdefault(imo, set()).add(v.mid)

    def events_of(self, mmsi: int) -> list[Event]:
        return self.by_vessel.get(mmsi, [])

    def vessel(self, mmsi: int) -> Vessel:
        return self.vessels.get(mmsi) or Vessel(mmsi)

    def flag(self, mmsi: int) -> str | None:
        return self.flags.get(mmsi // 1_000_000)


def _vessels(store: Store) -> dict[int, Vessel]:
    return {
        v.mmsi: Vessel(v.mmsi, v.name, v.imo, v.ship_type, v.length_m, v.beam_m, v.draught_m, list(v.names),
                       list(v.imos))
        for v in latest_identities(store)
    }  # fmt: skip


def load_view(store: Store) -> StoreView:
    table = store.read(layout.EVENTS)
    if table is None:
        raise StoreError(f"{store.root}: no events yet; run `shadowfleet detect --store {store.root}` first")
    matches_table = load_matches(store)
    matches: dict[int, list[VesselMatch]] = defaultdict(list)
    reached: dict[int, list[Reached]] = defaultdict(list)
    if matches_table is not None:
        for m in sorted((VesselMatch.of(r) for r in matches_table.to_pylist()), key=lambda m: -m.score):
            matches[m.mmsi].append(m)
        for r in network(table, listed_vessels(matches_table)):
            reached[r.mmsi].append(r)
    flags = {mid: country_code(name) for mid, name in mid_table().items()}
    return StoreView(store, records(table), _vessels(store), dict(matches), dict(reached), flags)
