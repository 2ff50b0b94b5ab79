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

import pyarrow as pa

from shadowfleet.core.frames import frame_of
from shadowfleet.core.schema import STATIC
from shadowfleet.detect.encounters import EncounterFinder, close_slots, median_speed_kn, resample
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.partition import FLAT_EVENTS, detect_vessels, from_flat, to_flat
from shadowfleet.detect.plan import Plan, Window, empty
from shadowfleet.store.store import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_US_PER_H = 3_600_000_000
_SLOTS = (
    "mmsi long, mmsi_b long, slot long, distance_m double, lat double, lon double, source string, line long, "
    "source_b string, line_b long"
)
SLOTS = pa.schema(
    [
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
    ]
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


def _positions(spark: SparkSession, store: Store, window: Window) -> DataFrame:
    from pyspark.sql import functions as sf

    df = spark.read.parquet(str(store.root / "positions")).filter(sf.col("lat").isNotNull() & sf.col("lon").isNotNull())
    if window.since:
        df = df.filter(sf.col("ts") >= sf.lit(window.since))
    if window.until:
        df = df.filter(sf.col("ts") < sf.lit(window.until))
    return df.select("mmsi", sf.unix_micros("ts").alias("ts"), "lat", "lon", "source", "line")


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
    rows += _encounter_events(positions, plan, config)
    return plan.finish(rows)


def _vessel_events(
    spark: SparkSession, store: Store, positions: DataFrame, plan: Plan, config: Config
) -> list[dict[str, Any]]:
    from pyspark.sql import functions as sf

    buckets, coverage = plan.buckets, plan.coverage
    tracks = positions.withColumn("bucket", sf.pmod(sf.hash("mmsi"), sf.lit(buckets)))
    if store.files(STATIC):
        static = spark.read.parquet(str(store.root / "static")).select(
            "mmsi",
            sf.unix_micros("ts").alias("ts"),
            "imo",
            "name",
            "callsign",
            "ship_type",
            sf.col("length_m").cast("double"),
            sf.col("beam_m").cast("double"),
            sf.col("draught_m").cast("double"),
            "source",
            "line",
        )
    else:
        static = spark.createDataFrame(
            [],
            "mmsi long, ts long, imo long, name string, callsign string, "
            "ship_type short, length_m double, beam_m double, draught_m double, "
            "source string, line long",
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
            detect_vessels(vessels, declared, coverage, config, out)
        return to_flat(out.rows)

    ddl = ", ".join(f"{f.name} {_ddl(f.type)}" for f in FLAT_EVENTS)
    result = tracks.groupBy("bucket").cogroup(static.groupBy("bucket")).applyInArrow(per_bucket, schema=ddl)
    return from_flat(result.toArrow())


def _encounter_events(positions: DataFrame, plan: Plan, config: Config) -> list[dict[str, Any]]:
    """Each time chunk, with the plan's margin of fixes either side, through the same resampling and join."""
    from pyspark.sql import functions as sf

    chunk, margin = plan.chunk_us, plan.margin_us
    own = sf.floor(sf.col("ts") / sf.lit(chunk))
    early = sf.when(sf.col("ts") - own * chunk < margin, own - 1)
    late = sf.when((own + 1) * chunk - sf.col("ts") <= margin, own + 1)
    chunked = positions.withColumn("chunk", sf.explode(sf.array_compact(sf.array(own, early, late))))

    def per_chunk(table: pa.Table) -> pa.Table:
        fixes = frame_of(table)
        lo = int(fixes["chunk"][0]) * chunk
        tracks = fixes.drop("chunk").sort("mmsi", "ts", "line")
        finder = EncounterFinder(config)
        points = resample(tracks, finder.slot_us, finder.max_interp_us, lo, lo + chunk)
        close = close_slots(points, finder.max_m)
        return close.select(SLOTS.names).to_arrow().cast(SLOTS) if close.height else SLOTS.empty_table()

    slots = chunked.groupBy("chunk").applyInArrow(per_chunk, schema=_SLOTS)
    finder = EncounterFinder(config)
    collected = frame_of(slots.toArrow())
    if collected.height:
        finder.slots = [collected]
    speeds = _speeds(positions, finder.speed_requests())
    out = EventBuilder()
    finder.finish(lambda mmsi, start, end: speeds[(mmsi, start, end)], out)
    return out.rows


def _speeds(positions: DataFrame, requests: list[tuple[int, int, int]]) -> dict[tuple[int, int, int], float]:
    """Median speeds for many (vessel, window) requests in one Spark job."""
    from pyspark.sql import functions as sf

    if not requests:
        return {}
    spark = positions.sparkSession
    wanted = spark.createDataFrame(requests, "rmmsi long, rstart long, rend long")
    joined = positions.join(
        wanted, (positions.mmsi == wanted.rmmsi) & sf.col("ts").between(sf.col("rstart"), sf.col("rend"))
    )

    def speed(table: pa.Table) -> pa.Table:
        fixes = frame_of(table).sort("ts")
        return pa.table(
            {
                "rmmsi": [fixes["rmmsi"][0]],
                "rstart": [fixes["rstart"][0]],
                "rend": [fixes["rend"][0]],
                "knots": [median_speed_kn(fixes.select("ts", "lat", "lon"))],
            }
        )

    result = (
        joined.groupBy("rmmsi", "rstart", "rend")
        .applyInArrow(speed, schema="rmmsi long, rstart long, rend long, knots double")
        .toArrow()
    )
    found = {
        (int(a), int(b), int(c)): float(k)
        for a, b, c, k in zip(*(result.column(i).to_pylist() for i in range(4)), strict=True)
    }
    return {r: found.get(r, 0.0) for r in requests}


def _ddl(arrow_type: pa.DataType) -> str:
    if pa.types.is_int64(arrow_type):
        return "long"
    if pa.types.is_floating(arrow_type):
        return "double"
    return "string"
