"""ais_gap on small frames built here: a silence is an alarm only where the vessel would have been heard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowfleet.core.events import EventType
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import Config
from shadowfleet.detect.registry import Partition
from shadowfleet.detect.runner import STATIC_FRAME
from shadowfleet.detect.silence import _likely
from tracks import run_detector

H = 3_600_000_000  # µs per hour
T0 = 1_709_251_200_000_000  # 2024-03-01 00:00 UTC, µs
SEA = (35.0, 124.0)  # Yellow Sea, ~100 nm from any shore
WEST = (35.0, 122.5)  # the Yellow Sea's western half: room to sail east for a day


def fixes(mmsi: int, times_h: list[float] | np.ndarray, at: tuple[float, float], east_kn: float = 0.0) -> pl.DataFrame:
    t = np.asarray(times_h, float)
    lon = at[1] + east_kn * t * 1852 / (111_320 * np.cos(np.radians(at[0])))
    return pl.DataFrame(
        {
            "mmsi": np.full(len(t), mmsi, np.int64),
            "ts": (T0 + t * H).astype(np.int64),
            "lat": np.full(len(t), at[0]),
            "lon": lon,
            "source": ["test"] * len(t),
            "line": np.arange(len(t), dtype=np.int64) + mmsi * 100_000,
        }
    )


def every(start_h: float, end_h: float, step_min: float) -> np.ndarray:
    return np.arange(start_h, end_h + 1e-9, step_min / 60)


def without(times: np.ndarray, start_h: float, end_h: float) -> np.ndarray:
    return times[(times <= start_h) | (times >= end_h)]


def all_gaps(
    *frames: pl.DataFrame, config: Config | None = None, static: pl.DataFrame | None = None
) -> list[dict[str, Any]]:
    tracks = pl.concat(frames).sort("mmsi", "ts", "line")
    recording = Coverage.of([(int(tracks["ts"].min()), int(tracks["ts"].max()))])  # type: ignore[arg-type]
    declared = pl.DataFrame(schema=STATIC_FRAME) if static is None else static
    part = Partition(tracks, declared, recording, config or Config.load())
    return [{**r, "details": json.loads(r["details"])} for r in run_detector(EventType.AIS_GAP, part)]


def gaps_of(
    *frames: pl.DataFrame, config: Config | None = None, static: pl.DataFrame | None = None
) -> dict[int, dict[str, Any]]:
    """Each vessel's (last) gap."""
    return {r["mmsi"]: r for r in all_gaps(*frames, config=config, static=static)}


def near(at: tuple[float, float], north_km: float) -> tuple[float, float]:
    return at[0] + north_km / 111.2, at[1]


def test_a_silence_while_others_nearby_are_heard_is_an_alarm() -> None:
    dark = fixes(1, without(every(0, 40, 5), 10, 23), WEST, east_kn=5)  # 13 h dark, sailing on
    neighbour = fixes(2, every(0, 40, 10), near(WEST, 20), east_kn=5)  # sails alongside, 20 km off, heard
    found = gaps_of(dark, neighbour)
    gap = found[1]
    assert gap["details"]["reception"] == "heard" and gap["score"] >= 0.9
    assert gap["details"]["unheard_h"] == 0 and "unlikely to be chance" in gap["reason"]
    assert gap["details"]["chance_of_silence"] < 1e-6 and gap["details"]["own_hit_rate"] > 0.9
    assert 2 not in found


def declared(mmsi: int, msg_type: int) -> pl.DataFrame:
    """One static row of `mmsi` from a message of this type (5: class A, 24: class B)."""
    row = {**dict.fromkeys(STATIC_FRAME), "mmsi": mmsi, "ts": T0, "name": "X", "msg_type": msg_type, "line": 1}
    return pl.DataFrame([row], schema=STATIC_FRAME)


def test_a_class_b_silence_must_be_far_less_likely_to_be_an_alarm() -> None:
    # satellite passes every 2 h; a vessel heard on every pass before and after misses 7 in a row (~1e-7 by
    # chance at its rate): an alarm for a class A ship, context for a class B set, which satellites hear
    # far less regularly than its neighbours' share says (2 W, carrier-sense)
    passes = np.arange(0.5, 70, 2.0)
    heard = np.sort(np.concatenate([passes, passes + 0.05, passes + 0.1]))
    neighbours = [fixes(10 + k, heard + 0.01 * k, near(SEA, 10 + 5 * k)) for k in range(3)]
    dark = fixes(1, without(heard, 19, 33), SEA)
    as_a = gaps_of(dark, *neighbours, static=declared(1, 5))[1]
    as_b = gaps_of(dark, *neighbours, static=declared(1, 24))[1]
    assert as_a["details"]["reception"] == "heard" and as_a["score"] >= 0.3 and not as_a["details"]["class_b"]
    assert as_a["details"]["chance_of_silence"] > 1e-9
    assert as_b["details"]["reception"] == "likely_missed" and as_b["score"] < 0.3 and as_b["details"]["class_b"]
    assert "class B" in as_b["reason"]


def test_a_coverage_hole_silences_everybody_and_is_context_not_an_alarm() -> None:
    # nobody within reach is heard from 10 h to 20 h: the vessel's silence is the receivers', not its own
    dark = fixes(1, without(every(0, 40, 5), 10, 20), SEA)
    neighbour = fixes(2, without(every(0, 40, 10), 10, 20), near(SEA, 15))
    far_away = fixes(3, every(0, 40, 10), near(SEA, 150))  # heard, but 150 km off: another sky
    found = gaps_of(dark, neighbour, far_away)
    for mmsi in (1, 2):
        gap = found[mmsi]
        assert gap["score"] < 0.3
        assert gap["details"]["reception"] == "coverage_hole" and gap["details"]["unheard_h"] >= 8
        assert "coverage hole" in gap["reason"]


def test_a_hole_over_part_of_a_long_gap_still_leaves_an_alarm() -> None:
    # 20 h silent; the area was unheard for 6 h of it, heard for the other 14 h
    dark = fixes(1, without(every(0, 40, 5), 8, 28), SEA)
    neighbour = fixes(2, without(every(0, 40, 10), 12, 18), near(SEA, 10))
    gap = gaps_of(dark, neighbour)[1]
    assert gap["details"]["reception"] == "heard" and gap["score"] >= 0.3
    assert 5 <= gap["details"]["unheard_h"] <= 6


def test_satellite_passes_every_two_hours_are_reception_not_a_hole() -> None:
    passes = np.arange(0.5, 70, 2.0)  # a 10-minute pass every 2 h: a few fixes each
    heard = np.sort(np.concatenate([passes, passes + 0.05, passes + 0.1]))
    neighbour = fixes(2, heard, near(SEA, 25))
    # missed by 11 passes in a row, having been heard on every pass before and after: not chance
    gap = gaps_of(fixes(1, without(heard, 19, 41), SEA), neighbour)[1]
    assert gap["details"]["reception"] == "heard" and gap["score"] >= 0.3
    # missed by 3 passes: a satellite-only track misses that many by chance (collisions, reference.md §7)
    short = gaps_of(fixes(1, without(heard, 19, 25.5), SEA), neighbour)[1]
    assert short["details"]["reception"] == "likely_missed" and short["score"] < 0.3
    assert "missed by chance" in short["reason"]


def test_a_vessel_often_missed_around_its_gap_is_context() -> None:
    """A ship heard on only half the passes where its neighbours are (a class B set in a crowded cell)
    misses ten in a row by chance one time in a thousand: context, not an alarm."""
    passes = np.arange(0.5, 90, 1.5)
    neighbours = [fixes(10 + k, passes + 0.02 * k, near(SEA, 5 + 3 * k)) for k in range(5)]
    rng = np.random.default_rng(7)
    half = passes[rng.random(len(passes)) < 0.5]
    three = np.sort(np.concatenate([half, half + 0.03, half + 0.06]))  # 1-3 messages a pass (reference.md §7)
    found = all_gaps(fixes(1, without(three, 40, 55), SEA), *neighbours)
    gap = next(g for g in found if g["mmsi"] == 1 and g["start_time"] < T0 + 41 * H < g["end_time"])
    assert gap["details"]["reception"] == "likely_missed" and gap["score"] < 0.3
    assert 0.3 < gap["details"]["own_hit_rate"] < 0.7


def test_hours_with_nobody_near_are_judged_by_its_own_hourly_rate() -> None:
    """Off an empty coast (a passer-by every 3 h, nobody between) a ship heard every 5 minutes before and after
    falls silent for 13 h: the empty hours count at its own rate, heard or not by others, so it is an alarm
    (simulated Jeju, seed 3, terrestrial: it was context, judged on the 4 hours others were heard)."""
    dark = fixes(1, without(every(0, 40, 5), 10, 23), SEA)
    before = fixes(2, every(0, 9.5, 10), near(SEA, 10))
    after = fixes(3, every(23.5, 40, 10), near(SEA, 12))
    passers = [fixes(10 + k, every(h + 0.1, h + 0.6, 10), near(SEA, 15 + k)) for k, h in enumerate((11, 14, 17, 20))]
    gap = gaps_of(dark, before, after, *passers)[1]
    assert gap["details"]["reception"] == "heard" and gap["score"] >= 0.3
    # with the passers-by heard in every hour instead, the same silence was already an alarm; with nobody
    # present in those hours and a ship heard only every other hour around the gap, 10 h silent, it stays context
    sparse = fixes(1, without(every(0, 40, 120), 10, 19), SEA)
    assert gaps_of(sparse, before, after, *passers).get(1, {"score": 0.0})["score"] < 0.3


def test_a_sparse_track_cannot_show_a_silence() -> None:
    # one fix every 4 h before a 7-h silence: that is its rhythm, not a gap
    sparse = fixes(1, [0, 4, 8, 12, 19, 23], SEA)
    neighbour = fixes(2, every(0, 24, 10), near(SEA, 10))
    gap = gaps_of(sparse, neighbour)[1]
    assert gap["score"] < 0.3 and gap["details"]["reception"] == "sparse_track"
    assert "too sparse" in gap["reason"]


def test_an_open_gap_is_an_event_and_an_alarm_where_others_are_heard() -> None:
    dark = fixes(1, every(0, 20, 5), SEA)  # falls silent at 20 h, data recorded until 96 h
    neighbour = fixes(2, every(0, 96, 15), near(SEA, 10))
    gap = gaps_of(dark, neighbour)[1]
    assert gap["details"]["open"] is True and gap["score"] >= 0.3
    assert gap["end_time"] == T0 + 96 * H


def test_reception_follows_the_vessel_between_the_gap_ends() -> None:
    # the vessel sails 12 h into an unheard area and out again: heard near its ends, not where it was
    dark = fixes(1, without(every(0, 30, 5), 9, 21), WEST, east_kn=8)
    start_neighbour = fixes(2, every(0, 30, 10), near((35.0, 122.5 + 9 * 8 * 1852 / 91_200), 5))
    far_end = (35.0, 122.5 + 21 * 8 * 1852 / 91_200)
    end_neighbour = fixes(3, every(0, 30, 10), near(far_end, 5))
    # a companion alongside, present there (between its fixes) and unheard as long: the area was not heard
    companion = fixes(4, without(every(0, 30, 10), 9, 21), near(WEST, 15), east_kn=8)
    gap = gaps_of(dark, start_neighbour, end_neighbour, companion)[1]
    assert gap["details"]["reception"] == "coverage_hole" and gap["score"] < 0.3


def test_an_empty_sea_is_no_coverage_hole() -> None:
    """With nobody at all where it sailed, nobody's silence says the receivers were deaf: a ship heard every
    5 minutes before and after is judged at its own rate, and 12 h of silence is an alarm (simulated Sea of
    Japan, seeds 3 and 5, terrestrial: both coastal dark periods were read as coverage holes)."""
    dark = fixes(1, without(every(0, 30, 5), 9, 21), WEST, east_kn=8)
    start_neighbour = fixes(2, every(0, 30, 10), near((35.0, 122.5 + 9 * 8 * 1852 / 91_200), 5))
    far_end = (35.0, 122.5 + 21 * 8 * 1852 / 91_200)
    end_neighbour = fixes(3, every(0, 30, 10), near(far_end, 5))
    gap = gaps_of(dark, start_neighbour, end_neighbour)[1]
    assert gap["details"]["reception"] == "heard" and gap["score"] >= 0.3
    assert gap["details"]["unheard_h"] == 0


def test_each_hour_of_a_gap_counts_at_the_share_of_neighbours_heard_then() -> None:
    """Ten ships around it, all heard on every pass before and after, as it is. If on the passes of its
    silence all ten are heard too, missing ten passes is no chance; if collisions let one of them through a
    pass (a crowd gathered), its misses are what everybody's were: context."""
    passes = np.arange(0.5, 90, 1.5)
    gap = (passes > 40) & (passes < 55)
    dark = fixes(1, without(np.sort(np.concatenate([passes, passes + 0.03])), 40, 55), SEA)
    heard_all = [fixes(10 + k, passes + 0.01 * k, near(SEA, 3 + 2 * k)) for k in range(10)]
    rotating = [
        fixes(10 + k, passes[~gap | (np.cumsum(gap) % 10 == k)] + 0.01 * k, near(SEA, 3 + 2 * k)) for k in range(10)
    ]
    clear = gaps_of(dark, *heard_all)[1]
    assert clear["details"]["reception"] == "heard" and clear["score"] >= 0.3
    assert clear["details"]["audibility"] > 1.0
    crowded = gaps_of(dark, *rotating)[1]
    assert crowded["details"]["reception"] == "likely_missed" and crowded["score"] < 0.3
    assert crowded["details"]["expected_heard_h"] < 3 < clear["details"]["expected_heard_h"]


@settings(max_examples=25, deadline=None)
@given(
    start=st.floats(12, 40),  # at least 12 h of reporting before (GFW's look-back, reference.md §1)
    # the neighbour's silence as long: up to 24 h the map places it on the line between its fixes (present,
    # unheard); beyond, where it was is unknown (GFW's segmenter, reference.md §1) and the sea reads empty
    hours=st.floats(12, 23.5),  # the silence between fixes runs a report interval longer: <= 24 h
    neighbour_km=st.floats(0, 30),
    every_min=st.sampled_from([2.0, 6.0, 20.0]),
)
def test_nobody_heard_during_a_gap_is_never_an_alarm(
    start: float, hours: float, neighbour_km: float, every_min: float
) -> None:
    """Whatever the gap and however dense the vessel's own reports, a silence shared by every vessel near
    it is never an alarm; the same gap with the neighbour heard throughout always is."""
    times = every(0, start + hours + 10, every_min)
    dark = fixes(1, without(times, start, start + hours), SEA)
    silent = fixes(2, without(every(0, start + hours + 10, 10), start, start + hours), near(SEA, neighbour_km))
    heard = fixes(2, every(0, start + hours + 10, 10), near(SEA, neighbour_km))
    assert all(g["score"] < 0.3 for g in gaps_of(dark, silent).values())
    assert gaps_of(dark, heard)[1]["score"] >= 0.3


def test_a_silence_of_gfws_intentional_length_is_judged_less_strictly(tmp_path: Path) -> None:
    """>= 12 h (GFW's "intentional disabling" length) over >= 5 heard hours: `max_chance_long`; shorter, or
    over fewer heard hours: `max_chance`. Thresholds set here so only the rule, not the chances, decides."""
    override = tmp_path / "t.toml"
    override.write_text("[ais_gap]\nmax_chance = 1e-300\nmax_chance_long = 1.0\n")
    config = Config.load(override)
    passes = np.arange(0.5, 90, 1.5)  # a satellite pass every 1.5 h; the neighbours are heard on each
    neighbours = [fixes(10 + k, passes + 0.02 * k, near(SEA, 5 + 3 * k)) for k in range(3)]
    long_gap = fixes(1, without(passes, 30, 44), SEA)  # 14 h: 9 passes missed
    short_gap = fixes(2, without(passes, 30, 39.5), near(SEA, 2))  # 9.5 h
    found = gaps_of(long_gap, short_gap, *neighbours, config=config)
    assert found[1]["details"]["reception"] == "heard" and found[1]["score"] >= 0.3
    assert found[2]["details"]["reception"] == "likely_missed" and found[2]["score"] < 0.3
    # the neighbours sail off 3 h into it: 2 heard hours, the rest nobody near (judged at its own rate)
    gone = [fixes(10 + k, passes[passes < 33] + 0.02 * k, near(SEA, 5 + 3 * k)) for k in range(3)]
    thin = gaps_of(long_gap, *gone, config=config)[1]
    assert thin["details"]["reception"] == "likely_missed" and thin["details"]["heard_h"] < 5


def test_a_ship_that_did_not_sail_straight_may_have_been_in_a_hole_off_its_line() -> None:
    """It reports 10 kn at both ends of a 14 h silence yet comes back where it fell silent: it went somewhere,
    up to 70 nm away. Around it neighbours are heard throughout; north of it, 60-120 km off, a group is present
    and unheard the whole time (a coverage hole's edge). The hole it could have been in explains the silence:
    context. Reporting 0.3 kn (it stayed), the same silence is an alarm."""
    times = without(every(0, 40, 5), 10, 24)
    neighbours = [fixes(10 + k, every(0, 40, 10) + 0.01 * k, near(SEA, 3 + 2 * k)) for k in range(3)]
    hole = [fixes(20 + k, without(every(0, 40, 10), 10.5, 23.5), near(SEA, 60 + 30 * k)) for k in range(3)]
    sailing = fixes(1, times, SEA).with_columns(pl.lit(10.0).alias("sog_kn"))
    stayed = fixes(1, times, SEA).with_columns(pl.lit(0.3).alias("sog_kn"))
    others = [f.with_columns(pl.lit(10.0).alias("sog_kn")) for f in neighbours + hole]
    went = gaps_of(sailing, *others)[1]
    assert went["details"]["reception"] == "coverage_hole" and went["score"] < 0.3
    assert went["details"]["unheard_h"] >= 9
    still = gaps_of(stayed, *others)[1]
    assert still["details"]["reception"] == "heard" and still["score"] >= 0.3
    assert still["details"]["unheard_h"] == 0


def test_only_the_hours_outside_a_coverage_hole_make_a_silence_long(tmp_path: Path) -> None:
    """GFW's "intentional" length is the vessel's silence, not the receivers': 16 h silent of which 9 h were
    a hole over everybody is a 7 h silence (`max_chance`); 22 h with the same hole leaves 13 h
    (`max_chance_long`). Thresholds set here so only the rule, not the chances, decides."""
    override = tmp_path / "t.toml"
    override.write_text("[ais_gap]\nmax_chance = 1e-300\nmax_chance_long = 1.0\n")
    config = Config.load(override)
    passes = np.arange(0.5, 90, 1.0)  # a pass every hour; nobody is heard from 35 h to 44 h
    heard = passes[(passes < 35) | (passes > 44)]
    neighbours = [fixes(10 + k, heard + 0.02 * k, near(SEA, 5 + 3 * k)) for k in range(3)]
    short = gaps_of(fixes(1, without(passes, 30, 46), SEA), *neighbours, config=config)[1]
    assert short["duration_h"] >= 12 and 8 <= short["details"]["unheard_h"] <= short["duration_h"] - 6
    assert short["details"]["reception"] == "likely_missed" and short["score"] < 0.3
    long = gaps_of(fixes(1, without(passes, 28, 50), SEA), *neighbours, config=config)[1]
    assert long["duration_h"] - long["details"]["unheard_h"] >= 12
    assert long["details"]["reception"] == "heard" and long["score"] >= 0.3


def test_a_hole_seen_only_in_the_nearer_ring_is_context() -> None:
    """Deep inside a hole near its edge: the two ships 8-12 km from it fall silent with it for 10 h, while
    three 28-36 km off, beyond the hole's edge, are heard on every pass. Within 40 km somebody is always
    heard, but nobody within 20 km: the hole's, not the vessel's silence. With the near two heard too, the
    same silence is an alarm."""
    dark = fixes(1, without(every(0, 40, 5), 10, 20), SEA)
    inside = [fixes(2 + k, without(every(0, 40, 10), 10.2, 19.8), near(SEA, 8 + 4 * k)) for k in range(2)]
    heard_inside = [fixes(2 + k, every(0, 40, 10), near(SEA, 8 + 4 * k)) for k in range(2)]
    beyond = [fixes(10 + k, every(0, 40, 10) + 0.01 * k, near(SEA, -28 - 4 * k)) for k in range(3)]
    hole = gaps_of(dark, *inside, *beyond)[1]
    assert hole["details"]["reception"] == "coverage_hole" and hole["score"] < 0.3
    assert hole["details"]["unheard_h"] >= 8
    heard = gaps_of(dark, *heard_inside, *beyond)[1]
    assert heard["details"]["reception"] == "heard" and heard["score"] >= 0.3


def test_hours_between_passes_make_no_hole_in_the_nearer_ring() -> None:
    """A convoy sailing east at 2.5 kn under a pass every 2.5 h. The three ships 6-12 km off are heard on
    every other pass, those 25-33 km off on every one: between two passes that heard the near three lie four
    hours with them unheard, but three of those hours had no pass at all. The near ring's rule counts only the
    hours a pass heard somebody further out, so this is no hole, and missing 11 passes in a row that heard the
    ships around it is an alarm."""
    passes = np.arange(0.5, 70, 2.5)
    both = np.sort(np.concatenate([passes, passes + 0.05]))
    every_other = np.sort(np.concatenate([passes[::2], passes[::2] + 0.05]))
    near_ring = [fixes(2 + k, every_other + 0.01 * k, near(WEST, 6 + 3 * k), east_kn=2.5) for k in range(3)]
    outer_ring = [fixes(10 + k, both + 0.01 * k, near(WEST, -25 - 4 * k), east_kn=2.5) for k in range(3)]
    dark = fixes(1, without(both, 30, 57), WEST, east_kn=2.5)
    sailing = [f.with_columns(pl.lit(2.5).alias("sog_kn")) for f in (dark, *near_ring, *outer_ring)]
    gap = gaps_of(*sailing)[1]
    assert gap["details"]["unheard_h"] == 0
    assert gap["details"]["reception"] == "heard" and gap["score"] >= 0.3


def test_a_slow_vessel_may_have_drifted_into_a_hole_beside_its_line() -> None:
    """It reports 0.3 kn at both ends of a 14 h silence and comes back where it fell silent, but a slow ship
    at sea drifts and manoeuvres (`min_reach_kn`, 2 kn: 28 nm in 14 h). 25-35 km north of it a group is
    present and unheard the whole time; south of it, 30-38 km off, neighbours are heard throughout. The hole
    within its drift explains most of the silence (at 0 kn of drift none of it, and it read as an alarm):
    context."""
    times = without(every(0, 40, 5), 10, 24)
    beyond = [fixes(10 + k, every(0, 40, 10) + 0.01 * k, near(SEA, -30 - 4 * k)) for k in range(3)]
    hole = [fixes(20 + k, without(every(0, 40, 10), 10.5, 23.5), near(SEA, 25 + 5 * k)) for k in range(3)]
    drifting = fixes(1, times, SEA).with_columns(pl.lit(0.3).alias("sog_kn"))
    others = [f.with_columns(pl.lit(10.0).alias("sog_kn")) for f in beyond + hole]
    gap = gaps_of(drifting, *others)[1]
    assert gap["details"]["unheard_h"] >= 8 and gap["score"] < 0.3


def test_an_hours_share_heard_is_shrunk_towards_the_gaps_passes() -> None:
    """2 of 2 neighbours heard is no certainty where the gap's other passes heard half of those present; 40 of
    40 among passes that heard everybody is close to one."""
    hours = pl.DataFrame(
        {"gap": [0, 0, 0, 1, 1], "heard": [2, 5, 5, 40, 40], "present": [2, 10, 10, 40, 40]},
        schema={"gap": pl.UInt32, "heard": pl.Int64, "present": pl.Int64},
    )
    likely = hours.select(_likely(pl.col("heard"), pl.col("present")))["likely"].to_list()
    assert 0.6 < likely[0] < 0.8 and 0.45 < likely[1] < 0.55
    assert likely[3] > 0.97
