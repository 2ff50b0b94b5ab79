"""Zone visits (transit vs stop) and declared draughts (noise vs cargo) on small frames built here."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared
from shadowfleet.core.events import EventType
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import Config
from shadowfleet.detect.registry import Partition
from shadowfleet.detect.runner import STATIC_FRAME, TRACK_FRAME
from tracks import Tracks, run_detector

T0 = datetime(2024, 3, 1, tzinfo=UTC)
NAMPO = (38.72, 125.38)  # in the port of Nampo
DPRK_WEST_WATERS = (38.0, 124.9)  # inside the 12 nm belt off Hwanghae, away from any DPRK port
SEA = (35.0, 123.0)


def detected(fleet: Tracks, kind: EventType) -> list[dict[str, Any]]:
    return [{**r, "details": json.loads(r["details"])} for r in run_detector(kind, fleet.partition())]


def test_a_transit_through_dprk_waters_is_an_event_scored_below_a_stop() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412_000_001, at=(38.0, 124.6)).move(hours=3, every_min=5, knots=10, course_deg=90)
    (visit,) = detected(fleet, EventType.ZONE_VISIT)
    assert visit["details"]["stopped"] is False and visit["details"]["port_call"] is None
    assert 0.3 <= visit["score"] < 0.9 and "a transit" in visit["reason"]


def test_slowing_below_a_knot_in_dprk_waters_is_a_stop() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412_000_002, at=DPRK_WEST_WATERS).stay(hours=4, every_min=10, drift_m=300)
    (visit,) = detected(fleet, EventType.ZONE_VISIT)
    assert visit["details"]["stopped"] is True and visit["details"]["min_speed_kn"] < 1
    assert visit["score"] >= 0.9 and "a stop" in visit["reason"]


def test_a_port_call_at_nampo_makes_both_visits_stops() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412_000_003, at=NAMPO).stay(hours=12, every_min=10)
    visits = {v["details"]["kind"]: v for v in detected(fleet, EventType.ZONE_VISIT)}
    assert visits["port"]["details"]["stopped"] is True and visits["port"]["score"] == 1.0
    assert visits["waters"]["details"]["port_call"] == "DPRK port Nampo" and visits["waters"]["score"] >= 0.9


def test_jitter_between_close_fixes_is_not_speed() -> None:
    # berthed, but positions wobble 30 m between fixes 10 s apart (a naive speed reads ~6 kn)
    fleet = Tracks(T0)
    ship = fleet.vessel(412_000_004, at=NAMPO)
    for k in range(360):
        ship.lat = NAMPO[0] + (0.00027 if k % 2 else 0.0)
        ship.t = T0 + timedelta(seconds=10 * k)
        ship.fix()
    visits = detected(fleet, EventType.ZONE_VISIT)
    assert visits and all(v["details"]["stopped"] for v in visits)


def draughts(mmsi: int, values: list[tuple[float, float | None]], **extra: float | None) -> Tracks:
    """A ship at sea for the whole span, declaring these (hour, draught) values."""
    last = max(h for h, _ in values) + 6
    fleet = Tracks(T0)
    fleet.vessel(mmsi, at=SEA).move(hours=last, every_min=30, knots=0.5, course_deg=0)
    for hour, value in values:
        fleet.static(mmsi, T0 + timedelta(hours=hour), draught_m=value, **extra)
    return fleet


def test_a_stable_change_at_a_plausible_rate_is_cargo() -> None:
    fleet = draughts(30, [(0, 5.0), (4, 5.0), (12, 7.0), (20, 7.0)], length_m=80.0, beam_m=12.5)
    (event,) = detected(fleet, EventType.DRAUGHT_CHANGE)
    details = event["details"]
    assert details["draught_before_m"] == 5.0 and details["draught_after_m"] == 7.0
    assert details["tonnes"] == 1640 and details["held_h"] >= 8
    assert 0 < details["rate_m_per_h"] <= 1.0 and details["loading_rate_t_per_h"] is not None


def test_a_flipping_draught_is_noise() -> None:
    # 11.2 m / 8.6 m every 3 minutes for two hours (as MMSI 367102000 in MarineCadastre 2022-01-03), then 11.2 m
    flips = [(k * 0.05, 8.6 if k % 2 else 11.2) for k in range(40)]
    fleet = draughts(31, [(-10, 11.2), *flips, (2.0, 11.2), (10, 11.2)], length_m=186.0, beam_m=30.0)
    assert detected(fleet, EventType.DRAUGHT_CHANGE) == []


def test_a_typo_corrected_hours_later_is_noise() -> None:
    fleet = draughts(32, [(0, 11.2), (20, 8.6), (23, 11.2), (40, 11.2)])
    assert detected(fleet, EventType.DRAUGHT_CHANGE) == []


def test_a_typo_that_flips_again_before_it_is_corrected_is_noise() -> None:
    # simulated Yellow Sea seed 21: 11.2, 8.6 held 1.2 h, 11.2 for 2 minutes, 8.6 held 1 h, then 11.2 for good
    values: list[tuple[float, float | None]] = [
        (0, 11.2),
        (9.0, 8.6),
        (10.25, 11.2),
        (10.29, 8.6),
        (11.3, 11.2),
        (30, 11.2),
    ]
    assert detected(draughts(36, values), EventType.DRAUGHT_CHANGE) == []


def test_a_change_faster_than_cargo_can_move_is_noise() -> None:
    fleet = draughts(33, [(0, 5.0), (0.2, 8.0), (20, 8.0)])  # 3 m in 12 minutes, then held
    assert detected(fleet, EventType.DRAUGHT_CHANGE) == []


def cut_short(values: list[tuple[float, float]], recording_h: float) -> Tracks:
    """A ship heard by satellite passes 2 h apart (two fixes 3 min apart each) for 20 h, declaring these
    (hour, draught) values, in a recording that goes on to `recording_h` (another ship heard all along)."""
    fleet = Tracks(T0)
    ship = fleet.vessel(34, at=SEA)
    for _ in range(11):
        ship.fix().silent(hours=0.05).fix().silent(hours=1.95)
    fleet.vessel(35, at=(SEA[0] + 1, SEA[1])).move(hours=recording_h, every_min=30, knots=0.5, course_deg=0)
    for hour, value in values:
        fleet.static(34, T0 + timedelta(hours=hour), draught_m=value, length_m=80.0, beam_m=12.5)
    return fleet


def test_a_new_draught_at_the_end_of_the_recording_is_cargo_unless_it_flipped() -> None:
    """Simulated Yellow Sea seed 13, East China Sea seed 12, Sea of Japan seed 4: a satellite-heard tanker's
    new draught heard at its last pass: the recording ended before the next pass could hear it hold or flip."""
    stable_then_new = [(0, 5.0), (10, 5.0), (20.0, 7.0)]
    (event,) = detected(cut_short(stable_then_new, recording_h=21.5), EventType.DRAUGHT_CHANGE)
    assert event["details"]["draught_after_m"] == 7.0 and event["details"]["held_h"] < 1
    assert "to the end of the recording" in event["reason"]
    # unheard for longer than its passes were ever apart while the recording went on: it may have flipped back
    assert detected(cut_short(stable_then_new, recording_h=30), EventType.DRAUGHT_CHANGE) == []
    # flipping in the last minutes: the values between the stable one and the last never held
    flipping = [(0, 5.0), (10, 5.0), (19.0, 7.0), (19.5, 5.0), (20.0, 7.0)]
    assert detected(cut_short(flipping, recording_h=21.5), EventType.DRAUGHT_CHANGE) == []


def test_the_real_flipping_draught_of_mmsi_367102000_gives_no_event() -> None:
    csv = shared("ais", "csv", "marinecadastre", "marinecadastre_AIS_2022_01_03_first99999rows.csv")
    rows = (
        pl.read_csv(csv, infer_schema_length=0)
        .filter(pl.col("MMSI") == "367102000")
        .with_columns(
            pl.col("MMSI").cast(pl.Int64).alias("mmsi"),
            (pl.col("BaseDateTime").str.to_datetime(time_zone="UTC").dt.epoch("us")).alias("ts"),
            pl.col("LAT").cast(pl.Float64).alias("lat"),
            pl.col("LON").cast(pl.Float64).alias("lon"),
            pl.lit("marinecadastre").alias("source"),
            pl.int_range(pl.len()).cast(pl.Int64).alias("line"),
            pl.col("SOG").cast(pl.Float64).alias("sog_kn"),
        )
        .sort("ts")
    )
    assert rows["Draft"].n_unique() == 2  # the flip is in the file
    tracks = rows.select(list(TRACK_FRAME)).cast(TRACK_FRAME)  # type: ignore[arg-type]
    static = rows.select(
        "mmsi",
        "ts",
        pl.lit(None, pl.Int64).alias("imo"),
        pl.col("VesselName").alias("name"),
        pl.col("CallSign").alias("callsign"),
        pl.col("VesselType").cast(pl.Int16).alias("ship_type"),
        pl.col("Length").cast(pl.Float64).alias("length_m"),
        pl.col("Width").cast(pl.Float64).alias("beam_m"),
        pl.col("Draft").cast(pl.Float64).alias("draught_m"),
        pl.lit(None, pl.Int8).alias("msg_type"),
        "source",
        "line",
    ).cast(STATIC_FRAME)  # type: ignore[arg-type]
    coverage = Coverage.of([(int(rows["ts"].min()), int(rows["ts"].max()))])  # type: ignore[arg-type]
    part = Partition(tracks, static, coverage, Config.load())
    assert run_detector(EventType.DRAUGHT_CHANGE, part) == []


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 0.0, 25.5, 1e-300]),
            st.none(),
        ),
        min_size=2,
        max_size=8,
    ),
    length=st.one_of(st.none(), st.sampled_from([math.nan, math.inf, 1e308, 0.0, 80.0, -5.0])),
    beam=st.one_of(st.none(), st.sampled_from([math.nan, math.inf, 1e308, 0.0, 12.5])),
)
def test_no_stored_value_crashes_the_draught_detector(
    values: list[float | None], length: float | None, beam: float | None
) -> None:
    """NaN, inf and 1e308 can sit in a store (they crashed detect/draught.py with OverflowError); every event
    that comes out has finite numbers a ship can have."""
    fleet = draughts(34, [(6.0 * k, v) for k, v in enumerate(values)], length_m=length, beam_m=beam)
    for event in detected(fleet, EventType.DRAUGHT_CHANGE):
        details = event["details"]
        assert 0 < details["draught_before_m"] <= 25.5 and 0 < details["draught_after_m"] <= 25.5
        assert details["tonnes"] is None or 0 <= details["tonnes"] < 10_000_000
