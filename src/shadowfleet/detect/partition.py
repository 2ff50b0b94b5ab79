"""What every runner does per partition, whatever the engine: pure functions of Polars frames.

A runner (DuckDB locally, Spark on a cluster) brings the partitions; these functions turn them into
events. Keeping them here, with no engine in sight, is what lets both runners give the same events.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.reception import Reception
from shadowfleet.detect.registry import Partition, vessel_detectors

# Events as they cross an engine boundary: flat columns (times in µs, nested parts as JSON).
FLAT_EVENTS = pa.schema(
    [  # type: ignore[arg-type]  # pyarrow-stubs join the field types to object
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


def detect_vessels(
    tracks: pl.DataFrame,
    static: pl.DataFrame,
    coverage: Coverage,
    config: Config,
    out: EventBuilder,
    reception: Reception | None = None,
) -> None:
    """One partition through every vessel detector of the registry: the part that is the same on any engine.
    `reception`: the run's store-wide map of who was heard where and when (built once, not per partition)."""
    part = Partition(tracks, static, coverage, config, reception)
    for found in vessel_detectors():
        events = EventBuilder()
        found.run(part, config, events)
        part.found.rows += events.rows
    out.rows += part.found.rows
