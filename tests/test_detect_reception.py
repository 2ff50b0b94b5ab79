"""The store-wide reception map: DuckDB's aggregate and the Polars one give the same cells, and a gap is
judged by neighbours whichever partition they are in."""

from __future__ import annotations

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shadowfleet.detect.reception import Reception, cells_sql

_H = 3_600_000_000


def _fixes(rows: list[tuple[int, int, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"mmsi": pl.Int64, "ts": pl.Int64, "lat": pl.Float64, "lon": pl.Float64}, orient="row"
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),
            st.integers(1_700_000_000 * 1_000_000, 1_700_000_000 * 1_000_000 + 48 * _H),
            st.floats(-60, 60, allow_nan=False),
            st.floats(-179, 179, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_duckdb_aggregate_equals_polars(rows: list[tuple[int, int, float, float]]) -> None:
    fixes = _fixes(rows)
    con = duckdb.connect()
    con.register("fixes", fixes.to_arrow())
    sql = Reception.from_frame(pl.from_arrow(con.sql(cells_sql("SELECT * FROM fixes")).to_arrow_table()))  # type: ignore[arg-type]
    assert sql.cells.equals(Reception.of(fixes).cells)


def test_counts_fixes_and_distinct_vessels_per_cell_and_hour() -> None:
    t0 = 1_700_000_000 * 1_000_000 // _H * _H
    cells = Reception.of(
        _fixes(
            [
                (1, t0, 35.01, 124.01),
                (1, t0 + 60_000_000, 35.02, 124.02),
                (2, t0, 35.05, 124.05),
                (2, t0 + _H, 35.05, 124.05),
            ]
        )
    ).cells
    assert cells.select("hour", "fixes", "vessels").rows() == [(t0 // _H, 3, 2), (t0 // _H + 1, 1, 1)]
