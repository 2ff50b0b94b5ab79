"""Planted cases: what the detectors must find, each placed and timed by the seed.

The demo's chain stays where shore stations hear it (a listed DPRK tanker, CHON MA SAN, receives from
tanker A, which loaded from feeder C; then it calls at Nampo). The other transfers and loitering are
played in open sea where only satellites hear the ships, so each reports every 30-180 min.
"""

from __future__ import annotations

import math

import numpy as np

from shadowfleet.core.geo import NM_M
from shadowfleet.simulate.places import (
    clear_of_ports,
    clear_spot,
    coastal_spot,
    dprk_chord,
    dprk_spot,
    offshore_nm,
    open_sea_spot,
)
from shadowfleet.simulate.reception import Coverage, in_hole
from shadowfleet.simulate.traffic import COASTAL, Simulator, Vessel, Waters, offset
from shadowfleet.simulate.truth import (
    AIS_GAP,
    DRAUGHT_CHANGE,
    ENCOUNTER,
    IDENTITY_CLASH,
    INVALID_IDENTITY,
    LOITERING,
    POSITION_JUMP,
    ZONE_VISIT,
    Truth,
)
from shadowfleet.simulate.world import PortCall

H = 3600.0
# A DPRK tanker on the OFAC SDN list (DPRK4, IMO 8660313), DPRK-flagged (MID 445): the receiving ship.
LISTED_TANKER = ("CHON MA SAN", 8660313, 445_286_000)


def plant_all(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    listed_chain(sim, truth)
    sparse_transfers(sim, coverage, truth)
    hotspot_meeting(sim, coverage, truth)
    loitering(sim, coverage, truth)
    dark_periods(sim, coverage, truth)
    excursions(sim, truth)
    clones(sim, truth)
    non_ship_identities(sim, truth)
    zone_visits(sim, truth)


def _port_call(sim: Simulator) -> PortCall:
    calls = sim.region.coast.calls
    return calls[int(sim.rng.integers(0, len(calls)))] if len(calls) > 1 else calls[0]


def _meet_point(sim: Simulator, call: PortCall) -> tuple[float, float]:
    """Where the listed tanker meets A: heard by shore stations, with a clear run towards its DPRK port."""
    for _ in range(200):
        spot = coastal_spot(sim, sim.region.meeting)
        if sim.world.clear(spot, call.route[0], keep_out_of_dprk=False):
            return spot
    raise ValueError("no meeting point with a clear run towards the DPRK port")


def listed_chain(sim: Simulator, truth: Truth) -> None:
    """C feeds A at sea; A transfers to the listed tanker B across midnight (B's draught rises 2 m);
    B sails to a DPRK port (Nampo; Rajin or Chongjin from the Sea of Japan) and stays. C is two
    encounters from a listed ship."""
    a, c = sim.vessel(80), sim.vessel(80)
    b = sim.vessel(80, mmsi=LISTED_TANKER[2], imo=LISTED_TANKER[1])
    b.name = LISTED_TANKER[0]
    call = _port_call(sim)
    meet = _meet_point(sim, call)
    feed = coastal_spot(sim, (meet[0] - 0.6, meet[0] + 0.6, meet[1] - 0.6, meet[1] + 0.6))
    t_feed = float(sim.rng.uniform(6, 9)) * H
    t0, t1 = float(sim.rng.uniform(21, 23)) * H, float(sim.rng.uniform(26, 28)) * H
    sim.arrive(a, feed, t_feed, 11)
    sim.arrive(c, offset(feed, 150), t_feed, 11)
    sim.stay(a, t_feed, t_feed + 5 * H, feed)
    sim.stay(c, t_feed, t_feed + 5 * H, offset(feed, 150))
    truth.case(ENCOUNTER, c.mmsi, t_feed, t_feed + 5 * H, a.mmsi, detail="feeder", at=feed)
    sim.carry_on(c, t_feed + 5 * H)
    sim.leg(a, t_feed + 5 * H + 60, feed, meet, 11)
    a_there = a.last()[0]
    if a_there < t0:
        sim.stay(a, a_there + 60, t0, offset(meet, -2000), drift_m=200, sog=1.0)  # waits nearby
    sim.arrive(b, offset(meet, 120), t0, 11)
    sim.stay(a, t0, t1, meet)
    sim.stay(b, t0, t1, offset(meet, 120))
    b.draught = 5.0
    b.draughts = [(0.0, 5.0), (t1 - 1800, 7.0)]
    truth.case(ENCOUNTER, a.mmsi, t0, t1, b.mmsi, detail="listed", at=meet)
    truth.case(DRAUGHT_CHANGE, b.mmsi, t0, t1, detail="after_sts")
    arrive = sim.through(b, t1 + 60, [offset(meet, 120), *call.route], 11)
    stay_end = min(arrive + 12 * H, sim.end)
    sim.stay(b, arrive, stay_end, call.berth)
    truth.case(ZONE_VISIT, b.mmsi, _entered_dprk(sim, b), stay_end, detail="port_call", at=call.berth)
    sim.carry_on(a, t1)


def _entered_dprk(sim: Simulator, v: Vessel) -> float:
    rows = v.fixes()
    inside = sim.world.in_dprk(rows[:, 1], rows[:, 2])
    return float(rows[inside, 0].min())


def _sts_pair(
    sim: Simulator, truth: Truth, spot: tuple[float, float], t0: float, t1: float, apart_m: float
) -> tuple[Vessel, Vessel]:
    a, b = sim.vessel(80), sim.vessel(80)
    bearing = float(sim.rng.uniform(0, 2 * math.pi))
    there = offset(spot, apart_m * math.cos(bearing), apart_m * math.sin(bearing))
    for v, at in ((a, spot), (b, there)):
        sim.arrive(v, at, t0, float(sim.rng.uniform(9, 13)))
        sim.stay(v, t0, t1, at, drift_m=float(sim.rng.uniform(10, 40)), sog=float(sim.rng.uniform(0.1, 0.8)))
    truth.case(ENCOUNTER, a.mmsi, t0, t1, b.mmsi, detail="sparse", at=spot)
    return a, b


def _night_start(sim: Simulator, longest_h: float) -> float:
    """A start time for a transfer: three in four in the evening or at night (UTC+8/+9 local time
    is 18:00-02:00 at 10:00-18:00 UTC), the others any time; the whole transfer fits in the scenario."""
    latest = sim.days * 24 - longest_h - 3
    if sim.rng.random() < 0.75:
        days = [day for day in range(int(sim.days)) if day * 24 + 10 <= latest]
        if days:
            day = int(sim.rng.choice(days))
            return (day * 24 + float(sim.rng.uniform(10, min(18, latest - day * 24)))) * H
    return float(sim.rng.uniform(8, latest)) * H


def sparse_transfers(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    """Two to four STS transfers of several hours in open sea, most of them at night (reference.md
    section 2); half change a draught after. Durations and separations are the scenario's."""
    d = sim.details
    for _ in range(d.sts_transfers):
        spot = open_sea_spot(sim, coverage, sim.region.hotspot)
        t0 = _night_start(sim, d.sts_hours.hi)
        t1 = t0 + d.sts_hours.draw(sim.rng) * H
        a, b = _sts_pair(sim, truth, spot, t0, t1, d.sts_apart_m.draw(sim.rng))
        if sim.rng.random() < 0.5:
            rise = float(sim.rng.uniform(1.2, 2.5))
            b.draughts = [(0.0, b.draught), (t1 + float(sim.rng.uniform(0.2, 2)) * H, b.draught + rise)]
            truth.case(DRAUGHT_CHANGE, b.mmsi, t0, t1 + 3 * H, detail="after_sts")
        for v in (a, b):
            sim.carry_on(v, t1, float(sim.rng.uniform(9, 13)))


def hotspot_meeting(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    """Three tankers meet in a patch of open sea for several hours: every pair is an encounter (and the
    patch, busy with tankers for hours, is not an anchorage)."""
    d = sim.details
    spot = open_sea_spot(sim, coverage, sim.region.hotspot)
    t0 = _night_start(sim, d.sts_hours.hi)
    t1 = t0 + max(d.sts_hours.draw(sim.rng), 4.0) * H
    tankers = [sim.vessel(80) for _ in range(3)]
    side = min(d.sts_apart_m.draw(sim.rng), 250.0)  # every pair within 500 m
    spots = [spot, offset(spot, side), offset(spot, side / 2, side * 0.87)]
    for v, at in zip(tankers, spots, strict=True):
        sim.arrive(v, at, t0, float(sim.rng.uniform(9, 12)))
        sim.stay(v, t0, t1, at, drift_m=20)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        truth.case(ENCOUNTER, tankers[i].mmsi, t0, t1, tankers[j].mmsi, detail="hotspot_meeting", at=spot)
    for v in tankers:
        sim.carry_on(v, t1)


def loitering(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    """Two to four lone ships loiter for hours in open sea (waiting for a dark partner?)."""
    d = sim.details
    for _ in range(d.loiterers):
        spot = open_sea_spot(sim, coverage, sim.region.sea)
        t0 = float(sim.rng.uniform(6, sim.days * 24 - 16)) * H
        t1 = t0 + d.loiter_hours.draw(sim.rng) * H
        v = sim.vessel(int(sim.rng.choice([80, 70, 30])))
        sim.arrive(v, spot, t0, 11)
        sim.stay(v, t0, t1, spot, drift_m=float(sim.rng.uniform(200, 800)), sog=float(sim.rng.uniform(0.3, 1.5)))
        truth.case(LOITERING, v.mmsi, t0, t1, at=spot)
        sim.carry_on(v, t1)


def dark_periods(sim: Simulator, coverage: Coverage, truth: Truth) -> None:
    """AIS switched off for 12 h or more (the scenario's span) where the ship would have been heard: one
    in open sea (satellites hear it before and after, and others there all along), one in coastal waters."""
    for where in ("offshore", "coastal"):
        for _ in range(50):
            v = sim.vessel(80)
            start = open_sea_spot(sim, coverage, sim.region.sea) if where == "offshore" else coastal_spot(sim)
            limits = Waters(min_shore_nm=offshore_nm(coverage)) if where == "offshore" else COASTAL
            sim.sail(v, 0, sim.end, start, float(sim.rng.uniform(8, 12)), limits)
            off0 = float(sim.rng.uniform(14, sim.days * 24 - 24)) * H
            off1 = off0 + sim.details.dark_hours.draw(sim.rng) * H
            rows = np.concatenate(v.chunks)
            near = (rows[:, 0] > off0 - 12 * H) & (rows[:, 0] < off1 + 2 * H)
            ends = [v.position(off0), v.position(off1)]  # where it fell silent and came back: not at anchor
            if not in_hole(coverage, rows[near, 0], rows[near, 1], rows[near, 2]).any() and all(
                clear_spot(sim, *end) for end in ends
            ):
                v.off.append((off0, off1))
                truth.case(AIS_GAP, v.mmsi, off0, off1, detail=where)
                break
            sim.vessels.remove(v)


def excursions(sim: Simulator, truth: Truth) -> None:
    """One to three coastal ships whose positions run 150-300 km away for 0.5-2 h, then come back
    (spoofed GNSS or a manipulated feed): a position_jump, not two ships at once."""
    for _ in range(sim.details.excursions):
        v = sim.vessel(70)
        home = coastal_spot(sim)
        along = Waters((home[0] - 0.5, home[0] + 0.5, home[1] - 0.5, home[1] + 0.5), 4.0, 12.0)
        sim.sail(v, 0, sim.end, home, float(sim.rng.uniform(9, 13)), along)  # a coaster, up and down one coast
        km = float(sim.rng.uniform(150, 300))
        t0, t1 = _in_coastal_waters(sim, v, float(sim.rng.uniform(0.5, 2.0)) * H)
        lat, lon = v.position(t0)
        for _ in range(100):
            bearing = float(sim.rng.uniform(0, 2 * math.pi))
            there = offset((lat, lon), km * 1000 * math.cos(bearing), km * 1000 * math.sin(bearing))
            if not sim.world.on_land(*there):
                break
        v.shifts.append((t0, t1, there[0] - lat, there[1] - lon))
        truth.case(POSITION_JUMP, v.mmsi, t0, t1, detail="excursion")


def _in_coastal_waters(sim: Simulator, v: Vessel, seconds: float) -> tuple[float, float]:
    """A time window in which the ship sails within every shore station's range (so the run of
    spoofed fixes is heard whatever the reception model)."""
    rows = np.concatenate(v.chunks)
    shore = sim.world.shore_distance_m(rows[:, 1], rows[:, 2])
    for _ in range(500):
        t0 = float(sim.rng.uniform(10 * H, sim.end - 10 * H))
        near = (rows[:, 0] >= t0 - 0.5 * H) & (rows[:, 0] <= t0 + seconds + 0.5 * H)
        if near.any() and shore[near].max() <= 13 * NM_M:  # the shortest shore range, less its edge
            return float(round(t0)), float(round(t0 + seconds))  # whole seconds, as the CSV states times
    raise ValueError("the coastal route never stays near the coast long enough")


def clones(sim: Simulator, truth: Truth) -> None:
    """One MMSI, two transmitters: a second ship sails under the first's identity for 12-40 h, far
    away; the two tracks interleave in time."""
    honest = sim.vessel(70)
    sim.sail(honest, 0, sim.end, sim.sea_point(), float(sim.rng.uniform(10, 13)))
    t0 = float(sim.rng.uniform(4, sim.days * 24 - 44)) * H
    t1 = t0 + float(sim.rng.uniform(12, 40)) * H
    for _ in range(200):
        start = sim.sea_point()
        here = honest.position(t0)
        if abs(start[0] - here[0]) + abs(start[1] - here[1]) > 2.0:
            break
    twin = Vessel(honest.mmsi, honest.name, honest.imo, honest.ship_type, honest.length, honest.beam, honest.draught)
    twin.cls = str(sim.rng.choice(["A", "B"]))
    if sim.rng.random() < 0.5:
        twin.name = f"SIM {int(sim.rng.integers(0, 99999)):05d}"
    sim.vessels.append(twin)
    sim.sail(twin, t0, t1, start, float(sim.rng.uniform(8, 12)))
    truth.case(IDENTITY_CLASH, honest.mmsi, t0, t1, detail="cloned_mmsi")


MIDS = (412, 413, 440, 441, 477, 351, 352, 667, 511, 445)


def _non_ship(sim: Simulator, kind: str) -> int:
    """An MMSI of an ITU-R M.585 format that is not a ship station (reference.md section 7)."""
    mid, x = int(sim.rng.choice(MIDS)), int(sim.rng.integers(0, 10_000))
    numbers = {
        "group": mid * 100_000 + x,  # 0MIDxxxxx: the leading zero is lost in an integer
        "coast_station": mid * 10_000 + x % 10_000,  # 00MIDxxxx
        "sar_aircraft": 111_000_000 + mid * 1000 + x % 1000,  # 111MIDxxx
        "handheld": 800_000_000 + mid * 100_000 + x,  # 8MIDxxxxx
        "parent_craft": 980_000_000 + mid * 10_000 + x,  # 98MIDxxxx
        "aid_to_navigation": 990_000_000 + mid * 10_000 + x,  # 99MIDxxxx
        "sart": 970_000_000 + x,  # 970xxyyyy
        "man_overboard": 972_000_000 + x,  # 972xxyyyy
        "epirb": 974_000_000 + x,  # 974xxyyyy
    }
    return numbers[kind]


NON_SHIP_FORMATS = (
    "group",
    "coast_station",
    "sar_aircraft",
    "handheld",
    "parent_craft",
    "aid_to_navigation",
    "sart",
    "man_overboard",
    "epirb",
)


def non_ship_identities(sim: Simulator, truth: Truth) -> None:
    """Ships broadcasting non-ship MMSIs (every ITU format), an unallocated MID, and a bad IMO check digit."""
    for kind in NON_SHIP_FORMATS:
        v = sim.vessel(
            int(sim.rng.choice([30, 70, 80])), cls=str(sim.rng.choice(["A", "B"])), mmsi=_non_ship(sim, kind)
        )
        _sail_all_along(sim, v)
        truth.case(INVALID_IDENTITY, v.mmsi, 0, sim.end, detail=kind)
    unallocated = sim.vessel(80, mmsi=79_900_000 + int(sim.rng.integers(0, 99_999)))  # 0799xxxxx: no MID 799
    _sail_all_along(sim, unallocated)
    truth.case(INVALID_IDENTITY, unallocated.mmsi, 0, sim.end, detail="unallocated_mid")
    bad_imo = sim.vessel(80, imo=9074728)  # fails the IMO check digit
    _sail_all_along(sim, bad_imo)
    truth.case(INVALID_IDENTITY, bad_imo.mmsi, 0, sim.end, detail="imo_check_digit")


def _sail_all_along(sim: Simulator, v: Vessel) -> None:
    coastal = sim.rng.random() < 0.5  # shore stations hear half of them, satellites the others
    start = coastal_spot(sim) if coastal else sim.sea_point()
    sim.sail(v, 0, sim.end, start, float(sim.rng.uniform(8, 12)), COASTAL if coastal else None)


def zone_visits(sim: Simulator, truth: Truth) -> None:
    """A ship that crosses DPRK waters without slowing (a transit) and one that stops in them for
    3-8 h away from any port (a stop); both are zone visits, told apart in their details."""
    a, b = dprk_chord(sim)
    transit = sim.vessel(70)
    when = float(sim.rng.uniform(0.5, 0.8)) * sim.end
    sim.arrive(transit, a, when, 11, origin_box=sim.region.coast.approach)
    sim.leg(transit, when, a, b, 11)
    _zone_case(sim, truth, transit, "transit")
    sim.carry_on(transit, sim.end)
    spot = dprk_spot(sim)
    stop = sim.vessel(80)
    t0 = float(sim.rng.uniform(0.3, 0.6)) * sim.end
    t1 = t0 + float(sim.rng.uniform(3, 8)) * H
    sim.arrive(stop, spot, t0, 10, into_dprk=True, origin_box=sim.region.coast.approach)
    sim.stay(stop, t0, t1, spot, drift_m=100, sog=0.4)
    for _ in range(200):
        exit_to = sim.sea_point(sim.region.coast.exits)
        if sim.world.clear(spot, exit_to, keep_out_of_dprk=False) and clear_of_ports(*exit_to):
            break
    sim.leg(stop, t1 + 60, spot, exit_to, 10)
    _zone_case(sim, truth, stop, "stop")
    sim.carry_on(stop, t1)


def _zone_case(sim: Simulator, truth: Truth, v: Vessel, detail: str) -> None:
    rows = v.fixes()
    inside = rows[sim.world.in_dprk(rows[:, 1], rows[:, 2]), 0]
    truth.case(ZONE_VISIT, v.mmsi, float(inside.min()), float(inside.max()), detail=detail)
