"""Who was heard where and when: the store-wide reception map the per-vessel detectors judge silences by.

A silence says something about a vessel only where others around it were being heard at the time: in a
satellite coverage hole every vessel falls silent at once (reference.md §7, "Satellite reception"). The map
is built once per run over the whole window (one aggregate on the engine), not per vessel partition, so a
vessel's neighbours count whichever partition they hash into.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

CELL_DEG = 0.1  # ~11 km: finer than a shore receiver's range (20-40 nm) or a satellite footprint
US_PER_H = 3_600_000_000
CELLS = {"cell_lat": pl.Int32, "cell_lon": pl.Int32, "hour": pl.Int64, "fixes": pl.UInt32, "vessels": pl.UInt32}


def cell(lat: pl.Expr, lon: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return (
        (lat / CELL_DEG).floor().cast(pl.Int32).alias("cell_lat"),
        (lon / CELL_DEG).floor().cast(pl.Int32).alias("cell_lon"),
    )


def cells_sql(fixes: str) -> str:
    """The map as one DuckDB aggregate over `fixes` (a relation with mmsi, ts in µs, lat, lon); the same cells
    as `Reception.of`."""
    return (
        f"SELECT floor(lat / {CELL_DEG})::INTEGER AS cell_lat, floor(lon / {CELL_DEG})::INTEGER AS cell_lon, "
        f"ts // {US_PER_H} AS hour, count(*)::UINTEGER AS fixes, count(DISTINCT mmsi)::UINTEGER AS vessels "
        f"FROM ({fixes}) GROUP BY ALL"
    )


@dataclass(frozen=True)
class Reception:
    """Fixes and distinct vessels heard per 0.1-degree cell and hour (columns of `CELLS`)."""

    cells: pl.DataFrame

    @classmethod
    def of(cls, tracks: pl.DataFrame) -> Reception:
        """The map of these fixes alone (a test's frame, or a store small enough for one partition)."""
        cells = (
            tracks.select("mmsi", *cell(pl.col("lat"), pl.col("lon")), (pl.col("ts") // US_PER_H).alias("hour"))
            .group_by("cell_lat", "cell_lon", "hour")
            .agg(pl.len().alias("fixes"), pl.col("mmsi").n_unique().alias("vessels"))
        )
        return cls.from_frame(cells)

    @classmethod
    def from_frame(cls, cells: pl.DataFrame) -> Reception:
        """A map an engine aggregated (cells_sql, or Spark's equivalent), in the canonical types and order."""
        typed = cells.select(list(CELLS)).cast(CELLS)  # type: ignore[arg-type]
        return cls(typed.sort("hour", "cell_lat", "cell_lon"))
