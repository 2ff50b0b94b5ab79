"""The registry, typed parameters and the plan, and detectors called directly on frames built in the test."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest

from shadowfleet.core.events import EventType, JumpKind, details_of
from shadowfleet.core.frames import frame_of
from shadowfleet.detect.events import Config, Params, sources_of
from shadowfleet.detect.plan import Edges, Plan, Window, edges_sql, explained_away
from shadowfleet.detect.registry import Scope, detectors
from tracks import Tracks, find_encounters, run_detector

T0 = datetime(2024, 3, 1, tzinfo=UTC)
SEA = (35.0, 124.0)  # Yellow Sea, ~100 nm from any shore


def test_every_event_type_has_exactly_one_detector_with_its_toml_section() -> None:
    found = detectors()
    assert sorted(d.event_type for d in found) == sorted(EventType)
    config = Config.load()
    for d in found:
        params = d.parameters(config)
        assert isinstance(params, Params) and params.version.startswith(d.name + "/")
        sources = d.params.sources(d.name)
        for f in dataclasses.fields(params):
            assert f.name == "version" or sources.get(f.name), f"[{d.name}] {f.name} has no source comment"
    order = [d.event_type for d in found]
    assert order.index(EventType.AIS_GAP) < order.index(EventType.DRAUGHT_CHANGE)  # draught reads the gaps
    assert [d.event_type for d in found if d.scope is Scope.PAIRS] == [EventType.ENCOUNTER]


def test_parameters_are_typed_and_a_wrong_section_is_refused() -> None:
    loiter = next(d for d in detectors() if d.event_type is EventType.LOITERING)
    params = loiter.parameters(Config.load())
    assert isinstance(params.min_duration_h, float)
    with pytest.raises(ValueError, match="missing"):
        loiter.params.of("loitering", {"version": "x"})
    text = resources.files("shadowfleet.reference").joinpath("detect_defaults.toml").read_text(encoding="utf-8")
    assert set(sources_of(text)) == set(tomllib.loads(text))


def test_toml_source_comments_are_read_per_key() -> None:
    text = '[a]\nx = 1.0   # GFW, reference.md §1\ny = "v/1"\n[b]\nz = [1, 2]  # a list\n'
    assert sources_of(text) == {"a": {"x": "GFW, reference.md §1", "y": ""}, "b": {"z": "a list"}}


def test_loitering_directly_on_a_built_track() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000041, (36.0, 123.0)).stay(hours=6, every_min=10, drift_m=300)
    fleet.vessel(412000042, (36.5, 123.2)).move(hours=6, every_min=10, knots=11, course_deg=45)
    events = run_detector(EventType.LOITERING, fleet.partition())
    assert [e["mmsi"] for e in events] == [412000041]
    details = details_of(EventType.LOITERING, events[0]["details"])
    assert details.hotspot == "korea_bay_yellow_sea" and details.slow_hours == 6


def test_jump_kinds_directly() -> None:
    fleet = Tracks(T0)
    honest = fleet.vessel(7, SEA).stay(hours=1, every_min=2)
    honest.lat += 1.5  # one fix 90 nm away, then back
    honest.silent(hours=2 / 60).fix()
    honest.lat -= 1.5
    honest.silent(hours=2 / 60).stay(hours=1, every_min=2)
    (event,) = run_detector(EventType.POSITION_JUMP, fleet.partition())
    jump = details_of(EventType.POSITION_JUMP, event["details"])
    assert jump.kind is JumpKind.BAD_FIX and jump.off_track_fixes == 1


def test_draught_change_reads_the_gaps_of_the_same_partition() -> None:
    fleet = Tracks(T0)
    fleet.vessel(20, SEA).stay(hours=10, every_min=5).silent(hours=14).stay(hours=2, every_min=5)
    fleet.static(20, datetime(2024, 3, 1, 1, tzinfo=UTC), draught_m=5.0, length_m=80.0, beam_m=12.5)
    fleet.static(20, datetime(2024, 3, 2, 1, tzinfo=UTC), draught_m=7.0, length_m=80.0, beam_m=12.5)
    (event,) = run_detector(EventType.DRAUGHT_CHANGE, fleet.partition())
    change = details_of(EventType.DRAUGHT_CHANGE, event["details"])
    assert change.across_gap and change.tonnes == 1640 and event["score"] >= 0.7


def test_encounter_finder_directly() -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000001, SEA).stay(hours=3, every_min=5)
    fleet.vessel(413000002, (SEA[0] + 300 / 111_195, SEA[1])).stay(hours=3, every_min=5)
    (event,) = find_encounters(fleet)
    assert (event["mmsi"], event["other_mmsi"]) == (412000001, 413000002)
    assert event["distance_m"] == pytest.approx(300, abs=5)
    assert not details_of(EventType.ENCOUNTER, event["details"]).in_port


def row(kind: EventType, mmsi: int, start: int, end: int, other: int | None = None) -> dict[str, Any]:
    return {"event_type": kind.value, "mmsi": mmsi, "other_mmsi": other, "start_time": start, "end_time": end}


def test_explained_away_drops_only_what_a_stronger_event_explains() -> None:
    rows = [
        row(EventType.IDENTITY_CLASH, 1, 10, 20),
        row(EventType.POSITION_JUMP, 1, 15, 16),  # explained by the clash
        row(EventType.POSITION_JUMP, 1, 30, 31),  # after it: kept
        row(EventType.ENCOUNTER, 2, 0, 100, other=3),
        row(EventType.LOITERING, 3, 50, 60),  # beside a visible partner: explained
        row(EventType.LOITERING, 4, 50, 60),
    ]
    kept = explained_away(rows)
    assert [(r["event_type"], r["mmsi"], r["start_time"]) for r in kept] == [
        ("identity_clash", 1, 10),
        ("position_jump", 1, 30),
        ("encounter", 2, 0),
        ("loitering", 4, 50),
    ]


def test_plan_cuts_the_same_way_for_any_engine() -> None:
    hour = 3_600_000_000
    hours = [("a", 0, 10, 0, hour - 1), ("a", 5, 10, 5 * hour, 5 * hour + 10), ("b", 100, 3, 100 * hour, 100 * hour)]
    plan = Plan.of(Window(bbox=(120.0, 30.0, 125.0, 36.0)), hours, Config.load())
    assert plan.buckets == 1 and plan.chunk_us == 2 * hour
    assert plan.chunks() == [0, 2 * hour, 4 * hour, 100 * hour]  # the first two sources merge across 4 h
    inside = plan.window.inside(np.array([35.0, 40.0, np.nan]), np.array([124.0, 124.0, np.nan]))
    assert inside.tolist() == [True, False, True]  # an event without a position is never boxed out


def test_a_chunk_sees_each_vessel_just_across_its_edges() -> None:
    """Stitching: a chunk gets each vessel's last fix within the margin before it and first fix within the
    margin after it, found from the per-chunk first and last fixes (not by reading the margin's fixes)."""
    hour, chunk, margin = 3_600_000_000, 7_200_000_000, 6 * 3_600_000_000
    fleet = Tracks(T0)
    fleet.vessel(1, SEA, T0).stay(hours=1, every_min=30).silent(hours=8).stay(hours=1, every_min=30)  # 0-1 h, 9-10 h
    fleet.vessel(2, SEA, T0).stay(hours=0, every_min=30).silent(hours=4.5).stay(hours=0.5, every_min=30)  # 0, 4.5-5
    fleet.vessel(3, SEA, T0).stay(hours=12, every_min=60)  # every hour
    fixes = fleet.frame()
    con = duckdb.connect()
    con.register("fixes", fixes.to_arrow())
    edges = Edges(frame_of(con.sql(edges_sql("fixes", chunk)).to_arrow_table()), chunk, margin)
    lo = int(T0.timestamp() * 1_000_000) + 4 * hour  # the chunk [4 h, 6 h)
    inside = fixes.filter(pl.col("ts").is_between(lo, lo + chunk - 1))
    seen = edges.around(inside, lo)
    before = fixes.filter(pl.col("ts") < lo).group_by("mmsi", maintain_order=True).last()
    after = fixes.filter(pl.col("ts") >= lo + chunk).group_by("mmsi", maintain_order=True).first()
    expected = (
        pl.concat([inside, before.select(fixes.columns), after.select(fixes.columns)])
        .filter(pl.col("ts").is_between(lo - margin, lo + chunk + margin - 1))
        .sort("mmsi", "ts", "line")
    )
    assert seen.equals(expected)
    assert seen.filter(pl.col("mmsi") == 1)["ts"].to_list() == [lo - 3 * hour, lo + 5 * hour]  # silent across it
    assert seen.filter(pl.col("mmsi") == 2).height == 3  # its fix at 0 h, both inside, none after


def test_a_user_override_reaches_the_detector(tmp_path: Path) -> None:
    fleet = Tracks(T0)
    fleet.vessel(412000041, (36.0, 123.0)).stay(hours=3, every_min=10)
    assert run_detector(EventType.LOITERING, fleet.partition()) == []  # 3 h < the 4 h default
    (tmp_path / "c.toml").write_text("[loitering]\nmin_duration_h = 2.0\n")
    assert len(run_detector(EventType.LOITERING, fleet.partition(), tmp_path / "c.toml")) == 1
