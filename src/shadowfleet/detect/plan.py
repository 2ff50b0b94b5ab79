"""One detection plan for every engine: what to read, how to cut it, and how the events are finished.

A runner (DuckDB locally, Spark on a cluster) asks the store for an hourly summary of the window's
fixes, gets a `Plan` from it, and only executes: it brings each vessel bucket to the registry's vessel
detectors, each time chunk (with its stitching margin) to the encounter finder, and hands every event to
`Plan.finish`, which drops the explained-away ones, keeps those inside the bounding box and sorts them.
Because the decisions live here, `--engine spark` and `--engine duckdb` cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from shadowfleet.core.events import EventType
from shadowfleet.core.schema import EVENTS
from shadowfleet.detect.anchorages import Nearby
from shadowfleet.detect.coverage import Coverage, recording
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.loitering import at_anchorages
from shadowfleet.detect.registry import detector

ROWS_PER_PARTITION = 5_000_000
_US_PER_H = 3_600_000_000
HourRow = tuple[str, int, int, int, int]  # source, hour, fixes, first µs, last µs


@dataclass(frozen=True)
class Window:
    """The part of the store a run looks at: fixes in [since, until), events inside the box."""

    since: datetime | None = None
    until: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # lon_min, lat_min, lon_max, lat_max

    @property
    def since_us(self) -> int | None:
        return None if self.since is None else _micros(self.since)

    @property
    def until_us(self) -> int | None:
        return None if self.until is None else _micros(self.until)

    def covers(self, events: pa.Table) -> np.ndarray:
        """The earlier events a run over this window supersedes: those it would find again, starting in
        [since, until) and kept by the box. A rerun after a detector changed must not leave the events it
        no longer finds (a false alarm fixed since) beside the ones it does."""
        starts = events.column("start_time").cast(pa.int64()).to_numpy(zero_copy_only=False)
        kept = np.ones(len(starts), bool)
        if self.since_us is not None:
            kept &= starts >= self.since_us
        if self.until_us is not None:
            kept &= starts < self.until_us
        lat = events.column("lat").to_numpy(zero_copy_only=False).astype(float)
        lon = events.column("lon").to_numpy(zero_copy_only=False).astype(float)
        return np.asarray(kept & self.inside(lat, lon))

    def inside(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Events kept by the box: inside it, or without a position (an identity finding has none)."""
        if self.bbox is None:
            return np.ones(len(lat), bool)
        lon_min, lat_min, lon_max, lat_max = self.bbox
        with np.errstate(invalid="ignore"):
            boxed = (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)
        return np.asarray(np.isnan(lat) | boxed)


@dataclass(frozen=True)
class Plan:
    window: Window
    coverage: Coverage  # when the store was recording (gaps are only silences inside it)
    buckets: int  # vessel partitions: hash(mmsi) % buckets, so every track is whole in one
    chunk_us: int  # time chunks of all vessels for the pairwise detectors
    # stitching: a chunk also sees each vessel's last fix in the margin before it and first fix in the margin
    # after, all that interpolation (or a bridge) across the chunk's edges needs (encounters longer than a
    # chunk are joined from the close slots of every chunk before runs are formed)
    margin_us: int = _US_PER_H

    @classmethod
    def of(cls, window: Window, hours: list[HourRow], config: Config) -> Plan:
        total = sum(int(n) for _, _, n, _, _ in hours)
        meeting = detector(EventType.ENCOUNTER).parameters(config)
        return cls(
            window=window,
            coverage=recording(hours),
            buckets=max(1, -(-total // ROWS_PER_PARTITION)),
            chunk_us=int(meeting.chunk_h * _US_PER_H),
            margin_us=int(max(meeting.max_interpolation_h, meeting.max_bridge_h) * _US_PER_H),
        )

    def chunks(self) -> list[int]:
        """Start (µs) of every time chunk that may hold fixes: those over the recorded intervals."""
        starts: list[int] = []
        for first, last in zip(self.coverage.starts.tolist(), self.coverage.ends.tolist(), strict=True):
            starts += range(first // self.chunk_us * self.chunk_us, last + 1, self.chunk_us)
        return sorted(set(starts))

    def finish(self, rows: list[dict[str, Any]], anchorages: Nearby | None = None) -> pa.Table:
        """The run's events: explained-away ones dropped, loitering at an anchorage made context, only
        those inside the box, sorted by start."""
        kept = explained_away(rows)
        if anchorages is not None:
            kept = at_anchorages(kept, anchorages)
        events = EventBuilder(kept).table()
        if self.window.bbox is not None and events.num_rows:
            lat = events.column("lat").to_numpy(zero_copy_only=False).astype(float)
            lon = events.column("lon").to_numpy(zero_copy_only=False).astype(float)
            events = events.filter(pa.array(self.window.inside(lat, lon)))
        return events.sort_by([("start_time", "ascending"), ("event_id", "ascending")])


EDGE_FIX = ("ts", "lat", "lon", "source", "line", "sog_kn")  # a fix as the encounter finder reads it (TRACK_FRAME)


def edges_sql(fixes: str, chunk_us: int) -> str:
    """One DuckDB aggregate over `fixes` (TRACK_FRAME columns, ts in µs): each vessel's first and last fix
    in each time chunk, all that stitching a chunk to its neighbours needs (see `Edges`)."""
    fix = f"struct_pack({', '.join(f'{c} := {c}' for c in EDGE_FIX)})"
    return (
        f"SELECT ts // {chunk_us} AS chunk, mmsi, min_by({fix}, ts) AS first, max_by({fix}, ts) AS last "
        f"FROM {fixes} GROUP BY ALL"
    )


class Edges:
    """Each vessel's first and last fix per time chunk (`edges_sql`). A chunk's encounter finder needs,
    beyond its own fixes, each vessel's last fix within the margin before it and first fix within the margin
    after it (interpolation or a bridge across the chunk's edges): those are the last fix of the latest
    chunk before, and the first fix of the earliest chunk after, if they lie within the margin."""

    def __init__(self, edges: pl.DataFrame, chunk_us: int, margin_us: int) -> None:
        self.chunk_us, self.margin_us = chunk_us, margin_us
        self.last = edges.select("chunk", "mmsi", pl.col("last").struct.unnest()).sort("mmsi", "chunk")
        self.first = edges.select("chunk", "mmsi", pl.col("first").struct.unnest()).sort("mmsi", "chunk")

    def around(self, inside: pl.DataFrame, lo: int) -> pl.DataFrame:
        """The chunk [lo, lo + chunk) of fixes `inside`, with the fixes just across its edges, sorted by
        vessel, time and line."""
        chunk, hi, margin = lo // self.chunk_us, lo + self.chunk_us, self.margin_us
        before = (
            self.last.filter(pl.col("chunk").is_between((lo - margin) // self.chunk_us, chunk - 1))
            .group_by("mmsi", maintain_order=True)
            .last()
            .filter(pl.col("ts") >= lo - margin)
        )
        after = (
            self.first.filter(pl.col("chunk").is_between(chunk + 1, (hi + margin - 1) // self.chunk_us))
            .group_by("mmsi", maintain_order=True)
            .first()
            .filter(pl.col("ts") < hi + margin)
        )
        columns = inside.columns
        parts = [inside, before.select(columns).cast(inside.schema), after.select(columns).cast(inside.schema)]
        return pl.concat(parts).sort("mmsi", "ts", "line")


def empty() -> pa.Table:
    return EVENTS.schema.empty_table()


def explained_away(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop events that a stronger event explains: impossible jumps of an MMSI caught transmitting
    from two places (the clash is the finding), and loitering beside a visible partner (an encounter)."""

    def windows(kind: EventType) -> dict[int, list[tuple[int, int]]]:
        found: dict[int, list[tuple[int, int]]] = {}
        for r in rows:
            if r["event_type"] == kind:
                for vessel in (r["mmsi"], r["other_mmsi"]):
                    if vessel is not None:
                        found.setdefault(vessel, []).append((r["start_time"], r["end_time"]))
        return found

    explainers = {
        EventType.POSITION_JUMP: windows(EventType.IDENTITY_CLASH),
        EventType.LOITERING: windows(EventType.ENCOUNTER),
    }

    def explained(r: dict[str, Any]) -> bool:
        by = explainers.get(r["event_type"])
        return by is not None and any(s <= r["end_time"] and r["start_time"] <= e for s, e in by.get(r["mmsi"], []))

    return [r for r in rows if not explained(r)]


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
