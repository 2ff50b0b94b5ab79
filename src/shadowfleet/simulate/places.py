"""Where scenes are played: open sea beyond shore reception, coastal waters, outer anchorages, DPRK waters."""

from __future__ import annotations

import math

import numpy as np

from shadowfleet.core.geo import NM_M, haversine_m, ports
from shadowfleet.simulate.reception import Coverage
from shadowfleet.simulate.traffic import Simulator, offset
from shadowfleet.simulate.truth import Anchorage

OFFSHORE_MARGIN_NM = 10.0  # sparse scenes lie this far beyond the last shore receiver's range
COASTAL_NM = (4.0, 12.0)  # dense scenes: always within the shortest shore range (20 nm less its edge)
MIN_PORT_KM = 20.0  # scenes at sea keep clear of World Port Index points (the detectors' port radius is 10 km)
HOLE_MARGIN_DEG = 0.3
# Planted scenes keep this far beyond every anchorage's edge: GFW drops encounters < 10 km from a port or
# anchorage (reference.md section 7, "Outer anchorages"), and a detector that infers anchorages from the
# data must not find a planted transfer inside one.
ANCHORAGE_MARGIN_KM = 10.0


def offshore_nm(coverage: Coverage) -> float:
    """Shore distance beyond which a ship is heard only by satellites (the same in both models, so
    one seed lays out the same scenes under terrestrial and mixed reception)."""
    return coverage.shore_range_nm + coverage.edge_nm + OFFSHORE_MARGIN_NM


def clear_of_ports(lat: float, lon: float, km: float = MIN_PORT_KM) -> bool:
    _, dist = ports().nearest(np.array([lat]), np.array([lon]))
    return bool(dist[0] > km * 1000)


def clear_of_anchorages(sim: Simulator, lat: float, lon: float, km: float = ANCHORAGE_MARGIN_KM) -> bool:
    """Farther than `km` beyond the edge of every anchorage of the scenario."""
    return all(float(haversine_m(a, b, lat, lon)) > radius + km * 1000 for a, b, radius in sim.keep_clear)


def clear_spot(sim: Simulator, lat: float, lon: float) -> bool:
    """Clear of World Port Index points and of the scenario's anchorages: where a planted scene may be."""
    return clear_of_ports(lat, lon) and clear_of_anchorages(sim, lat, lon)


def clear_of_holes(coverage: Coverage, lat: float, lon: float) -> bool:
    return not any(
        h.lat_min - HOLE_MARGIN_DEG <= lat <= h.lat_max + HOLE_MARGIN_DEG
        and h.lon_min - HOLE_MARGIN_DEG <= lon <= h.lon_max + HOLE_MARGIN_DEG
        for h in coverage.holes
    )


def open_sea_spot(sim: Simulator, coverage: Coverage, box: tuple[float, float, float, float]) -> tuple[float, float]:
    """A spot in the box that only satellites hear, away from ports and coverage holes."""
    for _ in range(500):
        lat, lon = sim.sea_point(box, min_shore_nm=offshore_nm(coverage))
        if clear_of_holes(coverage, lat, lon) and clear_spot(sim, lat, lon):
            return lat, lon
    raise ValueError("no open-sea spot clear of the coverage holes, ports and anchorages")


def coastal_spot(sim: Simulator, box: tuple[float, float, float, float] | None = None) -> tuple[float, float]:
    """A spot that shore stations hear in any scenario, away from ports and anchorages."""
    for _ in range(500):
        lat, lon = sim.sea_point(box, min_shore_nm=COASTAL_NM[0], max_shore_nm=COASTAL_NM[1])
        if clear_spot(sim, lat, lon):
            return lat, lon
    raise ValueError("no coastal spot clear of ports and anchorages")


def outer_anchorage(sim: Simulator, port: str) -> Anchorage:
    """A waiting area 15-60 km off a big port's WPI point (reference.md section 7, "Outer anchorages"),
    at sea and more than 12 km from every WPI point, so only the data can tell it is an anchorage."""
    home = sim.world.port(port)
    for _ in range(2000):
        km = float(sim.rng.uniform(15, 60))
        bearing = float(sim.rng.uniform(0, 2 * math.pi))
        lat, lon = offset(home, km * 1000 * math.cos(bearing), km * 1000 * math.sin(bearing))
        shore = float(sim.world.shore_distance_m(np.array([lat]), np.array([lon]))[0]) / NM_M
        radius = sim.details.anchorage_radius_m.draw(sim.rng)
        if 2.0 <= shore <= COASTAL_NM[1] and clear_of_ports(lat, lon, 12.0) and not sim.world.on_land(lat, lon):
            distance = float(haversine_m(home[0], home[1], lat, lon)) / 1000
            return Anchorage(f"{port} outer anchorage", port, round(lat, 5), round(lon, 5), radius, round(distance, 1))
    raise ValueError(f"no outer anchorage found off {port}")


def dprk_spot(sim: Simulator) -> tuple[float, float]:
    """A point inside DPRK waters off the region's DPRK coast, at sea, away from its ports (a stop, not
    a port call)."""
    lat_min, lat_max, lon_min, lon_max = sim.region.coast.stops
    for _ in range(2000):
        lat, lon = float(sim.rng.uniform(lat_min, lat_max)), float(sim.rng.uniform(lon_min, lon_max))
        shore = float(sim.world.shore_distance_m(np.array([lat]), np.array([lon]))[0]) / NM_M
        if sim.world.in_dprk(lat, lon) and 3 <= shore <= 10 and clear_of_ports(lat, lon):
            return lat, lon
    raise ValueError("no spot in DPRK waters")


def dprk_chord(sim: Simulator) -> tuple[tuple[float, float], tuple[float, float]]:
    """Two points outside DPRK waters whose straight leg crosses them by 5-40 km, over water."""
    import shapely

    lat_min, lat_max, lon_min, lon_max = sim.region.coast.chords
    for _ in range(5000):
        a = (float(sim.rng.uniform(lat_min, lat_max)), float(sim.rng.uniform(lon_min, lon_max)))
        b = (float(sim.rng.uniform(lat_min, lat_max)), float(sim.rng.uniform(lon_min, lon_max)))
        if sim.world.in_dprk(a[0], a[1], buffered=True) or sim.world.in_dprk(b[0], b[1], buffered=True):
            continue
        line = shapely.LineString([(a[1], a[0]), (b[1], b[0])])
        inside_deg = shapely.length(shapely.intersection(line, sim.world.dprk))
        if 0.05 < inside_deg < 0.35 and not shapely.intersects(sim.world.land, line):
            return a, b
    raise ValueError("no transit through DPRK waters found")
