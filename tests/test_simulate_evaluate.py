"""Ground truth: simulate a scenario, ingest it, detect, and score against the planted cases; and the
scoring rules of `evaluate` on small hand-made truths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cli import ingest_json, run
from shadowfleet.evaluate import EVENT_TYPES, evaluate, is_alarm
from shadowfleet.simulate import simulate

DECOYS = {
    "outer_anchorage",
    "silenced_by_coverage_hole",
    "anchorage_pair",
    "fast_crossing",
    "pair_trawlers",
    "tug_assist",
    "short_dropout",
    "typo_draught",
}


@pytest.mark.parametrize(
    ("seed", "region", "reception"),
    [(3, "sea_of_japan", "mixed"), (2, "east_china_sea", "terrestrial")],  # the generator tests cover every region
)
def test_pipeline_scores_every_type_and_finds_the_listed_chain(
    tmp_path: Path, seed: int, region: str, reception: str
) -> None:
    sim = tmp_path / "sim"
    simulate(sim, 10, 3, seed, region, reception)  # in this process (the command is run below and by the demo)
    report = ingest_json(sim / "ais.csv", "--store", tmp_path / "store")
    assert report["rejected"] == 0 and report["accepted"] > 10_000
    detect = run("detect", "--store", tmp_path / "store", "--out", tmp_path / "events.parquet", "--json")
    assert detect.returncode == 0, detect.stderr
    scores = run("evaluate", "--truth", sim / "truth.json", "--events", tmp_path / "events.parquet", "--json")
    assert scores.returncode == 0, scores.stderr
    evaluation = json.loads(scores.stdout)
    assert evaluation["reception"] == reception
    assert set(evaluation["by_type"]) == set(EVENT_TYPES)
    assert all(score["cases"] >= 1 for score in evaluation["by_type"].values())
    # the demo's chain (feeder -> A -> listed CHON MA SAN -> Nampo) is heard by shore stations in both
    # models and today's detectors find it: the demo and the risk tests build on it
    truth = json.loads((sim / "truth.json").read_text())
    events = pq.read_table(tmp_path / "events.parquet").to_pylist()
    for case in [c for c in truth["cases"] if c["detail"] in ("feeder", "listed", "port_call")]:
        assert any(_same(case, e) for e in events if is_alarm(e)), case


def _same(case: dict[str, Any], event: dict[str, Any]) -> bool:
    vessels = {case["mmsi"], case["other_mmsi"]} - {None}
    return event["event_type"] == case["kind"] and {event["mmsi"], event["other_mmsi"]} - {None} == vessels


@pytest.mark.parametrize("region", ["sea_of_japan"])  # the pipeline tests and the generator's cover the others
def test_simulation_is_reproducible_and_lists_every_type_and_decoy(tmp_path: Path, region: str) -> None:
    for name in ("a", "b"):  # in this process: the same seed must not depend on a fresh interpreter either
        simulate(tmp_path / name, 3, 3, 5, region)
    assert (tmp_path / "a" / "ais.csv").read_bytes() == (tmp_path / "b" / "ais.csv").read_bytes()
    truth = json.loads((tmp_path / "a" / "truth.json").read_text())
    assert truth["region"] == region
    assert {c["kind"] for c in truth["cases"]} == set(EVENT_TYPES)  # a planted case of every event type
    assert {d["kind"] for d in truth["decoys"]} == DECOYS
    assert all(set(d["not_alarms"]) <= set(EVENT_TYPES) and d["not_alarms"] for d in truth["decoys"])
    assert truth["reception"] == "mixed" and truth["coverage_holes"] and truth["anchorages"]


def test_unknown_reception_is_refused(tmp_path: Path) -> None:
    result = run("simulate", "--out", tmp_path, "--reception", "radio")
    assert result.returncode != 0 and "unknown reception" in result.stdout + result.stderr


# --- evaluate's rules on hand-made truth ---------------------------------------------------------

TRUTH: dict[str, Any] = {
    "reception": "mixed",
    "cases": [
        {
            "kind": "encounter",
            "mmsi": 1,
            "other_mmsi": 2,
            "start": "2024-03-01T10:00:00+00:00",
            "end": "2024-03-01T14:00:00+00:00",
        },
        {
            "kind": "ais_gap",
            "mmsi": 3,
            "other_mmsi": None,
            "start": "2024-03-02T00:00:00+00:00",
            "end": "2024-03-02T12:00:00+00:00",
        },
    ],
    "decoys": [
        {
            "kind": "outer_anchorage",
            "mmsi": 7,
            "other_mmsi": None,
            "start": "2024-03-01T00:00:00+00:00",
            "end": "2024-03-01T20:00:00+00:00",
            "not_alarms": ["encounter"],
        },
        {
            "kind": "silenced_by_coverage_hole",
            "mmsi": 9,
            "other_mmsi": None,
            "start": "2024-03-01T00:00:00+00:00",
            "end": "2024-03-01T12:00:00+00:00",
            "not_alarms": ["ais_gap"],
        },
    ],
    "anchorages": [{"name": "X outer anchorage", "port": "X", "lat": 36.0, "lon": 121.0, "radius_m": 2000.0}],
    "coverage_holes": [
        {
            "lat_min": 35.0,
            "lat_max": 36.0,
            "lon_min": 123.0,
            "lon_max": 124.0,
            "start": "2024-03-01T02:00:00+00:00",
            "end": "2024-03-01T12:00:00+00:00",
        }
    ],
}


def _event(kind: str, mmsi: int, other: int | None, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"{kind}-{mmsi}-{start}",
        "event_type": kind,
        "mmsi": mmsi,
        "other_mmsi": other,
        "start_time": f"2024-03-{start}+00:00",
        "end_time": f"2024-03-{end}+00:00",
        "score": extra.pop("score", 0.8),
        "reason": "r",
        "details": json.dumps(extra.pop("details", {})),
        "lat": extra.pop("lat", 30.0),
        "lon": extra.pop("lon", 125.0),
    }


def _evaluate(tmp_path: Path, events: list[dict[str, Any]]) -> Any:
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(TRUTH))
    return evaluate(path, events)


def test_alarms_are_scored_at_least_0_3_and_not_in_port(tmp_path: Path) -> None:
    events = [
        _event("encounter", 2, 1, "01T11:00:00", "01T13:00:00"),  # the pair in either order: a match
        _event("encounter", 1, 2, "01T15:00:00", "01T16:00:00"),  # after the case: a false alarm
        _event("encounter", 5, 6, "01T11:00:00", "01T13:00:00", score=0.29),  # context, not an alarm
        _event("encounter", 5, 6, "01T11:00:00", "01T13:00:00", details={"in_port": True}),
    ]
    scores = {s.event_type: s for s in _evaluate(tmp_path, events).scores}
    assert (scores["encounter"].events, scores["encounter"].matched_cases) == (2, 1)
    assert scores["encounter"].precision == 0.5 and scores["encounter"].recall == 1.0
    assert scores["ais_gap"].recall == 0.0 and scores["loitering"].f1 == 1.0  # nothing to find, nothing found


def test_macro_f1_is_the_mean_over_types_with_cases_or_alarms(tmp_path: Path) -> None:
    events = [
        _event("encounter", 1, 2, "01T11:00:00", "01T13:00:00"),
        _event("zone_visit", 4, None, "01T00:00:00", "01T01:00:00"),
    ]
    result = _evaluate(tmp_path, events)
    # encounter F1 1, ais_gap F1 0 (missed), zone_visit F1 0 (a false alarm); the rest are not counted
    assert result.macro_f1 == pytest.approx(1 / 3)
    assert result.to_json()["macro_f1"] == pytest.approx(0.333)


def test_decoys_anchorages_and_holes_are_counted(tmp_path: Path) -> None:
    events = [
        _event("encounter", 7, 8, "01T05:00:00", "01T08:00:00", lat=36.01, lon=121.0),  # decoy and anchorage
        _event("loitering", 7, None, "01T05:00:00", "01T08:00:00"),  # not barred on this decoy
        _event("ais_gap", 9, None, "01T03:00:00", "01T11:00:00", lat=35.5, lon=123.5),  # decoy, inside the hole
        _event("ais_gap", 10, None, "01T03:00:00", "01T11:00:00", lat=35.5, lon=126.0),  # outside the hole
        _event("ais_gap", 11, None, "01T13:00:00", "01T20:00:00", lat=35.5, lon=123.5),  # after the hole closed
        _event("ais_gap", 3, None, "01T10:00:00", "02T06:00:00", lat=35.5, lon=123.5),  # a planted dark period
    ]  # that ran across the hole: found, not a false alarm in it
    result = _evaluate(tmp_path, events)
    assert [(a["decoy"], a["event_type"]) for a in result.decoy_alarms] == [
        ("outer_anchorage", "encounter"),
        ("silenced_by_coverage_hole", "ais_gap"),
    ]
    assert result.anchorage_encounter_alarms == [events[0]["event_id"]]
    assert result.hole_gap_alarms == [events[2]["event_id"]]
    summary = result.to_json()
    assert summary["anchorage_encounter_alarms"] == 1 and summary["hole_gap_alarms"] == 1


def test_an_alarm_on_two_decoys_counts_once(tmp_path: Path) -> None:
    truth = dict(TRUTH)
    truth["decoys"] = [
        {**TRUTH["decoys"][0], "mmsi": 7},
        {**TRUTH["decoys"][0], "mmsi": 8},  # two ships waiting at the same anchorage
    ]
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth))
    result = evaluate(path, [_event("encounter", 7, 8, "01T05:00:00", "01T08:00:00")])
    assert len(result.decoy_alarms) == 1


def test_an_unobservable_case_is_neither_a_case_nor_a_false_alarm(tmp_path: Path) -> None:
    truth = dict(TRUTH)
    truth["unobservable"] = [
        {
            "kind": "encounter",
            "mmsi": 12,
            "other_mmsi": 13,
            "start": "2024-03-01T10:00:00+00:00",
            "end": "2024-03-01T14:00:00+00:00",
            "why": "MMSI 13 heard 1 times in the window",
        }
    ]
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth))
    events = [
        _event("encounter", 13, 12, "01T11:00:00", "01T13:00:00"),  # found anyway: set aside
        _event("encounter", 12, 13, "02T11:00:00", "02T13:00:00"),  # another time: a false alarm
        _event("loitering", 12, None, "01T11:00:00", "01T13:00:00"),  # another type: a false alarm
    ]
    result = evaluate(path, events)
    scores = {s.event_type: s for s in result.scores}
    assert (scores["encounter"].cases, scores["encounter"].events) == (1, 1)
    assert scores["loitering"].events == 1 and scores["loitering"].precision == 0.0
    assert result.unobservable_alarms == [events[0]["event_id"]]
    assert result.to_json()["unobservable_alarms"] == 1
