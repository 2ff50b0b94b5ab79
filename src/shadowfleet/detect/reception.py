"""Who was heard where and when: the store-wide reception map the per-vessel detectors judge silences by.

A silence says something about a vessel only where others around it were being heard at the time: in a
satellite coverage hole every vessel falls silent at once, and in crowded satellite cells message
collisions lose most ships on most passes (reference.md §7, "Satellite reception"). So the map counts, per
0.1-degree cell and hour, the vessels *present* (heard there, or between two of their fixes, placed on the
straight line between them) and those of them *heard*: their ratio is the chance a ship there and then was
heard, which GFW's reception-quality grid approximates with positions per day (reference.md §7).

The map is built once per run over the whole window (one aggregate on the engine: `cells_sql` on DuckDB,
the same in Spark), not per vessel partition, so a vessel's neighbours count whichever partition they
hash into. `Reception.of` is the same map in Polars, for a frame in a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

CELLS_PER_DEG = 10  # cells of 0.1 degree (~11 km): finer than a shore receiver's range (20-40 nm)
CELL_DEG = 1 / CELLS_PER_DEG
# (cells are floor(degrees * 10) on every engine: a multiplication, as a division by 0.1 is not rounded alike)
US_PER_H = 3_600_000_000
# a vessel is present between two fixes at most this far apart; GFW's segmenter starts a new segment after a
# 24 h gap (reference.md §1), beyond which where the vessel was is unknown
MAX_SPAN_H = 24
CELLS = {
    "cell_lat": pl.Int32,
    "cell_lon": pl.Int32,
    "hour": pl.Int64,
    "fixes": pl.UInt32,  # fixes heard (in the vessel-hours placed in this cell)
    "vessels": pl.UInt32,  # distinct vessels heard
    "present": pl.UInt32,  # distinct vessels present: heard, or silent between two fixes <= MAX_SPAN_H apart
}
_HALF_H = US_PER_H // 2
_SPAN = MAX_SPAN_H * US_PER_H


def cell(lat: pl.Expr, lon: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    return (
        (lat * CELLS_PER_DEG).floor().cast(pl.Int32).alias("cell_lat"),
        (lon * CELLS_PER_DEG).floor().cast(pl.Int32).alias("cell_lon"),
    )


def cells_sql(fixes: str) -> str:
    """The map as one DuckDB query over `fixes` (a relation with mmsi, ts in µs, lat, lon); the same cells
    as `Reception.of`: a heard vessel-hour sits at its first fix of the hour, a silent one on the line
    between the fixes around it, at the hour's middle."""
    order = "PARTITION BY mmsi ORDER BY ts, lat, lon"
    return f"""
    WITH f AS (SELECT mmsi, ts, lat, lon, ts // {US_PER_H} AS hour FROM ({fixes})),
    heard AS (
        SELECT mmsi, hour, min({{'ts': ts, 'lat': lat, 'lon': lon}}) AS first, count(*) AS fixes
        FROM f GROUP BY mmsi, hour
    ),
    pairs AS (
        SELECT *, lead(ts) OVER ({order}) AS ts1, lead(lat) OVER ({order}) AS lat1,
               lead(lon) OVER ({order}) AS lon1, lead(hour) OVER ({order}) AS hour1
        FROM f
    ),
    silent AS (
        SELECT mmsi, lat, lon, ts, lat1, lon1, ts1, unnest(range(hour + 1, hour1)) AS h
        FROM pairs WHERE ts1 - ts <= {_SPAN} AND hour1 - hour >= 2
    ),
    placed AS (
        SELECT mmsi, hour, first.lat AS lat, first.lon AS lon, fixes FROM heard
        UNION ALL
        SELECT mmsi, h AS hour,
               lat + ((h * {US_PER_H} + {_HALF_H} - ts)::DOUBLE / (ts1 - ts)::DOUBLE) * (lat1 - lat) AS lat,
               lon + ((h * {US_PER_H} + {_HALF_H} - ts)::DOUBLE / (ts1 - ts)::DOUBLE) * (lon1 - lon) AS lon,
               0 AS fixes
        FROM silent
    )
    SELECT floor(lat * {CELLS_PER_DEG}.0)::INTEGER AS cell_lat, floor(lon * {CELLS_PER_DEG}.0)::INTEGER AS cell_lon,
           hour,
           sum(fixes)::UINTEGER AS fixes, count(*) FILTER (WHERE fixes > 0)::UINTEGER AS vessels,
           count(*)::UINTEGER AS present
    FROM placed GROUP BY ALL
    """


@dataclass(frozen=True)
class Reception:
    """Fixes, vessels heard and vessels present per 0.1-degree cell and hour (columns of `CELLS`)."""

    cells: pl.DataFrame

    @classmethod
    def of(cls, tracks: pl.DataFrame) -> Reception:
        """The map of these fixes alone (a test's frame, or a store small enough for one partition)."""
        f = (
            tracks.select("mmsi", "ts", "lat", "lon")
            .sort("mmsi", "ts", "lat", "lon")
            .with_columns((pl.col("ts") // US_PER_H).alias("hour"))
        )
        heard = f.group_by("mmsi", "hour").agg(
            pl.col("lat").first(), pl.col("lon").first(), pl.len().cast(pl.Int64).alias("fixes")
        )
        nxt = [pl.col(c).shift(-1).over("mmsi").alias(f"{c}1") for c in ("ts", "lat", "lon", "hour")]
        silent = (
            f.with_columns(nxt)
            .filter((pl.col("ts1") - pl.col("ts") <= _SPAN) & (pl.col("hour1") - pl.col("hour") >= 2))
            .with_columns(pl.int_ranges(pl.col("hour") + 1, pl.col("hour1")).alias("h"))
            .explode("h")
        )
        frac = (pl.col("h") * US_PER_H + _HALF_H - pl.col("ts")).cast(pl.Float64) / (pl.col("ts1") - pl.col("ts")).cast(
            pl.Float64
        )
        placed = pl.concat(
            [
                heard.select("mmsi", "hour", "lat", "lon", "fixes"),
                silent.select(
                    "mmsi",
                    pl.col("h").alias("hour"),
                    (pl.col("lat") + frac * (pl.col("lat1") - pl.col("lat"))).alias("lat"),
                    (pl.col("lon") + frac * (pl.col("lon1") - pl.col("lon"))).alias("lon"),
                    pl.lit(0, pl.Int64).alias("fixes"),
                ),
            ]
        )
        cells = (
            placed.with_columns(cell(pl.col("lat"), pl.col("lon")))
            .group_by("cell_lat", "cell_lon", "hour")
            .agg(
                pl.col("fixes").sum(),
                (pl.col("fixes") > 0).sum().alias("vessels"),
                pl.len().alias("present"),
            )
        )
        return cls.from_frame(cells)

    @classmethod
    def from_frame(cls, cells: pl.DataFrame) -> Reception:
        """A map an engine aggregated (cells_sql, or Spark's equivalent), in the canonical types and order."""
        typed = cells.select(list(CELLS)).cast(CELLS)  # type: ignore[arg-type]
        return cls(typed.sort("hour", "cell_lat", "cell_lon"))
