"""The scale-out runner: the same detectors, per partition, on Apache Spark.

Spark reads the store's Parquet, groups positions (with static rows, cogrouped) into vessel
buckets and hands each bucket to `detect_vessels` through `applyInArrow`; for encounters it hands
each time chunk (with an hour's margin) to the same resampling and spatial join the local runner
uses. Only small results travel back to the driver: events, close slots, the speeds asked for.
`tests/test_spark_conformance.py` checks that both runners give the same events.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from shadowfleet.core.frames import frame_of
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.detect.anchorages import (
    SECTION,
    STATIONARY,
    AnchorageParams,
    Nearby,
    gather,
    save,
    stationary_periods,
)
from shadowfleet.detect.encounters import EncounterFinder
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.partition import FLAT_EVENTS, detect_vessels, from_flat, to_flat
from shadowfleet.detect.plan import Plan, Window, empty
from shadowfleet.detect.reception import CELLS_PER_DEG, MAX_SPAN_H, US_PER_H, Reception
from shadowfleet.detect.sts import DRAUGHTS, REQUEST_FIXES, Request, summaries
from shadowfleet.store.store import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_US_PER_H = 3_600_000_000
_SLOTS = (
    "mmsi long, mmsi_b long, slot long, distance_m double, lat double, lon double, source string, line long, "
    "source_b string, line_b long, gap long, gap_b long"
)
SLOTS = pa.schema(
    [  # type: ignore[arg-type]  # pyarrow-stubs join the field types to object
        ("mmsi", pa.int64()),
        ("mmsi_b", pa.int64()),
        ("slot", pa.int64()),
        ("distance_m", pa.float64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("source", pa.string()),
        ("line", pa.int64()),
        ("source_b", pa.string()),
        ("line_b", pa.int64()),
        ("gap", pa.int64()),
        ("gap_b", pa.int64()),
    ]
)
_STAYS = pa.schema(
    [("mmsi", pa.int64()), ("start", pa.int64()), ("end", pa.int64()), ("lat", pa.float64()), ("lon", pa.float64())]  # type: ignore[arg-type]
)
_STATIC_COLUMNS = (
    "mmsi",
    "ts",
    "imo",
    "name",
    "callsign",
    "ship_type",
    "length_m",
    "beam_m",
    "draught_m",
    "msg_type",
    "source",
    "line",
)


def local_session(cores: int = 2) -> SparkSession:
    """A local Spark whose Python workers are this interpreter (so they see this environment)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("shadowfleet")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .getOrCreate()
    )


def _positions(spark: SparkSession, store: Store, window: Window, extra: tuple[str, ...] = ()) -> DataFrame:
    from pyspark.sql import functions as sf

    df = spark.read.parquet(*store.committed(POSITIONS)).filter(sf.col("lat").isNotNull() & sf.col("lon").isNotNull())
    if window.since:
        df = df.filter(sf.col("ts") >= sf.lit(window.since))
    if window.until:
        df = df.filter(sf.col("ts") < sf.lit(window.until))
    sog = sf.when(sf.col("sog_kn") < 50, sf.col("sog_kn").cast("double")).alias("sog_kn")  # sentinels are not speeds
    return df.select("mmsi", sf.unix_micros("ts").alias("ts"), "lat", "lon", "source", "line", sog, *extra)


def run_spark(store: Store, config: Config, window: Window, spark: SparkSession | None = None) -> pa.Table:
    from pyspark.sql import functions as sf

    spark = spark or local_session()
    positions = _positions(spark, store, window)
    hours = (
        positions.groupBy("source", (sf.col("ts") / sf.lit(_US_PER_H)).cast("long").alias("hour"))
        .agg(sf.count("*"), sf.min("ts"), sf.max("ts"))
        .collect()
    )
    if not hours:
        return empty()
    plan = Plan.of(window, [(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in hours], config)
    rows = _vessel_events(spark, store, positions, plan, config)
    anchorages = gather(_stationary(positions, plan, config), config)
    save(store, anchorages)
    nearby = Nearby(anchorages)
    rows += _encounter_events(spark, store, positions, plan, config, nearby)
    return plan.finish(rows, nearby)


def _stationary(positions: DataFrame, plan: Plan, config: Config) -> pl.DataFrame:
    """Every vessel bucket's stationary periods (for the anchorages), as the local runner finds them."""
    from pyspark.sql import functions as sf

    params = config.params(AnchorageParams, SECTION)

    def per_bucket(table: pa.Table) -> pa.Table:
        tracks = frame_of(table).drop("bucket").sort("mmsi", "ts", "line")
        return stationary_periods(tracks, params).to_arrow().cast(_STAYS)

    ddl = ", ".join(f"{f.name} {_ddl(f.type)}" for f in _STAYS)
    buckets = positions.withColumn("bucket", sf.pmod(sf.hash("mmsi"), sf.lit(plan.buckets)))
    stays = frame_of(buckets.groupBy("bucket").applyInArrow(per_bucket, schema=ddl).toArrow())
    return stays.cast(STATIONARY) if stays.height else pl.DataFrame(schema=STATIONARY)  # type: ignore[arg-type]


def _vessel_events(
    spark: SparkSession, store: Store, positions: DataFrame, plan: Plan, config: Config
) -> list[dict[str, Any]]:
    from pyspark.sql import functions as sf

    buckets, coverage = plan.buckets, plan.coverage
    reception = _reception(positions)
    tracks = positions.withColumn("bucket", sf.pmod(sf.hash("mmsi"), sf.lit(buckets)))
    if store.files(STATIC):
        static = spark.read.parquet(*store.committed(STATIC)).select(
            "mmsi",
            sf.unix_micros("ts").alias("ts"),
            "imo",
            "name",
            "callsign",
            "ship_type",
            sf.col("length_m").cast("double"),
            sf.col("beam_m").cast("double"),
            sf.col("draught_m").cast("double"),
            sf.col("msg_type").cast("byte"),
            "source",
            "line",
        )
    else:
        static = spark.createDataFrame(
            [],
            "mmsi long, ts long, imo long, name string, callsign string, "
            "ship_type short, length_m double, beam_m double, draught_m double, "
            "msg_type byte, source string, line long",
        )
    if plan.window.since_us is not None:
        static = static.filter(sf.col("ts") >= sf.lit(plan.window.since_us))
    if plan.window.until_us is not None:
        static = static.filter(sf.col("ts") < sf.lit(plan.window.until_us))
    static = static.withColumn("bucket", sf.pmod(sf.hash("mmsi"), sf.lit(buckets)))

    def per_bucket(track_table: pa.Table, static_table: pa.Table) -> pa.Table:
        out = EventBuilder()
        vessels = frame_of(track_table).drop("bucket").sort("mmsi", "ts", "line")
        declared = frame_of(static_table).select(_STATIC_COLUMNS).sort("mmsi", "ts", "line")
        if vessels.height:
            detect_vessels(vessels, declared, coverage, config, out, reception)
        return to_flat(out.rows)

    ddl = ", ".join(f"{f.name} {_ddl(f.type)}" for f in FLAT_EVENTS)
    result = tracks.groupBy("bucket").cogroup(static.groupBy("bucket")).applyInArrow(per_bucket, schema=ddl)
    return from_flat(result.toArrow())


def _reception(positions: DataFrame) -> Reception:
    """The store-wide reception map, as `reception.cells_sql` builds it on DuckDB."""
    from pyspark.sql import Window as SparkWindow
    from pyspark.sql import functions as sf

    hour_us, half = sf.lit(US_PER_H), sf.lit(US_PER_H // 2)
    f = positions.select("mmsi", "ts", "lat", "lon", sf.expr(f"ts div {US_PER_H}").alias("hour"))
    heard = f.groupBy("mmsi", "hour").agg(
        sf.min(sf.struct("ts", "lat", "lon")).alias("first"), sf.count("*").alias("fixes")
    )
    w = SparkWindow.partitionBy("mmsi").orderBy("ts", "lat", "lon")
    pairs = f.select("*", *(sf.lead(c).over(w).alias(f"{c}1") for c in ("ts", "lat", "lon", "hour")))
    silent = pairs.filter(
        (sf.col("ts1") - sf.col("ts") <= sf.lit(MAX_SPAN_H * US_PER_H)) & (sf.col("hour1") - sf.col("hour") >= 2)
    ).withColumn("h", sf.explode(sf.sequence(sf.col("hour") + 1, sf.col("hour1") - 1)))
    frac = (sf.col("h") * hour_us + half - sf.col("ts")).cast("double") / (sf.col("ts1") - sf.col("ts")).cast("double")
    placed = heard.select(
        "mmsi", "hour", sf.col("first.lat").alias("lat"), sf.col("first.lon").alias("lon"), "fixes"
    ).unionByName(
        silent.select(
            "mmsi",
            sf.col("h").alias("hour"),
            (sf.col("lat") + frac * (sf.col("lat1") - sf.col("lat"))).alias("lat"),
            (sf.col("lon") + frac * (sf.col("lon1") - sf.col("lon"))).alias("lon"),
            sf.lit(0).cast("long").alias("fixes"),
        )
    )
    cells = placed.groupBy(
        sf.floor(sf.col("lat") * sf.lit(float(CELLS_PER_DEG))).cast("int").alias("cell_lat"),
        sf.floor(sf.col("lon") * sf.lit(float(CELLS_PER_DEG))).cast("int").alias("cell_lon"),
        "hour",
    ).agg(
        sf.sum("fixes").alias("fixes"),
        sf.count(sf.when(sf.col("fixes") > 0, 1)).alias("vessels"),
        sf.count("*").alias("present"),
    )
    return Reception.from_frame(frame_of(cells.toArrow()))


def _encounter_events(
    spark: SparkSession, store: Store, positions: DataFrame, plan: Plan, config: Config, anchorages: Nearby
) -> list[dict[str, Any]]:
    """Each time chunk, with the plan's margin of fixes either side, through the same resampling and join."""
    from pyspark.sql import functions as sf

    chunk, margin = plan.chunk_us, plan.margin_us
    own = sf.floor(sf.col("ts") / sf.lit(chunk))
    reach = -(-margin // chunk)  # the margin may span several chunks (a 6 h bridge, 2 h chunks)
    # a fix also belongs to every chunk whose margin after (k < 0) or before (k > 0) holds it, as DuckDB reads them
    after = [sf.when(sf.col("ts") - (own - k + 1) * chunk < margin, own - k) for k in range(1, reach + 1)]
    before = [sf.when((own + k) * chunk - sf.col("ts") <= margin, own + k) for k in range(1, reach + 1)]
    chunked = positions.withColumn("chunk", sf.explode(sf.array_compact(sf.array(own, *after, *before))))

    def per_chunk(table: pa.Table) -> pa.Table:
        fixes = frame_of(table)
        lo = int(fixes["chunk"][0]) * chunk
        tracks = fixes.drop("chunk").sort("mmsi", "ts", "line")
        close = EncounterFinder(config).close(tracks, lo, lo + chunk)
        return close.to_arrow().cast(SLOTS) if close.height else SLOTS.empty_table()

    slots = chunked.groupBy("chunk").applyInArrow(per_chunk, schema=_SLOTS)
    finder = EncounterFinder(config, anchorages)
    collected = frame_of(slots.toArrow())
    if collected.height:
        finder.slots = [collected]
    out = EventBuilder()
    requests = finder.requests()
    if requests:
        fixes, draughts = _request_frames(spark, store, plan.window, requests)
        finder.finish(summaries(requests, fixes, draughts, finder.params.draught_after_h), out)
    return out.rows


def _request_frames(
    spark: SparkSession, store: Store, window: Window, requests: list[Request]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The fixes of every (vessel, start, end) asked for, and the vessels' draughts, in one job each."""
    from pyspark.sql import functions as sf

    wanted = spark.createDataFrame(requests, "rmmsi long, rstart long, rend long")
    kinematics = _positions(spark, store, window, ("heading_deg", "cog_deg", "nav_status"))
    joined = kinematics.join(
        wanted, (kinematics.mmsi == wanted.rmmsi) & sf.col("ts").between(sf.col("rstart"), sf.col("rend"))
    ).select(*(sf.col(c).cast(_ddl_of(t)) for c, t in REQUEST_FIXES.items()))
    fixes = frame_of(joined.toArrow())
    draughts = pl.DataFrame(schema=DRAUGHTS)
    if store.files(STATIC):
        vessels = sorted({r[0] for r in requests})
        declared = (
            spark.read.parquet(*store.committed(STATIC))
            .filter(sf.col("draught_m").isNotNull() & sf.col("mmsi").isin(vessels))
            .select("mmsi", sf.unix_micros("ts").alias("ts"), sf.col("draught_m").cast("double"))
        )
        draughts = frame_of(declared.toArrow())
    return fixes.cast(REQUEST_FIXES), draughts.cast(DRAUGHTS)  # type: ignore[arg-type]


def _ddl_of(dtype: object) -> str:
    return "double" if dtype == pl.Float64 else "long"


def _ddl(arrow_type: pa.DataType) -> str:
    if pa.types.is_int64(arrow_type):
        return "long"
    if pa.types.is_floating(arrow_type):
        return "double"
    return "string"
