"""loitering: one vessel lying slow, far from shore and port, for hours: a possible STS transfer
with a partner whose AIS is off (GFW pipe-loitering's rule: hourly implied speed, chained hours)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shadowfleet.core.events import EventType, LoiteringDetails
from shadowfleet.core.geo import NM_M, circular_mean_deg, haversine_m, land, ports
from shadowfleet.detect.events import Config, EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000


def _hours(tracks: pl.DataFrame) -> pl.DataFrame:
    """One row per vessel and hour: mean position and the first and last fix behind it."""
    return (
        tracks.with_columns((pl.col("ts") // _US_PER_H).alias("hour"))
        .group_by("mmsi", "hour", maintain_order=True)
        .agg(
            pl.col("lat").mean(),
            pl.col("lon").mean(),
            pl.col("ts").first().alias("t0"),
            pl.col("ts").last().alias("t1"),
            pl.col("source").first(),
            pl.col("line").first(),
            pl.col("source").last().alias("source_last"),
            pl.col("line").last().alias("line_last"),
        )
        .sort("mmsi", "hour")
    )


@dataclass
class _Spell:
    mmsi: int
    start: int
    end: int
    lat: float
    lon: float
    hours: int
    refs: list[tuple[str, int]]


@dataclass(frozen=True)
class LoiterParams(Params):
    max_speed_kn: float
    min_duration_h: float
    min_shore_distance_nm: float
    port_radius_km: float


def detect_loitering(part: Partition, params: LoiterParams, out: EventBuilder) -> None:
    hours = _hours(part.tracks)
    if hours.height < 2:
        return
    lat, lon, hour = hours["lat"].to_numpy(), hours["lon"].to_numpy(), hours["hour"].to_numpy()
    mmsi = hours["mmsi"].to_numpy()
    speed = np.full(len(hour), np.inf)
    follows = (mmsi[1:] == mmsi[:-1]) & (hour[1:] == hour[:-1] + 1)
    speed[1:] = np.where(follows, haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]) / NM_M, np.inf)
    slow = speed <= params.max_speed_kn  # slow[i]: hour i-1 -> i was slow
    spells = _spells(hours, slow, int(params.min_duration_h))
    if not spells:
        return
    lats, lons = np.array([s.lat for s in spells]), np.array([s.lon for s in spells])
    shore = land().shore_distance_m(lats, lons)
    _, port = ports().nearest(lats, lons)
    at_sea = (shore >= params.min_shore_distance_nm * NM_M) & (port > params.port_radius_km * 1000)
    for spell, far, keep in zip(spells, shore, at_sea, strict=True):
        if keep:
            _emit(spell, float(far), params, part.config, out)


def _spells(hours: pl.DataFrame, slow: np.ndarray, min_hours: int) -> list[_Spell]:
    """Chains of consecutive slow hours at least `min_hours` long."""
    spells = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], slow.astype(np.int8), [0]])))
    rows = hours.select("mmsi", "t0", "t1", "lat", "lon", "source", "line", "source_last", "line_last").rows()
    for first, last in zip(edges[::2], edges[1::2], strict=True):
        a, b = int(first) - 1, int(last) - 1  # hours a..b, joined by the slow steps first..last-1
        if b - a < min_hours:
            continue
        chain = rows[a : b + 1]
        spells.append(
            _Spell(
                chain[0][0],
                chain[0][1],
                chain[-1][2],
                float(np.mean([r[3] for r in chain])),
                circular_mean_deg(np.array([r[4] for r in chain])),
                b - a,
                [(chain[0][5], chain[0][6]), (chain[-1][7], chain[-1][8])],
            )
        )
    return spells


def _emit(spell: _Spell, shore_m: float, params: LoiterParams, config: Config, out: EventBuilder) -> None:
    hours = (spell.end - spell.start) / _US_PER_H
    spot = config.hotspot(spell.lat, spell.lon)
    where = f"{abs(spell.lat):.2f}{'N' if spell.lat >= 0 else 'S'} {abs(spell.lon):.2f}{'E' if spell.lon >= 0 else 'W'}"
    out.add(
        LoiteringDetails(shore_distance_nm=round(shore_m / NM_M, 1), hotspot=spot, slow_hours=spell.hours),
        spell.mmsi,
        spell.start,
        spell.end,
        lat=spell.lat,
        lon=spell.lon,
        score=min(0.4 + 0.05 * max(hours - 4, 0), 0.7) + 0.2 * (spot is not None),
        reason=(
            f"slower than 2 kn for {hours:.1f} h at {where}, {shore_m / NM_M:.0f} nm from shore"
            + (f", in the {spot.replace('_', ' ')} STS hot spot" if spot else "")
        ),
        refs=spell.refs,
        version=params.version,
    )


DETECTORS = (Detector(EventType.LOITERING, LoiterParams, detect_loitering),)
