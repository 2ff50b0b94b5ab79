"""draught_change: a vessel's declared draught moves by half a metre or more, and holds, with the cargo that
would take: tonnes from tonnes-per-centimetre immersion (TPC), barrels by product factor.

AIS draught is typed in by the crew (reference.md §2): a value that flips back and forth, or changes faster
than cargo can be pumped, is noise, not cargo. So changes are read between *stable* values (held for a while
before the next change), and a change faster than a plausible loading rate is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from shadowfleet.core.events import DraughtChangeDetails, EventType
from shadowfleet.detect.coverage import Coverage
from shadowfleet.detect.events import EventBuilder, Params
from shadowfleet.detect.registry import Detector, Partition

_US_PER_H = 3_600_000_000
# What AIS can carry (ITU-R M.1371 message 5): draught up to 25.5 m, a hull up to 511 + 511 m long and
# 63 + 63 m wide. Anything else (NaN, inf, 1e308 in a file) cannot be a ship's and is ignored here.
_MAX_DRAUGHT_M, _MAX_LENGTH_M, _MAX_BEAM_M = 25.5, 1022.0, 126.0


def tonnes_per_cm(length_m: float, beam_m: float, waterplane_coefficient: float, density: float) -> float:
    """TPC = waterplane area (m2) x seawater density / 100 (reference.md §2, "Cargo from draught")."""
    return length_m * beam_m * waterplane_coefficient * density / 100.0


@dataclass(frozen=True)
class DraughtParams(Params):
    min_change_m: float
    max_interval_h: float
    min_stable_h: float
    max_revert_h: float
    max_rate_m_per_h: float
    waterplane_coefficient: float
    seawater_t_per_m3: float
    barrels_per_tonne: float


def _plausible(column: str, top: float) -> pl.Expr:
    value = pl.col(column).cast(pl.Float64)
    return pl.when(value.is_finite() & (value > 0) & (value <= top)).then(value).otherwise(None).alias(column)


def _stable_values(
    static: pl.DataFrame, last_seen: pl.DataFrame, min_stable_us: int, coverage: Coverage
) -> pl.DataFrame:
    """Runs of one declared draught per vessel, kept where the value held at least `min_stable_us` (until the
    next different value, or the vessel's last report): a value that flips back within minutes is noise.

    A vessel's last value, set after a stable one and kept to its last fix, is kept too when the recording
    ended before the vessel could be heard again: sooner after its last fix than its longest silence (a
    satellite revisit, reference.md §7). The data stopped before the value could hold or flip back
    (simulated Yellow Sea seed 13, East China Sea seed 12 and Sea of Japan seed 4: a satellite-heard
    tanker's new draught heard at its last pass, 3 min before its last fix and 1.8 h before the data
    ended, its passes up to 3.6 h apart). A typo that flips in those last minutes still shows as unstable
    values between the two; a ship that goes unheard for longer than ever while the recording goes on may
    have flipped it back unheard."""
    reports = (
        static.select(
            "mmsi",
            "ts",
            _plausible("draught_m", _MAX_DRAUGHT_M),
            _plausible("length_m", _MAX_LENGTH_M),
            _plausible("beam_m", _MAX_BEAM_M),
            "source",
            "line",
        )
        .sort("mmsi", "ts", "line")
        .with_columns(pl.col("length_m", "beam_m").fill_null(strategy="forward").over("mmsi"))
        .filter(pl.col("draught_m").is_not_null())
    )
    new_run = (pl.col("draught_m") != pl.col("draught_m").shift(1)) | (pl.col("mmsi") != pl.col("mmsi").shift(1))
    runs = (
        reports.with_columns(new_run.fill_null(True).cum_sum().alias("run"))
        .group_by("run", maintain_order=True)
        .agg(
            pl.col("mmsi").first(),
            pl.col("draught_m").first(),
            pl.col("ts").first().alias("first"),
            pl.col("ts").last().alias("last"),
            pl.col("source").first().alias("source_first"),
            pl.col("line").first().alias("line_first"),
            pl.col("source").last().alias("source_last"),
            pl.col("line").last().alias("line_last"),
            pl.col("length_m").last(),
            pl.col("beam_m").last(),
        )
        .join(last_seen, on="mmsi", how="left")
    )
    following = pl.col("first").shift(-1).over("mmsi")
    held = runs.with_columns((following.fill_null(pl.max_horizontal("last", "seen")) - pl.col("first")).alias("held"))
    stable = pl.col("held") >= min_stable_us
    seen = held.select(pl.max_horizontal("last", "seen"))["last"].to_numpy()
    unheard = coverage.end_of(seen) - seen  # from the vessel's last fix to the end of the recording
    cut_short = (
        following.is_null()
        & pl.Series((unheard >= 0) & (unheard <= held["revisit"].fill_null(0).to_numpy()))
        & stable.shift(1).over("mmsi").fill_null(False)
    )
    return held.filter(stable | cut_short)


def _without_reverts(stable: pl.DataFrame, max_revert_us: int) -> pl.DataFrame:
    """Drop a value that gives way to the very value before it within `max_revert_us`: A, B, A is a typo
    corrected (or two transponders disagreeing), not cargo loaded and pumped out again. Stable runs of one
    value split by a flip that did not hold are one run first: A, B, (A for minutes), B, A is still A, B, A
    (simulated Yellow Sea seed 21's typo decoy, 11.2 / 8.6 m heard between sparse satellite passes)."""
    repeated = (pl.col("draught_m") - pl.col("draught_m").shift(1).over("mmsi")).abs() < 0.05
    stable = stable.filter(~repeated.fill_null(False))
    before = pl.col("draught_m").shift(1).over("mmsi")
    after = pl.col("draught_m").shift(-1).over("mmsi")
    soon = pl.col("first").shift(-1).over("mmsi") - pl.col("first") <= max_revert_us
    reverted = ((before - after).abs() < 0.05) & soon
    return stable.filter(~reverted.fill_null(False))


def detect_draught_changes(part: Partition, params: DraughtParams, out: EventBuilder) -> None:
    """A change across one of the vessel's AIS gaps (found in the same partition) scores higher."""
    static, tracks = part.static, part.tracks
    gaps = [(r["mmsi"], r["start_time"], r["end_time"]) for r in part.events_of(EventType.AIS_GAP)]
    if not static.height:
        return
    last_seen = (
        tracks.group_by("mmsi").agg(pl.col("ts").max().alias("seen"), pl.col("ts").diff().max().alias("revisit"))
        if tracks.height
        else pl.DataFrame(schema={"mmsi": pl.Int64, "seen": pl.Int64, "revisit": pl.Int64})
    )
    stable = _without_reverts(
        _stable_values(static, last_seen, int(params.min_stable_h * _US_PER_H), part.coverage),
        int(params.max_revert_h * _US_PER_H),
    )
    changes = (
        stable.with_columns(
            pl.col("draught_m").shift(1).over("mmsi").alias("before"),
            pl.col("last").shift(1).over("mmsi").alias("ts_before"),
            pl.col("first").shift(1).over("mmsi").alias("set_before"),
            pl.col("source_last").shift(1).over("mmsi").alias("source_before"),
            pl.col("line_last").shift(1).over("mmsi").alias("line_before"),
        )
        .filter(pl.col("before").is_not_null())
        .with_columns(
            (
                (pl.col("draught_m") - pl.col("before")).abs() / ((pl.col("first") - pl.col("set_before")) / _US_PER_H)
            ).alias("rate_m_per_h"),
            ((pl.col("held")) / _US_PER_H).alias("held_h"),
        )
        .filter(
            ((pl.col("draught_m") - pl.col("before")).abs() >= params.min_change_m - 1e-6)
            & (pl.col("first") - pl.col("ts_before") <= params.max_interval_h * _US_PER_H)
            & (pl.col("rate_m_per_h") <= params.max_rate_m_per_h)
        )
        .rename({"first": "ts", "source_first": "source", "line_first": "line"})
    )
    if not changes.height:
        return
    located = (
        changes.sort("ts").join_asof(
            tracks.select("mmsi", pl.col("ts").alias("ts_fix"), "lat", "lon").sort("ts_fix"),
            left_on="ts",
            right_on="ts_fix",
            by="mmsi",
            strategy="backward",
            check_sortedness=False,
        )
        if tracks.height
        else changes.with_columns(pl.lit(None, pl.Float64).alias("lat"), pl.lit(None, pl.Float64).alias("lon"))
    )
    dark: dict[int, list[tuple[int, int]]] = {}
    for mmsi, start, end in gaps:
        dark.setdefault(mmsi, []).append((start, end))
    columns = (
        "mmsi",
        "ts_before",
        "ts",
        "before",
        "draught_m",
        "length_m",
        "beam_m",
        "lat",
        "lon",
        "source_before",
        "line_before",
        "source",
        "line",
        "rate_m_per_h",
        "held_h",
    )
    for values in located.sort("mmsi", "ts").select(columns).iter_rows():
        change = _Change(*values)
        _emit(change, dark.get(change.mmsi, []), params, out)


@dataclass
class _Change:
    mmsi: int
    start: int
    end: int
    before: float
    after: float
    length_m: float | None
    beam_m: float | None
    lat: float | None
    lon: float | None
    source_before: str
    line_before: int
    source: str
    line: int
    rate_m_per_h: float  # the fastest loading rate the change needs: the change over the time since `before` was set
    held_h: float  # how long the new value held


def _cargo_tonnes(change: _Change, params: DraughtParams) -> float | None:
    if not change.length_m or not change.beam_m:
        return None
    tpc = tonnes_per_cm(change.length_m, change.beam_m, params.waterplane_coefficient, params.seawater_t_per_m3)
    tonnes = abs(change.after - change.before) * 100 * tpc
    return tonnes if math.isfinite(tonnes) else None


def _emit(change: _Change, dark: list[tuple[int, int]], params: DraughtParams, out: EventBuilder) -> None:
    tonnes = _cargo_tonnes(change, params)
    barrels = None if tonnes is None else tonnes * params.barrels_per_tonne
    across_gap = any(g_start >= change.start and g_end <= change.end for g_start, g_end in dark)
    loaded = change.after > change.before
    hours = (change.end - change.start) / _US_PER_H
    held_to_end = ", to the end of the recording" if change.held_h < params.min_stable_h else ""
    cargo = f"~{tonnes:,.0f} t (~{barrels:,.0f} bbl of gas oil) " if tonnes is not None and barrels is not None else ""
    reason = (
        f"declared draught {'rose' if loaded else 'fell'} from {change.before:.1f} m to {change.after:.1f} m over "
        f"{hours:.1f} h and held {change.held_h:.1f} h{held_to_end}: {cargo}"
        f"{'loaded' if loaded else 'discharged'}" + (", across an AIS gap" if across_gap else "")
    )
    rate_t = None if tonnes is None or hours <= 0 else round(tonnes / hours, 1)
    out.add(
        DraughtChangeDetails(
            draught_before_m=change.before,
            draught_after_m=change.after,
            tonnes=None if tonnes is None else round(tonnes),
            barrels=None if barrels is None else round(barrels),
            across_gap=across_gap,
            length_m=change.length_m,
            beam_m=change.beam_m,
            loading_rate_t_per_h=rate_t,
            rate_m_per_h=round(change.rate_m_per_h, 3),
            held_h=round(change.held_h, 2),
        ),
        change.mmsi,
        change.start,
        change.end,
        lat=change.lat,
        lon=change.lon,
        score=0.3 + 0.4 * across_gap + 0.1 * (tonnes is not None and tonnes >= 500),
        reason=reason,
        version=params.version,
        refs=[(change.source_before, change.line_before), (change.source, change.line)],
    )


DETECTORS = (Detector(EventType.DRAUGHT_CHANGE, DraughtParams, detect_draught_changes, needs=(EventType.AIS_GAP,)),)
