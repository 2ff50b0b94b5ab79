"""Ships and their movements: what each transmitter sends, before any receiver hears it.

A vessel's track is a list of chunks of (time s, lat, lon, sog kn), true positions. Class A ships
transmit every minute under way and every three minutes when slow, class B every three minutes (the
simulator's rate, coarser than AIS's seconds, as a receiver log keeps). What a receiver hears of it
is decided later (`reception`); what the vessel claims instead of its true position (a spoofed
excursion) and when its AIS is switched off are kept beside the track.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from shadowfleet.core.geo import NM_M, haversine_m
from shadowfleet.simulate.details import Details, draw_details
from shadowfleet.simulate.world import Region, World, world

KNOT_M_S = NM_M / 3600


@dataclass(frozen=True)
class Waters:
    """Where a ship's waypoints may lie: a box (the region's sea by default) and a band of shore distance."""

    box: tuple[float, float, float, float] | None = None
    min_shore_nm: float = 3.0
    max_shore_nm: float = math.inf


COASTAL = Waters(min_shore_nm=4.0, max_shore_nm=12.0)  # heard by shore stations (20 nm less a 7-nm edge)


@dataclass
class Vessel:
    mmsi: int
    name: str
    imo: int | None
    ship_type: int
    length: float
    beam: float
    draught: float
    cls: str = "A"
    chunks: list[np.ndarray] = field(default_factory=list)  # rows of (t_s, lat, lon, sog_kn)
    draughts: list[tuple[float, float]] = field(default_factory=list)  # from t_s on, this declared draught
    off: list[tuple[float, float]] = field(default_factory=list)  # AIS switched off from t0 to t1 (s)
    shifts: list[tuple[float, float, float, float]] = field(default_factory=list)  # t0, t1, dlat, dlon claimed
    background: bool = False  # plain traffic: keeps out of DPRK waters

    def fixes(self) -> np.ndarray:
        """Every transmission, sorted by time, with the AIS-off periods removed."""
        if not self.chunks:
            return np.zeros((0, 4))
        rows = np.concatenate(self.chunks)
        rows = rows[np.argsort(rows[:, 0], kind="stable")]
        keep = np.ones(len(rows), bool)
        for t0, t1 in self.off:
            keep &= ~((rows[:, 0] > t0) & (rows[:, 0] < t1))
        return rows[keep]

    def last(self) -> tuple[float, float, float]:
        """Time and position of the latest transmission planned so far."""
        rows = self.chunks[-1]
        return float(rows[-1, 0]), float(rows[-1, 1]), float(rows[-1, 2])

    def position(self, t: float) -> tuple[float, float]:
        rows = np.concatenate(self.chunks)
        before = rows[rows[:, 0] <= t]
        row = before[np.argmax(before[:, 0])] if len(before) else rows[np.argmin(rows[:, 0])]
        return float(row[1]), float(row[2])


class Simulator:
    """The scenario under construction: its random source, region, vessels and truth entries."""

    def __init__(self, seed: int, days: float, start: datetime, region: Region) -> None:
        self.rng = np.random.default_rng(seed)
        self.details: Details = draw_details(seed)
        self.days, self.start, self.region = days, start, region
        self.end = days * 86400.0
        self.world: World = world()
        self.vessels: list[Vessel] = []
        self.next_mmsi = int(self.rng.integers(412_100_000, 412_400_000))
        # anchorages planted scenes keep clear of: (lat, lon, radius_m), filled before any case is placed
        self.keep_clear: list[tuple[float, float, float]] = []

    def iso(self, t: float) -> str:
        return (self.start + timedelta(seconds=round(t))).isoformat()

    # --- identities ---------------------------------------------------------------------------

    def vessel(
        self, ship_type: int = 70, cls: str = "A", mmsi: int | None = None, imo: int | None = None, mid: int = 0
    ) -> Vessel:
        """A new transmitter; `mid` picks another flag than China's 412/413 (the region's flags, if any,
        are drawn from when neither a number nor a MID is given)."""
        self.next_mmsi += int(self.rng.integers(1, 500))
        if mmsi is None and not mid and self.region.flags:
            mid = int(self.rng.choice(self.region.flags))
        number = mmsi if mmsi is not None else (mid * 1_000_000 + self.next_mmsi % 1_000_000 if mid else self.next_mmsi)
        length = float(self.rng.uniform(60, 180))
        v = Vessel(
            number,
            f"SIM {number % 100000:05d}",
            imo if imo is not None else valid_imo(self.rng),
            ship_type,
            length,
            float(length * self.rng.uniform(0.13, 0.17)),
            float(self.rng.uniform(4, 9)),
            cls,
        )
        self.vessels.append(v)
        return v

    # --- places -------------------------------------------------------------------------------

    def sea_point(
        self,
        box: tuple[float, float, float, float] | None = None,
        min_shore_nm: float = 3.0,
        max_shore_nm: float = math.inf,
    ) -> tuple[float, float]:
        """A random point at sea in the box (the region's sea by default), out of DPRK waters."""
        lat_min, lat_max, lon_min, lon_max = box or self.region.sea
        for _ in range(2000):
            lat, lon = float(self.rng.uniform(lat_min, lat_max)), float(self.rng.uniform(lon_min, lon_max))
            shore = float(self.world.shore_distance_m(np.array([lat]), np.array([lon]))[0]) / NM_M
            if min_shore_nm <= shore <= max_shore_nm and not self.world.in_dprk(lat, lon, buffered=True):
                return lat, lon
        raise ValueError(f"no sea point {min_shore_nm}-{max_shore_nm} nm from shore in {box}")

    def route_point(self, here: tuple[float, float], where: Waters) -> tuple[float, float]:
        """A sea point reachable from `here` on a straight leg over water, out of DPRK waters."""
        for attempt in range(600):
            there = self.sea_point(where.box, where.min_shore_nm, where.max_shore_nm)
            if self.world.clear(here, there, margin=attempt < 300):  # near DPRK waters, skirt them closer
                return there
        raise ValueError(f"no clear leg from {here}")

    # --- movements ----------------------------------------------------------------------------

    def leg(
        self,
        v: Vessel,
        t0: float,
        a: tuple[float, float],
        b: tuple[float, float],
        knots: float,
        until: float = math.inf,
    ) -> float:
        """Sail from a to b at `knots`, transmitting at the class's rate; returns the arrival time."""
        duration = float(haversine_m(a[0], a[1], b[0], b[1])) / (knots * KNOT_M_S)
        step = 60.0 if v.cls == "A" and knots >= 2 else 180.0
        stop = min(t0 + duration, until, self.end)
        count = max(int((stop - t0) / step) + 1, 1)
        t = t0 + np.concatenate([[0.0], np.cumsum(step * self.rng.uniform(0.9, 1.1, count - 1))])
        t = t[t <= max(stop, t0)]
        f = (t - t0) / duration if duration else np.ones(len(t))
        rows = np.column_stack([t, a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), np.full(len(t), knots)])
        v.chunks.append(rows)
        return t0 + duration

    def stay(
        self, v: Vessel, t0: float, t1: float, at: tuple[float, float], drift_m: float = 30.0, sog: float = 0.3
    ) -> None:
        """Keep station near `at` (anchored, drifting or lying alongside) from t0 to t1."""
        step = 180.0
        t1 = min(t1, self.end)
        count = max(int((t1 - t0) / step) + 1, 1)
        t = t0 + np.concatenate([[0.0], np.cumsum(step * self.rng.uniform(0.9, 1.1, count - 1))])
        t = t[t <= t1]
        jitter = self.rng.normal(0, drift_m / 111_000, (len(t), 2))
        rows = np.column_stack(
            [t, at[0] + jitter[:, 0], at[1] + jitter[:, 1] / math.cos(math.radians(at[0])), np.full(len(t), sog)]
        )
        v.chunks.append(rows)

    def sail(
        self, v: Vessel, t0: float, t1: float, start: tuple[float, float], knots: float, where: Waters | None = None
    ) -> None:
        """Straight legs between random sea waypoints from t0 until t1."""
        t, here = t0, start
        while t < min(t1, self.end):
            there = self.route_point(here, where or Waters())
            t = self.leg(v, t, here, there, knots, until=t1)
            here = there

    def arrive(
        self,
        v: Vessel,
        at: tuple[float, float],
        when: float,
        knots: float,
        into_dprk: bool = False,
        origin_box: tuple[float, float, float, float] | None = None,
    ) -> float:
        """Enter on a straight leg from a sea point (in `origin_box`, the region's sea by default) that
        ends at `at` exactly at `when`; returns the leg's start time. The leg keeps out of DPRK waters
        unless it is meant to go there."""
        for _ in range(300):
            origin = self.sea_point(origin_box)
            duration = float(haversine_m(origin[0], origin[1], at[0], at[1])) / (knots * KNOT_M_S)
            if 600 < duration < max(when, 601) and self.world.clear(origin, at, keep_out_of_dprk=not into_dprk):
                self.leg(v, when - duration, origin, at, knots)
                return when - duration
        raise ValueError(f"no sea point near enough to reach {at} by {when}")

    def carry_on(self, v: Vessel, t0: float, knots: float = 11.0) -> None:
        """After its scene a ship sails on until the end, as ships do: no silence that is not planted."""
        t, lat, lon = v.last()
        self.sail(v, max(t0, t) + 60, self.end, (lat, lon), knots)

    def through(self, v: Vessel, t0: float, points: list[tuple[float, float]], knots: float) -> float:
        """Sail a given route (no checks: a planted route is chosen by hand); returns the arrival time."""
        t = t0
        for a, b in itertools.pairwise(points):
            t = self.leg(v, t, a, b, knots)
        return t


def valid_imo(rng: np.random.Generator) -> int:
    digits = [int(d) for d in rng.integers(1, 10, 6)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return int("".join(map(str, digits)) + str(check))


def offset(at: tuple[float, float], north_m: float, east_m: float = 0.0) -> tuple[float, float]:
    return at[0] + north_m / 111_195, at[1] + east_m / (111_195 * math.cos(math.radians(at[0])))
