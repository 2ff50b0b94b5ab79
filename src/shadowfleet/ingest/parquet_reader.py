"""Parquet files already in the canonical `positions` or `static` schema (e.g. another store's export)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from shadowfleet.core.frames import frame_of, plain_array
from shadowfleet.core.schema import POSITIONS, STATIC, TS, Table
from shadowfleet.ingest.chunk import Chunk
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.sources import InputError
from shadowfleet.ingest.tables import Rows

BATCH_ROWS = 250_000


def _kind(names: set[str], source: str) -> Table:
    if {"mmsi", "ts", "lat", "lon"} <= names:
        return POSITIONS
    if {"mmsi", "ts"} <= names and names & {"imo", "name", "callsign", "ship_type"}:
        return STATIC
    raise InputError(
        f"{source}: Parquet without the canonical columns (positions need mmsi, ts, lat, lon; "
        f"static needs mmsi, ts and one of imo, name, callsign, ship_type); found {', '.join(sorted(names))[:200]}"
    )


def read_parquet(raw: BinaryIO, source: str) -> Iterator[Chunk]:
    try:
        parquet = pq.ParquetFile(raw)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{source}: unreadable Parquet ({exc})") from exc
    spec = _kind(set(parquet.schema_arrow.names), source)
    first_row = 1
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
        rejects = Rejects()
        rows = _conform(pa.Table.from_batches([batch]), spec, source, first_row, rejects)
        empty = Rows({}, np.zeros(0, np.int64))
        yield Chunk(rows, empty, rejects, 0) if spec is POSITIONS else Chunk(empty, rows, rejects, 0)
        first_row += batch.num_rows


def _conform(table: pa.Table, spec: Table, source: str, first_row: int, rejects: Rejects) -> Rows:
    """Cast to the canonical types, fill absent optional columns, reject rows that break the rules."""
    n = table.num_rows
    frame = frame_of(table).with_columns(pl.Series("__row", np.arange(first_row, first_row + n, dtype=np.int64)))
    if "source" not in frame.columns:
        frame = frame.with_columns(pl.lit(source).alias("source"), pl.col("__row").alias("line"))
    bad = pl.col("mmsi").is_null() | pl.col("ts").is_null() | (pl.col("mmsi") <= 0)
    if spec is POSITIONS:
        bad = bad | (pl.col("lat").abs() > 90) | (pl.col("lon").abs() > 180)
    flagged = frame.filter(bad.fill_null(False))
    for row in flagged.iter_rows(named=True):
        problem = next((f"{c} is null" for c in ("mmsi", "ts") if row[c] is None), "value out of range")
        rejects.add(row["__row"], "bad_field", f"row {row['__row']}: {problem}", json.dumps(row, default=str))
    good = frame.filter(~bad.fill_null(False)).drop("__row")
    arrays: dict[str, pa.Array[Any]] = {}
    arrow = good.to_arrow()
    for column in spec.columns:
        if column.name in arrow.column_names:
            arr = plain_array(arrow.column(column.name))
            if column.type == TS:
                arr = arr.cast(TS).cast(pa.int64())
            arrays[column.name] = arr
        else:
            kind = pa.int64() if column.type == TS else column.type
            arrays[column.name] = pa.nulls(good.height, kind)  # type: ignore[call-overload]  # stubs overload per type only
    return Rows(arrays, np.ones(good.height, np.int64))
