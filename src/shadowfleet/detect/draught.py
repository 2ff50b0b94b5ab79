"""draught_change: a vessel's declared draught moves by half a metre or more, with the cargo that
would take: tonnes from tonnes-per-centimetre immersion (TPC), barrels by product factor."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shadowfleet.core.events import DraughtChangeDetails, EventType
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


def tonnes_per_cm(length_m: float, beam_m: float, waterplane_coefficient: float, density: float) -> float:
    """TPC = waterplane area (m2) x seawater density / 100 (reference.md §2, "Cargo from draught")."""
    return length_m * beam_m * waterplane_coefficient * density / 100.0


@dataclass(frozen=True)
class DraughtParams(Params):
    min_change_m: float
    max_interval_h: float
    waterplane_coefficient: float
    seawater_t_per_m3: float
    barrels_per_tonne: float


def detect_draught_changes(part: Partition, params: DraughtParams, out: EventBuilder) -> None:
    """A change across one of the vessel's AIS gaps (found in the same partition) scores higher."""
    static, tracks = part.static, part.tracks
    gaps = [(r["mmsi"], r["start_time"], r["end_time"]) for r in part.events_of(EventType.AIS_GAP)]
    minimum = params.min_change_m
    reports = (
        static.filter(pl.col("draught_m").is_not_null())
        .sort("mmsi", "ts")
        .with_columns(
            pl.col("draught_m").shift(1).over("mmsi").alias("before"),
            pl.col("ts").shift(1).over("mmsi").alias("ts_before"),
            pl.col("source").shift(1).over("mmsi").alias("source_before"),
            pl.col("line").shift(1).over("mmsi").alias("line_before"),
            pl.col("length_m").fill_null(strategy="forward").over("mmsi"),
            pl.col("beam_m").fill_null(strategy="forward").over("mmsi"),
        )
        .filter(
            ((pl.col("draught_m") - pl.col("before")).abs() >= minimum - 1e-6)
            & (pl.col("ts") - pl.col("ts_before") <= params.max_interval_h * _US_PER_H)
        )
    )
    if not reports.height:
        return
    located = (
        reports.join_asof(
            tracks.select("mmsi", pl.col("ts").alias("ts_fix"), "lat", "lon").sort("ts_fix"),
            left_on="ts",
            right_on="ts_fix",
            by="mmsi",
            strategy="backward",
            check_sortedness=False,
        )
        if tracks.height
        else reports.with_columns(pl.lit(None, pl.Float64).alias("lat"), pl.lit(None, pl.Float64).alias("lon"))
    )
    dark: dict[int, list[tuple[int, int]]] = {}
    for mmsi, start, end in gaps:
        dark.setdefault(mmsi, []).append((start, end))
    columns = (
        "mmsi",
        "ts_before",
        "ts",
        "before",
        "draught_m",
        "length_m",
        "beam_m",
        "lat",
        "lon",
        "source_before",
        "line_before",
        "source",
        "line",
    )
    for values in located.select(columns).iter_rows():
        change = _Change(*values)
        _emit(change, dark.get(change.mmsi, []), params, out)


@dataclass
class _Change:
    mmsi: int
    start: int
    end: int
    before: float
    after: float
    length_m: float | None
    beam_m: float | None
    lat: float | None
    lon: float | None
    source_before: str
    line_before: int
    source: str
    line: int


def _emit(change: _Change, dark: list[tuple[int, int]], params: DraughtParams, out: EventBuilder) -> None:
    delta_cm = (change.after - change.before) * 100
    tonnes = None
    if change.length_m and change.beam_m:
        tpc = tonnes_per_cm(
            change.length_m,
            change.beam_m,
            params.waterplane_coefficient,
            params.seawater_t_per_m3,
        )
        tonnes = abs(delta_cm) * tpc
    barrels = None if tonnes is None else tonnes * params.barrels_per_tonne
    across_gap = any(g_start >= change.start and g_end <= change.end for g_start, g_end in dark)
    loaded = delta_cm > 0
    cargo = f"~{tonnes:,.0f} t (~{barrels:,.0f} bbl of gas oil) " if tonnes is not None and barrels is not None else ""
    reason = (
        f"declared draught {'rose' if loaded else 'fell'} from {change.before:.1f} m to {change.after:.1f} m over "
        f"{(change.end - change.start) / _US_PER_H:.1f} h: {cargo}{'loaded' if loaded else 'discharged'}"
        + (", across an AIS gap" if across_gap else "")
    )
    out.add(
        DraughtChangeDetails(
            draught_before_m=change.before,
            draught_after_m=change.after,
            tonnes=None if tonnes is None else round(tonnes),
            barrels=None if barrels is None else round(barrels),
            across_gap=across_gap,
            length_m=change.length_m,
            beam_m=change.beam_m,
        ),
        change.mmsi,
        change.start,
        change.end,
        lat=change.lat,
        lon=change.lon,
        score=0.3 + 0.4 * across_gap + 0.1 * (tonnes is not None and tonnes >= 500),
        reason=reason,
        version=params.version,
        refs=[(change.source_before, change.line_before), (change.source, change.line)],
    )


DETECTORS = (Detector(EventType.DRAUGHT_CHANGE, DraughtParams, detect_draught_changes, needs=(EventType.AIS_GAP,)),)
