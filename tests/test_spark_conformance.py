"""The Spark runner runs the very same detector code per partition: same data in, same events out, for the
whole store, a bounding box and a time window (the plan, not the engine, applies both)."""

from __future__ import annotations

import statistics
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

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
    ingest_json(tmp_path / "sim" / "ais.csv", "--store", tmp_path / "store")
    store = Store.open(tmp_path / "store")
    config = Config.load()

    def local(window: Window) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = run_duckdb(store, config, window).select(list(COMPARED)).to_pylist()
        return rows

    whole = local(Window())
    lons = cast(list[float], run_duckdb(store, config, Window()).column("lon").drop_null().to_pylist())
    boxed = Window(bbox=(statistics.median(lons), -90.0, 180.0, 90.0))  # the eastern half of the events
    first = min(e["start_time"] for e in whole).replace(minute=0, second=0, microsecond=0)
    timed = Window(since=first + timedelta(hours=12), until=first + timedelta(hours=48))
    windows = {"whole": Window(), "bbox": boxed, "time": timed}
    expected = {name: local(w) for name, w in windows.items()}
    assert {e["event_type"] for e in whole} >= {"encounter", "ais_gap", "zone_visit", "identity_clash"}
    # the box and the window each drop some events and keep some: a runner ignoring them would fail below
    for name in ("bbox", "time"):
        assert 0 < len(expected[name]) < len(whole), name
    spark = local_session()
    try:
        for name, window in windows.items():
            scaled = run_spark(store, config, window, spark).select(list(COMPARED)).to_pylist()
            assert scaled == expected[name], name
    finally:
        spark.stop()
