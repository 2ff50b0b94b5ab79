"""Anchorages: where ships wait, inferred from the data (after GFW's anchorages pipeline), read from a
user's file, or the World Port Index ports themselves. An encounter or loitering at one is context.

GFW's rule (reference.md §7): a vessel is stationary when a run of its fixes all lie within 0.5 km of
the run's first fix for more than 12 h; a ~0.5 km cell is an anchorage when at least 20 distinct
vessels were stationary in it, over years of data. Here, so that a few days of data work as well as
years: stationary for 6 h; stationary periods within 3 km of each other form one group (an outer
anchorage is kilometres wide and a few days' ships lie scattered in it: two stays within GFW's 3 km
in-port distance are at one anchorage); at least 8 distinct vessels.

The STS guard: a patch of open sea where tankers meet again and again also gathers stationary vessels,
but in another shape. A transfer is two hulls alongside (tens of metres apart), and the ships of a
meeting come in twos and threes, alone at sea; ships at an anchorage keep their swinging room
(hundreds of metres) and wait alone or among many. A group is an anchorage only when at most
`max_paired_share` of its stays lay alongside another vessel (within `pair_distance_m`, an hour or more
at the same time) in a lone group, and at most `max_raft_share` lay in a lone group: two or three vessels
each within `raft_distance_m` of each other, with nobody else that close. Hulls alongside among a crowd of
four or more waiting ships are neighbours at anchor, not a transfer. A hot spot where a handful of tankers
meet has too few vessels anyway. An anchorage reaches `margin_km` (GFW's 3 km in-port distance) past its
farthest stay: a few days' stays fill only part of it."""

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
    link_km: float
    min_vessels: int
    pair_distance_m: float
    max_paired_share: float
    raft_distance_m: float
    max_raft_share: float
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
    mmsi, ts = tracks["mmsi"].to_numpy(), tracks["ts"].to_numpy()
    quarter = ts // (_US_PER_H // 4)
    first_of_quarter = np.ones(len(ts), bool)  # tracks are sorted by vessel and time
    first_of_quarter[1:] = (mmsi[1:] != mmsi[:-1]) | (quarter[1:] != quarter[:-1])
    keep = np.flatnonzero(first_of_quarter)
    mmsi, ts = mmsi[keep], ts[keep]
    lat, lon = tracks["lat"].to_numpy()[keep], tracks["lon"].to_numpy()[keep]
    radius, longest = params.stationary_radius_m, params.min_stationary_h * _US_PER_H
    step, _ = steps(lat, lon, ts, mmsi)
    joined = np.zeros(len(ts), bool)  # joined[i]: fix i continues the chain of fix i - 1
    joined[1:] = (mmsi[1:] == mmsi[:-1]) & (step[1:] <= 2 * radius)
    chain_starts = np.flatnonzero(~joined)
    chain_ends = np.append(chain_starts[1:], len(ts))
    long_enough = ts[chain_ends - 1] - ts[chain_starts] >= longest
    found: list[tuple[int, int, int, float, float]] = []
    for first, end in zip(chain_starts[long_enough].tolist(), chain_ends[long_enough].tolist(), strict=True):
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
    """Groups of stationary periods (linked within `link_km`) with enough distinct vessels, not shaped like
    a meeting place: anchorages."""
    if not periods.height:
        return []
    lat, lon, mmsi = periods["lat"].to_numpy(), periods["lon"].to_numpy(), periods["mmsi"].to_numpy()
    labels = _linked(lat, lon, params.link_km)
    pairs = _together(periods, params.raft_distance_m)
    rafts = _rafts(len(lat), pairs)
    # hulls alongside among a crowd of waiting ships are neighbours at anchor, not a transfer
    alongside = _touched(len(lat), pairs.filter(pl.col("distance_m") <= params.pair_distance_m)) & rafts
    out = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        vessels = len(set(mmsi[members].tolist()))
        share, raft_share = float(alongside[members].mean()), float(rafts[members].mean())
        if vessels < params.min_vessels or share > params.max_paired_share or raft_share > params.max_raft_share:
            continue
        out.append(_anchorage(lat[members], lon[members], vessels, share, raft_share, params))
    return out


def _anchorage(
    lat: np.ndarray, lon: np.ndarray, vessels: int, share: float, raft_share: float, params: AnchorageParams
) -> Anchorage:
    centre_lat, centre_lon = float(lat.mean()), circular_mean_deg(lon)
    extent = float(haversine_m(centre_lat, centre_lon, lat, lon).max())
    return Anchorage(
        anchorage_id=f"inferred:{centre_lat:.3f}:{centre_lon:.3f}",
        name=_name(centre_lat, centre_lon),
        lat=centre_lat,
        lon=centre_lon,
        radius_m=extent + params.margin_km * 1000,
        source="inferred",
        vessels=vessels,
        stationary_periods=len(lat),
        paired_share=round(share, 3),
        how=(
            f"{vessels} distinct vessels stationary (fixes within {params.stationary_radius_m:.0f} m for "
            f">= {params.min_stationary_h:g} h) within {params.link_km:g} km of each other; of their {len(lat)} "
            f"stays {share:.0%} lay alongside another vessel in a lone group (<= {params.pair_distance_m:.0f} m; "
            f"<= {params.max_paired_share:.0%} allowed) and {raft_share:.0%} in a lone group of two or three "
            f"(<= {params.raft_distance_m:.0f} m; <= {params.max_raft_share:.0%} allowed)"
        ),
    )


def _linked(lat: np.ndarray, lon: np.ndarray, link_km: float) -> np.ndarray:
    """Label each point by its group: points within `link_km` of each other are in one group (cells of
    half that size, joined to occupied cells up to two away, so nothing closer than `link_km` is split)."""
    cell = link_km * 1000 / 2 / 111_195
    cy = np.floor(lat / cell).astype(np.int64)
    cx = np.floor(lon * np.cos(np.radians(lat)) / cell).astype(np.int64)
    cells = list(zip(cy.tolist(), cx.tolist(), strict=True))
    index: dict[tuple[int, int], int] = {}
    for c in cells:
        index.setdefault(c, len(index))
    groups = _UnionFind(len(index))
    for (y, x), i in index.items():
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                j = index.get((y + dy, x + dx))
                if j is not None:
                    groups.join(i, j)
    return np.array([groups.find(index[c]) for c in cells])


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _together(periods: pl.DataFrame, metres: float) -> pl.DataFrame:
    """Pairs (i < j) of stationary periods of two vessels within `metres` of each other that overlap in time
    by an hour or more: columns i, j, distance_m."""
    cell = metres / 111_195
    rows = (
        periods.select("mmsi", "start", "end", "lat", "lon")
        .with_row_index("i")
        .with_columns(
            (pl.col("lat") / cell).floor().cast(pl.Int64).alias("cy"),
            (pl.col("lon") * pl.col("lat").radians().cos() / cell).floor().cast(pl.Int64).alias("cx"),
        )
    )
    shifted = pl.concat(
        [
            rows.with_columns((pl.col("cy") + dy).alias("cy"), (pl.col("cx") + dx).alias("cx"))
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        ]
    )
    pairs = rows.join(shifted, on=["cy", "cx"], suffix="_b").filter(
        (pl.col("i") < pl.col("i_b"))
        & (pl.col("mmsi") != pl.col("mmsi_b"))
        & (pl.min_horizontal("end", "end_b") - pl.max_horizontal("start", "start_b") >= _US_PER_H)
    )
    distance = haversine_m(
        pairs["lat"].to_numpy(), pairs["lon"].to_numpy(), pairs["lat_b"].to_numpy(), pairs["lon_b"].to_numpy()
    )
    return (
        pairs.select(pl.col("i").cast(pl.Int64), pl.col("i_b").cast(pl.Int64).alias("j"))
        .with_columns(pl.Series("distance_m", distance, pl.Float64))
        .filter(pl.col("distance_m") <= metres)
    )


def _touched(n: int, pairs: pl.DataFrame) -> np.ndarray:
    """For each of n periods: is it in any of the pairs?"""
    touched = np.zeros(n, bool)
    touched[pairs["i"].to_numpy()] = True
    touched[pairs["j"].to_numpy()] = True
    return touched


def _rafts(n: int, pairs: pl.DataFrame) -> np.ndarray:
    """For each of n periods: did it lie in a raft, a lone group of two or three vessels near each other
    (the shape of a transfer at sea), with nobody else near any of them at the time?"""
    groups = _UnionFind(n)
    for a, b in zip(pairs["i"].to_list(), pairs["j"].to_list(), strict=True):
        groups.join(a, b)
    root = np.array([groups.find(k) for k in range(n)], dtype=np.int64)
    size = np.bincount(root, minlength=n)
    return np.asarray((size[root] >= 2) & (size[root] <= 3))


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
