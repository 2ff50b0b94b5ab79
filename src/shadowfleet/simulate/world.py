"""The geography a scenario is played in: its sea, its coast (for shore reception), DPRK waters, ports.

Three regions: the Yellow Sea and the East China Sea (zone visitors go to Nampo, on the DPRK west coast)
and the Sea of Japan (Rajin and Chongjin, on the east coast).

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
GRID_BOX = (24.0, 45.5, 117.0, 142.0)  # lat_min, lat_max, lon_min, lon_max: every region and the DPRK coasts


Box = tuple[float, float, float, float]  # lat_min, lat_max, lon_min, lon_max
Point = tuple[float, float]  # lat, lon


@dataclass(frozen=True)
class PortCall:
    """A DPRK port the listed tanker sails to after its transfer: the route in from open water (its first
    point must be reachable on a straight leg from the meeting) and where it lies in port."""

    port: str  # World Port Index name
    route: tuple[Point, ...]
    berth: Point


@dataclass(frozen=True)
class DprkCoast:
    """The DPRK coast a region's zone visitors go to: port calls, where a ship stops in DPRK waters
    (`stops`), where a transit's ends lie (`chords`), where visitors come from and where a stop leaves to."""

    calls: tuple[PortCall, ...]
    stops: Box
    chords: Box
    approach: Box
    exits: Box


NAMPO = (38.72, 125.38)
_NAMPO_ROUTE = ((36.0, 124.0), (38.4, 124.6), (38.72, 125.30), NAMPO)
WEST_COAST = DprkCoast(
    (PortCall("Nampo", _NAMPO_ROUTE, NAMPO),),
    (37.7, 39.6, 124.2, 125.3),
    (37.4, 39.7, 123.6, 125.0),
    (35.5, 37.5, 122.5, 124.5),  # zone visitors of either region come up the Yellow Sea
    (37.3, 39.7, 123.4, 124.6),
)
EAST_COAST = DprkCoast(
    (  # Rajin (Najin) and Chongjin: the east-coast ports of the coal and oil trade with Russia (reference.md 2)
        PortCall("Najin", ((42.10, 130.50), (42.20, 130.33)), (42.20, 130.33)),
        PortCall("Ch'ongjin", ((41.70, 129.95), (41.74, 129.84)), (41.74, 129.84)),
    ),
    (39.3, 41.6, 127.9, 129.9),
    (39.2, 42.0, 128.0, 130.8),
    (38.8, 41.8, 129.5, 132.0),
    (39.0, 41.8, 129.3, 131.0),
)


@dataclass(frozen=True)
class Region:
    """A sea area: where background traffic sails, which big ports have outer anchorages, the STS
    hot spot (reference.md section 2) the sparse transfers are played in, where the listed tanker meets
    its supplier (`meeting`, within shore range) and which DPRK coast the zone visitors go to."""

    name: str
    sea: Box
    ports: tuple[str, ...]  # World Port Index names of the big ports with busy outer anchorages
    hotspot: Box  # reference.md section 2
    min_days: float  # long enough for the listed tanker to reach its DPRK port and stay
    meeting: Box
    coast: DprkCoast
    inner_anchorage: Point  # a port's inner anchorage, 5-10 km from its WPI point (the anchorage-pair decoy)
    flags: tuple[int, ...] = ()  # MIDs of the traffic; none: Chinese MMSIs (412)


REGIONS = {
    "yellow_sea": Region(
        "yellow_sea",
        (33.0, 39.3, 119.4, 126.6),
        ("Qingdao Gang", "Dalian", "Lianyungang", "Yantai", "Rizhao"),
        (34.0, 39.5, 120.5, 125.5),
        3.0,
        (34.0, 38.0, 120.5, 125.5),
        WEST_COAST,
        (36.0, 120.33),  # 7 km from Qingdao Gang (World Port Index), 2 nm off the coast
    ),
    "east_china_sea": Region(
        "east_china_sea",
        (26.8, 32.5, 121.0, 127.0),
        ("Shanghai", "Ningbo", "Zhoushan"),
        (27.0, 32.0, 122.5, 126.0),
        4.0,
        (27.0, 32.0, 122.5, 126.0),
        DprkCoast(
            tuple(PortCall(c.port, ((32.5, 124.5), *c.route), c.berth) for c in WEST_COAST.calls),
            *(WEST_COAST.stops, WEST_COAST.chords, WEST_COAST.approach, WEST_COAST.exits),
        ),
        (36.0, 120.33),
    ),
    # The DPRK coal trade runs from the east-coast ports; Russian tankers have supplied DPRK ones off
    # Vladivostok and Nakhodka (reference.md section 2, "Russian Far East"); transfers in the open sea
    # south of Peter the Great Gulf are beyond every shore station.
    "sea_of_japan": Region(
        "sea_of_japan",
        (35.0, 43.3, 128.5, 138.0),
        ("Vladivostok", "Nakhodka", "Vostochnyy", "Busan", "Ulsan"),
        (39.5, 42.4, 130.8, 135.5),
        3.0,
        (42.5, 43.3, 131.3, 133.2),  # reference.md section 2: Russian Far East hot spot, within shore range
        EAST_COAST,
        (43.05, 131.90),  # Vladivostok's inner anchorage: 6.6 km from the WPI point, 3 nm off the coast
        (273, 273, 440, 441, 431, 412, 351, 636, 511, 667),
    ),
}


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
        self.receiver_m = self._receiver_grid(vertices, lon_grid.ravel(), lat_grid.ravel(), nearest, shore)
        self.dprk_buffer = shapely.buffer(self.dprk, 0.1)  # ~10 km: background keeps well clear
        shapely.prepare(self.dprk)
        shapely.prepare(self.dprk_buffer)

    def _receiver_grid(
        self, vertices: np.ndarray, lon: np.ndarray, lat: np.ndarray, nearest: np.ndarray, shore: np.ndarray
    ) -> np.ndarray:
        """Metres to the nearest coast with shore stations that feed the archives: every coast but the
        DPRK's (it shares no AIS; near it only satellites and the neighbours' stations hear a ship).
        Only grid points whose nearest coast is the DPRK's are looked up again."""
        dprk_vertex = shapely.contains_xy(shapely.buffer(self.dprk, 0.02), vertices[:, 0], vertices[:, 1])
        receiver = shore.copy()
        again = nearest[0][dprk_vertex[nearest[1]]]
        others = vertices[~dprk_vertex]
        found = shapely.STRtree(shapely.points(others)).query_nearest(
            shapely.points(lon[again], lat[again]), max_distance=FAR_DEG, all_matches=False
        )
        receiver[again] = FAR_M
        hit = again[found[0]]
        receiver[hit] = haversine_m(lat[hit], lon[hit], others[found[1], 1], others[found[1], 0])
        return receiver.reshape(self.shore_m.shape)

    def _lookup(self, grid: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        i = np.rint((np.asarray(lat) - self.lat[0]) / GRID_DEG).astype(np.int64)
        j = np.rint((np.asarray(lon) - self.lon[0]) / GRID_DEG).astype(np.int64)
        inside = (i >= 0) & (i < len(self.lat)) & (j >= 0) & (j < len(self.lon))
        out = np.full(np.shape(i), FAR_M)
        out[inside] = grid[i[inside], j[inside]]
        return out

    def shore_distance_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Metres to the nearest coast (0 on land); far outside the grid counts as far from shore."""
        return self._lookup(self.shore_m, lat, lon)

    def receiver_distance_m(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Metres to the nearest coast whose shore stations are heard (every coast but the DPRK's)."""
        return self._lookup(self.receiver_m, lat, lon)

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
