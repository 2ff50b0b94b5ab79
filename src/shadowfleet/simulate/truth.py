"""What a scenario planted, as `truth.json` will list it: cases the detectors must find, decoys they must
not raise the named alarms on, and the outer anchorages and coverage holes they must cope with."""

from __future__ import annotations

from dataclasses import dataclass, field

from shadowfleet.core.events import EventType

ENCOUNTER = EventType.ENCOUNTER
LOITERING = EventType.LOITERING
AIS_GAP = EventType.AIS_GAP
POSITION_JUMP = EventType.POSITION_JUMP
IDENTITY_CLASH = EventType.IDENTITY_CLASH
INVALID_IDENTITY = EventType.INVALID_IDENTITY
ZONE_VISIT = EventType.ZONE_VISIT
DRAUGHT_CHANGE = EventType.DRAUGHT_CHANGE
EVENT_TYPES = tuple(EventType)


@dataclass
class Case:
    """A planted case (an event type the detectors must report) or a decoy (`not_alarms` lists the event
    types that must not alarm on its vessels during it). Times are seconds from the scenario's start."""

    kind: str
    mmsi: int
    start_s: float
    end_s: float
    other_mmsi: int | None = None
    decoy: bool = False
    detail: str | None = None  # what sort of case: "excursion", "transit", "sar_aircraft", ...
    not_alarms: tuple[str, ...] = ()
    at: tuple[float, float] | None = None  # where it happened (lat, lon), when it happened in one place


@dataclass(frozen=True)
class Anchorage:
    """A busy outer anchorage: vessels wait here for hours and lie side by side (encounters here are
    in port, not alarms)."""

    name: str
    port: str
    lat: float
    lon: float
    radius_m: float
    port_distance_km: float


@dataclass
class Truth:
    cases: list[Case] = field(default_factory=list)
    anchorages: list[Anchorage] = field(default_factory=list)

    def case(
        self,
        kind: str,
        mmsi: int,
        start_s: float,
        end_s: float,
        other: int | None = None,
        *,
        detail: str | None = None,
        at: tuple[float, float] | None = None,
    ) -> None:
        self.cases.append(Case(kind, mmsi, start_s, end_s, other, detail=detail, at=at))

    def decoy(
        self,
        kind: str,
        mmsi: int,
        start_s: float,
        end_s: float,
        not_alarms: tuple[str, ...],
        other: int | None = None,
        *,
        at: tuple[float, float] | None = None,
    ) -> None:
        self.cases.append(Case(kind, mmsi, start_s, end_s, other, decoy=True, not_alarms=not_alarms, at=at))
