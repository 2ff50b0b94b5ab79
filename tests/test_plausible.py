"""Plausibility at the store's door: times outside the AIS era are rejects, impossible static
values are nulled with a note, whatever reader produced them (NMEA, CSV, Parquet, GeoPackage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shadowfleet.core.schema import STATIC, STATIC_RANGES, ts_bounds_us
from shadowfleet.ingest.pipeline import IngestOptions, ingest
from shadowfleet.ingest.plausible import null_implausible_static, reject_implausible_times
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import Rows

NOW = datetime(2026, 1, 1, tzinfo=UTC)
T = int(datetime(2024, 5, 1, tzinfo=UTC).timestamp() * 1_000_000)


def _static_rows(**values: list[float | None]) -> Rows:
    n = len(next(iter(values.values())))
    cols: dict[str, pa.Array[Any]] = {
        "ts": pa.array([T] * n, pa.int64()),
        "eta": pa.array(values.pop("eta", [None] * n), pa.int64()),
        "line": pa.array(range(1, n + 1), pa.int64()),
    }
    for f in STATIC_RANGES:
        cols[f] = pa.array(values.get(f, [None] * n), pa.float32())
    return Rows(cols, np.full(n, 2, np.int64))  # a two-sentence type 5 counts two records


def test_type5_dimensions_beyond_the_ranges_are_nulled_and_noted() -> None:
    # AIS type 5 can say 511 + 511 m long, 63 + 63 m wide, 25.5 m draught: only the first two are impossible
    rows = _static_rows(length_m=[1022.0, 200.0], beam_m=[126.0, 32.0], draught_m=[25.5, float("nan")])
    rejects = Rejects()
    out = null_implausible_static(rows, rejects, NOW)
    assert out.cols["length_m"].to_pylist() == [None, 200.0]
    assert out.cols["beam_m"].to_pylist() == [None, 32.0]
    assert out.cols["draught_m"].to_pylist() == [25.5, None]
    notes = rejects.frame().to_dicts()
    assert [(n["line"], n["reason"], n["records"]) for n in notes] == [(1, "value_nulled", 0), (2, "value_nulled", 0)]
    assert "length_m 1022.0 is not a plausible length (1-500 m)" in notes[0]["detail"]
    assert "beam_m 126.0 is not a plausible beam (1-80 m)" in notes[0]["detail"]
    assert rejects.weight == 0 and list(out.weight) == [2, 2]


def test_plausible_values_pass_untouched() -> None:
    rows = _static_rows(length_m=[1.0, 500.0, 0.0], beam_m=[80.0, 1.0, None], draught_m=[30.0, 0.1, 0.0])
    rejects = Rejects()
    assert null_implausible_static(rows, rejects, NOW) is rows and len(rejects) == 0


def test_times_outside_the_era_are_rejected_with_their_weight() -> None:
    lo, hi = ts_bounds_us(NOW)
    ts = [lo - 1, lo, T, hi, hi + 1, -(2**62)]
    rows = Rows(
        {"ts": pa.array(ts, pa.int64()), "line": pa.array(range(1, 7), pa.int64())}, np.array([1, 1, 1, 1, 2, 1])
    )
    rejects = Rejects()
    kept = reject_implausible_times(rows, rejects, NOW)
    assert kept.cols["line"].to_pylist() == [2, 3, 4]
    assert rejects.frame()["line"].to_list() == [1, 5, 6] and rejects.weight == 4
    assert "outside the AIS era (1990-01-01 to 2026-01-02 00:00 UTC)" in rejects.frame()["detail"][0]


def test_canonical_parquet_with_poisoned_values(tmp_path: Path) -> None:
    """Another store's export is checked like any input: inf draught nulled, year-10000 time rejected."""
    year_10000 = datetime(9999, 12, 31, tzinfo=UTC) + timedelta(days=1, microseconds=-1)
    table = pa.table(
        {
            "mmsi": pa.array([367000001, 367000002], pa.int64()),
            "ts": pa.array([datetime(2024, 5, 1, tzinfo=UTC), year_10000], STATIC.schema.field("ts").type),
            "name": ["A", "B"],
            "draught_m": pa.array([float("inf"), 5.0], pa.float32()),
        }
    )
    path = tmp_path / "static.parquet"
    pq.write_table(table, path)
    report = ingest([path], tmp_path / "store", IngestOptions()).to_json()
    assert (report["read"], report["accepted"], report["rejected"], report["errors"]) == (2, 1, 1, [])
    stored = pq.read_table(tmp_path / "store" / "static").to_pylist()
    assert [(r["mmsi"], r["draught_m"]) for r in stored] == [(367000001, None)]
    reasons = sorted(r["reason"] for r in pq.read_table(tmp_path / "store" / "rejects").to_pylist())
    assert reasons == ["implausible_time", "value_nulled"]
