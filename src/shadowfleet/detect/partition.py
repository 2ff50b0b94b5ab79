"""What every runner does per partition, whatever the engine: pure functions of Polars frames.

A runner (DuckDB locally, Spark on a cluster) brings the partitions; these functions turn them into
events. Keeping them here, with no engine in sight, is what lets both runners give the same events.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

from shadowfleet.core.geo import steps
from shadowfleet.detect.draught import detect_draught_changes
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.gaps import Coverage, detect_gaps
from shadowfleet.detect.identity import detect_identity_clash, detect_invalid_identity
from shadowfleet.detect.jumps import detect_jumps
from shadowfleet.detect.loitering import detect_loitering
from shadowfleet.detect.zones import detect_zone_visits

_US_PER_H = 3_600_000_000
# Events as they cross an engine boundary: flat columns (times in µs, nested parts as JSON).
FLAT_EVENTS = pa.schema(
    [
        ("event_type", pa.string()),
        ("mmsi", pa.int64()),
        ("other_mmsi", pa.int64()),
        ("start_time", pa.int64()),
        ("end_time", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("distance_m", pa.float64()),
        ("score", pa.float64()),
        ("reason", pa.string()),
        ("details", pa.string()),
        ("evidence", pa.string()),
        ("detector_version", pa.string()),
        ("event_id", pa.string()),
        ("duration_h", pa.float64()),
    ]
)


def to_flat(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([{**r, "evidence": json.dumps(r["evidence"])} for r in rows], schema=FLAT_EVENTS)


def from_flat(table: pa.Table) -> list[dict[str, Any]]:
    return [{**r, "evidence": json.loads(r["evidence"])} for r in table.to_pylist()]


def recording(hours: list[tuple[str, int, int, int, int]], within_source_h: int = 24) -> Coverage:
    """When the store was recording, from (source, hour, count, first µs, last µs) rows: each source from
    its first to its last message across silences of up to a day (a log records on while ships are
    quiet), but not across longer holes (a file holding two snapshots a year apart did not record in
    between)."""
    by_source: dict[str, list[tuple[int, int]]] = {}
    for source, _, _, first, last in hours:
        by_source.setdefault(source, []).append((int(first), int(last)))
    spans = []
    for source_spans in by_source.values():
        merged = Coverage.of(source_spans, slack_us=within_source_h * _US_PER_H)
        spans += list(zip(merged.starts.tolist(), merged.ends.tolist(), strict=True))
    return Coverage.of(spans)


def explained_away(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop events that a stronger event explains: impossible jumps of an MMSI caught transmitting
    from two places (the clash is the finding), and loitering beside a visible partner (an encounter)."""

    def windows(kind: str) -> dict[int, list[tuple[int, int]]]:
        found: dict[int, list[tuple[int, int]]] = {}
        for r in rows:
            if r["event_type"] == kind:
                for vessel in (r["mmsi"], r["other_mmsi"]):
                    if vessel is not None:
                        found.setdefault(vessel, []).append((r["start_time"], r["end_time"]))
        return found

    clashes, encounters = windows("identity_clash"), windows("encounter")

    def explained(r: dict[str, Any]) -> bool:
        by = {"position_jump": clashes, "loitering": encounters}.get(r["event_type"])
        return by is not None and any(s <= r["end_time"] and r["start_time"] <= e for s, e in by.get(r["mmsi"], []))

    return [r for r in rows if not explained(r)]


def detect_vessels(
    tracks: pl.DataFrame, static: pl.DataFrame, coverage: Coverage, config: Config, out: EventBuilder
) -> None:
    """One partition through every detector: the part that is the same on any engine."""
    before = len(out.rows)
    detect_gaps(tracks, coverage, config, out)
    gaps = [(r["mmsi"], r["start_time"], r["end_time"]) for r in out.rows[before:] if r["event_type"] == "ais_gap"]
    # step distances and speeds once for both detectors that need them
    moves = steps(
        tracks["lat"].to_numpy(), tracks["lon"].to_numpy(), tracks["ts"].to_numpy(), tracks["mmsi"].to_numpy()
    )
    detect_jumps(tracks, config, out, moves)
    detect_loitering(tracks, config, out)
    detect_zone_visits(tracks, config, out)
    detect_identity_clash(tracks, config, out, moves)
    detect_invalid_identity(tracks, static, config, out)
    detect_draught_changes(static, tracks, gaps, config, out)
