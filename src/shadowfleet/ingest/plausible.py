"""Plausibility at the store's door, for every reader alike (ranges in `core.schema`).

- A reception time outside the AIS era rejects its row (reason `implausible_time`).
- A static value that no vessel can have (NaN, inf, 1e308, a 900 m beam) is stored as null with
  the row kept, and noted in `rejects` with reason `value_nulled`: line, field and the value as
  read, `records` 0, so the accounting is unchanged and nothing disappears.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from shadowfleet.core.schema import EARLIEST_TS, STATIC_RANGES, eta_bounds_us, ts_bounds_us
from shadowfleet.ingest.rejects import Rejects
from shadowfleet.ingest.tables import Rows

VALUE_NULLED = "value_nulled"
IMPLAUSIBLE_TIME = "implausible_time"
_UNITS = {"draught_m": "draught", "length_m": "length", "beam_m": "beam"}


def _as_int64(arr: pa.Array[Any]) -> pa.Array[Any]:
    return arr.cast(pa.int64()) if pa.types.is_timestamp(arr.type) else arr


def reject_implausible_times(rows: Rows, rejects: Rejects, now: datetime | None = None) -> Rows:
    """`rows` without those received before 1990 or more than a day after `now`; those are rejected."""
    if not len(rows):
        return rows
    lo, hi = ts_bounds_us(now)
    ts = _as_int64(rows.cols["ts"])
    in_era = pc.and_(pc.greater_equal(ts, pa.scalar(lo)), pc.less_equal(ts, pa.scalar(hi)))
    ok = in_era.fill_null(True).to_numpy(zero_copy_only=False)
    if ok.all():
        return rows
    bad = np.flatnonzero(~ok)
    latest = datetime.fromtimestamp(hi / 1e6, UTC).strftime("%Y-%m-%d %H:%M")
    values = ts.take(bad).to_numpy(zero_copy_only=False)
    rejects.add_frame(
        pl.DataFrame(
            {
                "line": rows.cols["line"].take(bad).to_numpy(zero_copy_only=False),
                "reason": IMPLAUSIBLE_TIME,
                "detail": [
                    f"time {iso_time(int(v))} is outside the AIS era ({EARLIEST_TS:%Y-%m-%d} to {latest} UTC)"
                    for v in values
                ],
                "raw": "",
                "records": rows.weight[bad],
            }
        )
    )
    return rows.take(np.flatnonzero(ok))


def iso_time(us: int) -> str:
    """A µs time as ISO text; years beyond Python's datetime as a plain count."""
    try:
        return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).isoformat()
    except OverflowError:
        return f"{us} µs since 1970"


def null_implausible_static(
    rows: Rows, rejects: Rejects, now: datetime | None = None, raw_line: Callable[[int], bytes] | None = None
) -> Rows:
    """Static rows with implausible dimensions, draught and ETA set to null, each noted in `rejects`."""
    if not len(rows):
        return rows
    frame = pl.DataFrame({f: rows.cols[f] for f in (*STATIC_RANGES, "line")}).with_columns(
        pl.Series("eta", _as_int64(rows.cols["eta"]))
    )
    nulled = null_implausible(frame, rejects, now, raw_line)
    if nulled is frame:
        return rows
    cols = dict(rows.cols)
    for f in (*STATIC_RANGES, "eta"):
        mask = (frame[f].is_not_null() & nulled[f].is_null()).to_numpy()
        cols[f] = pc.if_else(pa.array(mask), pa.nulls(len(mask), cols[f].type), cols[f])
    return Rows(cols, rows.weight)


def null_implausible(
    frame: pl.DataFrame, rejects: Rejects, now: datetime | None = None, raw_line: Callable[[int], bytes] | None = None
) -> pl.DataFrame:
    """`frame` (columns `line` and any of length_m, beam_m, draught_m, eta as µs) with implausible
    values set to null; one `value_nulled` note per line naming each field and value. The same
    frame object when nothing is implausible."""
    eta_lo, eta_hi = eta_bounds_us(now)
    checks = {f: _range_check(f, lo, hi) for f, (lo, hi) in STATIC_RANGES.items() if f in frame.columns}
    if "eta" in frame.columns:
        eta = pl.col("eta")
        checks["eta"] = pl.when((eta < eta_lo) | (eta > eta_hi)).then(
            pl.format("eta {} µs since 1970 is outside the plausible ETAs", eta)
        )
    if not checks:
        return frame
    problems = frame.select(pl.col("line"), *(c.alias(f) for f, c in checks.items()))
    bad = problems.select(pl.any_horizontal(pl.col(f).is_not_null() for f in checks)).to_series()
    if not bad.any():
        return frame
    noted = problems.filter(bad).select("line", pl.concat_list(list(checks)).list.drop_nulls().list.join("; "))
    lines, texts = noted["line"].to_list(), noted[noted.columns[1]].to_list()
    for line, text in zip(lines, texts, strict=True):
        raw = raw_line(line) if raw_line is not None else text.encode()
        rejects.add(line, VALUE_NULLED, f"{text}; stored as null, the row kept", raw, records=0)
    return frame.with_columns(pl.when(problems[f].is_null()).then(pl.col(f)).otherwise(None).alias(f) for f in checks)


def _range_check(f: str, lo: float, hi: float) -> pl.Expr:
    """The problem with field `f` in words, null when the value is plausible, absent or 0 (not available)."""
    value = pl.col(f).cast(pl.Float64)
    good = value.is_null() | (value == 0) | (value.is_finite() & (value >= lo) & (value <= hi))
    return pl.when(~good).then(pl.format(f"{f} {{}} is not a plausible {_UNITS[f]} ({lo:g}-{hi:g} m)", value))
