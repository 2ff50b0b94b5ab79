"""Properties of the simulator itself: what its receivers hear, where its scenes are, what it plants.

Each property is checked on the CSV the scenario wrote (what a user would ingest) against its truth,
on both regions and several seeds; a generator that cheated (heard ships in a coverage hole, let
background traffic into DPRK waters, reported offshore tracks densely) fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow.csv as pa_csv
import pytest
import shapely

from shadowfleet.core.geo import NM_M, haversine_m, ports
from shadowfleet.detect.zones import dprk_waters
from shadowfleet.simulate import simulate
from shadowfleet.simulate.details import draw_details
from shadowfleet.simulate.world import world

H = 3600.0


@dataclass
class Scenario:
    truth: dict[str, Any]
    mmsi: np.ndarray
    t: np.ndarray  # seconds from the scenario's start
    lat: np.ndarray
    lon: np.ndarray
    sog: np.ndarray
    draught: np.ndarray

    def of(self, mmsi: int) -> np.ndarray:
        return np.flatnonzero(self.mmsi == mmsi)

    def seconds(self, iso: str) -> float:
        return (datetime.fromisoformat(iso) - datetime.fromisoformat(self.truth["start"])).total_seconds()

    def cases(self, kind: str, detail: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.truth["cases"] if c["kind"] == kind and (detail is None or c["detail"] == detail)]

    def spoofed(self) -> np.ndarray:
        """Rows whose position is a planted excursion's claim, not where the ship was."""
        out = np.zeros(len(self.t), bool)
        for c in self.cases("position_jump"):
            out |= (self.mmsi == c["mmsi"]) & (self.t >= self.seconds(c["start"])) & (self.t <= self.seconds(c["end"]))
        return out


_CACHE: dict[tuple[int, str, str], Scenario] = {}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, str, str], Scenario]:
    def make(seed: int, region: str, reception: str) -> Scenario:
        key = (seed, region, reception)
        if key not in _CACHE:
            out = tmp_path_factory.mktemp(f"sim{seed}{region}{reception}")
            csv_path, truth_path, _ = simulate(out, 20, 3, seed, region, reception)
            table = pa_csv.read_csv(csv_path)
            start = np.datetime64(json.loads(truth_path.read_text())["start"][:19], "s")
            times = table["BaseDateTime"].to_numpy().astype("datetime64[s]")
            _CACHE[key] = Scenario(
                json.loads(truth_path.read_text()),
                table["MMSI"].to_numpy(),
                (times - start).astype(np.float64),
                table["LAT"].to_numpy(),
                table["LON"].to_numpy(),
                table["SOG"].to_numpy(),
                table["Draft"].to_numpy(),
            )
        return _CACHE[key]

    return make


MIXED = [(3, "yellow_sea"), (4, "east_china_sea"), (5, "sea_of_japan")]


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_offshore_reports_are_sparse_under_mixed_reception_and_dense_under_terrestrial(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    for reception in ("mixed", "terrestrial"):
        s = scenario(seed, region, reception)
        shore = world().shore_distance_m(s.lat, s.lon) / NM_M
        offshore = shore > 50  # beyond the longest shore range (40 nm) and its fading edge
        per_hour: list[float] = []
        steps: list[float] = []
        for m in np.unique(s.mmsi[offshore]):
            rows = s.of(m)
            rows = rows[offshore[rows]]
            t = np.sort(s.t[rows])
            if len(t) > 1:
                per_hour.append(len(t) / max((t[-1] - t[0]) / H, 1.0))
                steps.extend(np.diff(t))
        rate = float(np.median(per_hour))
        if reception == "mixed":
            # satellite passes every 1-2 h, a few messages each: a few fixes an hour at most,
            # and many silences of half an hour or more between passes
            assert rate < 4.0, rate
            assert np.mean(np.array(steps) >= 1800) > 0.2
        else:
            assert rate > 15.0, rate  # shore stations everywhere: a fix every few minutes
            assert np.mean(np.array(steps) >= 1800) < 0.01


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_sparse_transfers_report_every_30_to_180_minutes(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    sparse = s.cases("encounter", "sparse") + s.cases("encounter", "hotspot_meeting")
    assert len(sparse) >= 3  # transfers and a meeting of three tankers, less those too thinly heard
    silences: list[float] = []
    for case in sparse:
        t0, t1 = s.seconds(case["start"]), s.seconds(case["end"])
        for m in (case["mmsi"], case["other_mmsi"]):
            t = np.sort(s.t[s.of(m)])
            t = t[(t >= t0) & (t <= t1)]
            assert 3 <= len(t) <= (t1 - t0) / H * 10, (case, m, len(t))  # a few per pass, not one a minute
            assert case["fixes_heard"][str(m)] == len(t)  # the truth says what was heard
            silences.extend(d for d in np.diff(t) if d > 20 * 60)
    passes = s.truth["details"]["pass_interval_h"]
    assert 30 * 60 <= np.median(silences) <= (passes["hi"] + 1) * H  # from one satellite pass to a later one


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_nobody_is_heard_inside_a_coverage_hole(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    holes = s.truth["coverage_holes"]
    assert holes
    real = ~s.spoofed()
    for h in holes:
        inside = (
            real
            & (s.t >= s.seconds(h["start"]))
            & (s.t <= s.seconds(h["end"]))
            & (s.lat >= h["lat_min"])
            & (s.lat <= h["lat_max"])
            & (s.lon >= h["lon_min"])
            & (s.lon <= h["lon_max"])
        )
        assert not inside.any(), h
        # and ships were there: the fishing vessels working in the hole are heard before and after it
    silenced = [d for d in s.truth["decoys"] if d["kind"] == "silenced_by_coverage_hole"]
    assert silenced
    for decoy in silenced:
        assert decoy["fixes_heard"] == {str(decoy["mmsi"]): 0}
        t = s.t[s.of(decoy["mmsi"])]
        assert (t < s.seconds(decoy["start"])).any() and (t > s.seconds(decoy["end"])).any()


def test_terrestrial_reception_has_no_holes_and_no_silenced_decoys(
    scenario: Callable[[int, str, str], Scenario],
) -> None:
    s = scenario(3, "yellow_sea", "terrestrial")
    assert s.truth["coverage_holes"] == [] and s.truth["reception"] == "terrestrial"
    assert not [d for d in s.truth["decoys"] if d["kind"] == "silenced_by_coverage_hole"]


@pytest.mark.parametrize(("seed", "region"), [(3, "yellow_sea"), (4, "east_china_sea"), (5, "sea_of_japan")])
def test_only_planted_zone_visitors_enter_dprk_waters(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "terrestrial")
    inside = shapely.contains_xy(dprk_waters(), s.lon, s.lat) & ~s.spoofed()
    visitors = {c["mmsi"] for c in s.cases("zone_visit")}
    assert set(np.unique(s.mmsi[inside]).tolist()) == visitors
    assert {c["detail"] for c in s.cases("zone_visit")} == {"port_call", "transit", "stop"}


@pytest.mark.parametrize(("seed", "region"), [(3, "yellow_sea"), (4, "east_china_sea")])
def test_zone_transit_keeps_its_speed_and_the_stop_slows_below_1_kn(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "terrestrial")
    inside = shapely.contains_xy(dprk_waters(), s.lon, s.lat)
    (transit,), (stop,) = s.cases("zone_visit", "transit"), s.cases("zone_visit", "stop")
    transit_rows = s.of(transit["mmsi"])
    assert s.sog[transit_rows[inside[transit_rows]]].min() >= 5
    stop_rows = s.of(stop["mmsi"])
    slow = s.t[stop_rows[inside[stop_rows] & (s.sog[stop_rows] < 1)]]
    assert slow.max() - slow.min() >= 3 * H


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_outer_anchorages_lie_15_to_60_km_off_their_port_and_are_crowded(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    table = ports()
    assert len(s.truth["anchorages"]) >= 2
    for a in s.truth["anchorages"]:
        at = int(np.flatnonzero(table.names == a["port"])[0])
        km = float(haversine_m(table.lat[at], table.lon[at], a["lat"], a["lon"])) / 1000
        assert 15 <= km <= 60, a
        assert float(ports().nearest(np.array([a["lat"]]), np.array([a["lon"]]))[1][0]) > 10_000  # no WPI point
        waiting = [d for d in s.truth["decoys"] if d["kind"] == "outer_anchorage" and d["lat"] == a["lat"]]
        assert len(waiting) >= s.truth["details"]["anchorage_ships"]["lo"] >= 10
        medians = {}
        for d in waiting:
            rows = s.of(d["mmsi"])
            rows = rows[(s.t[rows] >= s.seconds(d["start"])) & (s.t[rows] <= s.seconds(d["end"]))]
            assert len(rows) > 10  # shore stations hear the anchorage
            medians[d["mmsi"]] = (np.median(s.lat[rows]), np.median(s.lon[rows]), d)
        # vessels lie side by side there (within 500 m, at the same time): the decoy encounters
        side_by_side = sum(
            1
            for i, (la, lo, d) in medians.items()
            for j, (lb, lob, e) in medians.items()
            if i < j and d["start"] < e["end"] and e["start"] < d["end"] and float(haversine_m(la, lo, lb, lob)) < 500
        )
        assert side_by_side >= 1


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_dark_periods_fall_where_the_vessel_would_have_been_heard(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    gaps = s.cases("ais_gap")
    assert {c["detail"] for c in gaps} == {"offshore", "coastal"}
    for case in gaps:
        t0, t1 = s.seconds(case["start"]), s.seconds(case["end"])
        assert t1 - t0 >= 12 * H
        rows = s.of(case["mmsi"])
        t = s.t[rows]
        assert not ((t > t0) & (t < t1)).any()
        assert ((t >= t0 - 12 * H) & (t <= t0)).sum() >= 5  # it was heard before it went dark
        start = rows[np.argmin(np.abs(t - t0))]
        others = (s.mmsi != case["mmsi"]) & (s.t > t0) & (s.t < t1)
        near = haversine_m(s.lat[start], s.lon[start], s.lat[others], s.lon[others]) < 150_000
        assert near.sum() >= 5  # others nearby were heard all along


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_excursions_run_150_to_300_km_away_and_come_back(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    jumps = s.cases("position_jump", "excursion")
    unseen = [c for c in s.truth["unobservable"] if c["kind"] == "position_jump"]
    assert jumps and len(jumps) + len(unseen) == s.truth["details"]["excursions"]
    for case in jumps:
        t0, t1 = s.seconds(case["start"]), s.seconds(case["end"])
        rows = s.of(case["mmsi"])
        rows = rows[np.argsort(s.t[rows])]
        t = s.t[rows]
        away = rows[(t >= t0) & (t <= t1)]
        before, after = rows[t < t0][-1], rows[t > t1][0]
        assert len(away) >= 3  # heard by shore stations: a run of fixes, not one
        far = haversine_m(s.lat[before], s.lon[before], s.lat[away], s.lon[away]) / 1000
        assert (far > 120).all() and (far < 330).all()
        back = float(haversine_m(s.lat[before], s.lon[before], s.lat[after], s.lon[after]))
        assert back < (s.t[after] - s.t[before]) / H * 14 * NM_M  # where it could have sailed meanwhile


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_a_cloned_mmsi_is_two_tracks_interleaving_in_time(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    (case,) = s.cases("identity_clash")
    t0, t1 = s.seconds(case["start"]), s.seconds(case["end"])
    rows = s.of(case["mmsi"])
    rows = rows[(s.t[rows] >= t0) & (s.t[rows] <= t1)]
    rows = rows[np.argsort(s.t[rows])]
    hops = haversine_m(s.lat[rows[:-1]], s.lon[rows[:-1]], s.lat[rows[1:]], s.lon[rows[1:]]) > 100_000
    assert hops.sum() >= 4  # back and forth between two far-apart ships, again and again


FORMATS: dict[str, Callable[[str], bool]] = {
    "group": lambda d: d[0] == "0" and d[1] != "0",
    "coast_station": lambda d: d[:2] == "00",
    "sar_aircraft": lambda d: d[:3] == "111",
    "handheld": lambda d: d[0] == "8",
    "parent_craft": lambda d: d[:2] == "98",
    "aid_to_navigation": lambda d: d[:2] == "99",
    "sart": lambda d: d[:3] == "970",
    "man_overboard": lambda d: d[:3] == "972",
    "epirb": lambda d: d[:3] == "974",
}


def test_non_ship_mmsis_have_their_itu_format_and_ship_like_reports(
    scenario: Callable[[int, str, str], Scenario],
) -> None:
    s = scenario(3, "yellow_sea", "mixed")
    planted = {c["detail"]: c["mmsi"] for c in s.cases("invalid_identity")}
    assert set(FORMATS) <= set(planted)
    for kind, check in FORMATS.items():
        digits = f"{planted[kind]:09d}"
        assert check(digits), (kind, digits)
        sog = s.sog[s.of(planted[kind])]
        assert len(sog) > 10 and 5 < np.median(sog) < 15  # it sails like a ship


def test_typo_draughts_flip_back_and_forth_and_real_ones_change_once(
    scenario: Callable[[int, str, str], Scenario],
) -> None:
    s = scenario(3, "yellow_sea", "terrestrial")

    def changes(mmsi: int) -> int:
        rows = s.of(mmsi)
        values = s.draught[rows[np.argsort(s.t[rows])]]
        return int((np.diff(values) != 0).sum())

    typos = [d for d in s.truth["decoys"] if d["kind"] == "typo_draught"]
    assert len(typos) == s.truth["details"]["typo_draughts"]
    assert all(changes(typo["mmsi"]) >= 6 for typo in typos)
    real = s.cases("draught_change")
    assert real and all(changes(c["mmsi"]) == 1 for c in real)


def test_seeds_move_the_scenes_and_reception_does_not(scenario: Callable[[int, str, str], Scenario]) -> None:
    def scenes(s: Scenario) -> set[tuple[float, float, str]]:
        return {(c["lat"], c["lon"], c["start"]) for c in s.cases("encounter")}

    a, b = scenario(3, "yellow_sea", "mixed"), scenario(5, "yellow_sea", "mixed")
    assert not scenes(a) & scenes(b)
    assert scenes(a) == scenes(scenario(3, "yellow_sea", "terrestrial"))


ANCHORAGE_MARGIN_M = 10_000  # GFW drops encounters < 10 km from an anchorage (reference.md section 7)


@pytest.mark.parametrize(("seed", "region"), [*MIXED, (6, "east_china_sea"), (8, "east_china_sea")])
def test_planted_scenes_keep_clear_of_every_anchorage_and_port(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    stations = [(a["lat"], a["lon"], a["radius_m"]) for a in s.truth["anchorages"]]
    stations += [(d["lat"], d["lon"], 2000.0) for d in s.truth["decoys"] if d["kind"] == "anchorage_pair"]
    assert len(stations) >= 3
    table = ports()
    for case in s.cases("encounter") + s.cases("loitering") + s.cases("ais_gap"):
        t0, t1 = s.seconds(case["start"]), s.seconds(case["end"])
        for m in {case["mmsi"], case["other_mmsi"]} - {None}:
            rows = s.of(m)
            if case["kind"] == "ais_gap":  # where it fell silent and where it came back
                rows = rows[np.isin(s.t[rows], [t0, t1])]
            else:
                rows = rows[(s.t[rows] >= t0) & (s.t[rows] <= t1)]
            assert len(rows), case
            for lat, lon, radius in stations:
                near = haversine_m(lat, lon, s.lat[rows], s.lon[rows]).min()
                assert near > radius + ANCHORAGE_MARGIN_M, (case, m, lat, lon, near)
            _, to_port = table.nearest(s.lat[rows], s.lon[rows])
            assert to_port.min() > 19_000, (case, m, to_port.min())


def test_the_sea_of_japan_plays_off_the_dprk_east_coast_and_the_russian_far_east(
    scenario: Callable[[int, str, str], Scenario],
) -> None:
    s = scenario(5, "sea_of_japan", "mixed")
    table = ports()
    (call,) = s.cases("zone_visit", "port_call")
    _, to_port = table.nearest(np.array([call["lat"]]), np.array([call["lon"]]))
    name = str(table.names[int(table.nearest(np.array([call["lat"]]), np.array([call["lon"]]))[0][0])])
    assert name in ("Najin", "Ch'ongjin") and to_port[0] < 5_000  # an east-coast port of the coal trade
    (listed,) = s.cases("encounter", "listed")
    assert 42.5 <= listed["lat"] <= 43.3 and 131.3 <= listed["lon"] <= 133.2  # off Vladivostok / Nakhodka
    for case in s.cases("encounter", "sparse") + s.cases("encounter", "hotspot_meeting"):
        assert 39.5 <= case["lat"] <= 42.4 and 130.8 <= case["lon"] <= 135.5  # the open Sea of Japan
        shore = world().shore_distance_m(np.array([case["lat"]]), np.array([case["lon"]]))[0]
        assert shore > (s.truth["shore_range_nm"] + 5) * NM_M  # heard only by satellites
    assert {a["port"] for a in s.truth["anchorages"]} <= {"Vladivostok", "Nakhodka", "Vostochnyy", "Busan", "Ulsan"}
    for kind in ("stop", "transit"):
        (visit,) = s.cases("zone_visit", kind)
        rows = s.of(visit["mmsi"])
        inside = shapely.contains_xy(dprk_waters(), s.lon[rows], s.lat[rows])
        assert (s.lon[rows[inside]] > 127.0).all()  # in DPRK waters off the east coast
    flags = {m // 1_000_000 for m in np.unique(s.mmsi).tolist() if 200_000_000 <= m < 800_000_000}
    assert {273, 440, 431} <= flags  # Russian, Korean and Japanese traffic, not only Chinese


def test_details_vary_per_seed_within_the_published_ranges() -> None:
    drawn = [draw_details(seed) for seed in range(1, 13)]
    for d in drawn:
        assert 20 <= d.shore_range_nm.lo <= d.shore_range_nm.hi <= 40  # reference.md 7: 20-40 nm
        assert 0.5 <= d.pass_interval_h.lo <= d.pass_interval_h.hi <= 3.0  # tens of minutes to hours
        assert 5 <= d.pass_minutes.lo <= d.pass_minutes.hi <= 16
        assert 1 <= d.holes <= 4 and 5 <= d.hole_hours.lo <= d.hole_hours.hi <= 17
        assert d.sts_hours.lo >= 2.5 and d.sts_apart_m.hi < 500  # GFW >= 2 h; Ballinger < 500 m
        assert d.dark_hours.lo >= 12  # GFW: intentional disabling >= 12 h
        assert d.loiter_hours.lo >= 4  # GFW loitering reports use >= 4 h
        assert 1000 <= d.anchorage_radius_m.lo <= d.anchorage_radius_m.hi <= 4500
    for name in ("shore_range_nm", "pass_interval_h", "cell_capacity", "sts_hours", "sts_apart_m", "dark_hours"):
        assert len({getattr(d, name) for d in drawn}) == len(drawn), name  # no two seeds alike
    for name in ("holes", "sts_transfers", "loiterers", "excursions", "dropouts", "anchorages"):
        assert len({getattr(d, name) for d in drawn}) >= 2, name


@pytest.mark.parametrize(("seed", "region"), MIXED)
def test_every_listed_case_can_be_seen_in_what_was_heard(
    scenario: Callable[[int, str, str], Scenario], seed: int, region: str
) -> None:
    s = scenario(seed, region, "mixed")
    assert s.truth["details"] == draw_details(seed).to_json()
    for case in s.truth["cases"] + s.truth["unobservable"]:
        t0, t1 = s.seconds(case["start"]), s.seconds(case["end"])
        for m in {case["mmsi"], case["other_mmsi"]} - {None}:
            rows = s.of(m)
            assert case["fixes_heard"][str(m)] == int(((s.t[rows] >= t0) & (s.t[rows] <= t1)).sum())
        if case["kind"] in ("encounter", "loitering"):
            seen = min(case["fixes_heard"].values()) >= 3  # each vessel at least three times in the window
        elif case["kind"] == "zone_visit":
            rows = s.of(case["mmsi"])
            rows = rows[(s.t[rows] >= t0) & (s.t[rows] <= t1)]
            seen = int(shapely.contains_xy(dprk_waters(), s.lon[rows], s.lat[rows]).sum()) >= 2
        else:
            continue
        assert seen == (case in s.truth["cases"]), case
    for case in s.truth["unobservable"]:
        assert case["why"]
