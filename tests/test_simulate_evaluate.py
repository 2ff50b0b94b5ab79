"""Ground truth: simulate a scenario, ingest it, detect, and score against the planted cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import ingest_json, run
from shadowfleet.evaluate import EVENT_TYPES

MIN_SCORE = 0.9


@pytest.mark.parametrize(("seed", "region"), [(1, "yellow_sea"), (2, "east_china_sea")])
def test_planted_cases_found_and_decoys_quiet(tmp_path: Path, seed: int, region: str) -> None:
    result = run(
        "simulate", "--out", tmp_path / "sim", "--vessels", "15", "--days", "3", "--seed", str(seed), "--region", region
    )
    assert result.returncode == 0, result.stderr
    report = ingest_json(tmp_path / "sim" / "ais.csv", "--store", tmp_path / "store")
    assert report["rejected"] == 0 and report["accepted"] > 50_000
    detect = run("detect", "--store", tmp_path / "store", "--out", tmp_path / "events.parquet", "--json")
    assert detect.returncode == 0, detect.stderr
    scores = run(
        "evaluate", "--truth", tmp_path / "sim" / "truth.json", "--events", tmp_path / "events.parquet", "--json"
    )
    assert scores.returncode == 0, scores.stderr
    evaluation = json.loads(scores.stdout)
    for kind, score in evaluation["by_type"].items():
        assert score["cases"] >= 1, kind
        assert score["precision"] >= MIN_SCORE and score["recall"] >= MIN_SCORE, (kind, score)
    assert not [a for a in evaluation["decoy_alarms"] if a["event_type"] == "encounter"]
    assert evaluation["decoy_alarms"] == []


def test_simulation_is_reproducible(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run("simulate", "--out", tmp_path / name, "--vessels", "3", "--seed", "5").returncode == 0
    assert (tmp_path / "a" / "ais.csv").read_bytes() == (tmp_path / "b" / "ais.csv").read_bytes()
    truth = json.loads((tmp_path / "a" / "truth.json").read_text())
    kinds = {c["kind"] for c in truth["cases"]}
    assert kinds == set(EVENT_TYPES)  # a planted case of every event type
    assert {d["kind"] for d in truth["decoys"]} == {
        "anchorage_pair",
        "fast_crossing",
        "pair_trawlers",
        "tug_assist",
        "short_dropout",
    }
