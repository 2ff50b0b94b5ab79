"""Anchorages: where ships wait, inferred from the data (after GFW's anchorages pipeline), read from a
user's file, or the World Port Index ports themselves. An encounter or loitering at one is context.

GFW's rule (reference.md §7): a vessel is stationary when a run of its fixes all lie within 0.5 km of
the run's first fix for more than 12 h; a ~0.5 km cell is an anchorage when at least 20 distinct
vessels were stationary in it, over years of data. Here, so that one day of data works as well as
years: stationary for 6 h; cells of ~2 km joined to their neighbours (an outer anchorage is kilometres
wide and a day fills only part of it); at least 8 distinct vessels.

The STS guard: a patch of open sea where a few tankers meet again and again also gathers stationary
vessels, but they lie *in pairs* (a transfer is two hulls side by side, within metres), while ships at
an anchorage keep their swinging room apart. A cluster is an anchorage only when most of its stationary
vessels sat alone: at most `max_paired_share` of its stationary periods overlapped in time with another
vessel's stationary period within `pair_distance_m`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from shadowfleet.core.geo import circular_mean_deg, haversine_m, ports, steps
from shadowfleet.core.schema import ANCHORAGES, check
from shadowfleet.detect.events import Config, Params
from shadowfleet.store import layout
from shadowfleet.store.manifest import write_table_atomic
from shadowfleet.store.store import Store

_US_PER_H = 3_600_000_000

STORE_ANCHORAGES = Path(layout.ANCHORAGES.relative)
SECTION = "anchorage"


@dataclass(frozen=True)
class AnchorageParams(Params):
    stationary_radius_m: float
    min_stationary_h: float
    cell_km: float
    min_vessels: int
    pair_distance_m: float
    max_paired_share: float
    margin_km: float
    user_radius_km: float


@dataclass(frozen=True)
class Anchorage:
    anchorage_id: str
    name: str
    lat: float
    lon: float
    radius_m: float
    source: str
    vessels: int | None = None
    stationary_periods: int | None = None
    paired_share: float | None = None
    how: str = ""


STATIONARY = {"mmsi": pl.Int64, "start": pl.Int64, "end": pl.Int64, "lat": pl.Float64, "lon": pl.Float64}


def stationary_periods(tracks: pl.DataFrame, params: AnchorageParams) -> pl.DataFrame:
    """Per vessel, runs of fixes all within `stationary_radius_m` of the run's first fix for at least
    `min_stationary_h` (GFW's distance rule, not speed: sparse fixes have no reliable speed).

    Tracks are thinned to one fix per vessel and quarter hour (busy anchorages report every few
    seconds); then only chains of steps shorter than twice the radius (a superset of the runs the rule
    allows) long enough to qualify go through the exact, sequential rule."""
    if not tracks.height:
        return pl.DataFrame(schema=STATIONARY)
    thin = (
        tracks.select("mmsi", "ts", "lat", "lon")
        .with_columns((pl.col("ts") // (_US_PER_H // 4)).alias("q"))
        .unique(subset=["mmsi", "q"], keep="first", maintain_order=True)
    )
    mmsi, ts = thin["mmsi"].to_numpy(), thin["ts"].to_numpy()
    lat, lon = thin["lat"].to_numpy(), thin["lon"].to_numpy()
    radius, longest = params.stationary_radius_m, params.min_stationary_h * _US_PER_H
    step, _ = steps(lat, lon, ts, mmsi)
    joined = np.zeros(len(ts), bool)  # joined[i]: fix i continues the chain of fix i - 1
    joined[1:] = (mmsi[1:] == mmsi[:-1]) & (step[1:] <= 2 * radius)
    chain_starts = np.flatnonzero(~joined)
    chain_ends = np.append(chain_starts[1:], len(ts))
    found: list[tuple[int, int, int, float, float]] = []
    for first, end in zip(chain_starts.tolist(), chain_ends.tolist(), strict=True):
        if ts[end - 1] - ts[first] >= longest:
            found += _runs_within(mmsi, ts, lat, lon, first, end, radius, longest)
    return pl.DataFrame(found, schema=STATIONARY, orient="row")


def _runs_within(
    mmsi: np.ndarray,
    ts: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    first: int,
    end: int,
    radius: float,
    longest: float,
) -> list[tuple[int, int, int, float, float]]:
    """GFW's sequential rule on one chain: a run ends at the first fix beyond `radius` of its first."""
    found = []
    start = first
    while start < end:
        away = np.flatnonzero(haversine_m(lat[start], lon[start], lat[start:end], lon[start:end]) > radius)
        stop = start + int(away[0]) if len(away) else end
        if ts[stop - 1] - ts[start] >= longest:
            found.append(
                (
                    int(mmsi[start]),
                    int(ts[start]),
                    int(ts[stop - 1]),
                    float(lat[start:stop].mean()),
                    circular_mean_deg(lon[start:stop]),
                )
            )
        start = stop
    return found


def infer(periods: pl.DataFrame, params: AnchorageParams) -> list[Anchorage]:
    """Clusters of stationary periods (cells and their neighbours) with enough distinct vessels, most of
    them alone: anchorages. A cluster of pairs is an STS spot and is not returned."""
    if not periods.height:
        return []
    cell = params.cell_km * 1000 / 111_195
    lat, lon = periods["lat"].to_numpy(), periods["lon"].to_numpy()
    cy = np.floor(lat / cell).astype(np.int64)
    cx = np.floor(lon * np.cos(np.radians(lat)) / cell).astype(np.int64)
    labels = _components(list(zip(cy.tolist(), cx.tolist(), strict=True)))
    paired = _paired(periods, params.pair_distance_m)
    mmsi = periods["mmsi"].to_numpy()
    out = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        vessels = len(set(mmsi[members].tolist()))
        share = float(paired[members].mean())
        if vessels < params.min_vessels or share > params.max_paired_share:
            continue
        centre_lat, centre_lon = float(lat[members].mean()), circular_mean_deg(lon[members])
        extent = float(haversine_m(centre_lat, centre_lon, lat[members], lon[members]).max())
        out.append(
            Anchorage(
                anchorage_id=f"inferred:{centre_lat:.3f}:{centre_lon:.3f}",
                name=_name(centre_lat, centre_lon),
                lat=centre_lat,
                lon=centre_lon,
                radius_m=extent + params.margin_km * 1000,
                source="inferred",
                vessels=vessels,
                stationary_periods=len(members),
                paired_share=round(share, 3),
                how=(
                    f"{vessels} distinct vessels stationary (fixes within {params.stationary_radius_m:.0f} m for "
                    f">= {params.min_stationary_h:g} h) in {params.cell_km:g} km cells; {share:.0%} of their "
                    f"{len(members)} stays beside another vessel (<= {params.max_paired_share:.0%} allowed)"
                ),
            )
        )
    return out


def _components(cells: list[tuple[int, int]]) -> np.ndarray:
    """Label each point by the connected group of occupied cells (8-neighbourhood) it lies in."""
    index: dict[tuple[int, int], int] = {}
    for c in cells:
        index.setdefault(c, len(index))
    parent = list(range(len(index)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (y, x), i in index.items():
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                j = index.get((y + dy, x + dx))
                if j is not None:
                    parent[find(j)] = find(i)
    return np.array([find(index[c]) for c in cells])


def _paired(periods: pl.DataFrame, pair_distance_m: float) -> np.ndarray:
    """For each stationary period: did another vessel lie stationary within `pair_distance_m` at the
    same time (overlapping by an hour or more)?"""
    rows = periods.select("mmsi", "start", "end", "lat", "lon").rows()
    order = sorted(range(len(rows)), key=lambda k: rows[k][3])
    paired = np.zeros(len(rows), bool)
    band = pair_distance_m / 111_195
    for a_pos, a in enumerate(order):
        for b in order[a_pos + 1 :]:
            if rows[b][3] - rows[a][3] > band:
                break
            ra, rb = rows[a], rows[b]
            if ra[0] == rb[0] or min(ra[2], rb[2]) - max(ra[1], rb[1]) < _US_PER_H:
                continue
            if float(haversine_m(ra[3], ra[4], rb[3], rb[4])) <= pair_distance_m:
                paired[a] = paired[b] = True
    return paired


def _name(lat: float, lon: float) -> str:
    table = ports()
    at, metres = table.nearest(np.array([lat]), np.array([lon]))
    return f"anchorage {metres[0] / 1000:.0f} km from {table.names[int(at[0])]}"


def read_user_anchorages(path: Path, params: AnchorageParams) -> list[Anchorage]:
    """A user's anchorages: GeoJSON points (or polygons, by their centroid and extent) with a `name`
    (and optionally `radius_m`), or CSV with name, lat, lon[, radius_m] columns."""
    try:
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                rows = [
                    (r["name"], float(r["lat"]), float(r["lon"]), _radius(r.get("radius_m"), params))
                    for r in csv.DictReader(fh)
                ]
        else:
            rows = _geojson_rows(json.loads(path.read_text(encoding="utf-8")), path, params)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not an anchorage file (GeoJSON points or CSV name,lat,lon) ({exc})") from exc
    return [
        Anchorage(f"user:{lat:.3f}:{lon:.3f}", name, lat, lon, radius, "user", how=f"from {path.name}")
        for name, lat, lon, radius in rows
    ]


def _radius(text: str | None, params: AnchorageParams) -> float:
    return float(text) if text not in (None, "") else params.user_radius_km * 1000


def _geojson_rows(data: dict[str, Any], path: Path, params: AnchorageParams) -> list[tuple[str, float, float, float]]:
    import shapely

    features: list[dict[str, Any]] = data["features"] if data.get("type") == "FeatureCollection" else [data]
    rows = []
    for i, feature in enumerate(features):
        properties = feature.get("properties") or {}
        shape = shapely.from_geojson(json.dumps(feature["geometry"]))
        centre = shape.centroid
        radius = properties.get("radius_m")
        if radius is None and shape.geom_type != "Point":
            x0, y0, x1, y1 = shape.bounds
            radius = float(haversine_m(y0, x0, y1, x1)) / 2
        name = str(properties.get("name") or f"{path.stem} #{i + 1}")
        rows.append((name, float(centre.y), float(centre.x), float(radius or params.user_radius_km * 1000)))
    return rows


def to_table(anchorages: list[Anchorage]) -> pa.Table:
    columns = {c.name: [getattr(a, c.name) for a in anchorages] for c in ANCHORAGES.columns}
    return check(pa.table({k: pa.array(v, ANCHORAGES.schema.field(k).type) for k, v in columns.items()}), ANCHORAGES)


class Nearby:
    """Which anchorage, if any, a position lies at."""

    def __init__(self, anchorages: list[Anchorage]) -> None:
        self.anchorages = anchorages
        self.lat = np.array([a.lat for a in anchorages])
        self.lon = np.array([a.lon for a in anchorages])
        self.radius = np.array([a.radius_m for a in anchorages])

    def at(self, lat: float, lon: float) -> Anchorage | None:
        if not self.anchorages:
            return None
        metres = haversine_m(lat, lon, self.lat, self.lon)
        inside = np.flatnonzero(metres <= self.radius)
        return None if not len(inside) else self.anchorages[int(inside[np.argmin(metres[inside])])]


def gather(periods: pl.DataFrame, config: Config) -> list[Anchorage]:
    """The run's anchorages: inferred from its stationary periods, and the user's files."""
    params = config.params(AnchorageParams, SECTION)
    found = infer(periods, params)
    for path in config.anchorage_files:
        found += read_user_anchorages(path, params)
    return found


def save(store: Store, anchorages: list[Anchorage]) -> Path:
    """The store's `anchorages` table, replaced atomically under the store's lock."""
    path = store.root / STORE_ANCHORAGES
    with store.lock():
        write_table_atomic(to_table(anchorages), path)
    return path


def load(store: Store) -> pa.Table | None:
    path = store.root / STORE_ANCHORAGES
    return check(pq.read_table(path), ANCHORAGES) if path.exists() else None


def check_anchorage_files(config: Config) -> None:
    """Read every user anchorage file now, so a broken one is an error before the run, not halfway."""
    params = config.params(AnchorageParams, SECTION)
    for path in config.anchorage_files:
        read_user_anchorages(path, params)
