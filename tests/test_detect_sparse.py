"""Encounters and loitering on sparse satellite fixes, anchorages from the data (and the STS-spot guard),
a user's anchorage file, and the STS evidence in the encounter score."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from cli import ingest_json, run
from shadowfleet.core.events import EncounterDetails, EventType, details_of
from shadowfleet.core.geo import ports
from shadowfleet.detect.anchorages import SECTION, AnchorageParams, Nearby, infer, read_user_anchorages
from shadowfleet.detect.anchorages import stationary_periods as stays
from shadowfleet.detect.events import Config
from shadowfleet.detect.loitering import at_anchorages
from shadowfleet.detect.write import read_events
from shadowfleet.store import layout
from test_detect import positions_table
from tracks import Tracks, Vessel, find_encounters, run_detector

T0 = datetime(2024, 3, 1, 20, tzinfo=UTC)
SEA = (35.0, 124.0)  # Yellow Sea, ~100 nm from any shore, in the korea_bay_yellow_sea hot spot
OPEN = (33.0, 127.5)  # south of Jeju: open sea, no hot spot
PASSES_MIN = [0, 70, 150, 290, 370, 480]  # satellite passes: 70 to 140 min apart


def metres_north(at: tuple[float, float], metres: float) -> tuple[float, float]:
    return at[0] + metres / 111_195, at[1]


def sparse(fleet: Tracks, mmsi: int, at: tuple[float, float], offset_min: float = 0.0) -> None:
    """A vessel lying still, heard only at the satellite passes (shifted by `offset_min`)."""
    v = fleet.vessel(mmsi, at, T0 + timedelta(minutes=offset_min))
    previous = 0.0
    for minute in PASSES_MIN:
        v.silent(hours=(minute - previous) / 60).fix()
        previous = minute


def test_encounter_on_sparse_fixes_is_bridged_and_says_so(tmp_path: Path) -> None:
    fleet = Tracks(T0)
    sparse(fleet, 412000001, OPEN)
    sparse(fleet, 413000002, metres_north(OPEN, 250), offset_min=20)
    (event,) = find_encounters(fleet)
    details = details_of(EventType.ENCOUNTER, event["details"])
    assert details.fixes == (5, 5)  # each vessel's fixes while both were heard: 20 min to 8 h
    assert details.longest_bridged_gap_h == pytest.approx(140 / 60, abs=0.01)
    assert not details.in_port and event["score"] >= 0.5
    assert "bridged" in event["reason"]
    (tmp_path / "gfw.toml").write_text("[encounter]\nmax_bridge_h = 0.0\n")
    assert find_encounters(fleet, Config.load(tmp_path / "gfw.toml")) == []  # GFW's 1 h rule loses it


def test_a_ship_that_sails_in_between_two_passes_and_waits_is_bridged() -> None:
    """Heard sailing in at 10 kn 15 km off, then lying beside its partner three hours later, then gone:
    it sailed there in 50 minutes and waited (its reported speeds say so), it did not crawl for 3 h."""
    fleet = Tracks(T0)
    partner = fleet.vessel(413000002, OPEN)
    for _ in range(4):
        partner.stay(hours=0, every_min=10).silent(hours=2)
    partner.fix()
    visitor = fleet.vessel(412000001, metres_north(OPEN, -15_000), T0 - timedelta(minutes=10))
    visitor.move(hours=10 / 60, every_min=5, knots=10, course_deg=0)  # heard at the pass before
    visitor.silent(hours=3, knots=0).sends()  # next pass: lying beside the partner
    visitor.lat, visitor.lon = metres_north(OPEN, 120)
    visitor.sog_kn = 0.2
    visitor.stay(hours=1.5, every_min=45).silent(hours=2.5).move(hours=10 / 60, every_min=5, knots=10, course_deg=0)
    (event,) = find_encounters(fleet)
    assert event["duration_h"] >= 4.5  # from its arrival (~0:50) to its departure
    details = details_of(EventType.ENCOUNTER, event["details"])
    assert details.longest_bridged_gap_h is not None and details.longest_bridged_gap_h > 2.5
    no_speeds = Tracks(T0, [v for v in fleet.vessels])
    for v in no_speeds.vessels:
        v.fixes = [(*f[:4], None) for f in v.fixes]
    short = find_encounters(no_speeds)
    assert not short or short[0]["duration_h"] < event["duration_h"]  # without reported speeds: less bridged


def test_a_ship_unheard_for_nine_hours_beside_its_partner_is_bridged(tmp_path: Path) -> None:
    """Simulated Yellow Sea seed 2: one ship of a meeting heard sailing in, then missed at pass after pass
    for 9 h (a busy cell: collisions) while its partner is heard there; reappearing beside it, lying still.
    It sailed there in an hour and waited: the meeting is ~10 h, not the 1.7 h it was heard there."""
    fleet = Tracks(T0)
    partner = fleet.vessel(413000002, OPEN)
    for _ in range(6):
        partner.stay(hours=0, every_min=10).silent(hours=2)
    partner.fix()
    visitor = fleet.vessel(412000001, metres_north(OPEN, -15_000), T0 - timedelta(minutes=10))
    visitor.move(hours=10 / 60, every_min=5, knots=10, course_deg=0)
    visitor.silent(hours=9, knots=0).sends()
    visitor.lat, visitor.lon = metres_north(OPEN, 120)
    visitor.sog_kn = 0.2
    visitor.stay(hours=10 / 60, every_min=5).silent(hours=1.5).move(hours=10 / 60, every_min=5, knots=10, course_deg=0)
    (event,) = find_encounters(fleet)
    assert event["duration_h"] >= 9
    assert details_of(EventType.ENCOUNTER, event["details"]).longest_bridged_gap_h == pytest.approx(9, abs=0.2)
    (tmp_path / "six.toml").write_text("[encounter]\nmax_bridge_h = 6.0\n")
    assert find_encounters(fleet, Config.load(tmp_path / "six.toml")) == []  # heard together for 1.7 h only


def test_a_pair_that_sails_in_company_and_then_lies_together_is_an_encounter() -> None:
    """Simulated Sea of Japan seed 6 (terrestrial): 2 h in company at 11 kn, reporting every minute (class A
    under way), then 3.3 h lying 300 m apart, reporting every 3 min (at anchor). By fix count the pair is
    mostly moving; by time it mostly lay together: an encounter. Sailing together all along is not."""
    fleet = Tracks(T0)
    for mmsi, metres in ((412000051, 0.0), (413000052, 300.0)):
        v = fleet.vessel(mmsi, metres_north(OPEN, metres))
        v.move(hours=2, every_min=1, knots=11, course_deg=90).stay(hours=3.3, every_min=3)
    (event,) = find_encounters(fleet)
    assert details_of(EventType.ENCOUNTER, event["details"]).median_speed_kn[0] < 2 and event["duration_h"] >= 5
    escorts = Tracks(T0)
    for mmsi, metres in ((412000053, 0.0), (413000054, 300.0)):
        escorts.vessel(mmsi, metres_north(OPEN, metres)).move(hours=5, every_min=1, knots=11, course_deg=90)
    assert find_encounters(escorts) == []


def test_sparse_ships_passing_are_not_bridged() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000011, OPEN).move(hours=8, every_min=120, knots=10, course_deg=0)
    fleet.vessel(413000012, metres_north(OPEN, 80_000)).move(hours=8, every_min=120, knots=10, course_deg=180)
    assert find_encounters(fleet) == []


def test_loitering_on_sparse_fixes() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000041, (36.0, 123.0)).stay(hours=8, every_min=150, drift_m=400)
    fleet.vessel(412000042, (36.2, 123.0)).stay(hours=8, every_min=300)  # one silence of 5 h: too long to bridge
    (event,) = run_detector(EventType.LOITERING, fleet.partition())
    assert event["mmsi"] == 412000041
    details = details_of(EventType.LOITERING, event["details"])
    assert details.fixes == 4 and details.longest_bridged_gap_h == pytest.approx(2.5)


def test_loitering_between_passes_runs_from_arrival_to_departure() -> None:
    """Heard sailing in at 11 kn, then slow at three passes over 3.3 h, then sailing off: it sailed to its
    spot in minutes and waited there from then (reported speeds say so), 5-6 h of loitering, not 3.3."""
    fleet = Tracks(T0)
    v = fleet.vessel(412000051, metres_north((36.7, 124.5), -9_000))
    v.move(hours=0.25, every_min=15, knots=11, course_deg=0)  # the pass before: sailing in
    v.silent(hours=1.5, knots=0).sends()
    v.lat, v.lon = 36.7, 124.5
    v.sog_kn = 1.2
    for _ in range(3):
        v.fix().silent(hours=1.1)
    v.fix()
    v.silent(hours=2.0)
    v.lat, v.lon = metres_north((36.7, 124.5), 12_000)
    v.move(hours=0.25, every_min=15, knots=11, course_deg=0)  # the pass after: sailing off
    (event,) = run_detector(EventType.LOITERING, fleet.partition())
    assert 5.0 < event["duration_h"] < 6.5 and "bridged" in event["reason"]
    no_speeds = Tracks(T0, fleet.vessels)
    for vessel in no_speeds.vessels:
        vessel.fixes = [(*f[:4], None) for f in vessel.fixes]
    assert run_detector(EventType.LOITERING, no_speeds.partition()) == []  # 3.3 h of fixes alone is too short


def anchorage_params() -> AnchorageParams:
    return Config.load().params(AnchorageParams, SECTION)


OUTER = (35.85, 120.55)  # Yellow Sea, 33 km off Qingdao Gang's WPI point: where an outer anchorage lies
PORT_KM = (15, 60)  # big ports' outer anchorages lie 15-60 km from the port point (reference.md §7)


def heard(v: Vessel, hours: float, rng: np.random.Generator) -> None:
    """Lying still for `hours`, heard at satellite passes 30-180 min apart (reference.md §7)."""
    end = v.t + timedelta(hours=hours)
    v.sog_kn = 0.1
    v.fix()
    while (step := float(rng.uniform(30, 180))) and v.t + timedelta(minutes=step) < end:
        v.silent(hours=step / 60).fix()


def busy_outer_anchorage(
    ships: int = 16, seed: int = 5, arrivals_h: float = 48, longest_h: float = 30
) -> tuple[Tracks, list[tuple[int, int]]]:
    """Ships arriving over `arrivals_h` and waiting 6-`longest_h` h within 2 km of OUTER, about a third
    dropping anchor 80-300 m beside one already waiting; returns the fleet and the side-by-side pairs."""
    rng = np.random.default_rng(seed)
    fleet = Tracks(T0)
    waiting: list[tuple[int, tuple[float, float], datetime, datetime]] = []
    beside: list[tuple[int, int]] = []
    for k in range(ships):
        mmsi = 413500000 + k
        if waiting and rng.random() < 0.35:
            other, at, since, until = waiting[int(rng.integers(len(waiting)))]
            at = metres_north(at, float(rng.uniform(80, 300)))
            start = since + timedelta(hours=float(rng.uniform(0, max((until - since).total_seconds() / 3600 - 3, 0))))
            beside.append((other, mmsi))
        else:
            r, angle = 2000 * np.sqrt(rng.random()), rng.uniform(0, 2 * np.pi)
            at = (OUTER[0] + r * np.cos(angle) / 111_195, OUTER[1] + r * np.sin(angle) / 90_000)
            start = T0 + timedelta(hours=float(rng.uniform(0, arrivals_h)))
        hours = float(rng.uniform(6, longest_h))
        heard(fleet.vessel(mmsi, at, start), hours, rng)
        waiting.append((mmsi, at, start, start + timedelta(hours=hours)))
    return fleet, beside


def test_a_busy_outer_anchorage_is_inferred_and_its_encounters_are_context() -> None:
    _, metres = ports().nearest(np.array([OUTER[0]]), np.array([OUTER[1]]))
    assert PORT_KM[0] < metres[0] / 1000 < PORT_KM[1]
    fleet, beside = busy_outer_anchorage()
    assert beside  # some ships lie side by side, as at any busy anchorage
    periods = stays(fleet.frame(), anchorage_params())
    assert periods["mmsi"].n_unique() >= 14  # a ship heard for under 6 h of its stay is not stationary yet
    (anchorage,) = infer(periods, anchorage_params())
    assert anchorage.source == "inferred" and anchorage.vessels == periods["mmsi"].n_unique()
    assert f"{anchorage.vessels} distinct vessels" in anchorage.how
    assert "km from Qingdao" in anchorage.name and anchorage.paired_share is not None
    encounters = find_encounters(fleet, anchorages=Nearby([anchorage]))
    assert encounters  # neighbours at anchor meet the encounter rule ...
    for event in encounters:  # ... and are kept as context, the anchorage named, never an alarm
        details = details_of(EventType.ENCOUNTER, event["details"])
        assert details.in_port and details.anchorage == anchorage.name and details.anchorage_source == "inferred"
        assert event["score"] < 0.3 and "context, not an alarm" in event["reason"]
    alarms = find_encounters(fleet)  # the same fleet with no anchorage known: alarms
    assert {e["event_id"] for e in alarms} == {e["event_id"] for e in encounters}
    assert all(e["score"] >= 0.3 for e in alarms)


def test_an_anchorage_is_inferred_from_a_single_day() -> None:
    """GFW's thresholds need years (20 vessels, 12 h); a day of a busy anchorage is enough here."""
    fleet, _ = busy_outer_anchorage(ships=12, seed=11, arrivals_h=10, longest_h=14)
    frame = fleet.frame()
    assert (int(frame["ts"].max()) - int(frame["ts"].min())) / 3.6e9 < 24  # type: ignore[arg-type]
    (anchorage,) = infer(stays(frame, anchorage_params()), anchorage_params())
    assert anchorage.vessels is not None and anchorage.vessels >= anchorage_params().min_vessels


def test_ships_close_together_in_a_crowd_at_anchor_are_an_anchorage_not_a_meeting_place() -> None:
    """Simulated Sea of Japan seed 1: one side of an outer anchorage held 9 ships, 8 of them within 100 m of
    another, all in one crowd. Hulls that close among four or more waiting ships are neighbours at anchor:
    a transfer is two or three hulls alone at sea."""
    rng = np.random.default_rng(7)
    fleet = Tracks(T0)
    for k in range(10):  # a row of ships 80 m apart, waiting 10-14 h, heard at satellite passes
        start = T0 + timedelta(hours=float(rng.uniform(0, 2)))
        heard(fleet.vessel(413600000 + k, metres_north(OUTER, 80 * k), start), float(rng.uniform(10, 14)), rng)
    periods = stays(fleet.frame(), anchorage_params())
    assert periods["mmsi"].n_unique() >= anchorage_params().min_vessels
    (anchorage,) = infer(periods, anchorage_params())
    assert anchorage.paired_share == 0.0  # alongside, but never in a lone pair or three
    # its ships beyond the 2 km link from these stays are in it (simulated Sea of Japan seed 3: a pair 2.3 km
    # off the group's edge): GFW's 3 km in-port radius around the farthest stay
    assert Nearby([anchorage]).at(*metres_north(OUTER, 720 + 2_500)) is not None
    assert Nearby([anchorage]).at(*metres_north(OUTER, 720 + 4_000)) is None


# Simulated East China Sea seed 14 (mixed): the stays at Shanghai's outer anchorage (radius 3.4 km), as
# (metres north, metres east of its centre, hours stationary, hours after the first arrival)
SHANGHAI_OUTER = (30.77425, 121.83165)
SCATTERED = [
    (-2531, -1140, 15.5, 51.0),
    (350, 283, 22.5, 26.0),
    (-2916, -1035, 22.0, 58.5),
    (-2665, -755, 11.2, 36.0),
    (-2574, -2173, 11.8, 71.3),
    (-2371, -1053, 14.8, 55.5),
    (94, 1721, 23.5, 15.5),
    (1604, -838, 8.5, 83.8),
    (-2215, -506, 9.3, 30.5),
    (77, 2268, 20.0, 7.3),
    (2697, 1412, 25.5, 59.8),
]


def test_a_wide_anchorage_a_few_ships_fill_is_one_anchorage() -> None:
    """Eleven ships over four days, scattered over a 3.4 km radius: a crowd of six on one side, five spread
    over the rest, the two sides 2.7 km apart. Stays within GFW's 3 km in-port distance of each other are at
    one anchorage; a 2 km link split it into two groups under 8 vessels, and its ships' encounters were alarms."""
    rng = np.random.default_rng(14)
    fleet = Tracks(T0)
    for k, (north, east, hours, after) in enumerate(SCATTERED):
        at = (SHANGHAI_OUTER[0] + north / 111_195, SHANGHAI_OUTER[1] + east / (111_195 * np.cos(np.radians(30.77))))
        heard(fleet.vessel(413700000 + k, at, T0 + timedelta(hours=after)), hours + 1, rng)
    periods = stays(fleet.frame(), anchorage_params())
    assert periods["mmsi"].n_unique() == len(SCATTERED)
    (anchorage,) = infer(periods, anchorage_params())
    assert anchorage.vessels == len(SCATTERED)
    # the shape: no stay of the crowd of six lies within 2.5 km of any of the other five
    ys, xs = np.array([p[0] for p in SCATTERED]), np.array([p[1] for p in SCATTERED])
    crowd = ys < -2000
    apart = np.hypot(ys[crowd][:, None] - ys[~crowd], xs[crowd][:, None] - xs[~crowd])
    assert int(crowd.sum()) == 6 and apart.min() > 2500
    # the earlier 2 km link left the two sides apart, two groups under 8 vessels: no anchorage there
    assert infer(periods, dataclasses.replace(anchorage_params(), link_km=2.0)) == []


def meeting_place(separations_m: tuple[float, float], transfers: int) -> Tracks:
    """Transfers in one patch of open sea, one after another: two hulls (a third every third time) lying
    together 7-12 h, each heard at satellite passes."""
    rng = np.random.default_rng(3)
    fleet = Tracks(T0)
    for k in range(transfers):
        at = (OPEN[0] + (k % 3) * 0.006, OPEN[1] + (k // 3) * 0.008)
        start, hours = T0 + timedelta(hours=13 * k), float(rng.uniform(7, 12))
        hulls = 3 if k % 3 == 2 else 2
        for h in range(hulls):
            spot = metres_north(at, h * float(rng.uniform(*separations_m)))
            heard(fleet.vessel(800000000 + 10 * k + h, spot, start), hours, rng)
    return fleet


def test_a_hot_spot_where_a_few_tankers_meet_stays_open_sea() -> None:
    _, metres = ports().nearest(np.array([OPEN[0]]), np.array([OPEN[1]]))
    assert metres[0] > 100_000  # far from any port
    fleet = meeting_place((40, 300), transfers=3)  # a handful: two pairs and a meeting of three
    periods = stays(fleet.frame(), anchorage_params())
    assert periods["mmsi"].n_unique() == 7 and infer(periods, anchorage_params()) == []
    encounters = find_encounters(fleet, anchorages=Nearby(infer(periods, anchorage_params())))
    assert len(encounters) == 5  # each pair, and every pair of the three
    assert all(e["score"] >= 0.3 and not json.loads(e["details"])["in_port"] for e in encounters)


@pytest.mark.parametrize(("separations_m", "guard"), [((30, 70), "alongside"), ((150, 400), "lone groups")])
def test_a_busy_meeting_place_is_not_an_anchorage_however_many_come(
    separations_m: tuple[float, float], guard: str
) -> None:
    """As many distinct vessels as an anchorage, but in the shape of transfers: hulls alongside, or lone
    pairs and threes with nobody else near."""
    fleet = meeting_place(separations_m, transfers=8)
    periods = stays(fleet.frame(), anchorage_params())
    assert periods["mmsi"].n_unique() >= 2 * anchorage_params().min_vessels
    assert infer(periods, anchorage_params()) == [], guard


def ten_waiting(at: tuple[float, float]) -> pl.DataFrame:
    fleet = Tracks(T0)
    for k in range(10):
        fleet.vessel(900000000 + k, (at[0] + (k % 4) * 0.007, at[1] + (k // 4) * 0.009)).stay(hours=8, every_min=30)
    return fleet.frame()


def test_loitering_at_an_anchorage_becomes_context(tmp_path: Path) -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000041, (36.0, 123.0)).stay(hours=6, every_min=10)
    (row,) = run_detector(EventType.LOITERING, fleet.partition())
    params = anchorage_params()
    (tmp_path / "mine.csv").write_text("name,lat,lon,radius_m\nQingdao outer,35.95,120.55,4000\n", encoding="utf-8")
    elsewhere = read_user_anchorages(tmp_path / "mine.csv", params)
    assert [(a.name, a.source, a.radius_m) for a in elsewhere] == [("Qingdao outer", "user", 4000.0)]
    assert at_anchorages([row], Nearby(elsewhere)) == [row]
    here = Nearby(infer(stays(ten_waiting((36.0, 123.0)), params), params))
    (marked,) = at_anchorages([row], here)
    details = details_of(EventType.LOITERING, marked["details"])
    assert details.in_port and details.anchorage and marked["score"] < 0.3 and marked["event_id"] == row["event_id"]


BOX = [[124, 35], [124.1, 35], [124.1, 35.1], [124, 35.1], [124, 35]]


def test_user_anchorages_from_geojson(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"name": "Sok-do"},
            "geometry": {"type": "Point", "coordinates": [125.0, 38.6]},
        },
        {
            "type": "Feature",
            "properties": {"name": "box"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[124, 35], [124.1, 35], [124.1, 35.1], [124, 35.1], [124, 35]]],
            },
        },
    ]
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    point, box = read_user_anchorages(path, anchorage_params())
    assert (point.name, point.radius_m) == ("Sok-do", 3000.0)
    assert box.lat == pytest.approx(35.05) and 6000 < box.radius_m < 8000
    (tmp_path / "bad.csv").write_text("name,lat\nx,1\n")
    with pytest.raises(ValueError, match="not an anchorage file"):
        read_user_anchorages(tmp_path / "bad.csv", anchorage_params())


def test_sts_evidence_raises_and_lowers_the_score_with_reasons() -> None:
    alongside = Tracks(datetime(2024, 3, 1, 12, tzinfo=UTC))  # 20:30 local solar time at 127.5 E
    alongside.vessel(412000001, OPEN).sends(heading_deg=40, nav_status=3).stay(hours=4, every_min=10)
    alongside.vessel(413000002, metres_north(OPEN, 40)).sends(heading_deg=222).stay(hours=4, every_min=10)
    alongside.static(413000002, datetime(2024, 3, 1, 10, tzinfo=UTC), draught_m=9.0)
    alongside.static(413000002, datetime(2024, 3, 1, 20, tzinfo=UTC), draught_m=7.5)
    apart = Tracks(datetime(2024, 3, 2, 1, tzinfo=UTC))  # 09:30 local: daytime
    apart.vessel(412000003, OPEN).sends(heading_deg=0).stay(hours=4, every_min=10)
    apart.vessel(413000004, metres_north(OPEN, 420)).sends(heading_deg=90).stay(hours=4, every_min=10)
    (sts,) = find_encounters(alongside)
    (near,) = find_encounters(apart)
    good = details_of(EventType.ENCOUNTER, sts["details"])
    assert isinstance(good, EncounterDetails) and good.draught_change_after and good.night
    for words in ("side by side (40 m)", "headings aligned", "restricted manoeuvrability", "at night", "draught"):
        assert words in sts["reason"], words
    assert "lowered by 420 m apart, headings apart (90 deg)" in near["reason"]
    assert sts["score"] >= near["score"] + 0.3 and near["score"] >= 0.3


def test_detect_with_a_user_anchorage_file_and_the_anchorages_command(tmp_path: Path) -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000001, OPEN).stay(hours=4, every_min=10)
    fleet.vessel(413000002, metres_north(OPEN, 150)).stay(hours=4, every_min=10)
    frame = fleet.frame().with_columns(pl.from_epoch("ts", time_unit="us").dt.replace_time_zone("UTC"))
    rows = [{k: r[k] for k in ("mmsi", "ts", "lat", "lon")} for r in frame.to_dicts()]
    pq.write_table(positions_table(rows), tmp_path / "p.parquet")
    ingest_json(tmp_path / "p.parquet", "--store", tmp_path / "store")
    (tmp_path / "mine.csv").write_text(f"name,lat,lon\nmy anchorage,{OPEN[0]},{OPEN[1]}\n")
    result = run("detect", "--store", tmp_path / "store", "--anchorages", tmp_path / "mine.csv", "--json")
    assert result.returncode == 0, result.stderr
    (event,) = [
        e
        for e in read_events(tmp_path / "store" / layout.EVENTS.relative).to_pylist()
        if e["event_type"] == "encounter"
    ]
    assert json.loads(event["details"])["anchorage"] == "my anchorage" and event["score"] < 0.3
    shown = run("anchorages", "--store", tmp_path / "store", "--json")
    assert shown.returncode == 0, shown.stderr
    assert [(a["name"], a["source"]) for a in json.loads(shown.stdout)] == [("my anchorage", "user")]
    (tmp_path / "bad.geojson").write_text("{}")
    bad = run("detect", "--store", tmp_path / "store", "--anchorages", tmp_path / "bad.geojson")
    assert bad.returncode == 2 and "not an anchorage file" in bad.stderr
