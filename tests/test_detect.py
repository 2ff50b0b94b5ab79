"""Detectors on hand-built tracks with known answers, the event contract, and the detect command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import ingest_json, run
from shadowfleet.core.geo import haversine_m, near_m
from shadowfleet.core.identifiers import imo_valid, mmsi_problem
from shadowfleet.core.schema import EVENTS, POSITIONS, STATIC
from shadowfleet.detect.draught import tonnes_per_cm
from shadowfleet.detect.events import Config, event_id
from shadowfleet.detect.runner import Window
from shadowfleet.detect.runner import run as run_detectors
from shadowfleet.detect.write import read_events, write_events
from shadowfleet.store.store import Store

T0 = datetime(2024, 3, 1, tzinfo=UTC)
SEA = (35.0, 124.0)  # Yellow Sea, ~100 nm from any shore
NAMPO = (38.72, 125.38)  # in the port of Nampo


def track(
    mmsi: int, start_min: float, minutes: float, every_min: float, at: tuple[float, float], knots_east: float = 0.0
) -> list[dict[str, Any]]:
    rows = []
    steps = int(minutes // every_min) + 1
    for k in range(steps):
        t = start_min + k * every_min
        lon = at[1] + knots_east * (t / 60) / 60 / 0.819  # 1 kn east ~ 1/49 deg lon per hour at 35N
        rows.append({"mmsi": mmsi, "ts": T0 + timedelta(minutes=t), "lat": at[0], "lon": lon})
    return rows


def positions_table(rows: list[dict[str, Any]]) -> pa.Table:
    full = [
        {
            "sog_kn": None,
            "cog_deg": None,
            "heading_deg": None,
            "nav_status": None,
            "msg_type": 1,
            "source": "synthetic.nmea",
            "station": None,
            **r,
            "line": i + 1,
        }
        for i, r in enumerate(rows)
    ]
    return pa.Table.from_pylist(full, schema=POSITIONS.schema)


def static_table(rows: list[dict[str, Any]]) -> pa.Table:
    keys = ("imo", "name", "callsign", "ship_type", "length_m", "beam_m", "draught_m", "destination", "eta")
    full = [
        {**dict.fromkeys(keys), "msg_type": 5, "source": "synthetic.nmea", "station": None, **r, "line": 1000 + i}
        for i, r in enumerate(rows)
    ]
    return pa.Table.from_pylist(full, schema=STATIC.schema)


def detect(
    tmp_path: Path, rows: list[dict[str, Any]], static: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    files = [tmp_path / "positions.parquet"]
    pq.write_table(positions_table(rows), files[0])
    if static:
        files.append(tmp_path / "static.parquet")
        pq.write_table(static_table(static), files[1])
    store = tmp_path / "store"
    ingest_json(*files, "--store", store)
    events: list[dict[str, Any]] = run_detectors(Store.open(store), Config.load(), Window()).to_pylist()
    return events


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event_type"] == kind]


def test_gaps_at_sea_not_in_port_not_short(tmp_path: Path) -> None:
    rows = (
        track(1, 0, 12 * 60, 5, SEA)
        + track(1, 26 * 60, 12 * 60, 5, SEA)  # 14 h silent at sea, then back
        + track(2, 0, 38 * 60, 10, (34.8, 123.8))  # heard ~28 km away throughout: vessel 1 would have been heard
        + track(2, 0, 0, 1, (34.8, 123.8))  # covers the whole span
        + track(3, 0, 12 * 60, 5, NAMPO)
        + track(3, 24 * 60, 60, 5, NAMPO)  # berthed in Nampo: not dark
        + track(4, 0, 20 * 60, 5, (33.0, 125.0))  # falls silent 20 h in and never returns: an open gap
    )
    rows += [r for r in track(5, 0, 38 * 60, 5, (34.0, 124.5)) if not 300 <= (r["ts"] - T0).seconds // 60 <= 340]
    gaps = of_type(detect(tmp_path, rows), "ais_gap")
    assert sorted(e["mmsi"] for e in gaps) == [1, 4]
    closed = next(e for e in gaps if e["mmsi"] == 1)
    assert closed["duration_h"] == pytest.approx(14.0)
    assert closed["score"] >= 0.9  # >= 12 h and >= 50 nm from shore
    details = json.loads(closed["details"])
    assert details["open"] is False and details["shore_distance_start_nm"] > 50
    assert closed["evidence"]["positions"] == 2 and closed["evidence"]["sources"] == ["synthetic.nmea"]
    still = next(e for e in gaps if e["mmsi"] == 4)
    assert json.loads(still["details"])["open"] is True
    assert still["end_time"] == T0 + timedelta(hours=38)


def test_jumps_told_apart(tmp_path: Path) -> None:
    base = track(7, 0, 120, 2, SEA)
    bad_fix = [dict(r) for r in base]
    bad_fix[30]["lat"] = 36.5  # one fix 90 nm away
    excursion = [dict(r, mmsi=8) for r in base]
    for r in excursion[40:45]:
        r["lat"], r["lon"] = 39.0, 125.75  # five fixes on land near Pyongyang, then back
    one_way = [dict(r, mmsi=9) for r in base]
    for r in one_way[50:]:
        r["lat"] = 37.0
    jumps = of_type(detect(tmp_path, bad_fix + excursion + one_way), "position_jump")
    kinds = {e["mmsi"]: json.loads(e["details"]) for e in jumps}
    assert kinds[7]["kind"] == "bad_fix" and kinds[8]["kind"] == "excursion" and kinds[9]["kind"] == "jump"
    assert kinds[8]["off_track_fixes"] == 5 and kinds[8]["on_land"] == 5
    assert len(jumps) == 3


def test_one_mmsi_in_two_places_at_once(tmp_path: Path) -> None:
    honest = track(10, 0, 180, 3, SEA, knots_east=10)
    clone = [dict(r, lat=r["lat"] + 1.0, ts=r["ts"] + timedelta(seconds=50)) for r in track(10, 30, 120, 3, SEA)]
    clashes = of_type(detect(tmp_path, honest + clone), "identity_clash")
    assert len(clashes) == 1
    (clash,) = clashes
    assert clash["distance_m"] == pytest.approx(111_000, rel=0.05)
    assert clash["duration_h"] == pytest.approx(2.0, abs=0.1)


def test_identity_checks() -> None:
    assert imo_valid(9074729) and not imo_valid(9074728) and not imo_valid(123)
    assert mmsi_problem(445123456) is None  # DPRK's MID is allocated (to the DPRK)
    assert "digits" in (mmsi_problem(12345) or "")
    assert "MID 799" in (mmsi_problem(799123456) or "")
    assert mmsi_problem(970123456) is None  # an AIS-SART, not a ship station: no MID to check


def test_invalid_identity_events(tmp_path: Path) -> None:
    rows = track(12345, 0, 30, 5, SEA) + track(445123456, 0, 30, 5, SEA)
    static = [
        {"mmsi": 445123456, "ts": T0, "imo": 9074728, "name": "KUM UN SAN"},
        {"mmsi": 445123456, "ts": T0 + timedelta(minutes=10), "imo": 9074728, "name": "SHIN PHYONG"},
    ]
    events = of_type(detect(tmp_path, rows, static), "invalid_identity")
    checks = sorted((e["mmsi"], json.loads(e["details"])["check"]) for e in events)
    assert checks == [(12345, "mmsi"), (445123456, "identity_change"), (445123456, "imo")]
    change = next(e for e in events if json.loads(e["details"])["check"] == "identity_change")
    assert "KUM UN SAN -> SHIN PHYONG" in change["reason"]


def test_draught_change_with_cargo_estimate(tmp_path: Path) -> None:
    rows = track(20, 0, 10 * 60, 5, SEA) + track(20, 24 * 60, 2 * 60, 5, SEA)
    static = [
        {"mmsi": 20, "ts": T0 + timedelta(hours=1), "draught_m": 5.0, "length_m": 80.0, "beam_m": 12.5},
        {"mmsi": 20, "ts": T0 + timedelta(hours=25), "draught_m": 7.0, "length_m": 80.0, "beam_m": 12.5},
    ]
    (event,) = of_type(detect(tmp_path, rows, static), "draught_change")
    details = json.loads(event["details"])
    assert tonnes_per_cm(80, 12.5, 0.8, 1.025) == pytest.approx(8.2)
    assert details["tonnes"] == 1640 and details["barrels"] == round(1640 * 7.46)
    assert details["across_gap"] is True and event["score"] >= 0.7


def test_event_ids_are_deterministic() -> None:
    assert event_id("ais_gap", 1, None, 5) == event_id("ais_gap", 1, None, 5)
    assert event_id("ais_gap", 1, None, 5) != event_id("ais_gap", 1, 2, 5)


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv", ".geojson"])
def test_detect_command_writes_every_format_and_upserts(tmp_path: Path, suffix: str) -> None:
    rows = track(412345678, 0, 12 * 60, 5, SEA, knots_east=8) + track(412345678, 26 * 60, 60, 5, (35.0, 127.0))
    pq.write_table(positions_table(rows), tmp_path / "p.parquet")
    store = tmp_path / "O'Brien's store"  # a quote in the path stays inside the SQL string literals
    ingest_json(tmp_path / "p.parquet", "--store", store)
    out = tmp_path / f"events{suffix}"
    for _ in range(2):  # a rerun replaces, never duplicates
        result = run("detect", "--store", store, "--out", out, "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["in_file"] == 1
    if suffix in (".parquet", ".jsonl"):
        events = read_events(out)
        assert events.schema == EVENTS.schema and events.num_rows == 1
    elif suffix == ".geojson":
        features = json.loads(out.read_text())["features"]
        assert features[0]["geometry"]["type"] == "Point" and features[0]["properties"]["event_type"] == "ais_gap"
    else:
        header = out.read_text().splitlines()[0]
        assert header.replace('"', "").split(",") == [c for c in EVENTS.names if c not in ("evidence", "listed")] + [
            "evidence",
            "listed",
        ]


def test_a_rerun_drops_the_events_it_no_longer_finds_inside_its_window(tmp_path: Path) -> None:
    rows = track(412345678, 0, 12 * 60, 5, SEA, knots_east=8) + track(412345678, 26 * 60, 60, 5, (35.0, 127.0))
    pq.write_table(positions_table(rows), tmp_path / "p.parquet")
    store, out = tmp_path / "store", tmp_path / "events.parquet"
    ingest_json(tmp_path / "p.parquet", "--store", store)
    assert run("detect", "--store", store, "--out", out).returncode == 0
    (gap,) = read_events(out).to_pylist()
    (tmp_path / "strict.toml").write_text("[ais_gap]\nmin_gap_h = 48.0\n")  # the gap is no longer one
    after = T0 + timedelta(hours=20)  # a window that starts after the gap did: it cannot find it again
    rerun = ("detect", "--store", store, "--out", out, "--config", tmp_path / "strict.toml")
    assert run(*rerun, "--since", after.isoformat()).returncode == 0
    assert read_events(out).column("event_id").to_pylist() == [gap["event_id"]]
    assert read_events(store / "events" / "events.parquet").num_rows == 1
    assert run(*rerun).returncode == 0  # the whole store: the gap it no longer finds goes
    assert read_events(out).num_rows == 0 and read_events(store / "events" / "events.parquet").num_rows == 0


def test_write_events_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        write_events(EVENTS.schema.empty_table(), tmp_path / "x.xlsx")


def near(at: tuple[float, float], north_m: float) -> tuple[float, float]:
    return at[0] + north_m / 111_195, at[1]


def encounters_of(tmp_path: Path, rows: list[dict[str, Any]], config: str | None = None) -> list[dict[str, Any]]:
    pq.write_table(positions_table(rows), tmp_path / "p.parquet")
    store = tmp_path / "store"
    if not store.exists():
        ingest_json(tmp_path / "p.parquet", "--store", store)
    settings = None
    if config:
        (tmp_path / "c.toml").write_text(config)
        settings = tmp_path / "c.toml"
    events = run_detectors(Store.open(store), Config.load(settings), Window()).to_pylist()
    return of_type(events, "encounter")


def test_encounter_across_midnight_found_once_and_whole(tmp_path: Path) -> None:
    start = 22 * 60  # 22:00, three hours: GFW loses encounters that start 22:00-24:00
    rows = track(412000001, start, 180, 5, SEA) + track(413000002, start, 180, 5, near(SEA, 300))
    (event,) = encounters_of(tmp_path, rows)
    assert (event["mmsi"], event["other_mmsi"]) == (412000001, 413000002)
    assert event["start_time"] == T0 + timedelta(hours=22) and event["duration_h"] == pytest.approx(3.0, abs=0.2)
    assert event["distance_m"] == pytest.approx(300, abs=5)
    assert json.loads(event["details"])["in_port"] is False and event["score"] >= 0.5
    small_chunks = encounters_of(tmp_path, rows, "[encounter]\nchunk_h = 1.0\n")
    assert [(e["event_id"], e["duration_h"]) for e in small_chunks] == [(event["event_id"], event["duration_h"])]


def test_encounter_decoys(tmp_path: Path) -> None:
    crossing = track(412000011, 0, 180, 2, SEA, knots_east=12) + [
        dict(r, mmsi=413000012, lat=r["lat"] + 0.0015) for r in track(0, 0, 180, 2, SEA, knots_east=-12)
    ]
    trawlers = track(412000021, 0, 240, 5, (34.0, 123.0), knots_east=3) + track(
        413000022, 0, 240, 5, near((34.0, 123.0), 200), knots_east=3
    )
    tug = track(412000031, 0, 50, 5, (33.5, 124.5)) + track(413000032, 0, 50, 5, near((33.5, 124.5), 100))
    assert encounters_of(tmp_path, crossing + trawlers + tug) == []


def test_encounter_in_port_is_kept_but_scored_low(tmp_path: Path) -> None:
    rows = track(445000001, 0, 240, 5, NAMPO) + track(413000002, 0, 240, 5, near(NAMPO, 150))
    (event,) = encounters_of(tmp_path, rows)
    assert json.loads(event["details"])["in_port"] is True and event["score"] <= 0.2


def test_runs_merge_and_three_vessels_share_a_cluster(tmp_path: Path) -> None:
    rows = (
        track(412000001, 0, 90, 5, SEA)
        + track(412000001, 180, 90, 5, SEA)
        + track(413000002, 0, 270, 5, near(SEA, 200))
        + track(414000003, 0, 270, 5, near(SEA, 400))
    )
    events = encounters_of(tmp_path, rows)
    pairs = sorted((e["mmsi"], e["other_mmsi"]) for e in events)
    assert pairs == [(412000001, 413000002), (412000001, 414000003), (413000002, 414000003)]
    clusters = {json.loads(e["details"])["cluster_id"] for e in events}
    assert len(clusters) == 1 and next(iter(clusters)).endswith(":3")
    merged = next(e for e in events if (e["mmsi"], e["other_mmsi"]) == (412000001, 413000002))
    assert merged["duration_h"] == pytest.approx(4.5, abs=0.2)  # two runs 1.5 h apart are one encounter


def test_loitering_far_out_but_not_near_shore(tmp_path: Path) -> None:
    rows = (
        track(412000041, 0, 6 * 60, 10, (36.0, 123.0))  # Korea Bay / Yellow Sea hot spot, far out
        + track(412000042, 0, 6 * 60, 10, (37.4, 126.4))  # off Incheon: within 20 nm of shore
        + track(412000043, 0, 3 * 60, 10, (33.0, 125.5))  # only 3 h
    )
    events = of_type(detect(tmp_path, rows), "loitering")
    assert [e["mmsi"] for e in events] == [412000041]
    details = json.loads(events[0]["details"])
    assert details["hotspot"] == "korea_bay_yellow_sea" and events[0]["score"] >= 0.6


def test_dprk_port_and_waters(tmp_path: Path) -> None:
    rows = track(352000001, 0, 180, 10, NAMPO) + track(445000009, 0, 180, 10, (38.6, 125.0))
    visits = of_type(detect(tmp_path, rows), "zone_visit")
    kinds = sorted((e["mmsi"], json.loads(e["details"])["kind"]) for e in visits)
    assert kinds == [(352000001, "port"), (352000001, "waters"), (445000009, "waters")]
    assert max(e["score"] for e in visits if e["mmsi"] == 352000001) == 1.0
    assert all(e["score"] <= 0.3 for e in visits if e["mmsi"] == 445000009)  # a DPRK ship at home


def test_a_zone_visit_reached_and_left_only_by_impossible_jumps_is_context(tmp_path: Path) -> None:
    # an excursion: a coaster off Dalian whose positions run 200 km into DPRK waters for an hour and back
    home, away = (39.2, 122.4), (38.6, 125.0)
    rows = track(412000051, 0, 120, 5, home) + track(412000051, 125, 60, 5, away) + track(412000051, 190, 120, 5, home)
    rows += track(412000052, 0, 180, 5, (38.6, 124.3), knots_east=10)  # sails in from open sea at 10 kn: real
    visits = {e["mmsi"]: e for e in of_type(detect(tmp_path, rows), "zone_visit")}
    spoofed, real = visits[412000051], visits[412000052]
    assert spoofed["score"] < 0.3 and "no ship could have sailed" in spoofed["reason"]
    details = json.loads(spoofed["details"])
    assert details["implausible"] and details["entry_kn"] > 50 and details["exit_kn"] > 50
    real_details = json.loads(real["details"])
    assert real["score"] >= 0.6 and not real_details["implausible"] and real_details["entry_kn"] < 15


def test_user_zones_from_geojson(tmp_path: Path) -> None:
    box = {
        "type": "Polygon",
        "coordinates": [[[123.9, 34.9], [124.1, 34.9], [124.1, 35.1], [123.9, 35.1], [123.9, 34.9]]],
    }
    zones = tmp_path / "zones.geojson"
    zones.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"name": "watch box"}, "geometry": box}],
            }
        )
    )
    pq.write_table(positions_table(track(412000051, 0, 120, 10, SEA)), tmp_path / "p.parquet")
    store = tmp_path / "store"
    ingest_json(tmp_path / "p.parquet", "--store", store)
    result = run("detect", "--store", store, "--out", tmp_path / "e.jsonl", "--zones", zones, "--json")
    assert result.returncode == 0, result.stderr
    (visit,) = [e for e in read_events(tmp_path / "e.jsonl").to_pylist() if e["event_type"] == "zone_visit"]
    assert json.loads(visit["details"])["zone"] == "watch box"
    (tmp_path / "bad.geojson").write_text("{}")
    bad = run("detect", "--store", store, "--out", tmp_path / "f.jsonl", "--zones", tmp_path / "bad.geojson")
    assert bad.returncode == 2 and "not a GeoJSON file of polygons" in bad.stderr


@settings(max_examples=300, deadline=None)
@given(st.floats(-85, 85), st.floats(-180, 180), st.floats(-0.5, 0.5), st.floats(-0.5, 0.5), st.floats(0, 1))
def test_step_distance_matches_the_great_circle(lat: float, lon: float, dlat: float, dlon: float, far: float) -> None:
    """The fast step distance agrees with haversine to 0.05 % near, exactly far (and across the antimeridian)."""
    scale = 1.0 if far < 0.8 else 40.0  # some steps are long jumps
    lat2 = float(np.clip(lat + dlat * scale, -89, 89))
    lon2 = (lon + dlon * scale + 180) % 360 - 180
    a, b = (np.array([v]) for v in (lat, lat2))
    fast = float(near_m(a, np.array([lon]), b, np.array([lon2]))[0])
    exact = float(haversine_m(lat, lon, lat2, lon2))
    assert abs(fast - exact) <= max(0.0005 * exact, 0.01)
