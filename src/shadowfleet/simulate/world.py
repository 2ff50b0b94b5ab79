"""The geography a scenario is played in: its sea, its coast (for shore reception), DPRK waters, ports.

Distances to shore are looked up in a 0.05-degree grid built once per process from the bundled
Natural Earth coastline (segmented to ~1 km): exact to a few km, which is what a receiver range of
20-40 nm needs, and fast enough to place a million fixes in a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from shadowfleet.core.geo import NM_M, haversine_m, land, ports
from shadowfleet.detect.zones import dprk_waters

GRID_DEG = 0.05
FAR_DEG, FAR_M = 1.2, 1e6  # beyond ~120 km from the coast every rule here sees "far from shore"
GRID_BOX = (24.0, 41.5, 117.0, 131.0)  # lat_min, lat_max, lon_min, lon_max: both regions and the DPRK coast


@dataclass(frozen=True)
class Region:
    """A sea area: where background traffic sails, which big ports have outer anchorages, and the STS
    hot spot (reference.md section 2) the planted transfers are played in."""

    name: str
    sea: tuple[float, float, float, float]  # lat_min, lat_max, lon_min, lon_max
    ports: tuple[str, ...]  # World Port Index names of the big ports with busy outer anchorages
    hotspot: tuple[float, float, float, float]  # reference.md section 2
    min_days: float  # long enough for the listed tanker to reach Nampo and stay


REGIONS = {
    "yellow_sea": Region(
        "yellow_sea",
        (33.0, 39.3, 119.4, 126.6),
        ("Qingdao Gang", "Dalian", "Lianyungang", "Yantai", "Rizhao"),
        (34.0, 39.5, 120.5, 125.5),
        3.0,
    ),
    "east_china_sea": Region(
        "east_china_sea",
        (26.8, 32.5, 121.0, 127.0),
        ("Shanghai", "Ningbo", "Zhoushan"),
        (27.0, 32.0, 122.5, 126.0),
        4.0,
    ),
}
NAMPO = (38.72, 125.38)


class World:
    """Land, shore distance and DPRK waters for fast point and segment tests."""

    def __init__(self) -> None:
        lat_min, lat_max, lon_min, lon_max = GRID_BOX
        box = shapely.box(lon_min - 2, lat_min - 2, lon_max + 2, lat_max + 2)
        sea_land = land()
        near = sea_land.tree.query(box)
        self.land = shapely.union_all(shapely.intersection(sea_land.geometries[near], box))
        shapely.prepare(self.land)
        coast = shapely.segmentize(shapely.intersection(sea_land.boundaries[near], box), 0.01)
        vertices = shapely.get_coordinates(coast)
        self.lat = np.arange(lat_min, lat_max + GRID_DEG, GRID_DEG)
        self.lon = np.arange(lon_min, lon_max + GRID_DEG, GRID_DEG)
        lon_grid, lat_grid = np.meshgrid(self.lon, self.lat)
        nearest = shapely.STRtree(shapely.points(vertices)).query_nearest(
            shapely.points(lon_grid.ravel(), lat_grid.ravel()), max_distance=FAR_DEG, all_matches=False
        )
        shore = np.full(lat_grid.size, FAR_M)
        shore[nearest[0]] = haversine_m(
            lat_grid.ravel()[nearest[0]], lon_grid.ravel()[nearest[0]], vertices[nearest[1], 1], vertices[nearest[1], 0]
        )
        on_land = shapely.contains_xy(self.land, lon_grid, lat_grid).ravel()
        shore[on_land] = 0.0
        self.shore_m = shore.reshape(lat_grid.shape)
        self.dprk = dprk_waters()
        self.dprk_buffer = shapely.buffer(self.dprk, 0.1)  # ~10 km: background keeps well clear
        shapely.prepare(self.dprk)
        shapely.prepare(self.dprk_buffer)

    def shore_distance_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Metres to the nearest coast (0 on land); far outside the grid counts as far from shore."""
        i = np.rint((np.asarray(lat) - self.lat[0]) / GRID_DEG).astype(np.int64)
        j = np.rint((np.asarray(lon) - self.lon[0]) / GRID_DEG).astype(np.int64)
        inside = (i >= 0) & (i < len(self.lat)) & (j >= 0) & (j < len(self.lon))
        out = np.full(np.shape(i), FAR_M)
        out[inside] = self.shore_m[i[inside], j[inside]]
        return out

    def on_land(self, lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
        return np.asarray(shapely.contains_xy(self.land, lon, lat))

    def in_dprk(self, lat: np.ndarray | float, lon: np.ndarray | float, buffered: bool = False) -> np.ndarray:
        return np.asarray(shapely.contains_xy(self.dprk_buffer if buffered else self.dprk, lon, lat))

    def clear(
        self, a: tuple[float, float], b: tuple[float, float], keep_out_of_dprk: bool = True, margin: bool = True
    ) -> bool:
        """A straight leg from a to b crosses no land (and, for background ships, no DPRK waters, with a
        10-km margin unless `margin` is off)."""
        line = shapely.LineString([(a[1], a[0]), (b[1], b[0])])
        if shapely.intersects(self.land, line):
            return False
        return not (keep_out_of_dprk and shapely.intersects(self.dprk_buffer if margin else self.dprk, line))

    def port(self, name: str) -> tuple[float, float]:
        """The World Port Index reference point of a port."""
        table = ports()
        at = int(np.flatnonzero(table.names == name)[0])
        return float(table.lat[at]), float(table.lon[at])


@cache
def world() -> World:
    return World()


def nm(metres: float) -> float:
    return metres / NM_M
