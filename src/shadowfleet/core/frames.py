"""Arrow <-> Polars at layer boundaries, with the canonical string type kept."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa


def frame_of(table: pa.Table) -> pl.DataFrame:
    """An Arrow table as a Polars frame (zero-copy where the types allow)."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def plain_array(column: pa.ChunkedArray[Any]) -> pa.Array[Any]:
    """One contiguous array, with Polars' large or view strings back to the canonical `string`."""
    arr = column.combine_chunks()
    if pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
        return arr.cast(pa.string())
    return arr
