"""zone_visit: a vessel inside a configured zone: by default North Korea's land and 12 nm territorial
sea (OpenStreetMap via geo-maps, ODbL) and the DPRK ports of the World Port Index. A visit is a stop (the
vessel slowed below 1 kn, or called at a DPRK port) or a transit; both are events, a stop scores higher."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from shadowfleet.core.events import EventType, ZoneKind, ZoneVisitDetails
from shadowfleet.core.geo import NM_M, Steps, circular_mean_deg, haversine_m, ports
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000
_GAP_US = 6 * _US_PER_H  # a vessel unseen this long left the zone and came back: two visits


@dataclass(frozen=True)
class Zone:
    name: str
    kind: ZoneKind
    geometry: shapely.Geometry | None = None  # for waters
    lat: float = 0.0  # for a port
    lon: float = 0.0


@cache
def dprk_waters() -> shapely.Geometry:
    text = resources.files("shadowfleet.reference").joinpath("dprk_land_and_12nm.geojson").read_text(encoding="utf-8")
    data = json.loads(text)
    features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    return shapely.union_all([shapely.from_geojson(json.dumps(f["geometry"])) for f in features])


def default_zones() -> list[Zone]:
    table = ports()
    dprk = np.flatnonzero(table.countries == "North Korea")
    return [Zone("DPRK land and 12 nm waters", ZoneKind.WATERS, geometry=dprk_waters())] + [
        Zone(f"DPRK port {table.names[i]}", ZoneKind.PORT, lat=float(table.lat[i]), lon=float(table.lon[i]))
        for i in dprk
    ]


def user_zones(path: Path) -> list[Zone]:
    """Each (multi)polygon feature of a GeoJSON file is a zone, named by its `name` property."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = data["features"] if data.get("type") == "FeatureCollection" else [data]
        zones = []
        for i, feature in enumerate(features):
            properties = feature.get("properties") or {}
            name = str(properties.get("name") or properties.get("NAME") or f"{path.stem} #{i + 1}")
            zones.append(Zone(name, ZoneKind.WATERS, geometry=shapely.from_geojson(json.dumps(feature["geometry"]))))
    except (OSError, ValueError, KeyError, TypeError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"{path}: not a GeoJSON file of polygons ({exc})") from exc
    return zones


@dataclass(frozen=True)
class ZoneParams(Params):
    port_radius_km: float
    dprk_mid: int
    stop_speed_kn: float
    stop_window_h: float
    transit_score: float
    max_speed_kn: float
    min_jump_m: float
    implausible_score: float


@dataclass
class _Visit:
    zone: Zone
    mmsi: int
    start: int
    end: int
    lat: float
    lon: float
    fixes: int
    refs: list[tuple[str, int]]
    slowest_kn: float | None  # the slowest speed over any half hour inside the zone (None: too few fixes)
    first_row: int  # the visit's first and last fixes in the vessel tracks, to read how it came and went
    last_row: int
    port_call: str | None = None  # a DPRK port where the vessel stopped during this visit
    entry_kn: float | None = None  # implied speed from the fix before the visit (None: no fix before)
    exit_kn: float | None = None


def detect_zone_visits(part: Partition, params: ZoneParams, out: EventBuilder) -> None:
    zones = default_zones() + [z for path in part.config.zone_files for z in user_zones(path)]
    visits_in(part.tracks, zones, params, out, part.moves())


def visits_in(tracks: pl.DataFrame, zones: list[Zone], params: ZoneParams, out: EventBuilder, moves: Steps) -> None:
    """`moves`: the partition's step lengths and speeds (`Partition.moves`), to read how each visit came and went."""
    if not tracks.height:
        return
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    radius = params.port_radius_km * 1000
    margin = radius / 111_000 / max(np.cos(np.radians(60)), 0.1)  # degrees, generous up to 60° latitude
    visits: list[_Visit] = []
    for zone in zones:
        # a cheap box test first: most of the world's traffic is nowhere near a zone
        south, west, north, east = _bounds(zone, margin)
        near = np.flatnonzero((lat >= south) & (lat <= north) & (lon >= west) & (lon <= east))
        if not len(near):
            continue
        if zone.kind is ZoneKind.PORT:
            inside = haversine_m(lat[near], lon[near], zone.lat, zone.lon) <= radius
        else:
            shapely.prepare(zone.geometry)
            inside = shapely.contains_xy(zone.geometry, lon[near], lat[near])
        if inside.any():
            rows = near[inside]
            visits += _visits(tracks[rows].with_columns(pl.Series("row", rows)), zone, params)
    _mark_port_calls(visits, params)
    _mark_entry_and_exit(visits, tracks["mmsi"].to_numpy(), moves, params)
    for visit in visits:
        _emit(visit, params, out)


def _bounds(zone: Zone, margin: float) -> tuple[float, float, float, float]:
    """south, west, north, east of a zone, with `margin` degrees around a port."""
    if zone.kind is ZoneKind.PORT:
        return zone.lat - margin, zone.lon - margin, zone.lat + margin, zone.lon + margin
    west, south, east, north = shapely.bounds(zone.geometry)
    return float(south), float(west), float(north), float(east)


def _slowest_kn(ts: np.ndarray, lat: np.ndarray, lon: np.ndarray, window_us: int) -> float | None:
    """The lowest mean speed between a fix and the first fix at least `window_us` later: speed over a
    stretch of time, not between fixes seconds apart (where GPS jitter alone reads as knots)."""
    later = np.searchsorted(ts, ts + window_us, side="left")
    ok = later < len(ts)
    if not ok.any():
        return None
    a, b = np.flatnonzero(ok), later[ok]
    knots = haversine_m(lat[a], lon[a], lat[b], lon[b]) / NM_M / ((ts[b] - ts[a]) / _US_PER_H)
    return float(knots.min())


def _visits(inside: pl.DataFrame, zone: Zone, params: ZoneParams) -> list[_Visit]:
    new_visit = (
        (pl.col("mmsi") != pl.col("mmsi").shift(1)) | (pl.col("ts") - pl.col("ts").shift(1) > _GAP_US)
    ).fill_null(True)
    visits = (
        inside.with_columns(new_visit.cum_sum().alias("visit"))
        .group_by("visit", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("ts"),
            pl.col("lat"),
            pl.col("lon"),
            pl.col("source"),
            pl.col("line"),
            pl.col("row").first().alias("first_row"),
            pl.col("row").last().alias("last_row"),
        )
    )
    window = int(params.stop_window_h * _US_PER_H)
    found = []
    for _, mmsi, ts, lats, lons, sources, lines, first_row, last_row in visits.rows():
        t, la, lo = np.asarray(ts), np.asarray(lats), np.asarray(lons)
        found.append(
            _Visit(
                zone,
                mmsi,
                int(t.min()),
                int(t.max()),
                float(la.mean()),
                circular_mean_deg(lo),
                len(t),
                list(zip(sources, lines, strict=True))[:500],
                _slowest_kn(t, la, lo, window),
                first_row,
                last_row,
            )
        )
    return found


def _mark_entry_and_exit(visits: list[_Visit], mmsi: np.ndarray, moves: Steps, params: ZoneParams) -> None:
    """The implied speed of the step into and out of each visit: positions that jump into the zone and
    out again faster than any ship sails were never there (a spoofed or bad run, the position_jump
    detector's excursion), whatever the zone."""
    metres, knots = moves

    def step_kn(row: int) -> float | None:
        """The step from fix row - 1 to fix row; None where there is none for this vessel."""
        if row <= 0 or row >= len(mmsi) or mmsi[row] != mmsi[row - 1]:
            return None
        return float(knots[row]) if metres[row] >= params.min_jump_m else 0.0

    for visit in visits:
        visit.entry_kn = step_kn(visit.first_row)
        visit.exit_kn = step_kn(visit.last_row + 1)


def _implausible(visit: _Visit, params: ZoneParams) -> bool:
    """Reached and left by impossible steps (or impossible one way with no fix the other way)."""
    steps = [kn for kn in (visit.entry_kn, visit.exit_kn) if kn is not None]
    return bool(steps) and all(kn > params.max_speed_kn for kn in steps)


def _stopped(visit: _Visit, params: ZoneParams) -> bool:
    return visit.slowest_kn is not None and visit.slowest_kn < params.stop_speed_kn


def _mark_port_calls(visits: list[_Visit], params: ZoneParams) -> None:
    """A stop at a DPRK port makes the waters visit around it a stop too."""
    calls = [v for v in visits if v.zone.kind is ZoneKind.PORT and _stopped(v, params)]
    for visit in visits:
        if visit.zone.kind is ZoneKind.WATERS:
            for call in calls:
                if call.mmsi == visit.mmsi and call.start <= visit.end and visit.start <= call.end:
                    visit.port_call = call.zone.name
                    break
        elif _stopped(visit, params):
            visit.port_call = visit.zone.name


def _emit(visit: _Visit, params: ZoneParams, out: EventBuilder) -> None:
    """Scores: a stop (slowed below 1 kn, or a port call) 1.0 at a port and 0.9 in the waters, a transit 0.6
    (innocent passage is lawful but still a red flag, reference.md §3 #6); DPRK-flagged vessels 0.3 at home;
    a visit only reached and left by impossible jumps is context (0.2)."""
    own_flag = visit.mmsi // 1_000_000 == params.dprk_mid
    stop = visit.port_call is not None or _stopped(visit, params)
    implausible = _implausible(visit, params)
    if implausible:
        score = params.implausible_score
    elif own_flag:
        score = 0.3
    elif stop:
        score = 1.0 if visit.zone.kind is ZoneKind.PORT else 0.9
    else:
        score = params.transit_score
    hours = (visit.end - visit.start) / _US_PER_H
    slow = "" if visit.slowest_kn is None else f", slowest {visit.slowest_kn:.1f} kn"
    what = f"a port call at {visit.port_call}" if visit.port_call else ("a stop" if stop else "a transit")
    if implausible:
        what += f"; {_jumps(visit)}: positions no ship could have sailed (see position_jump), context, not an alarm"
    out.add(
        ZoneVisitDetails(
            zone=visit.zone.name,
            kind=visit.zone.kind,
            fixes=visit.fixes,
            dprk_flag=own_flag,
            stopped=stop,
            min_speed_kn=None if visit.slowest_kn is None else round(visit.slowest_kn, 2),
            port_call=visit.port_call,
            implausible=implausible,
            entry_kn=None if visit.entry_kn is None else round(visit.entry_kn, 1),
            exit_kn=None if visit.exit_kn is None else round(visit.exit_kn, 1),
        ),
        visit.mmsi,
        visit.start,
        visit.end,
        lat=visit.lat,
        lon=visit.lon,
        score=score,
        reason=(
            f"{'DPRK-flagged ' if own_flag else ''}MMSI {visit.mmsi} in {visit.zone.name} for {hours:.1f} h "
            f"({visit.fixes} fixes{slow}): {what}"
        ),
        refs=visit.refs,
        version=params.version,
    )


def _jumps(visit: _Visit) -> str:
    parts = [f"{word} at {kn:.0f} kn" for word, kn in (("entered", visit.entry_kn), ("left", visit.exit_kn)) if kn]
    return " and ".join(parts)


DETECTORS = (Detector(EventType.ZONE_VISIT, ZoneParams, detect_zone_visits),)
