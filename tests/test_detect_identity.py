"""Excursions vs cloned MMSIs, and non-ship MMSI formats, on small frames built here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shadowfleet.core.events import EventType
from shadowfleet.core.identifiers import MmsiFormat, mmsi_kind, mmsi_problem, non_ship_problem
from shadowfleet.detect.plan import explained_away
from tracks import Tracks, run_detector

T0 = datetime(2024, 3, 1, tzinfo=UTC)
SEA = (35.0, 123.0)  # Yellow Sea, open water
FAR_KM = 200.0  # the planted excursions of issue #10 lie 150-300 km off the track


def north(at: tuple[float, float], km: float) -> tuple[float, float]:
    return at[0] + km / 111.2, at[1]


def events_of(fleet: Tracks, *kinds: EventType) -> dict[EventType, list[dict[str, Any]]]:
    part = fleet.partition()
    rows = explained_away([r for kind in kinds for r in run_detector(kind, part)])
    return {
        kind: [{**r, "details": json.loads(r["details"])} for r in rows if r["event_type"] == kind] for kind in kinds
    }


def with_excursion(every_min: float, away_h: float, away_every_min: float) -> Tracks:
    """Vessel 1 sails east at 12 kn; for `away_h` its reports come from FAR_KM north instead, then the
    track resumes where the ship could have been."""
    fleet = Tracks(T0)
    ship = fleet.vessel(1, at=SEA).move(hours=5, every_min=every_min, knots=12, course_deg=90)
    ship.silent(hours=away_h + 2 * every_min / 60, knots=12, course_deg=90)
    ship.move(hours=5, every_min=every_min, knots=12, course_deg=90)
    start = T0 + timedelta(hours=5, minutes=every_min)
    fleet.vessel(1, at=north(SEA, FAR_KM), start=start).move(
        hours=away_h, every_min=away_every_min, knots=10, course_deg=90
    )
    return fleet


@pytest.mark.parametrize(
    ("every_min", "away_h", "away_every_min"),
    [(2.0, 1.0, 2.0), (3.0, 2.0, 6.0), (2.0, 0.5, 3.0)],  # shore reception: dense fixes on both
)
def test_an_excursion_is_a_position_jump_not_a_clash(every_min: float, away_h: float, away_every_min: float) -> None:
    found = events_of(
        with_excursion(every_min, away_h, away_every_min), EventType.POSITION_JUMP, EventType.IDENTITY_CLASH
    )
    assert found[EventType.IDENTITY_CLASH] == []  # nothing overlapped in time: not two transmitters
    (jump,) = found[EventType.POSITION_JUMP]
    assert jump["details"]["kind"] == "excursion" and jump["score"] >= 0.3
    assert jump["details"]["off_track_fixes"] == round(away_h * 60 / away_every_min) + 1
    assert jump["details"]["farthest_nm"] > 100


def test_a_sparse_satellite_excursion_slower_than_impossible_is_still_one() -> None:
    # fixes every 150 min: 200 km away and back is ~43 kn each way, under the 50-kn impossible speed
    found = events_of(with_excursion(150.0, 0.5, 30.0), EventType.POSITION_JUMP, EventType.IDENTITY_CLASH)
    assert found[EventType.IDENTITY_CLASH] == []
    (jump,) = found[EventType.POSITION_JUMP]
    assert jump["details"]["kind"] == "excursion" and 25 < jump["details"]["implied_speed_kn"] < 50


def test_one_far_fix_is_a_bad_fix() -> None:
    found = events_of(with_excursion(5.0, 0.0, 5.0), EventType.POSITION_JUMP, EventType.IDENTITY_CLASH)
    (jump,) = found[EventType.POSITION_JUMP]
    assert jump["details"]["kind"] == "bad_fix" and jump["details"]["off_track_fixes"] == 1
    assert jump["score"] < 0.3  # a lone glitch is context, not an alarm
    assert found[EventType.IDENTITY_CLASH] == []


def test_a_one_way_jump_is_context_with_its_reason() -> None:
    """A jump with no way back (the track carries on from the new place) is as likely a receiver glitch or two
    tracks joined under one MMSI as a spoof: kept, named, not an alarm."""
    fleet = Tracks(T0)
    fleet.vessel(1, at=SEA).move(hours=3, every_min=1, knots=11, course_deg=70)
    fleet.vessel(1, at=north(SEA, 40), start=T0 + timedelta(hours=3, minutes=1)).move(
        hours=3, every_min=1, knots=1, course_deg=0
    )
    (jump,) = events_of(fleet, EventType.POSITION_JUMP)[EventType.POSITION_JUMP]
    assert jump["details"]["kind"] == "jump" and jump["score"] < 0.3
    assert "context, not an alarm" in jump["reason"] and "two tracks joined" in jump["reason"]


def test_two_interleaving_tracks_are_a_clash_with_overlap_and_extents() -> None:
    fleet = Tracks(T0)
    fleet.vessel(10, at=SEA).move(hours=6, every_min=4, knots=10, course_deg=90)
    clone_start = T0 + timedelta(hours=1, minutes=2)  # a second transmitter, reporting between the first's fixes
    fleet.vessel(10, at=north(SEA, 120), start=clone_start).move(hours=3, every_min=4, knots=9, course_deg=270)
    found = events_of(fleet, EventType.POSITION_JUMP, EventType.IDENTITY_CLASH)
    (clash,) = found[EventType.IDENTITY_CLASH]
    details = clash["details"]
    assert details["overlap_h"] == pytest.approx(3.0, abs=0.1)
    assert details["switches"] >= 40
    first, second = details["extents"]
    assert first["fixes"] == 91 and second["fixes"] == 46
    assert second["lat_min"] > first["lat_max"] + 0.9  # the clone ran ~120 km north of the honest track
    assert found[EventType.POSITION_JUMP] == []  # the clash explains the leaps between the two


def test_names_flipping_between_a_clashing_mmsis_two_ships_are_the_clashs_context() -> None:
    """One MMSI, two ships, each sending its own name: the name flips with the transmitter. The clash is the
    finding; the flip is context. The same flip under an MMSI seen in one place only stays an alarm (nothing
    else explains it)."""
    fleet = Tracks(T0)
    fleet.vessel(10, at=SEA).move(hours=6, every_min=4, knots=10, course_deg=90)
    fleet.vessel(10, at=north(SEA, 120), start=T0 + timedelta(hours=1, minutes=2)).move(
        hours=3, every_min=4, knots=9, course_deg=270
    )
    fleet.vessel(20, at=north(SEA, -60)).move(hours=6, every_min=4, knots=10, course_deg=90)
    for k in range(8):
        for mmsi in (10, 20):
            fleet.static(mmsi, T0 + timedelta(minutes=30 * k), name=("HONEST STAR", "CLONE STAR")[k % 2])
    found = events_of(fleet, EventType.IDENTITY_CLASH, EventType.INVALID_IDENTITY)
    assert [c["mmsi"] for c in found[EventType.IDENTITY_CLASH]] == [10]
    changes = {e["mmsi"]: e for e in found[EventType.INVALID_IDENTITY] if e["details"]["check"] == "identity_change"}
    assert changes[10]["score"] < 0.3 and "identity_clash" in changes[10]["reason"]
    assert changes[20]["score"] >= 0.3


def test_a_fast_craft_is_not_a_jump() -> None:
    fleet = Tracks(T0)
    fleet.vessel(20, at=SEA).move(hours=3, every_min=10, knots=32, course_deg=90)  # a 32-kn ferry
    fleet.vessel(21, at=north(SEA, 30)).move(hours=6, every_min=120, knots=30, course_deg=90)  # sparse fixes
    found = events_of(fleet, EventType.POSITION_JUMP, EventType.IDENTITY_CLASH)
    assert found[EventType.POSITION_JUMP] == [] and found[EventType.IDENTITY_CLASH] == []


@pytest.mark.parametrize(
    ("mmsi", "fmt"),
    [
        (111_412_123, MmsiFormat.SAR_AIRCRAFT),
        (841_212_345, MmsiFormat.HANDHELD),
        (41_234_567, MmsiFormat.GROUP),  # 041234567: leading zero implied
        (4_121_234, MmsiFormat.COAST),  # 004121234
        (984_121_234, MmsiFormat.PARENT_CRAFT),
        (994_121_234, MmsiFormat.ATON),
        (970_123_456, MmsiFormat.SART),
        (972_123_456, MmsiFormat.MOB),
        (974_123_456, MmsiFormat.EPIRB),
        (123_456_789, MmsiFormat.PLACEHOLDER),
        (199_999_999, MmsiFormat.NONE),
    ],
)
def test_a_vessel_under_a_non_ship_mmsi_is_invalid_identity_with_the_format_named(mmsi: int, fmt: MmsiFormat) -> None:
    fleet = Tracks(T0)
    fleet.vessel(mmsi, at=SEA).move(hours=6, every_min=10, knots=11, course_deg=45)  # sails like a ship
    fleet.vessel(412_123_456, at=north(SEA, 50)).move(hours=6, every_min=10, knots=11, course_deg=45)
    (event,) = events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY]
    assert event["mmsi"] == mmsi and event["details"]["mmsi_format"] == fmt.value
    assert event["details"]["check"] in ("mmsi", "mmsi_format") and event["score"] >= 0.3
    assert fmt.value in event["reason"] or "fits no" in event["reason"]


def test_a_short_burst_from_a_distress_beacon_is_no_ship() -> None:
    fleet = Tracks(T0)
    fleet.vessel(970_123_456, at=SEA).stay(hours=0.1, every_min=1)  # a SART being tested: minutes, not hours
    assert events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY] == []


def test_mmsi_formats() -> None:
    assert mmsi_kind(445_123_456).format is MmsiFormat.SHIP and mmsi_kind(445_123_456).ship
    assert not mmsi_kind(799_123_456).ship  # ship-station format, but MID 799 is allocated to nobody
    assert mmsi_kind(111_445_001).mid == 445 and mmsi_kind(8_445_00001).mid == 445
    assert mmsi_kind(974_011_234).mid is None
    assert non_ship_problem(445_123_456) is None
    assert "digits" in (mmsi_problem(79_912_345) or "")  # malformed stays malformed
    problem = non_ship_problem(79_912_345)
    assert problem is not None and problem[0] is MmsiFormat.GROUP and "unallocated" in problem[1]


def test_an_imo_with_two_zeros_appended_is_named_and_context() -> None:
    """Real DMA type-5 reports carry 900327500: IMO 9003275 (valid) with "00" typed after it. A wrong check
    digit stays an alarm."""
    fleet = Tracks(T0)
    for mmsi in (30, 31):
        fleet.vessel(mmsi, at=north(SEA, mmsi)).move(hours=1, every_min=6, knots=10, course_deg=90)
    fleet.static(30, T0, imo=900327500, name="TROUT")
    fleet.static(31, T0, imo=9003276, name="NOT TROUT")
    found = events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY]
    imo = {e["mmsi"]: e for e in found if e["details"]["check"] == "imo"}
    assert imo[30]["score"] < 0.3 and "IMO 9003275" in imo[30]["reason"]
    assert imo[31]["score"] >= 0.3


def test_an_imo_field_that_is_not_seven_digits_is_context() -> None:
    """Real MarineCadastre reports carry 526 or 101259957 in the IMO field: no IMO number at all, unlike a
    7-digit one with a wrong check digit (a red flag of the advisories)."""
    fleet = Tracks(T0)
    for mmsi in (32, 33, 34):
        fleet.vessel(mmsi, at=north(SEA, mmsi)).move(hours=1, every_min=6, knots=10, course_deg=90)
    fleet.static(32, T0, imo=526, name="SHORT")
    fleet.static(33, T0, imo=101259957, name="LONG")
    fleet.static(34, T0, imo=9074728, name="ONE OFF")
    found = events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY]
    imo = {e["mmsi"]: e for e in found if e["details"]["check"] == "imo"}
    assert imo[32]["score"] < 0.3 and "not an IMO number" in imo[32]["reason"]
    assert imo[33]["score"] < 0.3 and "9 digits" in imo[33]["reason"]
    assert imo[34]["score"] >= 0.3


def test_a_burst_of_far_fixes_over_minutes_at_sea_is_noise_context() -> None:
    """Real logs hold bursts of 2-4 fixes far off for a minute or two, then back: noise as likely as a spoof
    (reference.md §7), so context; the same run for half an hour is an excursion alarm (the parametrised
    test above)."""
    found = events_of(with_excursion(1.0, 3 / 60, 1.0), EventType.POSITION_JUMP, EventType.IDENTITY_CLASH)
    (jump,) = found[EventType.POSITION_JUMP]
    assert jump["details"]["kind"] == "excursion" and jump["details"]["on_land"] == 0
    assert jump["score"] < 0.3 and "noise" in jump["reason"]


def test_a_long_excursion_is_one_event_not_two_one_way_jumps() -> None:
    """Two and a half hours 200 km away: after that long even the far fixes are 'reachable' at 50 kn, yet the leap back
    lands on the track, so it is one excursion (an alarm), not a jump away and a jump back (context)."""
    found = events_of(with_excursion(2.0, 2.5, 2.0), EventType.POSITION_JUMP, EventType.IDENTITY_CLASH)
    (jump,) = found[EventType.POSITION_JUMP]
    assert jump["details"]["kind"] == "excursion" and jump["score"] >= 0.3


ON_LAND = (39.0, 125.75)  # near Pyongyang


def with_land_excursion(away_h: float, away_every_min: float) -> Tracks:
    """Vessel 1 sails east at 12 kn, fixes every 2 min; for `away_h` its reports come from ON_LAND instead."""
    fleet = Tracks(T0)
    ship = fleet.vessel(1, at=SEA).move(hours=2, every_min=2, knots=12, course_deg=90)
    ship.silent(hours=away_h + 4 / 60, knots=12, course_deg=90).move(hours=2, every_min=2, knots=12, course_deg=90)
    fleet.vessel(1, at=ON_LAND, start=T0 + timedelta(hours=2, minutes=2)).move(
        hours=away_h, every_min=away_every_min, knots=0, course_deg=0
    )
    return fleet


def test_a_burst_of_two_fixes_on_land_within_minutes_is_a_glitch_but_a_lasting_one_an_alarm() -> None:
    """Real MarineCadastre: MMSI 338415278 jumps 43 nm inland for 2 fixes over 3 min and is back: a receiver
    glitch (a spoof to land lasts), context; the same on land for an hour stays an alarm, raised for land."""
    (glitch,) = events_of(with_land_excursion(1 / 60, 1), EventType.POSITION_JUMP)[EventType.POSITION_JUMP]
    assert glitch["details"]["kind"] == "excursion" and glitch["details"]["on_land"] == 2
    assert glitch["score"] < 0.3 and "noise" in glitch["reason"] and "on land" in glitch["reason"]
    (spoof,) = events_of(with_land_excursion(1.0, 5), EventType.POSITION_JUMP)[EventType.POSITION_JUMP]
    assert spoof["details"]["on_land"] > 2 and spoof["score"] >= 0.8


def test_a_us_coast_guard_number_in_the_imo_field_is_context() -> None:
    """Real MarineCadastre: 55 US vessels send their Coast Guard official number (1.0-1.4 M) as IMO; the same
    value from another flag, or a 7-digit US value beyond that range failing the check, stays an alarm."""
    fleet = Tracks(T0)
    for k, mmsi in enumerate((368113360, 412000035, 368201210)):
        fleet.vessel(mmsi, at=north(SEA, k)).move(hours=1, every_min=6, knots=10, course_deg=90)
    fleet.static(368113360, T0, imo=1297828, name="US BOAT")
    fleet.static(412000035, T0, imo=1297828, name="NOT US")
    fleet.static(368201210, T0, imo=9565581, name="ONE OFF")
    found = events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY]
    imo = {e["mmsi"]: e for e in found if e["details"]["check"] == "imo"}
    assert imo[368113360]["score"] < 0.3 and "Coast Guard official number" in imo[368113360]["reason"]
    assert imo[412000035]["score"] >= 0.3 and imo[368201210]["score"] >= 0.3


def test_a_call_sign_one_typed_character_off_is_a_slip_not_a_new_identity() -> None:
    """Real MarineCadastre: MMSI 368199810 sends call sign WDM3715, then WMD3715 (two letters swapped): a
    typing slip, context; a wholly new call sign, or a new name as well, stays an alarm."""
    fleet = Tracks(T0)
    for k, mmsi in enumerate((368199810, 41, 42)):
        fleet.vessel(mmsi, at=north(SEA, k)).move(hours=2, every_min=6, knots=10, course_deg=90)
    for mmsi, first, then in (
        (368199810, ("SEA DOG", "WDM3715"), ("SEA DOG", "WMD3715")),
        (41, ("SEA DOG", "WDM3715"), ("SEA DOG", "WDI4240")),
        (42, ("SEA DOG", "WDM3715"), ("SEA CAT", "WDM3716")),
    ):
        fleet.static(mmsi, T0, name=first[0], callsign=first[1])
        fleet.static(mmsi, T0 + timedelta(hours=1), name=then[0], callsign=then[1])
    found = events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY]
    changes = {e["mmsi"]: e for e in found if e["details"]["check"] == "identity_change"}
    assert changes[368199810]["score"] < 0.3 and "one typed character" in changes[368199810]["reason"]
    assert changes[41]["score"] >= 0.3 and changes[42]["score"] >= 0.3


def test_identities_changed_only_years_apart_are_a_sale_or_a_reassigned_mmsi() -> None:
    """Real data in one store: MMSI 257470000 is EK-RIVER in a DMA log of 2010 and OSLO BULK 5 in
    MarineCadastre 2022 (a Norwegian MMSI reassigned): context. Swaps within days stay an alarm."""
    fleet = Tracks(T0)
    for k, mmsi in enumerate((257470000, 43)):
        fleet.vessel(mmsi, at=north(SEA, k)).move(hours=2, every_min=6, knots=10, course_deg=90)
    fleet.static(257470000, T0, imo=9056868, name="EK-RIVER", callsign="LAIN7")
    fleet.static(257470000, T0 + timedelta(days=4223), imo=9485796, name="OSLO BULK 5", callsign="LAIC8")
    fleet.static(43, T0, name="SEA DOG", callsign="WDM3715")
    fleet.static(43, T0 + timedelta(days=800), name="SEA CAT", callsign="WDI4240")
    fleet.static(43, T0 + timedelta(days=803), name="SEA DOG", callsign="WDM3715")
    found = events_of(fleet, EventType.INVALID_IDENTITY)[EventType.INVALID_IDENTITY]
    changes = {e["mmsi"]: e for e in found if e["details"]["check"] == "identity_change"}
    assert changes[257470000]["score"] < 0.3 and "years or more after" in changes[257470000]["reason"]
    assert changes[43]["score"] >= 0.3  # back to the old identity three days later
