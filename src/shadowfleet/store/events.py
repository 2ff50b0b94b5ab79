"""The events table read back as typed records: risk, the cap tracker, case files and the API's views
read `event.details.in_port`, not `row["details"].get("in_port")`, so a renamed field is a type error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from shadowfleet.core.events import AnyDetails, EventType, details_of
from shadowfleet.core.schema import EVENTS, check


@dataclass(frozen=True)
class Ref:
    source: int  # index into `Evidence.sources`
    line: int


@dataclass(frozen=True)
class Evidence:
    positions: int
    sources: tuple[str, ...]
    refs: tuple[Ref, ...]

    def source_of(self, ref: Ref) -> str:
        return self.sources[ref.source]


@dataclass(frozen=True)
class Listing:
    """A party of the event that matched a sanctions list, with its best entry."""

    mmsi: int
    list: str
    list_version: str
    entry_id: str
    entry_name: str
    score: float  # 0-1, the match score
    explanation: str  # JSON, as in `vessel_matches`


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: EventType
    mmsi: int
    other_mmsi: int | None
    start_time: datetime
    end_time: datetime
    lat: float | None
    lon: float | None
    duration_h: float
    distance_m: float | None
    score: float  # 0-1
    reason: str
    details: AnyDetails
    evidence: Evidence
    detector_version: str
    listed: tuple[Listing, ...]

    @property
    def parties(self) -> tuple[int, ...]:
        return (self.mmsi,) if self.other_mmsi is None else (self.mmsi, self.other_mmsi)

    def partner_of(self, mmsi: int) -> int | None:
        """The other vessel of a pairwise event, seen from `mmsi`."""
        if self.other_mmsi is None:
            return None
        return self.other_mmsi if self.mmsi == mmsi else self.mmsi


def _evidence(value: dict[str, object]) -> Evidence:
    refs = value["refs"]
    sources = value["sources"]
    assert isinstance(refs, list) and isinstance(sources, list)
    return Evidence(
        _int(value["positions"]),
        tuple(str(s) for s in sources),
        tuple(Ref(_int(r["source"]), _int(r["line"])) for r in refs),
    )


def _listing(value: dict[str, object]) -> Listing:
    return Listing(
        _int(value["mmsi"]),
        str(value["list"]),
        str(value["list_version"]),
        str(value["entry_id"]),
        str(value["entry_name"]),
        _num(value["score"]),
        str(value["explanation"]),
    )


def records(table: pa.Table) -> list[Event]:
    """Every row of an events table as a typed record, in the table's order."""
    rows: list[dict[str, object]] = check(table, EVENTS).to_pylist()
    return [_record(r) for r in rows]


def _record(r: dict[str, object]) -> Event:
    kind = EventType(str(r["event_type"]))
    evidence, listed = r["evidence"], r["listed"] or []
    assert isinstance(evidence, dict) and isinstance(listed, list)
    start, end = r["start_time"], r["end_time"]
    assert isinstance(start, datetime) and isinstance(end, datetime)
    return Event(
        event_id=str(r["event_id"]),
        event_type=kind,
        mmsi=_int(r["mmsi"]),
        other_mmsi=None if r["other_mmsi"] is None else _int(r["other_mmsi"]),
        start_time=start,
        end_time=end,
        lat=_float(r["lat"]),
        lon=_float(r["lon"]),
        duration_h=_num(r["duration_h"]),
        distance_m=_float(r["distance_m"]),
        score=_num(r["score"]),
        reason=str(r["reason"]),
        details=details_of(kind, str(r["details"])),
        evidence=_evidence(evidence),
        detector_version=str(r["detector_version"]),
        listed=tuple(_listing(x) for x in listed),
    )


# The table passed `check`, so each value has its column's type; these narrow it for the type checker.
def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _num(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


def _float(value: object) -> float | None:
    return None if value is None else _num(value)
