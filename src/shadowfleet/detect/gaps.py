"""ais_gap: a vessel at sea falls silent for hours (GFW pipe-gaps' rule, with its known flaws fixed:
gaps still open at the end of the data are events too, and berthed vessels are not)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.events import AisGapDetails, EventType
from shadowfleet.core.geo import NM_M, haversine_m, land, ports
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import Config, EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


@dataclass(frozen=True)
class GapParams(Params):
    min_gap_h: float
    long_gap_h: float
    far_from_shore_nm: float
    port_radius_km: float
    min_shore_distance_nm: float
    lookback_h: float
    min_positions_before: int


def _candidates(tracks: pl.DataFrame, min_gap_us: int, coverage: Coverage) -> pl.DataFrame:
    """Silences of at least `min_gap_us` inside one recording interval: between two fixes of a vessel,
    or after its last fix until the interval ends (an open gap)."""
    # fixes are sorted by vessel and time: the next row is the vessel's next fix unless the vessel changes
    vessel_ends = pl.col("mmsi") != pl.col("mmsi").shift(-1)
    nxt = [
        pl.when(vessel_ends).then(None).otherwise(pl.col(c).shift(-1)).alias(f"{c}_next")
        for c in ("ts", "lat", "lon", "source", "line")
    ]
    pairs = tracks.with_columns(nxt).with_columns(
        pl.Series("recording_end", coverage.end_of(tracks["ts"].to_numpy()), dtype=pl.Int64)
    )
    closed = pairs.filter(
        (pl.col("ts_next") - pl.col("ts") >= min_gap_us) & (pl.col("ts_next") <= pl.col("recording_end"))
    ).with_columns(pl.lit(False).alias("open"))
    last = pairs.filter(pl.col("ts_next").is_null() & (pl.col("recording_end") - pl.col("ts") >= min_gap_us))
    still_open = last.with_columns(pl.col("recording_end").alias("ts_next"), pl.lit(True).alias("open"))
    return pl.concat([closed, still_open])


def _well_received(gaps: pl.DataFrame, tracks: pl.DataFrame, params: GapParams) -> pl.DataFrame:
    """Only vessels that were reporting densely before falling silent: a sparse track (poor reception,
    a sampled file) has 'gaps' that say nothing (GFW's reception rule, reference.md §1)."""
    lookback = int(params.lookback_h * _US_PER_H)
    minimum = params.min_positions_before
    counts = (
        tracks.select("mmsi", "ts", "line")
        .rolling(index_column="ts", period=f"{lookback}i", group_by="mmsi")
        .agg(pl.len().alias("recent"), pl.col("line").last())
    )
    return gaps.join(counts, on=["mmsi", "ts", "line"], how="left").filter(pl.col("recent") >= minimum)


def detect_gaps(part: Partition, params: GapParams, out: EventBuilder) -> None:
    tracks = part.tracks
    gaps = _candidates(tracks, int(params.min_gap_h * _US_PER_H), part.coverage)
    gaps = _well_received(gaps, tracks, params) if gaps.height else gaps
    if not gaps.height:
        return
    lat0, lon0 = gaps["lat"].to_numpy(), gaps["lon"].to_numpy()
    shore0 = land().shore_distance_m(lat0, lon0)
    _, port0 = ports().nearest(lat0, lon0)
    at_sea = (shore0 >= params.min_shore_distance_nm * NM_M) & (port0 > params.port_radius_km * 1000)
    lat1, lon1 = gaps["lat_next"].to_numpy(), gaps["lon_next"].to_numpy()
    closed = ~gaps["open"].to_numpy()
    shore1 = np.full(len(gaps), np.nan)
    shore1[closed] = land().shore_distance_m(lat1[closed], lon1[closed])
    moved = np.where(closed, haversine_m(lat0, lon0, np.nan_to_num(lat1), np.nan_to_num(lon1)), np.nan)
    rows = gaps.select(
        "mmsi",
        "ts",
        "ts_next",
        "lat",
        "lon",
        "lat_next",
        "lon_next",
        "source",
        "line",
        "source_next",
        "line_next",
        "open",
    )
    for k in np.flatnonzero(at_sea):
        gap = _Gap(*rows.row(int(k)))
        gap.shore0, gap.shore1, gap.moved = float(shore0[k]), float(shore1[k]), float(moved[k])
        _emit(gap, params, part.config, out)


@dataclass
class _Gap:
    mmsi: int
    start: int
    end: int
    lat: float
    lon: float
    lat_next: float | None
    lon_next: float | None
    source: str
    line: int
    source_next: str | None
    line_next: int | None
    open: bool
    shore0: float = float("nan")  # metres from shore where the silence starts
    shore1: float = float("nan")  # ... and where the vessel reappears
    moved: float = float("nan")  # metres between the two


def _emit(gap: _Gap, params: GapParams, config: Config, out: EventBuilder) -> None:
    hours = (gap.end - gap.start) / _US_PER_H
    far = gap.shore0 >= params.far_from_shore_nm * NM_M
    long = hours >= params.long_gap_h
    score = 0.3 + 0.3 * long + 0.3 * far + 0.1 * (gap.open or gap.shore1 >= 20 * NM_M)
    where = f"{_deg(gap.lat, 'N', 'S')} {_deg(gap.lon, 'E', 'W')}, {gap.shore0 / NM_M:.0f} nm from shore"
    refs = [(gap.source, gap.line)]
    speed = None
    if gap.open or gap.lat_next is None or gap.lon_next is None or gap.source_next is None or gap.line_next is None:
        reason = f"AIS silent for {hours:.1f} h since {where}, and still silent at the end of the data"
    else:
        speed = gap.moved / NM_M / hours
        again = f"{_deg(gap.lat_next, 'N', 'S')} {_deg(gap.lon_next, 'E', 'W')}"
        reason = (
            f"AIS silent for {hours:.1f} h from {where}, reappearing {gap.moved / NM_M:.0f} nm away at {again} "
            f"({gap.shore1 / NM_M:.0f} nm from shore; implied {speed:.1f} kn)"
        )
        refs.append((gap.source_next, gap.line_next))
    out.add(
        AisGapDetails(
            open=gap.open,
            shore_distance_start_nm=round(gap.shore0 / NM_M, 1),
            shore_distance_end_nm=None if np.isnan(gap.shore1) else round(gap.shore1 / NM_M, 1),
            implied_speed_kn=None if speed is None else round(speed, 2),
            hotspot=config.hotspot(gap.lat, gap.lon),
        ),
        gap.mmsi,
        gap.start,
        gap.end,
        lat=gap.lat,
        lon=gap.lon,
        score=score,
        reason=reason,
        refs=refs,
        version=params.version,
        distance_m=None if speed is None else gap.moved,
    )


def _deg(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.2f}{positive if value >= 0 else negative}"


DETECTORS = (Detector(EventType.AIS_GAP, GapParams, detect_gaps),)
