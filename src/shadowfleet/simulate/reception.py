"""Who hears a transmission: the receiver models of reference.md section 7.

`terrestrial`: shore stations everywhere; 3 % of messages are lost. This was the only model until
issue 10, and the detectors scored P = R = 1.0 on it.

`mixed`, the default, is what real archives look like. Shore stations hear a ship up to 20-40 nm from
the coast (each 2-degree stretch of coast its own range, within the scenario's span, with a fading
edge). Beyond that only satellites hear it, and only during a pass: a pass every 0.5-3 h lasting 5-16
min. A satellite decodes a limited number of ships per 1-degree cell per pass (message collisions): in
dense traffic a ship is missed by some passes, and a pass that hears it decodes one to a few of its
messages; class B is heard less often. Coverage holes are boxes of open sea where for hours no
satellite hears anybody (all of each box lies beyond shore range). Every figure is drawn per scenario
(`details`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from shadowfleet.core.geo import NM_M
from shadowfleet.simulate.details import Details
from shadowfleet.simulate.traffic import Simulator
from shadowfleet.simulate.world import GRID_BOX

TERRESTRIAL_LOSS = 0.03
CELL_DEG = 1.0
STRETCH_DEG = 2.0  # each 2-degree stretch of coast has stations of its own range
HOLE_MARGIN_NM = 8.0  # every part of a hole lies this far beyond shore range
# The ranges each scenario draws from (shore range, pass interval, collisions, holes) are in `details`.


class Reception(StrEnum):
    TERRESTRIAL = "terrestrial"
    MIXED = "mixed"


@dataclass(frozen=True)
class Hole:
    """A box of sea where no satellite hears anybody from start_s to end_s."""

    lat_min: float
    lat_max: float
    lon_min: float
    lon_max: float
    start_s: float
    end_s: float

    def contains(self, t: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return (
            (t >= self.start_s)
            & (t <= self.end_s)
            & (lat >= self.lat_min)
            & (lat <= self.lat_max)
            & (lon >= self.lon_min)
            & (lon <= self.lon_max)
        )


@dataclass
class Coverage:
    """The receivers of one scenario. `shore_range_nm` is the longest range of its shore stations (what
    "beyond shore reception" means for placing a scene); `ranges_nm` the range per stretch of coast."""

    model: Reception
    details: Details
    shore_range_nm: float = 0.0
    ranges_nm: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    passes_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pass_minutes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    holes: list[Hole] = field(default_factory=list)

    @property
    def edge_nm(self) -> float:
        return self.details.shore_edge_nm

    def range_at(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The shore range of the stretch of coast nearest each position (its 2-degree cell)."""
        i = np.clip(((np.asarray(lat) - GRID_BOX[0]) // STRETCH_DEG).astype(np.int64), 0, self.ranges_nm.shape[0] - 1)
        j = np.clip(((np.asarray(lon) - GRID_BOX[2]) // STRETCH_DEG).astype(np.int64), 0, self.ranges_nm.shape[1] - 1)
        return np.asarray(self.ranges_nm[i, j])


def plan_coverage(sim: Simulator, model: Reception, rng: np.random.Generator) -> Coverage:
    """Receivers and satellite passes of a scenario, and where the holes are. They are drawn from their
    own random source and drawn under both models, so one seed lays out the same scenes in both;
    under `terrestrial` they are simply not used."""
    d = sim.details
    rows = int(np.ceil((GRID_BOX[1] - GRID_BOX[0]) / STRETCH_DEG))
    cols = int(np.ceil((GRID_BOX[3] - GRID_BOX[2]) / STRETCH_DEG))
    ranges = rng.uniform(d.shore_range_nm.lo, d.shore_range_nm.hi, (rows, cols))
    passes = [float(rng.uniform(0, d.pass_interval_h.hi * 3600))]
    while passes[-1] < sim.end:
        passes.append(passes[-1] + d.pass_interval_h.draw(rng) * 3600)
    minutes = rng.uniform(d.pass_minutes.lo, d.pass_minutes.hi, len(passes))
    coverage = Coverage(model, d, d.shore_range_nm.hi, ranges, np.array(passes), minutes)
    for _ in range(d.holes):
        hole = _hole(sim, rng, coverage.shore_range_nm + d.shore_edge_nm + HOLE_MARGIN_NM)
        if hole is not None:
            coverage.holes.append(hole)
    return coverage


def _hole(sim: Simulator, rng: np.random.Generator, min_shore_nm: float) -> Hole | None:
    lat_min, lat_max, lon_min, lon_max = sim.region.sea
    d = sim.details
    for _ in range(200):
        side = d.hole_side_deg.draw(rng)
        lat0 = float(rng.uniform(lat_min, lat_max - side))
        lon0 = float(rng.uniform(lon_min, lon_max - side))
        lat, lon = np.meshgrid(np.linspace(lat0, lat0 + side, 9), np.linspace(lon0, lon0 + side, 9))
        if sim.world.shore_distance_m(lat.ravel(), lon.ravel()).min() >= min_shore_nm * NM_M:
            hours = d.hole_hours.draw(rng)
            start = float(rng.uniform(3 * 3600, max(sim.end - hours * 3600 - 3 * 3600, 3 * 3600 + 1)))
            lat0, lon0, side = round(lat0, 3), round(lon0, 3), round(side, 3)  # truth.json states it exactly
            start = float(round(start))
            return Hole(lat0, round(lat0 + side, 3), lon0, round(lon0 + side, 3), start, start + round(hours * 3600))
    return None


def shore_heard(coverage: Coverage, shore_m: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Probability that a shore station hears a message sent this far from the coast."""
    if coverage.model is Reception.TERRESTRIAL:
        return np.full(len(shore_m), 1.0 - TERRESTRIAL_LOSS)
    edge = coverage.edge_nm
    fade = (coverage.range_at(lat, lon) + edge - shore_m / NM_M) / (2 * edge)
    return (1.0 - TERRESTRIAL_LOSS) * np.clip(fade, 0.0, 1.0)


def in_hole(coverage: Coverage, t: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Whether each (time, true position) lies in a coverage hole while it is open."""
    inside = np.zeros(len(t), bool)
    for hole in coverage.holes:
        inside |= hole.contains(t, lat, lon)
    return inside


def hear(
    sim: Simulator, coverage: Coverage, fixes: list[np.ndarray], classes: list[str], rng: np.random.Generator
) -> list[np.ndarray]:
    """For every vessel's transmissions (t, lat, lon, sog: true positions), which ones were received."""
    sizes = [len(f) for f in fixes]
    rows = np.concatenate(fixes) if fixes else np.zeros((0, 4))
    t, lat, lon = rows[:, 0], rows[:, 1], rows[:, 2]
    shore_p = shore_heard(coverage, sim.world.shore_distance_m(lat, lon), lat, lon)
    heard = rng.random(len(t)) < shore_p
    if coverage.model is Reception.MIXED:
        cls = np.repeat(np.array(classes), sizes)
        vessel = np.repeat(np.arange(len(sizes)), sizes)
        heard |= _satellite(coverage, (t, lat, lon), vessel, cls, rng)
    return np.split(heard, np.cumsum(sizes)[:-1])


def in_pass(coverage: Coverage, t: np.ndarray) -> np.ndarray:
    """The pass each time falls in (-1 outside every pass)."""
    at = np.searchsorted(coverage.passes_s, t, side="right") - 1
    safe = np.maximum(at, 0)
    during = (at >= 0) & (t - coverage.passes_s[safe] <= coverage.pass_minutes[safe] * 60)
    return np.where(during, at, -1)


def _satellite(
    coverage: Coverage,
    rows: tuple[np.ndarray, np.ndarray, np.ndarray],
    vessel: np.ndarray,
    cls: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Messages a satellite decodes. Per pass and 1-degree cell, with n ships transmitting there, each
    ship is heard with probability 1 - exp(-k / n) (k: how many ships a pass tells apart before
    collisions win; less for class B), and then one to a few of its messages, never in a hole."""
    t, lat, lon = rows
    at = in_pass(coverage, t)
    index = np.flatnonzero((at >= 0) & ~in_hole(coverage, t, lat, lon))
    cell = (
        at[index] * 1_000_000
        + np.floor(lat[index] / CELL_DEG).astype(np.int64) * 1000
        + np.floor(lon[index] / CELL_DEG).astype(np.int64)
    )
    ship = at[index] * 100_000 + vessel[index]  # one ship during one pass
    ships, first_of_ship, ship_of = np.unique(ship, return_index=True, return_inverse=True)
    cells, ship_cell = np.unique(cell[first_of_ship], return_inverse=True)
    crowd = np.bincount(ship_cell, minlength=len(cells))[ship_cell]  # ships in the cell during the pass
    d = coverage.details
    k = rng.uniform(d.cell_capacity.lo, d.cell_capacity.hi, len(cells))[ship_cell]
    p = 1.0 - np.exp(-k / crowd)
    p = np.where(cls[index[first_of_ship]] == "A", p, p * d.class_b_factor)
    heard_ship = rng.random(len(ships)) < p
    wanted = rng.integers(1, d.messages_per_pass + 1, len(ships))
    order = np.lexsort((rng.random(len(index)), ship_of))  # a random order within each ship's pass
    sorted_ship = ship_of[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_ship, sorted_ship, side="left")
    keep = heard_ship[sorted_ship] & (rank < wanted[sorted_ship])
    out = np.zeros(len(t), bool)
    out[index[order[keep]]] = True
    return out
