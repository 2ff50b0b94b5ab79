"""The canonical tables, declared once.

Every reader converts its input to these tables and every writer checks them before a byte
reaches the store (`check`). Units live in the column names, times are UTC microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True

    def field(self) -> pa.Field[pa.DataType]:
        return pa.field(self.name, self.type, nullable=self.nullable)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    # Columns that identify one observation regardless of which file or station delivered it;
    # a row whose key is already in the store is a duplicate.
    key: tuple[str, ...]
    partitioned_by_date: bool = True

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([c.field() for c in self.columns])

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


_PROVENANCE = (
    Column("source", pa.string(), "input file (absolute path, `zip::member` for archives) or feed id", False),
    Column("station", pa.string(), "receiving station where the input names one"),
    Column("line", pa.int64(), "line (or row) number of the record in `source`, 1-based", False),
)

POSITIONS = Table(
    "positions",
    (
        Column("mmsi", pa.int64(), "Maritime Mobile Service Identity as transmitted", False),
        Column("ts", TS, "time of reception, UTC", False),
        Column("lat", pa.float64(), "latitude, degrees WGS84; null when 'not available' (91)"),
        Column("lon", pa.float64(), "longitude, degrees WGS84; null when 'not available' (181)"),
        Column("sog_kn", pa.float32(), "speed over ground, knots; null when 'not available' (102.3)"),
        Column("cog_deg", pa.float32(), "course over ground, degrees; null when 'not available' (360) or beyond"),
        Column("heading_deg", pa.float32(), "true heading, degrees; null when 'not available' (511) or outside 0-359"),
        Column("nav_status", pa.int8(), "navigational status 0-15 (ITU-R M.1371); null where not sent"),
        Column("msg_type", pa.int8(), "AIS message type (1-3, 18, 19, 27); null for decoded CSV"),
        *_PROVENANCE,
    ),
    key=("mmsi", "ts", "msg_type", "lat", "lon"),
)

# The fields by which a vessel declares who it is; a change in any of them is a new static row.
STATIC_IDENTITY = (
    "imo", "name", "callsign", "ship_type", "length_m", "beam_m", "draught_m", "destination", "eta",
)  # fmt: skip

# Plausibility, checked at ingest. A static value outside its range (or NaN, inf) is not something a
# vessel can be: it is stored as null, the row kept, and the value noted in `rejects` (reason
# `value_nulled`, no record counted). 0 is AIS "not available" and becomes null silently. Draught:
# the deepest laden VLCC/ULCC draws about 25 m, 25.5 m is the largest AIS type 5 can send; length:
# the largest ships ever built are under 460 m; beam: under 70 m.
STATIC_RANGES: dict[str, tuple[float, float]] = {
    "draught_m": (0.0, 30.0),
    "length_m": (1.0, 500.0),
    "beam_m": (1.0, 80.0),
}
# A time of reception before AIS existed in service (it became mandatory from 2002; nothing earlier
# than 1990 is AIS) or more than a day after the ingest's clock is a reject, not a row.
EARLIEST_TS = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
# An ETA is a declared plan: up to this long after the latest plausible reception time.
ETA_HORIZON = timedelta(days=400)


def ts_bounds_us(now: datetime | None = None) -> tuple[int, int]:
    """[earliest, latest] plausible reception time, µs since 1970 UTC."""
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    return _us(EARLIEST_TS), _us(latest)


def eta_bounds_us(now: datetime | None = None) -> tuple[int, int]:
    """[earliest, latest] plausible declared ETA, µs since 1970 UTC."""
    return _us(EARLIEST_TS), _us((now or datetime.now(UTC)) + FUTURE_SLACK + ETA_HORIZON)


def _us(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


STATIC = Table(
    "static",
    (
        Column("mmsi", pa.int64(), "Maritime Mobile Service Identity as transmitted", False),
        Column("ts", TS, "time of reception, UTC", False),
        Column("imo", pa.int64(), "IMO number as transmitted (not validated here); null when 0"),
        Column("name", pa.string(), "vessel name, trailing '@' and blanks removed"),
        Column("callsign", pa.string(), "radio call sign"),
        Column("ship_type", pa.int16(), "ship and cargo type 1-255 (ITU-R M.1371 table 53); null when 0"),
        Column("length_m", pa.float32(), "length overall, metres (bow + stern)"),
        Column("beam_m", pa.float32(), "beam, metres (port + starboard)"),
        Column("draught_m", pa.float32(), "present static draught, metres; null when 0"),
        Column("destination", pa.string(), "declared destination"),
        Column("eta", TS, "declared ETA, UTC; the year is the first one that puts it after `ts` - 1 month"),
        Column(
            "msg_type",
            pa.int8(),
            "AIS message type (5, 19, 24); for decoded CSV 5 (class A) or 24 (class B) where the file names "
            "the transceiver class, else null",
        ),
        *_PROVENANCE,
    ),
    key=("mmsi", "ts", *STATIC_IDENTITY, "msg_type"),
)

REJECTS = Table(
    "rejects",
    (
        Column("source", pa.string(), "input file", False),
        Column("source_sha256", pa.string(), "sha256 of the input file", False),
        Column("line", pa.int64(), "line number in the input (0 when the whole file failed)", False),
        Column("reason", pa.string(), "short machine-readable reason code", False),
        Column("detail", pa.string(), "one sentence naming the field and the value at fault", False),
        Column("raw", pa.string(), "the raw line(s), truncated to 2,000 characters", False),
        Column("ingested_at", TS, "when the ingest ran", False),
    ),
    key=("source_sha256", "line", "reason"),
    partitioned_by_date=False,
)

EVIDENCE = pa.struct(
    [
        pa.field("positions", pa.int64()),
        pa.field("sources", pa.list_(pa.string())),
        pa.field("refs", pa.list_(pa.struct([pa.field("source", pa.int32()), pa.field("line", pa.int64())]))),
    ]
)

LISTED = pa.list_(
    pa.struct(
        [
            pa.field("mmsi", pa.int64()),
            pa.field("list", pa.string()),
            pa.field("list_version", pa.string()),
            pa.field("entry_id", pa.string()),
            pa.field("entry_name", pa.string()),
            pa.field("score", pa.float64()),
            pa.field("explanation", pa.string()),
        ]
    )
)

EVENTS = Table(
    "events",
    (
        Column("event_id", pa.string(), "hash of type, vessels and start: a rerun upserts, never duplicates", False),
        Column(
            "event_type",
            pa.string(),
            "ais_gap, position_jump, identity_clash, invalid_identity, draught_change, ...",
            False,
        ),
        Column("mmsi", pa.int64(), "the vessel", False),
        Column("other_mmsi", pa.int64(), "the other vessel of a pairwise event; null otherwise"),
        Column("start_time", TS, "when the event starts, UTC", False),
        Column("end_time", TS, "when it ends (for an open gap: the end of the data), UTC", False),
        Column("lat", pa.float64(), "representative latitude, degrees"),
        Column("lon", pa.float64(), "representative longitude, degrees (circular mean where averaged)"),
        Column("duration_h", pa.float64(), "end_time - start_time, hours", False),
        Column("distance_m", pa.float64(), "pairwise: median distance; gap or jump: distance covered; else null"),
        Column("score", pa.float64(), "0-1, how strongly the event suggests evasion", False),
        Column("reason", pa.string(), "one sentence a person can read", False),
        Column("details", pa.string(), "type-specific facts as a JSON object", False),
        Column("evidence", EVIDENCE, "supporting positions: count, source files, (source index, line) refs", False),
        Column("detector_version", pa.string(), "detector name and version that produced the event", False),
        Column(
            "listed", LISTED, "for each party on a sanctions list: the best entry, score and why; null if unscreened"
        ),
    ),
    key=("event_id",),
    partitioned_by_date=False,
)

LIST_ENTRIES = Table(
    "list_entries",
    (
        Column("list_name", pa.string(), "the list as imported, e.g. ofac-sdn, un-consolidated", False),
        Column("list_version", pa.string(), "version id: import time and content hash", False),
        Column("entry_id", pa.string(), "the list's own id (OFAC ent_num, UN reference number, ...)", False),
        Column("schema", pa.string(), "FollowTheMoney schema: Vessel, Person or Organization", False),
        Column("name", pa.string(), "primary name", False),
        Column("aliases", pa.list_(pa.string()), "a.k.a. names", False),
        Column("former_names", pa.list_(pa.string()), "f.k.a. names (vessels: earlier names)", False),
        Column("imo", pa.int64(), "ship IMO number (check digit valid); null otherwise"),
        Column("company_imo", pa.int64(), "IMO company/owner number (check digit valid); null otherwise"),
        Column("mmsi", pa.int64(), "MMSI where the list gives one"),
        Column("flag", pa.string(), "vessel flag, ISO 3166 alpha-2"),
        Column(
            "countries", pa.list_(pa.string()), "nationality, address or jurisdiction countries, ISO alpha-2", False
        ),
        Column("programs", pa.list_(pa.string()), "sanctions programmes, e.g. DPRK3, KP", False),
        Column("linked_to", pa.list_(pa.string()), "owners, operators and other parties the entry names", False),
        Column("listed_on", pa.date32(), "date of designation where the list gives it"),
        Column("remarks", pa.string(), "the list's remarks, verbatim"),
        Column("source", pa.string(), "file the entry was read from", False),
        Column("line", pa.int64(), "line of the entry in `source`, 1-based", False),
        Column("ftm", pa.string(), "the entry as a FollowTheMoney entity (JSON)", False),
    ),
    key=("list_name", "list_version", "entry_id"),
    partitioned_by_date=False,
)

VESSEL_MATCHES = Table(
    "vessel_matches",
    (
        Column("mmsi", pa.int64(), "the vessel in the AIS store", False),
        Column("imo", pa.int64(), "IMO it broadcast (as transmitted) in the identity screened"),
        Column("name", pa.string(), "name it broadcast in the identity screened"),
        Column("flag", pa.string(), "flag from its MMSI's MID, ISO alpha-2"),
        Column("first_seen", TS, "first report of this identity, UTC"),
        Column("list_name", pa.string(), "list of the entry matched", False),
        Column("list_version", pa.string(), "version of that list", False),
        Column("entry_id", pa.string(), "the list's id of the entry", False),
        Column("entry_name", pa.string(), "the entry's primary name", False),
        Column("score", pa.float64(), "0-1, the sum of the explanation's points", False),
        Column("flags", pa.list_(pa.string()), "e.g. possible_imo_manipulation", False),
        Column("explanation", pa.string(), "the scored features as JSON [{feature, value, points, detail}]", False),
        Column("entry_source", pa.string(), "file:line of the entry in the imported list", False),
    ),
    key=("mmsi", "imo", "name", "list_name", "entry_id"),
    partitioned_by_date=False,
)

RISK = Table(
    "risk",
    (
        Column("mmsi", pa.int64(), "the vessel", False),
        Column("name", pa.string(), "its latest declared name"),
        Column("imo", pa.int64(), "its latest declared IMO"),
        Column("flag", pa.string(), "flag from its MMSI's MID, ISO alpha-2"),
        Column("ship_type", pa.int16(), "its latest declared ship and cargo type"),
        Column("risk_score", pa.float64(), "0-100, the sum of the findings' points (capped at 100)", False),
        Column("band", pa.string(), "low (< 25), medium (< 50), high (< 75), critical", False),
        Column("reasons", pa.list_(pa.string()), "the top three findings in words", False),
        Column("findings", pa.string(), "every finding as JSON [{feature, value, points, reason, events}]", False),
        Column("events", pa.list_(pa.string()), "ids of the events the findings rest on", False),
        Column("scorer_version", pa.string(), "risk scorer version, e.g. risk-v1", False),
    ),
    key=("mmsi", "scorer_version"),
    partitioned_by_date=False,
)

ALERTS = Table(
    "alerts",
    (
        Column("alert_id", pa.string(), "hash of scorer version and vessel: reruns update, never duplicate", False),
        Column("mmsi", pa.int64(), "the vessel", False),
        Column("name", pa.string(), "its latest declared name"),
        Column("risk_score", pa.float64(), "risk score 0-100 when last computed", False),
        Column("band", pa.string(), "risk band", False),
        Column("reasons", pa.list_(pa.string()), "top reasons", False),
        Column("fingerprint", pa.string(), "hash of the evidence (events and list matches) behind the score", False),
        Column("state", pa.string(), "new, changed, reviewed, dismissed or escalated", False),
        Column("first_seen", TS, "when the alert was first raised", False),
        Column("changed_at", TS, "when its evidence last changed", False),
        Column("decided_by", pa.string(), "who set the last status"),
        Column("decided_at", TS, "when"),
        Column("note", pa.string(), "the analyst's note"),
    ),
    key=("alert_id",),
    partitioned_by_date=False,
)

# replaced by every detect run (detect/anchorages.py): anchorages inferred from the data, and the user's files
ANCHORAGES = Table(
    "anchorages",
    (
        Column("anchorage_id", pa.string(), "stable id: source and rounded position", False),
        Column("name", pa.string(), "a user's name, or the nearest port and its distance", False),
        Column("lat", pa.float64(), "centre, degrees WGS84", False),
        Column("lon", pa.float64(), "centre, degrees WGS84", False),
        Column("radius_m", pa.float64(), "an event within this of the centre is at the anchorage", False),
        Column("source", pa.string(), "inferred (from this store's data) or user (a file given to detect)", False),
        Column("vessels", pa.int64(), "distinct vessels stationary there (inferred)"),
        Column("stationary_periods", pa.int64(), "stationary periods there (inferred)"),
        Column("paired_share", pa.float64(), "share of those periods with another vessel within pair distance"),
        Column("how", pa.string(), "how it was inferred or where it was read from", False),
    ),
    key=("anchorage_id",),
    partitioned_by_date=False,
)
TABLES = {
    t.name: t for t in (POSITIONS, STATIC, REJECTS, EVENTS, ANCHORAGES, LIST_ENTRIES, VESSEL_MATCHES, RISK, ALERTS)
}


class SchemaError(ValueError):
    """A table crossing a boundary does not match its declaration."""


def check(table: pa.Table, spec: Table) -> pa.Table:
    """Return `table` with exactly the declared columns, order and types, or raise SchemaError.

    Columns are cast only where the cast is lossless in kind (e.g. int32 -> int64); a missing
    column or a null in a non-nullable one is an error, never silently filled.
    """
    missing = [n for n in spec.names if n not in table.column_names]
    if missing:
        raise SchemaError(f"{spec.name}: missing column(s) {', '.join(missing)}")
    arrays = []
    for col in spec.columns:
        arr = table.column(col.name)
        if arr.type != col.type:
            try:
                arr = arr.cast(col.type, safe=True)
            except pa.ArrowException as exc:  # invalid or unsupported cast
                raise SchemaError(f"{spec.name}.{col.name}: {arr.type} is not {col.type} ({exc})") from exc
        if not col.nullable and arr.null_count:
            raise SchemaError(f"{spec.name}.{col.name}: {arr.null_count} null value(s) in a required column")
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=spec.schema)


def empty(spec: Table) -> pa.Table:
    return spec.schema.empty_table()
