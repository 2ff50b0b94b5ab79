"""The event contract: the event types, and one typed, versioned record of details per type.

Detectors build these records; the events table stores them as JSON (`details`, with a
`schema_version`); risk, the API, reports and the web map read them back with `details_of`, so a
renamed field is a type error, not a risk feature silently switched off. The JSON keys are the field
names, so events written before the records existed (no `schema_version`) still read as version 1.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Literal, Self, overload

SCHEMA_VERSION = 1


class EventType(StrEnum):
    """The eight kinds of event; the value is what the events table stores."""

    ENCOUNTER = "encounter"
    LOITERING = "loitering"
    AIS_GAP = "ais_gap"
    POSITION_JUMP = "position_jump"
    IDENTITY_CLASH = "identity_clash"
    INVALID_IDENTITY = "invalid_identity"
    ZONE_VISIT = "zone_visit"
    DRAUGHT_CHANGE = "draught_change"

    @property
    def label(self) -> str:
        """What an analyst reads on the map, in a list or a report."""
        return _LABELS[self]

    @property
    def colour(self) -> str:
        """The event's colour on the web map and in reports (CSS hex)."""
        return _COLOURS[self]


_LABELS = {
    EventType.ENCOUNTER: "Encounter (possible ship-to-ship transfer)",
    EventType.LOITERING: "Loitering at sea",
    EventType.AIS_GAP: "AIS gap",
    EventType.POSITION_JUMP: "Position jump",
    EventType.IDENTITY_CLASH: "Identity clash (one MMSI, two places)",
    EventType.INVALID_IDENTITY: "Invalid identity",
    EventType.ZONE_VISIT: "Zone visit",
    EventType.DRAUGHT_CHANGE: "Draught change",
}
_COLOURS = {
    EventType.ENCOUNTER: "#d62728",
    EventType.LOITERING: "#ff7f0e",
    EventType.AIS_GAP: "#7f7f7f",
    EventType.POSITION_JUMP: "#9467bd",
    EventType.IDENTITY_CLASH: "#8c564b",
    EventType.INVALID_IDENTITY: "#e377c2",
    EventType.ZONE_VISIT: "#1f77b4",
    EventType.DRAUGHT_CHANGE: "#2ca02c",
}


class JumpKind(StrEnum):
    BAD_FIX = "bad_fix"  # one fix off the track, then back
    EXCURSION = "excursion"  # a run of fixes away and back: spoofed or manipulated positions
    JUMP = "jump"  # away and stays there


class ZoneKind(StrEnum):
    WATERS = "waters"
    PORT = "port"


class GapReception(StrEnum):
    """Would the vessel have been heard during its gap (detect/gaps.py)?"""

    HEARD = "heard"  # others near it were heard, and it reported densely before: an alarm
    COVERAGE_HOLE = "coverage_hole"  # nobody near it was heard either: context
    SPARSE_TRACK = "sparse_track"  # its own reporting before was too sparse to show a silence: context
    LIKELY_MISSED = "likely_missed"  # others near it were heard too seldom for the silence to be unlikely: context


class IdentityCheck(StrEnum):
    MMSI = "mmsi"  # malformed or unallocated MMSI
    MMSI_FORMAT = "mmsi_format"  # a valid ITU format that is not a ship station (AtoN, SAR aircraft, ...)
    IMO = "imo"  # IMO number failing its check digit
    IDENTITY_CHANGE = "identity_change"  # name, call sign or IMO changing under one MMSI


@dataclass(frozen=True, kw_only=True)
class Details:
    """Base of every record: JSON in and out, with the schema version."""

    event_type: ClassVar[EventType]

    def to_json(self) -> str:
        values = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return json.dumps({**values, "schema_version": SCHEMA_VERSION}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Self:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"{cls.event_type} details: not a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        version = int(data.get("schema_version", 1))
        if version > SCHEMA_VERSION:
            raise ValueError(f"{cls.event_type} details: schema_version {version} is newer than {SCHEMA_VERSION}")
        hints = _hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                values[f.name] = _typed(hints[f.name], data[f.name])
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class EncounterDetails(Details):
    event_type: ClassVar[EventType] = EventType.ENCOUNTER
    in_port: bool = False  # at a port or anchorage: context, scored < 0.3
    anchorage: str | None = None  # the port or anchorage it lies at
    anchorage_source: str | None = None  # "wpi", "inferred" or "user"
    hotspot: str | None = None  # the STS hot spot (reference.md §2) it lies in
    median_speed_kn: tuple[float, float] = (0.0, 0.0)  # of each vessel during the encounter
    close_slots: int = 0  # 10-minute slots in which the two were within the distance
    cluster_id: str | None = None  # 'hash:size' when three or more vessels were together
    fixes: tuple[int, int] | None = None  # real fixes of each vessel during the encounter
    longest_bridged_gap_h: float | None = None  # longest silence bridged between two slow, close fixes
    heading_difference_deg: float | None = None  # median difference of the two courses (aligned: < 20 or > 160)
    partners: int | None = None  # distinct vessels the pair met within the same day
    night: bool | None = None  # most of it between local dusk and dawn
    draught_change_after: bool | None = None  # either vessel declared a new draught after it
    evidence: tuple[str, ...] = ()  # what raised or lowered the score, as in `reason`


@dataclass(frozen=True, kw_only=True)
class LoiteringDetails(Details):
    event_type: ClassVar[EventType] = EventType.LOITERING
    shore_distance_nm: float = 0.0
    hotspot: str | None = None
    slow_hours: int = 0  # chained slow hours
    in_port: bool = False
    anchorage: str | None = None
    fixes: int | None = None  # real fixes during the spell
    longest_bridged_gap_h: float | None = None


@dataclass(frozen=True, kw_only=True)
class AisGapDetails(Details):
    event_type: ClassVar[EventType] = EventType.AIS_GAP
    open: bool = False  # still silent at the end of the data
    shore_distance_start_nm: float = 0.0
    shore_distance_end_nm: float | None = None
    implied_speed_kn: float | None = None
    hotspot: str | None = None
    in_coverage_hole: bool = False  # nobody near was heard either: context, scored < 0.3
    context: str | None = None  # why it is context rather than an alarm
    positions_before: int | None = None  # own fixes in the look-back before the gap
    vessels_heard_nearby: int | None = None  # others heard near its ends during the gap
    reception: GapReception = GapReception.HEARD  # why it is an alarm, or why context
    unheard_h: float | None = None  # hours of the gap in which nobody near the vessel was heard (beyond a revisit)
    reception_examined_h: float | None = None  # whole hours of the gap examined for reception
    longest_interval_before_h: float | None = None  # the vessel's longest silence in the look-back
    heard_h: float | None = None  # hours of the gap in which others near it were heard
    others_heard_share: float | None = None  # mean share of the vessels present near it heard, in its heard hours
    own_hit_rate: float | None = None  # how often it was heard around the gap in hours others near it were (as far out)
    audibility: float | None = None  # how often it is heard next to its neighbours in the same hours (1: as often)
    expected_heard_h: float | None = None  # hours of the gap in which it would have been heard, expected
    chance_of_silence: float | None = None  # chance it was missed in all the gap's heard hours by bad luck alone
    class_b: bool = False  # its identity came in class B reports (messages 19, 24): judged at max_chance_class_b


@dataclass(frozen=True, kw_only=True)
class PositionJumpDetails(Details):
    event_type: ClassVar[EventType] = EventType.POSITION_JUMP
    kind: JumpKind = JumpKind.JUMP
    off_track_fixes: int = 0
    on_land: int = 0  # off-track fixes on land
    implied_speed_kn: float = 0.0
    return_speed_kn: float | None = None  # the leap back onto the track (bad_fix, excursion)
    farthest_nm: float | None = None  # farthest off-track fix from the last good one
    away_h: float | None = None  # first to last off-track fix


@dataclass(frozen=True, kw_only=True)
class TrackExtent:
    """Where and when one of an MMSI's physically consistent tracks ran."""

    start_us: int
    end_us: int
    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float
    fixes: int


@dataclass(frozen=True, kw_only=True)
class IdentityClashDetails(Details):
    event_type: ClassVar[EventType] = EventType.IDENTITY_CLASH
    tracks: int = 2  # physically consistent tracks of the MMSI
    fixes: tuple[int, int] = (0, 0)  # fixes in the two biggest
    overlap_h: float = 0.0  # hours both were transmitting
    extents: tuple[TrackExtent, ...] = ()  # of the two biggest tracks
    switches: int | None = None  # times the reports switch from one track to the other while both run


@dataclass(frozen=True, kw_only=True)
class InvalidIdentityDetails(Details):
    event_type: ClassVar[EventType] = EventType.INVALID_IDENTITY
    check: IdentityCheck = IdentityCheck.MMSI
    imo: int | None = None  # the failing IMO
    mmsi_format: str | None = None  # the ITU-R M.585 format named
    positions: int | None = None  # position reports sent under a non-ship MMSI
    name: tuple[str, ...] | None = None  # names in the order they were declared
    callsign: tuple[str, ...] | None = None
    imos: tuple[int, ...] | None = None  # IMO numbers in the order they were declared


@dataclass(frozen=True, kw_only=True)
class ZoneVisitDetails(Details):
    event_type: ClassVar[EventType] = EventType.ZONE_VISIT
    zone: str = ""
    kind: ZoneKind = ZoneKind.WATERS
    fixes: int = 0
    dprk_flag: bool = False
    stopped: bool | None = None  # slowed below 1 kn or called at a port, rather than a transit
    min_speed_kn: float | None = None
    port_call: str | None = None  # the DPRK port it stopped at during the visit
    implausible: bool = False  # reached and left only by jumps faster than any ship: a spoofed or bad run
    entry_kn: float | None = None  # implied speed of the step into the visit (None: its first fix)
    exit_kn: float | None = None  # ... and out of it (None: its last fix)


@dataclass(frozen=True, kw_only=True)
class DraughtChangeDetails(Details):
    event_type: ClassVar[EventType] = EventType.DRAUGHT_CHANGE
    draught_before_m: float = 0.0
    draught_after_m: float = 0.0
    tonnes: int | None = None
    barrels: int | None = None
    across_gap: bool = False
    length_m: float | None = None
    beam_m: float | None = None
    loading_rate_t_per_h: float | None = None
    rate_m_per_h: float | None = None  # the draught change over the time since the previous value was set
    held_h: float | None = None  # how long the new value held (to the next change or the last report)


AnyDetails = (
    EncounterDetails
    | LoiteringDetails
    | AisGapDetails
    | PositionJumpDetails
    | IdentityClashDetails
    | InvalidIdentityDetails
    | ZoneVisitDetails
    | DraughtChangeDetails
)
DETAILS: dict[EventType, type[AnyDetails]] = {
    cls.event_type: cls
    for cls in (
        EncounterDetails,
        LoiteringDetails,
        AisGapDetails,
        PositionJumpDetails,
        IdentityClashDetails,
        InvalidIdentityDetails,
        ZoneVisitDetails,
        DraughtChangeDetails,
    )
}


@overload
def details_of(event_type: Literal[EventType.ENCOUNTER], json_text: str) -> EncounterDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.LOITERING], json_text: str) -> LoiteringDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.AIS_GAP], json_text: str) -> AisGapDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.POSITION_JUMP], json_text: str) -> PositionJumpDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.IDENTITY_CLASH], json_text: str) -> IdentityClashDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.INVALID_IDENTITY], json_text: str) -> InvalidIdentityDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.ZONE_VISIT], json_text: str) -> ZoneVisitDetails: ...
@overload
@overload
def details_of(event_type: Literal[EventType.DRAUGHT_CHANGE], json_text: str) -> DraughtChangeDetails: ...
@overload
def details_of(event_type: EventType | str, json_text: str) -> AnyDetails: ...


def details_of(event_type: EventType | str, json_text: str) -> AnyDetails:
    """The typed details of a stored event (`details` column) of the given type."""
    return DETAILS[EventType(event_type)].from_json(json_text)


def _plain(value: Any) -> Any:
    """JSON-ready: enums as their values, tuples as lists, nested records as objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return float(value)
    if type(value).__module__ == "numpy":  # a numpy scalar that slipped through
        return value.item()
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _typed(hint: Any, value: Any) -> Any:
    """A JSON value back into the field's declared type (enums, tuples, nested records)."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], v) for v in value)
        return tuple(_typed(a, v) for a, v in zip(args, value, strict=True))
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        inner = _hints(hint)
        return hint(**{k: _typed(inner[k], v) for k, v in value.items() if k in inner})
    if hint is float:
        return float(value)
    return value
