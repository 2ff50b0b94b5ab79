"""The local runner: brings the detectors their data from the store in vessel partitions, on DuckDB.

Detectors are pure functions of Polars frames (a partition's positions sorted by mmsi and time, its
static rows); the runner knows the store and the engine, the detectors know neither. Partitions are
buckets of vessels (hash of the MMSI), so every track is whole inside one partition and memory is
bounded by the bucket size, not the store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from shadowfleet.core.frames import frame_of
from shadowfleet.core.schema import POSITIONS, STATIC
from shadowfleet.detect.anchorages import SECTION, AnchorageParams, Nearby, gather, save, stationary_periods
from shadowfleet.detect.encounters import EncounterFinder
from shadowfleet.detect.events import Config, EventBuilder
from shadowfleet.detect.partition import detect_vessels
from shadowfleet.detect.plan import ROWS_PER_PARTITION, Edges, Plan, Window, edges_sql, empty
from shadowfleet.detect.reception import Reception, cells_sql
from shadowfleet.detect.sts import DRAUGHTS, REQUEST_FIXES, Request, summaries
from shadowfleet.store.store import Store, sql_text

__all__ = ["ROWS_PER_PARTITION", "STATIC_FRAME", "TRACK_FRAME", "Window", "run"]
# What the detectors receive: a partition's fixes (times in µs) and its declared identities.
TRACK_FRAME = {
    "mmsi": pl.Int64,
    "ts": pl.Int64,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "source": pl.String,
    "line": pl.Int64,
    "sog_kn": pl.Float64,  # reported speed; null where not sent or a sentinel (51.2, 63, 102.3 kn: reference.md §7)
}
STATIC_FRAME = {
    "mmsi": pl.Int64,
    "ts": pl.Int64,
    "imo": pl.Int64,
    "name": pl.String,
    "callsign": pl.String,
    "ship_type": pl.Int16,
    "length_m": pl.Float64,
    "beam_m": pl.Float64,
    "draught_m": pl.Float64,
    "msg_type": pl.Int8,  # 5 class A, 19 or 24 class B (ITU-R M.1371), null where unknown
    "source": pl.String,
    "line": pl.Int64,
}
# DuckDB caches and sorts within this; beyond it, it spills to disk rather than grow the process
DUCKDB_MEMORY = "1GB"
_SOG = "CASE WHEN sog_kn < 50 THEN sog_kn::DOUBLE END AS sog_kn"  # SOG sentinels are not speeds
_US_PER_H = 3_600_000_000


def _time_where(window: Window) -> str:
    clauses = ["TRUE"]
    if window.since:
        clauses.append(f"ts >= TIMESTAMPTZ '{window.since.isoformat()}'")
    if window.until:
        clauses.append(f"ts < TIMESTAMPTZ '{window.until.isoformat()}'")
    return " AND ".join(clauses)


def _where(window: Window) -> str:
    """Fixes with a position inside the time window."""
    return f"lat IS NOT NULL AND lon IS NOT NULL AND {_time_where(window)}"


def run(store: Store, config: Config, window: Window, progress: Callable[[int, int], None] | None = None) -> pa.Table:
    """Every detector over every partition; returns the events (EVENTS schema), sorted by start."""
    if not store.files(POSITIONS):
        return empty()
    con = duckdb.connect(config={"memory_limit": DUCKDB_MEMORY, "preserve_insertion_order": False})
    positions = f"{store.scan(POSITIONS)}"
    hours = con.execute(
        f"SELECT source, epoch_us(ts) // {_US_PER_H} AS hour, count(*), epoch_us(min(ts)), epoch_us(max(ts)) "
        f"FROM {positions} WHERE {_where(window)} GROUP BY ALL"
    ).fetchall()
    plan = Plan.of(window, [(str(a), int(b), int(c), int(d), int(e)) for a, b, c, d, e in hours], config)
    out = EventBuilder()
    stays = []
    stationary = config.params(AnchorageParams, SECTION)
    with tempfile.TemporaryDirectory(prefix=".scratch-", dir=store.root) as scratch:
        # one pass writes the window's fixes partitioned by vessel bucket and time chunk (bucket=B/chunk=C/),
        # so each vessel partition and each time chunk below reads only its own files
        fixes = (
            f"SELECT mmsi, epoch_us(ts) AS ts, lat, lon, source, line, {_SOG} FROM {positions} WHERE {_where(window)}"
        )
        con.execute(
            f"COPY (SELECT hash(mmsi) % {plan.buckets} AS bucket, ts // {plan.chunk_us} AS chunk, * FROM ({fixes})) "
            f"TO {sql_text(f'{scratch}/fixes')} (FORMAT parquet, PARTITION_BY (bucket, chunk))"
        )
        folder = Path(scratch) / "fixes"
        # who was heard where and when, over the whole window: a vessel's neighbours are in other buckets
        reception = Reception.from_frame(_frame(con, cells_sql(f"SELECT mmsi, ts, lat, lon FROM {_scan(folder)}")))
        for bucket in range(plan.buckets):
            tracks = _read(con, _files(folder, f"bucket={bucket}/chunk=*"))
            static = _static(con, store, window, bucket, plan.buckets)
            detect_vessels(tracks, static, plan.coverage, config, out, reception)
            stays.append(stationary_periods(tracks, stationary))
            if progress:
                progress(bucket + 1, plan.buckets)
        anchorages = gather(pl.concat(stays), config)
        save(store, anchorages)
        nearby = Nearby(anchorages)
        _encounters(con, folder, store, plan, config, nearby, out)
    return plan.finish(out.rows, nearby)


def _encounters(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    store: Store,
    plan: Plan,
    config: Config,
    anchorages: Nearby,
    out: EventBuilder,
) -> None:
    """Pairwise: all vessels of one time chunk at a time, with each vessel's fixes just across its edges."""
    finder = EncounterFinder(config, anchorages)
    edges = Edges(_frame(con, edges_sql(_scan(folder), plan.chunk_us)), plan.chunk_us, plan.margin_us)
    for lo in plan.chunks():
        inside = _files(folder, f"bucket=*/chunk={lo // plan.chunk_us}")
        if inside:
            finder.add(edges.around(_read(con, inside, sort=False), lo), lo, lo + plan.chunk_us)
    requests = finder.requests()
    if requests:
        fixes, draughts = _request_frames(con, store, plan.window, requests)
        finder.finish(summaries(requests, fixes, draughts, finder.params.draught_after_h), out)


def _request_frames(
    con: duckdb.DuckDBPyConnection, store: Store, window: Window, requests: list[Request]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One scan for the fixes of every (vessel, start, end) asked for, and the vessels' draughts."""
    wanted = pa.table({name: [r[i] for r in requests] for i, name in enumerate(("rmmsi", "rstart", "rend"))})
    con.register("wanted", wanted)
    try:
        fixes = _frame(
            con,
            f"SELECT w.rmmsi, w.rstart, w.rend, epoch_us(p.ts) AS ts, p.lat, p.lon, p.heading_deg, p.cog_deg, "
            f"p.nav_status FROM {store.scan(POSITIONS)} p JOIN wanted w ON p.mmsi = w.rmmsi "
            f"AND epoch_us(p.ts) BETWEEN w.rstart AND w.rend WHERE {_where(window)}",
        )
        draughts = (
            _frame(
                con,
                f"SELECT mmsi, epoch_us(ts) AS ts, draught_m FROM {store.scan(STATIC)} "
                f"WHERE draught_m IS NOT NULL AND mmsi IN (SELECT DISTINCT rmmsi FROM wanted)",
            )
            if store.files(STATIC)
            else pl.DataFrame(schema=DRAUGHTS)
        )
    finally:
        con.unregister("wanted")
    return fixes.cast(REQUEST_FIXES), draughts.cast(DRAUGHTS)  # type: ignore[arg-type]


def _files(folder: Path, pattern: str) -> list[str]:
    return [str(f) for f in sorted(folder.glob(f"{pattern}/*.parquet"))]


def _scan(folder: Path) -> str:
    return f"read_parquet({sql_text(f'{folder}/*/*/*.parquet')}, hive_partitioning = false)"


def _read(con: duckdb.DuckDBPyConnection, files: list[str], sort: bool = True) -> pl.DataFrame:
    """The fixes of these scratch files (TRACK_FRAME), sorted by vessel, time and line unless told not to."""
    if not files:
        return pl.DataFrame(schema=TRACK_FRAME)
    listed = ", ".join(sql_text(f) for f in files)
    query = f"SELECT {', '.join(TRACK_FRAME)} FROM read_parquet([{listed}], hive_partitioning = false)"
    frame = _frame(con, query).cast(TRACK_FRAME)  # type: ignore[arg-type]
    return frame.sort("mmsi", "ts", "line") if sort else frame


def _frame(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    return frame_of(con.sql(query).to_arrow_table())


def _bucket(bucket: int, buckets: int) -> str:
    return f"hash(mmsi) % {buckets} = {bucket}"


def _static(con: duckdb.DuckDBPyConnection, store: Store, window: Window, bucket: int, buckets: int) -> pl.DataFrame:
    if not store.files(STATIC):
        return pl.DataFrame(schema=STATIC_FRAME)
    columns = (
        "mmsi, epoch_us(ts) AS ts, imo, name, callsign, ship_type, length_m, beam_m, draught_m, msg_type, source, line"
    )
    query = (
        f"SELECT {columns} FROM {store.scan(STATIC)} WHERE {_time_where(window)} "
        f"AND {_bucket(bucket, buckets)} ORDER BY mmsi, ts, line"
    )
    return _frame(con, query).cast(STATIC_FRAME)  # type: ignore[arg-type]
