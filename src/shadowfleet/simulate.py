"""`shadowfleet simulate`: synthetic AIS traffic with planted evasion cases and decoys, and their truth.

The sea area is the open Yellow Sea (North Korea scenario): background ships sail straight legs
between random waypoints that stay far from land; class A ships report every minute under way and
every three minutes when slow, class B every three minutes; 3 % of reports are lost and some ships
drop out for under an hour. Planted cases (one or more of every event type) and decoys (things that
look like a case but are not) are listed in `truth.json` with the vessels and time window of each.
Output is NOAA MarineCadastre CSV, the format analysts download most.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from shadowfleet.core.geo import NM_M, haversine_m

NAMPO_ROUTE = [(36.0, 124.0), (38.4, 124.6), (38.72, 125.30)]


@dataclass(frozen=True)
class Region:
    """Where the traffic sails and the scenes are played (every point checked > 40 nm from shore)."""

    sea: tuple[float, float, float, float]  # lat_min, lat_max, lon_min, lon_max
    meet: tuple[float, float]  # the STS, inside a hot spot of reference.md §2
    loiter: tuple[float, float]
    crossing_lat: float
    trawl: tuple[float, float]
    tug: tuple[float, float]
    min_days: float  # long enough for the tanker to reach Nampo and stay


REGIONS = {
    "yellow_sea": Region(
        (34.0, 36.0, 122.8, 124.5), (35.6, 123.6), (35.0, 123.2), 34.5, (35.5, 122.9), (34.8, 124.0), 3.0
    ),
    "east_china_sea": Region(
        (27.5, 30.5, 123.5, 126.0), (29.0, 124.8), (28.5, 125.2), 28.0, (29.8, 124.3), (28.8, 125.5), 5.0
    ),
}
NAMPO = (38.72, 125.38)
QINGDAO_ANCHORAGE = (36.0, 120.33)  # 7 km from Qingdao Gang (World Port Index), 2 nm off the coast
NOAA_HEADER = [
    "MMSI",
    "BaseDateTime",
    "LAT",
    "LON",
    "SOG",
    "COG",
    "Heading",
    "VesselName",
    "IMO",
    "CallSign",
    "VesselType",
    "Status",
    "Length",
    "Width",
    "Draft",
    "Cargo",
    "TransceiverClass",
]


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
    fixes: list[tuple[float, float, float, float]] = field(default_factory=list)  # t_s, lat, lon, sog
    draughts: list[tuple[float, float]] = field(default_factory=list)  # from t_s on, this draught


@dataclass
class Case:
    kind: str  # an event type for a planted case, or a decoy's name
    mmsi: int
    start: str
    end: str
    other_mmsi: int | None = None
    decoy: bool = False


class Simulator:
    def __init__(self, seed: int, days: float, start: datetime, region: Region) -> None:
        self.rng = np.random.default_rng(seed)
        self.days, self.start, self.region = days, start, region
        self.vessels: list[Vessel] = []
        self.cases: list[Case] = []
        self.next_mmsi = 412_100_000

    # --- building blocks ----------------------------------------------------------------------

    def vessel(self, ship_type: int = 70, cls: str = "A", mmsi: int | None = None, imo: int | None = None) -> Vessel:
        self.next_mmsi += int(self.rng.integers(1, 50))
        number = mmsi if mmsi is not None else self.next_mmsi
        v = Vessel(
            number,
            f"SIM {number % 100000}",
            imo if imo is not None else _valid_imo(self.rng),
            ship_type,
            float(self.rng.uniform(60, 180)),
            float(self.rng.uniform(10, 28)),
            float(self.rng.uniform(4, 9)),
            cls,
        )
        self.vessels.append(v)
        return v

    def sea_point(self) -> tuple[float, float]:
        sea = self.region.sea
        return float(self.rng.uniform(sea[0], sea[1])), float(self.rng.uniform(sea[2], sea[3]))

    def sail(self, v: Vessel, t0: float, t1: float, start: tuple[float, float], knots: float) -> tuple[float, float]:
        """Straight legs between random sea waypoints from t0 to t1 (seconds); returns the end point."""
        t, here = t0, start
        while t < t1:
            there = self.sea_point()
            t = self.leg(v, t, here, there, knots, until=t1)
            here = there if t < t1 else self.position(v, t1)
        return here

    def leg(
        self,
        v: Vessel,
        t0: float,
        a: tuple[float, float],
        b: tuple[float, float],
        knots: float,
        until: float = math.inf,
    ) -> float:
        """Move from a to b at `knots`; reports at the class's rate; returns the arrival time."""
        dist = float(haversine_m(a[0], a[1], b[0], b[1]))
        duration = dist / (knots * NM_M / 3600) if knots > 0 else 0.0
        step = 60.0 if v.cls == "A" and knots >= 2 else 180.0
        t = t0
        while t <= min(t0 + duration, until):
            f = (t - t0) / duration if duration else 1.0
            v.fixes.append((t, a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), knots))
            t += step * float(self.rng.uniform(0.9, 1.1))
        return t0 + duration

    def stay(self, v: Vessel, t0: float, t1: float, at: tuple[float, float], drift_m: float = 30.0) -> None:
        step = 60.0 if v.cls == "A" else 180.0
        t = t0
        while t <= t1:
            jitter = self.rng.normal(0, drift_m / 111_000, 2)
            v.fixes.append((t, at[0] + float(jitter[0]), at[1] + float(jitter[1]), 0.3))
            t += step * 3 * float(self.rng.uniform(0.9, 1.1))

    def arrive(self, v: Vessel, at: tuple[float, float], when: float, knots: float) -> None:
        """Enter the area on a straight leg that ends at `at` exactly at `when`."""
        for _ in range(100):
            origin = self.sea_point()
            duration = float(haversine_m(origin[0], origin[1], at[0], at[1])) / (knots * NM_M / 3600)
            if 600 < duration < when:
                self.leg(v, when - duration, origin, at, knots)
                return
        raise ValueError("no sea point near enough to arrive in time")

    def detour(
        self, v: Vessel, t0: float, a: tuple[float, float], b: tuple[float, float], by: float, knots: float
    ) -> None:
        """From a to b by way of a sea point, arriving within the hour before `by` (no waiting about)."""
        for _ in range(500):
            via = self.sea_point()
            hours = (haversine_m(a[0], a[1], via[0], via[1]) + haversine_m(via[0], via[1], b[0], b[1])) / (knots * NM_M)
            if by - 3600 < t0 + float(hours) * 3600 < by:
                self.leg(v, self.leg(v, t0, a, via, knots), via, b, knots)
                return
        raise ValueError("no detour fits the time")

    def carry_on(self, v: Vessel, t0: float, end: float, knots: float = 11.0) -> None:
        """After its scene a ship sails on until the end, as ships do: no silence that is not planted."""
        last = v.fixes[-1]
        self.sail(v, max(t0, last[0]) + 60, end, (last[1], last[2]), knots)

    def position(self, v: Vessel, t: float) -> tuple[float, float]:
        before = [f for f in v.fixes if f[0] <= t]
        last = before[-1] if before else v.fixes[0]
        return last[1], last[2]

    def case(
        self, kind: str, v: Vessel, t0: float, t1: float, other: Vessel | None = None, decoy: bool = False
    ) -> None:
        self.cases.append(Case(kind, v.mmsi, self.iso(t0), self.iso(t1), other.mmsi if other else None, decoy))

    def iso(self, t: float) -> str:
        return (self.start + timedelta(seconds=t)).isoformat()


def _valid_imo(rng: np.random.Generator) -> int:
    digits = [int(d) for d in rng.integers(1, 10, 6)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return int("".join(map(str, digits)) + str(check))


def _offset(at: tuple[float, float], north_m: float) -> tuple[float, float]:
    return at[0] + north_m / 111_195, at[1]


def plant(sim: Simulator, background: int) -> None:
    """Background ships, one or more planted case of every event type, and the decoys."""
    end = sim.days * 86400
    for _ in range(background):
        v = sim.vessel(ship_type=int(sim.rng.choice([70, 80, 30, 60])), cls=str(sim.rng.choice(["A", "A", "B"])))
        sim.sail(v, 0, end, sim.sea_point(), float(sim.rng.uniform(9, 14)))
    _plant_encounter(sim, end)
    _plant_track_cases(sim, end)
    _plant_identity_cases(sim, end)
    _plant_decoys(sim, end)


# A DPRK tanker on the OFAC SDN list (DPRK4, IMO 8660313), DPRK-flagged (MID 445): the receiving ship.
LISTED_TANKER = ("CHON MA SAN", 8660313, 445_286_000)


def _plant_encounter(sim: Simulator, end: float) -> None:
    """An STS across midnight: tanker B, a listed DPRK tanker, receives from tanker A (draught rises 2 m),
    then calls at Nampo. Earlier A loaded from feeder C at sea, so C is two encounters from a listed ship."""
    a, b, c = sim.vessel(80), sim.vessel(80, mmsi=LISTED_TANKER[2], imo=LISTED_TANKER[1]), sim.vessel(80)
    b.name = LISTED_TANKER[0]
    meet = sim.region.meet
    t0, t1 = 22 * 3600.0, 27 * 3600.0
    feed = _offset(meet, -40_000)
    sim.arrive(a, feed, 8 * 3600, 11)
    sim.arrive(c, _offset(feed, 150), 8 * 3600, 11)
    sim.stay(a, 8 * 3600, 13 * 3600, feed)
    sim.stay(c, 8 * 3600, 13 * 3600, _offset(feed, 150))
    sim.case("encounter", c, 8 * 3600, 13 * 3600, other=a)
    sim.carry_on(c, 13 * 3600, end)
    sim.detour(a, 13 * 3600 + 60, feed, meet, t0, 11)
    sim.arrive(b, _offset(meet, 120), t0, 11)
    sim.stay(a, t0, t1, meet)
    sim.stay(b, t0, t1, _offset(meet, 120))
    b.draughts = [(0.0, 5.0), (t1 - 1800, 7.0)]
    sim.case("encounter", a, t0, t1, other=b)
    sim.case("draught_change", b, t0, t1)
    arrive = sim.leg(b, t1 + 60, _offset(meet, 120), NAMPO_ROUTE[0], 12)
    arrive = sim.leg(b, arrive, NAMPO_ROUTE[0], NAMPO_ROUTE[1], 10)
    arrive = sim.leg(b, arrive, NAMPO_ROUTE[1], NAMPO_ROUTE[2], 8)
    arrive = sim.leg(b, arrive, NAMPO_ROUTE[2], NAMPO, 5)
    sim.stay(b, arrive, min(arrive + 12 * 3600, end), NAMPO)
    sim.case("zone_visit", b, arrive, min(arrive + 12 * 3600, end))
    sim.carry_on(a, t1, end)


def _plant_track_cases(sim: Simulator, end: float) -> None:
    lone = sim.vessel(80)  # loiters alone: a dark partner?
    spot = sim.region.loiter
    sim.arrive(lone, spot, 12 * 3600, 11)
    sim.stay(lone, 12 * 3600, 19 * 3600, spot)
    sim.case("loitering", lone, 12 * 3600, 19 * 3600)
    sim.carry_on(lone, 19 * 3600, end)
    dark = sim.vessel(80)  # goes dark for 10 h while sailing on
    sim.sail(dark, 0, end, sim.sea_point(), 10)
    cut0, cut1 = 8 * 3600.0, 18 * 3600.0
    dark.fixes = [f for f in dark.fixes if not cut0 < f[0] < cut1]
    before = max(f[0] for f in dark.fixes if f[0] <= cut0)
    sim.case("ais_gap", dark, before, min(f[0] for f in dark.fixes if f[0] >= cut1))
    jumper = sim.vessel(70)  # five spoofed fixes 80 nm away, then back
    sim.sail(jumper, 0, end, sim.sea_point(), 12)
    spoof = [i for i, f in enumerate(jumper.fixes) if f[0] >= 30 * 3600][:5]
    for i in spoof:
        t, lat, lon, sog = jumper.fixes[i]
        jumper.fixes[i] = (t, lat + 1.3, lon, sog)
    sim.case("position_jump", jumper, jumper.fixes[spoof[0]][0], jumper.fixes[spoof[-1]][0])


def _plant_identity_cases(sim: Simulator, end: float) -> None:
    honest = sim.vessel(70)
    sim.sail(honest, 0, end, sim.sea_point(), 12)
    # a second transmitter with the same identity (a cloned MMSI), somewhere else
    clone = Vessel(honest.mmsi, honest.name, honest.imo, honest.ship_type, honest.length, honest.beam, honest.draught)
    sim.vessels.append(clone)
    sim.sail(clone, 6 * 3600, 10 * 3600, sim.sea_point(), 9)
    sim.case("identity_clash", honest, 6 * 3600, 10 * 3600)
    bad_mmsi = sim.vessel(80, mmsi=79912345)  # eight digits
    sim.sail(bad_mmsi, 0, end, sim.sea_point(), 11)
    sim.case("invalid_identity", bad_mmsi, 0, end)
    bad_imo = sim.vessel(80, imo=9074728)  # fails the IMO check digit
    sim.sail(bad_imo, 0, end, sim.sea_point(), 11)
    sim.case("invalid_identity", bad_imo, 0, end)


def _plant_decoys(sim: Simulator, end: float) -> None:
    a, b = sim.vessel(70), sim.vessel(70)  # anchored close together in a port anchorage
    sim.stay(a, 0, 8 * 3600, QINGDAO_ANCHORAGE)
    sim.stay(b, 0, 8 * 3600, _offset(QINGDAO_ANCHORAGE, 150))
    sim.case("anchorage_pair", a, 0, 8 * 3600, other=b, decoy=True)
    c, d = sim.vessel(70), sim.vessel(70)  # cross within ~110 m at speed
    lat, (_, _, west, east) = sim.region.crossing_lat, sim.region.sea
    sim.leg(c, 3600, (lat, west + 0.2), (lat, east - 0.3), 14)
    sim.leg(d, 3600, (lat + 0.001, east - 0.3), (lat + 0.001, west + 0.2), 14)
    sim.case("fast_crossing", c, 3600, 5 * 3600, other=d, decoy=True)
    e, f = sim.vessel(30), sim.vessel(30)  # pair trawlers together at 3 kn
    trawl = sim.region.trawl
    sim.leg(e, 0, trawl, (trawl[0], trawl[1] + 0.5), 3)
    sim.leg(f, 0, _offset(trawl, 200), _offset((trawl[0], trawl[1] + 0.5), 200), 3)
    sim.case("pair_trawlers", e, 0, 8 * 3600, other=f, decoy=True)
    g, h = sim.vessel(52), sim.vessel(70)  # a tug assist under an hour
    tug = sim.region.tug
    sim.arrive(g, tug, 4 * 3600, 10)
    sim.arrive(h, _offset(tug, 60), 4 * 3600, 10)
    sim.stay(g, 4 * 3600, 4.8 * 3600, tug)
    sim.stay(h, 4 * 3600, 4.8 * 3600, _offset(tug, 60))
    sim.case("tug_assist", g, 4 * 3600, 4.8 * 3600, other=h, decoy=True)
    for v in (c, d, e, f, g, h):
        sim.carry_on(v, 0, end)
    drop = sim.vessel(70)  # a natural dropout of 40 min
    sim.sail(drop, 0, end, sim.sea_point(), 12)
    drop.fixes = [x for x in drop.fixes if not 10 * 3600 < x[0] < 10 * 3600 + 2400]
    sim.case("short_dropout", drop, 10 * 3600, 10 * 3600 + 2400, decoy=True)


def write(sim: Simulator, out: Path) -> tuple[Path, Path, int]:
    """NOAA-format CSV of every report (3 % lost) and truth.json; returns paths and row count."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path, truth_path = out / "ais.csv", out / "truth.json"
    rows = 0
    with csv_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(NOAA_HEADER)
        for v in sim.vessels:
            for t, lat, lon, sog in sorted(v.fixes):
                if sim.rng.random() < 0.03:
                    continue
                draught = next((d for since, d in reversed(v.draughts) if t >= since), v.draught)
                when = (sim.start + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S")
                w.writerow(
                    [
                        v.mmsi,
                        when,
                        f"{lat:.6f}",
                        f"{lon:.6f}",
                        f"{sog:.1f}",
                        "360.0",
                        "511",
                        v.name,
                        f"IMO{v.imo}" if v.imo else "",
                        "",
                        v.ship_type,
                        0 if sog >= 2 else 1,
                        f"{v.length:.0f}",
                        f"{v.beam:.0f}",
                        f"{draught:.1f}",
                        "",
                        v.cls,
                    ]
                )
                rows += 1
    truth = {
        "generator": "shadowfleet simulate",
        "start": sim.start.isoformat(),
        "days": sim.days,
        "cases": [asdict(c) for c in sim.cases if not c.decoy],
        "decoys": [asdict(c) for c in sim.cases if c.decoy],
    }
    truth_path.write_text(json.dumps(truth, indent=1), encoding="utf-8")
    return csv_path, truth_path, rows


def simulate(out: Path, vessels: int, days: float, seed: int, region: str = "yellow_sea") -> tuple[Path, Path, int]:
    if region not in REGIONS:
        raise ValueError(f"unknown region {region!r}: choose {', '.join(REGIONS)}")
    where = REGIONS[region]
    sim = Simulator(seed, max(days, where.min_days), datetime(2024, 3, 1, tzinfo=UTC), where)
    plant(sim, vessels)
    return write(sim, out)
