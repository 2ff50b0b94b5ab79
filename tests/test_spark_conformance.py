"""The Spark runner runs the very same detector code per partition: same data in, same events out."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import ingest_json, run
from shadowfleet.detect.events import Config
from shadowfleet.detect.runner import Window
from shadowfleet.detect.runner import run as run_duckdb
from shadowfleet.store.store import Store

pytest.importorskip("pyspark", reason="the Spark runner is an optional extra")

COMPARED = ("event_id", "event_type", "mmsi", "other_mmsi", "start_time", "end_time", "score", "reason", "details")


def test_duckdb_and_spark_runners_agree(tmp_path: Path) -> None:
    from shadowfleet.detect.spark_runner import local_session, run_spark

    assert run("simulate", "--out", tmp_path / "sim", "--vessels", "6", "--seed", "3").returncode == 0
    store = tmp_path / "store"
    ingest_json(tmp_path / "sim" / "ais.csv", "--store", store)
    config = Config.load()
    local = run_duckdb(Store.open(store), config, Window()).select(list(COMPARED)).to_pylist()
    spark = local_session()
    try:
        scaled = run_spark(Store.open(store), config, Window(), spark).select(list(COMPARED)).to_pylist()
    finally:
        spark.stop()
    assert {e["event_type"] for e in local} >= {"encounter", "ais_gap", "zone_visit", "identity_clash"}
    assert scaled == local
