"""zone_visit: a vessel inside a configured zone: by default North Korea's land and 12 nm territorial
sea (OpenStreetMap via geo-maps, ODbL) and the DPRK ports of the World Port Index."""

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
from shadowfleet.core.geo import circular_mean_deg, haversine_m, ports
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


def detect_zone_visits(part: Partition, params: ZoneParams, out: EventBuilder) -> None:
    zones = default_zones() + [z for path in part.config.zone_files for z in user_zones(path)]
    visits_in(part.tracks, zones, params, out)


def visits_in(tracks: pl.DataFrame, zones: list[Zone], params: ZoneParams, out: EventBuilder) -> None:
    if not tracks.height:
        return
    lat, lon = tracks["lat"].to_numpy(), tracks["lon"].to_numpy()
    radius = params.port_radius_km * 1000
    margin = radius / 111_000 / max(np.cos(np.radians(60)), 0.1)  # degrees, generous up to 60° latitude
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
            _visits(tracks[near[inside]], zone, params, out)


def _bounds(zone: Zone, margin: float) -> tuple[float, float, float, float]:
    """south, west, north, east of a zone, with `margin` degrees around a port."""
    if zone.kind is ZoneKind.PORT:
        return zone.lat - margin, zone.lon - margin, zone.lat + margin, zone.lon + margin
    west, south, east, north = shapely.bounds(zone.geometry)
    return float(south), float(west), float(north), float(east)


def _visits(inside: pl.DataFrame, zone: Zone, params: ZoneParams, out: EventBuilder) -> None:
    dprk_mid = params.dprk_mid
    new_visit = (
        (pl.col("mmsi") != pl.col("mmsi").shift(1)) | (pl.col("ts") - pl.col("ts").shift(1) > _GAP_US)
    ).fill_null(True)
    visits = (
        inside.with_columns(new_visit.cum_sum().alias("visit"))
        .group_by("visit", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("ts").min().alias("start"),
            pl.col("ts").max().alias("end"),
            pl.col("lat").mean(),
            pl.col("lon"),
            pl.len().alias("fixes"),
            pl.col("source"),
            pl.col("line"),
        )
    )
    for _, mmsi, start, end, lat, lons, fixes, sources, lines in visits.rows():
        lon = circular_mean_deg(np.asarray(lons))
        own_flag = mmsi // 1_000_000 == dprk_mid
        score = (1.0 if zone.kind is ZoneKind.PORT else 0.9) if not own_flag else 0.3
        hours = (end - start) / _US_PER_H
        out.add(
            ZoneVisitDetails(zone=zone.name, kind=zone.kind, fixes=fixes, dprk_flag=own_flag),
            mmsi,
            start,
            end,
            lat=lat,
            lon=lon,
            score=score,
            reason=(
                f"{'DPRK-flagged ' if own_flag else ''}MMSI {mmsi} in {zone.name} for {hours:.1f} h ({fixes} fixes)"
            ),
            refs=list(zip(sources, lines, strict=True))[:500],
            version=params.version,
        )


DETECTORS = (Detector(EventType.ZONE_VISIT, ZoneParams, detect_zone_visits),)
