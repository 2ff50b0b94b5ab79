"""Decoys: what looks like a case and is not, each with the event types that must not alarm on it;
and the background traffic (which keeps out of DPRK waters) and busy outer anchorages."""

from __future__ import annotations

import numpy as np

from shadowfleet.simulate.places import coastal_spot, open_sea_spot, outer_anchorage
from shadowfleet.simulate.reception import Coverage, Reception
from shadowfleet.simulate.traffic import COASTAL, Simulator, Vessel, Waters, offset
from shadowfleet.simulate.truth import AIS_GAP, DRAUGHT_CHANGE, ENCOUNTER, LOITERING, Truth

H = 3600.0
INNER_ANCHORAGE_RADIUS_M = 2000.0


def background(sim: Simulator, count: int) -> None:
    """Ships sailing straight legs between random sea points all along; none enters DPRK waters."""
    for _ in range(count):
        v = sim.vessel(ship_type=int(sim.rng.choice([70, 80, 30, 60])), cls=str(sim.rng.choice(["A", "A", "B"])))
        v.background = True
        sim.sail(v, 0, sim.end, sim.sea_point(), float(sim.rng.uniform(9, 14)))


def anchorages(sim: Simulator, truth: Truth) -> None:
    """Two or three big ports' outer anchorages, each with the scenario's number of ships waiting for
    hours, some side by side (sizes, counts, waits and the share alongside are the scenario's).
    Planted scenes keep clear of them and of the inner anchorage of the anchorage-pair decoy."""
    sim.keep_clear.append((*sim.region.inner_anchorage, INNER_ANCHORAGE_RADIUS_M))
    ports = list(
        sim.rng.choice(sim.region.ports, size=min(len(sim.region.ports), sim.details.anchorages), replace=False)
    )
    for port in ports:
        anchorage = outer_anchorage(sim, str(port))
        truth.anchorages.append(anchorage)
        sim.keep_clear.append((anchorage.lat, anchorage.lon, anchorage.radius_m))
        centre = (anchorage.lat, anchorage.lon)
        waiting: list[tuple[tuple[float, float], float, float]] = []
        d = sim.details
        for _ in range(d.anchorage_ships.count(sim.rng)):
            v = sim.vessel(int(sim.rng.choice([70, 70, 80, 80, 60])))
            if waiting and sim.rng.random() < d.alongside_share:  # drops anchor beside a ship already waiting
                beside, since, until = waiting[int(sim.rng.integers(0, len(waiting)))]
                at = offset(beside, float(sim.rng.uniform(80, 300)), float(sim.rng.uniform(-100, 100)))
                t0 = float(sim.rng.uniform(since, max(until - 3 * H, since + 1)))
            else:
                r = anchorage.radius_m * float(np.sqrt(sim.rng.random()))
                angle = float(sim.rng.uniform(0, 2 * np.pi))
                at = offset(centre, r * np.cos(angle), r * np.sin(angle))
                t0 = float(sim.rng.uniform(6, sim.days * 24 - 8)) * H
            t1 = min(t0 + d.anchorage_wait_h.draw(sim.rng) * H, sim.end)
            waiting.append((at, t0, t1))
            sim.arrive(v, at, t0, float(sim.rng.uniform(8, 12)), origin_box=_around(centre))
            sim.stay(v, t0, t1, at, drift_m=40)
            truth.decoy("outer_anchorage", v.mmsi, t0, t1, (ENCOUNTER, LOITERING), at=centre)
            if t1 < sim.end:
                sim.carry_on(v, t1)


def _around(at: tuple[float, float]) -> tuple[float, float, float, float]:
    return at[0] - 1.0, at[0] + 1.0, at[1] - 1.0, at[1] + 1.2


def hole_silenced(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    """Fishing vessels working the sea of a coverage hole all along: while the hole is open nobody hears
    them, and their silence is the satellites', not theirs."""
    for hole in coverage.holes:
        box = (hole.lat_min + 0.1, hole.lat_max - 0.1, hole.lon_min + 0.1, hole.lon_max - 0.1)
        for _ in range(sim.details.hole_fishers.count(sim.rng)):
            v = sim.vessel(30, cls=str(sim.rng.choice(["A", "B"])))
            sim.sail(v, 0.0, sim.end, sim.sea_point(box, 0.0), float(sim.rng.uniform(2.5, 4.0)), Waters(box, 0.0))
            if coverage.model is Reception.MIXED:
                truth.decoy("silenced_by_coverage_hole", v.mmsi, hole.start_s, hole.end_s, (AIS_GAP,))


def classic_decoys(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    """A pair at a port's inner anchorage, ships crossing at speed, pair trawlers, tug assists, short
    dropouts and crews' typo draughts that flip back and forth (how many of each: the scenario's)."""
    d = sim.details
    a, b = sim.vessel(70), sim.vessel(70)
    t = float(sim.rng.uniform(0, 12)) * H
    sim.stay(a, t, t + 8 * H, sim.region.inner_anchorage)
    sim.stay(b, t, t + 8 * H, offset(sim.region.inner_anchorage, 150))
    truth.decoy("anchorage_pair", a.mmsi, t, t + 8 * H, (ENCOUNTER,), b.mmsi, at=sim.region.inner_anchorage)
    pairs = [a, b]
    for _ in range(d.crossings):
        pairs += _crossing(sim, coverage, truth)
    for _ in range(d.trawler_pairs):
        pairs += _trawlers(sim, coverage, truth)
    for _ in range(d.tug_assists):
        pairs += _tug_assist(sim, truth)
    for v in pairs:
        sim.carry_on(v, 0)
    for _ in range(d.dropouts):
        _dropout(sim, truth)
    for _ in range(d.typo_draughts):
        _typo_draught(sim, truth)


def _crossing(sim: Simulator, coverage: Coverage, truth: Truth) -> list[Vessel]:
    c, d = sim.vessel(70), sim.vessel(70)
    spot = open_sea_spot(sim, coverage, sim.region.sea)
    t = float(sim.rng.uniform(1, sim.days * 24 - 6)) * H
    west, east = offset(spot, 0, -40_000), offset(spot, 0, 40_000)
    apart = float(sim.rng.uniform(60, 300))
    sim.leg(c, t, west, east, 14)
    sim.leg(d, t, offset(east, apart), offset(west, apart), 14)
    truth.decoy("fast_crossing", c.mmsi, t, t + 3.2 * H, (ENCOUNTER,), d.mmsi)
    return [c, d]


def _trawlers(sim: Simulator, coverage: Coverage, truth: Truth) -> list[Vessel]:
    e, f = sim.vessel(30), sim.vessel(30)
    trawl = open_sea_spot(sim, coverage, sim.region.sea)
    t = float(sim.rng.uniform(0, sim.days * 24 - 10)) * H
    knots, apart = float(sim.rng.uniform(2.5, 4.0)), float(sim.rng.uniform(150, 400))
    sim.leg(e, t, trawl, offset(trawl, 0, 45_000), knots)
    sim.leg(f, t, offset(trawl, apart), offset(trawl, apart, 45_000), knots)
    hours = 45_000 / (knots * 1852)
    truth.decoy("pair_trawlers", e.mmsi, t, t + hours * H, (ENCOUNTER, LOITERING), f.mmsi)
    return [e, f]


def _tug_assist(sim: Simulator, truth: Truth) -> list[Vessel]:
    g, h = sim.vessel(52), sim.vessel(70)
    tug = coastal_spot(sim)
    t = float(sim.rng.uniform(4, sim.days * 24 - 4)) * H
    hours = float(sim.rng.uniform(0.5, 1.2))  # shorter than the 2 h of an encounter (reference.md section 1)
    sim.arrive(g, tug, t, 10)
    sim.arrive(h, offset(tug, 60), t, 10)
    sim.stay(g, t, t + hours * H, tug)
    sim.stay(h, t, t + hours * H, offset(tug, 60))
    truth.decoy("tug_assist", g.mmsi, t, t + hours * H, (ENCOUNTER,), h.mmsi)
    return [g, h]


def _dropout(sim: Simulator, truth: Truth) -> None:
    """A natural dropout in coastal waters, far shorter than any gap that matters."""
    drop = sim.vessel(70)
    sim.sail(drop, 0, sim.end, coastal_spot(sim), 12, COASTAL)
    t = float(sim.rng.uniform(6, sim.days * 24 - 6)) * H
    seconds = sim.details.dropout_minutes.draw(sim.rng) * 60
    drop.off.append((t, t + seconds))
    truth.decoy("short_dropout", drop.mmsi, t, t + seconds, (AIS_GAP,))


def _typo_draught(sim: Simulator, truth: Truth) -> None:
    """11.2 m and 8.6 m alternate every few minutes (as MMSI 367102000 did), then settle."""
    typo = sim.vessel(80)
    sim.sail(typo, 0, sim.end, coastal_spot(sim), 11, COASTAL)
    t = float(sim.rng.uniform(6, sim.days * 24 - 8)) * H
    flips = np.arange(t, t + float(sim.rng.uniform(1, 3)) * H, 180.0)
    typo.draught = 11.2
    typo.draughts = [(0.0, 11.2)] + [(float(s), 8.6 if i % 2 == 0 else 11.2) for i, s in enumerate(flips)]
    typo.draughts.append((float(flips[-1]) + 180.0, 11.2))
    truth.decoy("typo_draught", typo.mmsi, t, float(flips[-1]) + 180.0, (DRAUGHT_CHANGE,))
