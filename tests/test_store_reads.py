"""Readers see only committed batches: every engine reads the store through `Store.scan` / `Store.committed`,
so files of a batch being moved into place (on disk, not yet in the manifest) change no detection."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cli import ingest_json, run
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.detect.events import Config
from shadowfleet.detect.runner import Window
from shadowfleet.detect.runner import run as run_duckdb
from shadowfleet.store.store import Store

COMPARED = ("event_id", "event_type", "mmsi", "other_mmsi", "start_time", "end_time")
UNCOMMITTED = "20991231T235959-deadbeef"  # a batch id no manifest names
MMSI_SHIFT = 1_000  # the planted copies are other vessels, so a reader that saw them would find more events


def _plant_uncommitted(store: Store) -> int:
    """Copy every committed positions file as a batch whose files are in place but whose manifest entry is
    not yet written (the moment between a commit's moves and its manifest). Returns the rows planted."""
    planted = 0
    for n, path in enumerate(store.files(POSITIONS)):
        table = pq.read_table(path)
        shifted = pc.add(table.column("mmsi"), pa.scalar(MMSI_SHIFT, pa.int64()))
        table = table.set_column(table.schema.get_field_index("mmsi"), "mmsi", shifted)
        pq.write_table(table, path.with_name(f"part-{UNCOMMITTED}-{n:05d}.parquet"))
        planted += table.num_rows
    return planted


def _count(source: str) -> int:
    row = duckdb.connect().execute(f"SELECT count(*) FROM {source}").fetchone()
    assert row is not None
    return int(row[0])


def _events(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.select(list(COMPARED)).to_pylist()
    return rows


@pytest.fixture
def store(tmp_path: Path) -> Store:
    assert run("simulate", "--out", tmp_path / "sim", "--vessels", "6", "--seed", "3").returncode == 0
    ingest_json(tmp_path / "sim" / "ais.csv", "--store", tmp_path / "store")
    return Store.open(tmp_path / "store")


def test_uncommitted_batch_is_invisible_to_both_engines(store: Store) -> None:
    pytest.importorskip("pyspark", reason="the Spark runner is an optional extra")
    from shadowfleet.detect.spark_runner import local_session, run_spark

    config = Config.load()
    before = _events(run_duckdb(store, config, Window()))
    assert before, "the scenario has events to compare"
    committed_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in store.files(POSITIONS))
    planted = _plant_uncommitted(store)
    assert planted == committed_rows
    # a plain glob (how the runners read before) sees the planted batch: this test can fail
    glob = str(store.root / POSITIONS.name / "date=*" / "*.parquet")
    seen = _count(f"read_parquet('{glob}')")
    assert seen == committed_rows + planted
    counted = _count(store.scan(POSITIONS))
    assert counted == committed_rows

    assert _events(run_duckdb(store, config, Window())) == before
    spark = local_session()
    try:
        assert _events(run_spark(store, config, Window(), spark)) == before
    finally:
        spark.stop()


def test_scan_of_an_empty_table_is_an_empty_relation_with_its_columns(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store", create=True)
    result = duckdb.connect().execute(f"SELECT * FROM {store.scan(STATIC)}")
    assert [d[0] for d in result.description] == STATIC.names and result.fetchall() == []
    assert store.committed(POSITIONS) == []


def test_scan_quotes_paths(tmp_path: Path) -> None:
    """A store under a directory whose name has a quote still reads (the paths are SQL string literals)."""
    source = tmp_path / "plain"
    ingest_json(Path(__file__).parent.parent / "data" / "samples" / "solent_stonesoup_20160112.csv", "--store", source)
    quoted = Path(shutil.copytree(source, tmp_path / "it's here"))
    store = Store.open(quoted)
    expected = sum(pq.ParquetFile(f).metadata.num_rows for f in store.files(POSITIONS))
    assert expected > 0
    assert _count(store.scan(POSITIONS)) == expected
